// WhatsApp conversations as conversation documents (docs/whatsapp-conversations.md). One document per conversation
// (models/whatsAppConversationModel.ts) holds the turn lease, the inbox of messages acknowledged to the channel and not
// yet answered, the log of recent processed ones with the resend check, the bot state, the outbox of replies stored and
// not yet sent, and what the channel knows of the sender. This process remembers each document as it last wrote or
// read it, so a write needs no read first: every write is one compare-and-set `updateOne({_id, version})` that sets
// the fields a mutation changed. When another process wrote meanwhile the write misses, the document is read again
// and the mutation applied to what is there now (a mutation only ever adds to the inbox, so nothing is lost).
import { createHash, randomBytes } from 'node:crypto';
import type { mongo } from 'mongoose';
import { retryWhileUnavailable } from '../../db/databaseAvailability.js';
import type { WhatsAppConversationRecord, WhatsAppInboxEntry } from '../../models/whatsAppConversationModel.js';
import { thisProcessName } from '../../services/claims.js';
import { isDuplicateKeyError } from '../../services/mongoErrors.js';
import { Backoff, lostRaceBackoff } from '../../services/retry.js';

export type { WhatsAppConversationRecord, WhatsAppInboxEntry };

/** The turn lease of this conversation is no longer this process's (it expired and was taken over). */
export class WhatsAppLeaseLostError extends Error {
  override name = 'WhatsAppLeaseLostError';
}

export interface WhatsAppConversationStoreOptions {
  /** Processed messages kept in the document after a move-out. Default 20. */
  logKept?: number;
  /** The log grows to this many before the oldest move out (one insert for all of them). Default 50. */
  logMax?: number;
  /** Message ids remembered for the resend check. Default 300. */
  seenKept?: number;
  /** How long one write keeps trying while the database is unreachable. Default 30 s. */
  unavailableRetryMs?: number;
  /** Stores processed messages that leave the document's log (the channel's inbound collection); idempotent. */
  moveOut?: (conversationId: string, entries: WhatsAppInboxEntry[]) => Promise<void>;
}

/** What a mutation returns: false when there is nothing to write. */
export type Mutation = (doc: WhatsAppConversationRecord) => void | false;

interface Known {
  /** The document as of its `version`, as this process last wrote or read it. */
  doc?: WhatsAppConversationRecord;
  /** Our lease token, while this process holds the conversation's turn lease. */
  token?: string;
  /** Writes of this conversation in this process, one after another. */
  writing: Promise<unknown>;
}

/** The resend check keeps hashes of the ids: short, and never a field name or an operator. */
export function seenHash(messageId: string): string {
  return createHash('sha256').update(messageId).digest('base64url').slice(0, 16);
}

function emptyConversation(conversationId: string, now: Date): WhatsAppConversationRecord {
  return { _id: conversationId, version: 0, inbox: [], log: [], seen: [], state: '{}', outbox: [], seq: 0, pending: false, createdAt: now, updatedAt: now };
}

/** The document with every array and the state present (a document written by an older version may lack some). */
function complete(doc: WhatsAppConversationRecord): WhatsAppConversationRecord {
  return { ...doc, inbox: doc.inbox ?? [], log: doc.log ?? [], seen: doc.seen ?? [], outbox: doc.outbox ?? [], state: doc.state ?? '{}', seq: doc.seq ?? 0 };
}

export function leaseFree(doc: WhatsAppConversationRecord, now = Date.now()): boolean {
  return !doc.lease || new Date(doc.lease.expiresAt).getTime() <= now;
}

export class WhatsAppConversationStore {
  readonly logKept: number;
  readonly logMax: number;
  readonly seenKept: number;
  private readonly unavailableRetryMs: number;
  private readonly known = new Map<string, Known>();
  private readonly collection: mongo.Collection<WhatsAppConversationRecord>;

  constructor(
    model: { collection: unknown },
    private readonly options: WhatsAppConversationStoreOptions = {},
  ) {
    this.collection = model.collection as mongo.Collection<WhatsAppConversationRecord>;
    this.logKept = Math.max(1, options.logKept ?? 20);
    this.logMax = Math.max(this.logKept + 1, options.logMax ?? 50);
    this.seenKept = Math.max(this.logMax, options.seenKept ?? 300);
    this.unavailableRetryMs = options.unavailableRetryMs ?? 30_000;
  }

  private entry(conversationId: string): Known {
    let known = this.known.get(conversationId);
    if (!known) {
      if (this.known.size >= 20_000) for (const [id, other] of this.known) if (!other.token) this.known.delete(id);
      known = { writing: Promise.resolve() };
      this.known.set(conversationId, known);
    }
    return known;
  }

  /** The document as this process knows it (read when it does not): null when there is none. */
  async get(conversationId: string, options: { fresh?: boolean } = {}): Promise<WhatsAppConversationRecord | null> {
    const known = this.entry(conversationId);
    if (known.doc && !options.fresh) return known.doc;
    const doc = await this.read(conversationId);
    if (doc) known.doc = doc;
    return doc;
  }

  /** The document as this process last wrote or read it, without reading it (undefined: not known here). */
  remembered(conversationId: string): WhatsAppConversationRecord | undefined {
    return this.known.get(conversationId)?.doc;
  }

  /** Whether this process holds the conversation's turn lease (as far as it knows). */
  holds(conversationId: string): boolean {
    const known = this.known.get(conversationId);
    return known?.token !== undefined && (known.doc === undefined || known.doc.lease?.token === known.token);
  }

  /** Forgets what this process knows of a document it does not hold the lease of (another process may have written). */
  forget(conversationId: string): void {
    const known = this.known.get(conversationId);
    if (known && !this.holds(conversationId)) known.doc = undefined;
  }

  private async read(conversationId: string): Promise<WhatsAppConversationRecord | null> {
    const doc = await this.collection.findOne({ _id: conversationId }, { projection: { _id: 1, version: 1, lease: 1, inbox: 1, log: 1, seen: 1, state: 1, outbox: 1, seq: 1, pending: 1, lastInboundAt: 1, numberedChoices: 1, handoffMarks: 1, createdAt: 1, updatedAt: 1, lastWrite: 1 } });
    return doc ? complete(doc as WhatsAppConversationRecord) : null;
  }

  private serialised<T>(known: Known, task: () => Promise<T>): Promise<T> {
    const next = known.writing.then(task, task);
    known.writing = next.catch(() => undefined);
    return next;
  }

  /**
   * Applies `mutation` to the conversation and stores what it changed with one compare-and-set write. A miss (another
   * process wrote) reads the document again and applies the mutation to that. `create`: a conversation without a
   * document starts empty (inserted). `requireLease`: refused with WhatsAppLeaseLostError unless this process holds
   * the lease. Resolves with the document as written (or as it is, when the mutation had nothing to write).
   */
  mutate(conversationId: string, mutation: Mutation, options: { create?: boolean; requireLease?: boolean } = {}): Promise<WhatsAppConversationRecord | null> {
    const known = this.entry(conversationId);
    return this.serialised(known, async () => {
      const lostRace = new Backoff({ ...lostRaceBackoff, windowMs: 10_000 });
      for (;;) {
        let doc = known.doc ?? (await this.read(conversationId));
        if (!doc) {
          if (!options.create) return null;
          doc = emptyConversation(conversationId, new Date());
        }
        if (options.requireLease && (known.token === undefined || doc.lease?.token !== known.token)) {
          known.token = undefined;
          throw new WhatsAppLeaseLostError(`The turn lease of ${conversationId} is not held here.`);
        }
        const next = structuredClone(doc);
        if (mutation(next) === false) {
          known.doc = doc;
          return doc;
        }
        const writeId = randomBytes(9).toString('base64url');
        next.version = doc.version + 1;
        next.updatedAt = new Date();
        next.lastWrite = writeId;
        next.pending = next.inbox.length > 0 || next.outbox.length > 0;
        if (next.log.length > this.logMax) {
          // The log is full: its oldest entries move to the channel's inbound collection before this write drops them.
          const moving = next.log.slice(0, next.log.length - this.logKept);
          await this.options.moveOut?.(conversationId, moving);
          next.log = next.log.slice(-this.logKept);
        }
        const landed = await retryWhileUnavailable(() => this.write(doc, next, writeId), this.unavailableRetryMs);
        if (landed) {
          known.doc = next;
          return next;
        }
        known.doc = undefined;
        if (!(await lostRace.wait())) throw new Error(`Could not write the WhatsApp conversation ${conversationId}: too many concurrent writers.`);
      }
    });
  }

  /** One compare-and-set write of `next` over `doc`; false when another write came first. */
  private async write(doc: WhatsAppConversationRecord, next: WhatsAppConversationRecord, writeId: string): Promise<boolean> {
    if (doc.version === 0) {
      try {
        await this.collection.insertOne(next);
        return true;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        const current = await this.read(doc._id);
        return current?.lastWrite === writeId;
      }
    }
    const $set: Record<string, unknown> = {};
    const $unset: Record<string, 1> = {};
    for (const key of new Set([...Object.keys(doc), ...Object.keys(next)]) as Set<keyof WhatsAppConversationRecord>) {
      if (key === '_id' || key === 'version') continue;
      if (JSON.stringify(doc[key]) === JSON.stringify(next[key])) continue;
      if (next[key] === undefined) $unset[key] = 1;
      else $set[key] = next[key];
    }
    const update: Record<string, unknown> = { $set, $inc: { version: 1 } };
    if (Object.keys($unset).length > 0) update.$unset = $unset;
    const { matchedCount } = await this.collection.updateOne({ _id: doc._id, version: doc.version }, update);
    if (matchedCount === 1) return true;
    // A write whose answer was lost (the database went away after storing it) is ours all the same.
    const current = await this.collection.findOne({ _id: doc._id }, { projection: { lastWrite: 1 } });
    return current?.lastWrite === writeId;
  }

  /**
   * Stores a consumer's message (the acknowledgement to the channel), once: a message whose id was stored before is a
   * duplicate and changes nothing. With `takeLease` and the lease free, the same write takes the turn lease.
   */
  async receive(
    conversationId: string,
    message: Omit<WhatsAppInboxEntry, 'processedAt'>,
    options: { takeLease?: { ttlMs: number } } = {},
  ): Promise<{ stored: boolean; taken: boolean }> {
    const hash = seenHash(message.id);
    const token = randomBytes(12).toString('base64url');
    let stored = false;
    let taken = false;
    await this.mutate(
      conversationId,
      (doc) => {
        stored = false;
        taken = false;
        if (doc.seen.includes(hash)) return false;
        stored = true;
        doc.inbox.push({ ...message });
        doc.seen = [...doc.seen, hash].slice(-this.seenKept);
        if (!doc.lastInboundAt || new Date(doc.lastInboundAt).getTime() < message.sentAt.getTime()) doc.lastInboundAt = message.sentAt;
        if (options.takeLease && leaseFree(doc)) {
          doc.lease = { token, owner: thisProcessName, expiresAt: new Date(Date.now() + options.takeLease.ttlMs) };
          taken = true;
        }
      },
      { create: true },
    );
    if (taken) this.entry(conversationId).token = token;
    return { stored, taken };
  }

  /**
   * Takes the conversation's turn lease (or finds it already held here). A lease another process holds is waited for
   * (10 ms doubling to 200 ms, for up to `waitMs`). `create`: a conversation without a document gets one (a proactive
   * message to a consumer who never wrote on this channel). Resolves false when the lease stayed busy, or when
   * `onlyIfPending` and there is nothing to do.
   */
  async take(conversationId: string, options: { ttlMs: number; waitMs: number; create?: boolean; onlyIfPending?: boolean }): Promise<boolean> {
    const leaseWait = new Backoff({ firstDelayMs: 10, maxDelayMs: 200, windowMs: options.waitMs });
    const known = this.entry(conversationId);
    for (;;) {
      if (this.holds(conversationId)) return true;
      const token = randomBytes(12).toString('base64url');
      let busy = false;
      const doc = await this.mutate(
        conversationId,
        (current) => {
          busy = false;
          // Ours already (taken with a message this process stored, its turn not yet run).
          if (known.token !== undefined && current.lease?.token === known.token && !leaseFree(current)) return false;
          if (options.onlyIfPending && !current.pending) return false;
          if (!leaseFree(current)) {
            busy = true;
            return false;
          }
          current.lease = { token, owner: thisProcessName, expiresAt: new Date(Date.now() + options.ttlMs) };
        },
        { create: options.create },
      );
      if (!doc) return false;
      if (known.token !== undefined && doc.lease?.token === known.token) return true;
      if (doc.lease?.token === token) {
        known.token = token;
        return true;
      }
      if (!busy) return false;
      // Someone else's live lease: what we know of the document is stale by the time it ends.
      known.doc = undefined;
      if (!(await leaseWait.wait())) return false;
    }
  }

  /** Extends the lease this process holds. */
  async renew(conversationId: string, ttlMs: number): Promise<void> {
    await this.mutate(
      conversationId,
      (doc) => {
        doc.lease = { ...doc.lease!, expiresAt: new Date(Date.now() + ttlMs) };
      },
      { requireLease: true },
    );
  }

  /** A write under the lease (a turn's state and replies, the acknowledgement of sent replies, the release). */
  async update(conversationId: string, mutation: Mutation, options: { release?: boolean } = {}): Promise<WhatsAppConversationRecord> {
    const known = this.entry(conversationId);
    const doc = await this.mutate(
      conversationId,
      (current) => {
        const result = mutation(current);
        if (!options.release) return result;
        current.lease = null;
      },
      { requireLease: true },
    );
    if (doc?.lease?.token !== known.token) known.token = undefined;
    return doc!;
  }

  /** Lets the lease go if this process holds it (best effort: it expires anyway). */
  async release(conversationId: string): Promise<void> {
    if (!this.holds(conversationId)) return;
    await this.update(conversationId, () => undefined, { release: true }).catch(() => {
      this.entry(conversationId).token = undefined;
    });
  }

  /**
   * Before a live handoff of a WhatsApp consumer opens (services/liveHandoffService.ts HandoffMarks): +1 on
   * `handoffMarks` of those of `conversationIds` that exist (one `_id: {$in}` read, one update), so their turns read the
   * handoff. The version moves too, so every process's next write of the document misses and reads it again: no
   * process goes on trusting a remembered "none open". Returns the ids marked. A handoff opening is rare.
   */
  async markHandoff(conversationIds: string[]): Promise<string[]> {
    const ids = (await this.collection.find({ _id: { $in: conversationIds } }, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id);
    await this.changeHandoffMarks(ids, 1);
    return ids;
  }

  /** After the handoff has ended: -1 on the documents `markHandoff` marked for it. */
  async unmarkHandoff(conversationIds: string[]): Promise<void> {
    await this.changeHandoffMarks(conversationIds, -1);
  }

  private async changeHandoffMarks(ids: string[], by: 1 | -1): Promise<void> {
    if (ids.length === 0) return;
    await this.collection.updateMany({ _id: { $in: ids } }, { $inc: { handoffMarks: by, version: 1 }, $set: { lastWrite: randomBytes(9).toString('base64url') } });
    for (const id of ids) {
      const known = this.known.get(id);
      if (known) known.doc = undefined;
    }
  }

  /**
   * Conversations with stored messages or replies left: scans the collection (a background pass at start and every
   * minute, never a consumer's turn) for the `pending` flag.
   */
  async pendingConversations(limit = 500): Promise<Array<{ _id: string; lease?: WhatsAppConversationRecord['lease'] }>> {
    return this.collection.find({ pending: true }, { projection: { _id: 1, lease: 1 } }).limit(limit).toArray();
  }
}
