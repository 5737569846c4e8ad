// Web chat conversations as conversation documents (docs/conversation-documents.md): one document per conversation
// holds what a turn needs — the turn lease, the pending mark, the bot state the turn reads and writes, the resend check
// (recent client activity ids), idempotency keys of proactive sends, and a bounded window of recent activities up to
// the watermark (`head`). A turn takes the lease with one findOneAndUpdate on `{_id, version}` that returns the
// document as it was, and ends with one compare-and-set write on `{_id, version}` that stores the replies and the new
// state and releases the lease. Older activities move to the activities collection (`<conversation>:<seq>`) before
// the write that drops them from the window, so a reader finds every activity in one place or the other.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Activity } from 'botbuilder';
import { trusted, type mongo } from 'mongoose';
import { retryWhileUnavailable } from '../../db/databaseAvailability.js';
import type { DirectLineActivityRecord, DirectLineConversationRecord, DirectLineModels, DirectLineUserRecord } from '../../models/directLineModels.js';
import { wholeDocument } from '../../models/index.js';
import { countInWindow, type CountedWindow, type Limit } from '../../services/abuseLimits.js';
import { LeaseBusyError, thisProcessName } from '../../services/leases.js';
import { isDuplicateKeyError } from '../../services/mongoErrors.js';
import { Backoff, lostRaceBackoff } from '../../services/retry.js';
import type { HeldStateItem } from '../turnStateScope.js';

/** An activity as stored and as the client receives it: JSON, so its timestamps are ISO strings. */
export type ActivityJson = Omit<Partial<Activity>, 'timestamp' | 'localTimestamp'> & {
  id: string;
  timestamp?: string;
  localTimestamp?: string;
};

/** An activity just appended, as the bot sees it (timestamp a Date, like on every channel). */
export type AppendedActivity = Partial<Activity> & { id: string };

export interface ActivityPage {
  activities: ActivityJson[];
  /** The last seq delivered; the client sends it back to get what follows. */
  watermark: number;
}

export class DirectLineConversationNotFoundError extends Error {
  override name = 'DirectLineConversationNotFoundError';
  constructor(readonly conversationId: string) {
    super(`No web chat conversation ${conversationId}.`);
  }
}

/** The conversation's messages-per-window limit refuses this one: nothing was stored (the client may send it again later). */
export class ConversationMessageLimitError extends Error {
  override name = 'ConversationMessageLimitError';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many messages in this conversation; try again in ${retryAfterSeconds} s.`);
  }
}

/** The turn's lease was taken over (the turn outlived it) or its write was refused: nothing of the write was stored. */
export class ConversationLeaseLostError extends Error {
  override name = 'ConversationLeaseLostError';
}

const conversationIdPattern = /^[A-Za-z0-9_-]{8,64}$/;
export const maxPage = 100;

export function isConversationId(value: string): boolean {
  return conversationIdPattern.test(value);
}

export function newConversationId(): string {
  return randomBytes(18).toString('base64url');
}

export function activityIdFor(conversationId: string, seq: number): string {
  return `${conversationId}:${String(seq).padStart(10, '0')}`;
}

/** The hashed form of an idempotency key as kept in the document. */
function keyHash(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('base64url');
}

export interface DirectLineStoreOptions {
  /** Activities kept in the document after a move-out; older ones live in the activities collection. Default 20. */
  windowKeep?: number;
  /** The window grows to this many before the oldest move out (one insert for all of them). Default 50. */
  windowMax?: number;
  /** Client activity ids remembered for the resend check. Default 50. */
  clientIdsKept?: number;
  /** Idempotency keys of proactive sends remembered. Default 200. */
  sentKeysKept?: number;
  /** How long a write of a turn that already ran keeps trying while the database is unreachable. Default 30 s. */
  unavailableRetryMs?: number;
}

/** What a process knows of a conversation between turns: enough to take the lease without reading first. */
interface KnownHeader {
  userId: string;
  version?: number;
  head: number;
  windowFrom?: number;
  clientIds: Array<{ client: string; id: string }>;
  pendingTurn?: { activityId: string; since: Date };
  lease?: { token: string; owner: string; expiresAt: Date };
  /** The messages counted in the current limit window (services/abuseLimits.ts countInWindow). */
  messageLimit?: CountedWindow;
}

const headerProjection = { userId: 1, version: 1, head: 1, windowFrom: 1, clientIds: 1, pendingTurn: 1, lease: 1, messageLimit: 1 } as const;
/** Everything but the window (a turn writes the window with $push and never needs to read it). */
const withoutWindow = { window: 0 } as const;
const pollProjection = { userId: 1, head: 1, windowFrom: 1, window: 1, pendingTurn: 1, lease: 1, updatedAt: 1 } as const;

/** The consumer's activity a turn stores as it takes the lease. */
export interface IncomingActivity {
  build: (id: string, timestamp: Date) => Partial<Activity>;
  /** Web Chat's `channelData.clientActivityID`: a second POST with it is answered with the first one's id. */
  clientActivityId?: string;
}

export interface TakeOptions {
  ttlMs: number;
  /** How long to wait for a lease another turn holds before LeaseBusyError. */
  waitMs: number;
  incoming?: IncomingActivity;
  /**
   * Counts this take as one consumer message under the limit (messagesPerConversation), in a window kept in the
   * document and written by the take itself; over the limit the take answers `limited` and stores nothing.
   */
  limit?: Limit;
}

export type Taken =
  | { kind: 'repeated'; id: string }
  | { kind: 'limited'; retryAfterSeconds: number }
  | {
      kind: 'taken';
      session: ConversationSession;
      /** The incoming activity, stored by the take (absent when a left-over pending turn must be finished first). */
      stored?: AppendedActivity;
    };

/** A conversation created with its turn lease held, and the bot state it starts with (by its id). */
export interface NewConversationLease {
  ttlMs: number;
  state?: (conversationId: string) => Record<string, HeldStateItem | null>;
  /** The user can have no live handoff (an id just issued): the document says so from the start. */
  noHandoff?: boolean;
}

/** Someone listening for activities as they are stored (the Direct Line stream). */
/** What a conversation's stream needs to know each tick: is there more, and is a consumer's turn unfinished. */
export interface ConversationHead {
  head: number;
  turnPending: boolean;
}

/**
 * Told in this process after a write that stored activities: the conversation, its new watermark, and what that write
 * stored (seq and JSON exactly as a read returns them), so a stream can push them without reading them back.
 */
export type StoredListener = (conversationId: string, watermark: number, stored: ReadonlyArray<{ seq: number; json: string }>) => void;

/** A conversation nobody has written in yet: its bot state seeded (what is known to be absent). */
function newRecord(userId: string, conversationId: string, seed: Omit<NewConversationLease, 'ttlMs'> = {}): DirectLineConversationRecord & { createdAt: Date } {
  const now = new Date();
  return {
    _id: conversationId,
    userId,
    head: 0,
    createdAt: now,
    updatedAt: now,
    version: 0,
    windowFrom: 1,
    clientIds: [],
    sentKeys: [],
    state: JSON.stringify(seed.state?.(conversationId) ?? {}),
    ...(seed.noHandoff ? { handoffMarks: 0 } : {}),
  };
}

/** Conversations and their activity streams, on the database. */
export class DirectLineConversationStore {
  readonly windowKeep: number;
  readonly windowMax: number;
  readonly clientIdsKept: number;
  readonly sentKeysKept: number;
  readonly unavailableRetryMs: number;
  /** The header as this process last wrote it (lease released, nothing pending): a take needs no read first. */
  private readonly known = new Map<string, KnownHeader>();
  private readonly events = new EventEmitter();

  constructor(
    readonly models: DirectLineModels,
    options: DirectLineStoreOptions = {},
  ) {
    this.windowKeep = Math.max(1, options.windowKeep ?? 20);
    this.windowMax = Math.max(this.windowKeep + 1, options.windowMax ?? 50);
    this.clientIdsKept = options.clientIdsKept ?? 50;
    this.sentKeysKept = options.sentKeysKept ?? 200;
    this.unavailableRetryMs = options.unavailableRetryMs ?? 30_000;
    this.events.setMaxListeners(0);
  }

  /**
   * The conversations collection through the driver itself: the turn's hot path (take, write, poll, heads) skips
   * mongoose's casting and document building. Every filter is an `_id` (a string) or `{_id, version}`; every read
   * carries a projection.
   */
  get conversations(): mongo.Collection<DirectLineConversationRecord> {
    return this.models.directLineConversations.collection as unknown as mongo.Collection<DirectLineConversationRecord>;
  }

  /** Called (in this process) after every write that stored activities, with the conversation and its new watermark. */
  onStored(listener: StoredListener): () => void {
    this.events.on('stored', listener);
    return () => this.events.off('stored', listener);
  }

  /** @internal the session tells listeners. */
  announceStored(conversationId: string, watermark: number, stored: ReadonlyArray<{ seq: number; json: string }>): void {
    this.events.emit('stored', conversationId, watermark, stored);
  }

  /** @internal the session records what it left behind, or forgets it. */
  remember(conversationId: string, header: KnownHeader | undefined): void {
    if (!header) {
      this.known.delete(conversationId);
      return;
    }
    if (this.known.size >= 20_000) this.known.clear();
    this.known.set(conversationId, header);
  }

  /**
   * For each of these conversations that exists: its head (the watermark) and whether a consumer's turn is pending.
   * One `_id: {$in}` read with a projection, whatever the number of ids: what the Direct Line stream asks every tick.
   */
  async conversationHeads(conversationIds: string[]): Promise<Map<string, ConversationHead>> {
    const heads = new Map<string, ConversationHead>();
    if (conversationIds.length === 0) return heads;
    const records = await this.conversations.find({ _id: { $in: conversationIds } }, { projection: { head: 1, pendingTurn: 1 } }).toArray();
    for (const record of records) heads.set(record._id, { head: record.head, turnPending: record.pendingTurn !== undefined && record.pendingTurn !== null });
    return heads;
  }

  async getConversation(conversationId: string): Promise<DirectLineConversationRecord | null> {
    if (!isConversationId(conversationId)) return null;
    return this.conversations.findOne({ _id: conversationId }, { projection: { userId: 1, head: 1, createdAt: 1, updatedAt: 1, pendingTurn: 1 } });
  }

  /**
   * Creates the conversation; when it already exists (a retry, a race) reports `created: false`. With `lease`, the new
   * document is created with the lease held and the session is returned (the welcome turn needs no take).
   */
  async createConversation(
    userId: string,
    conversationId: string = newConversationId(),
    lease?: NewConversationLease,
  ): Promise<{ conversationId: string; created: boolean; session?: ConversationSession }> {
    const token = randomBytes(12).toString('base64url');
    const fresh = newRecord(userId, conversationId, lease);
    const record: DirectLineConversationRecord = {
      ...fresh,
      window: [],
      ...(lease ? { lease: { token, owner: thisProcessName, expiresAt: new Date(fresh.createdAt.getTime() + lease.ttlMs) } } : {}),
    };
    try {
      await this.models.directLineConversations.create(record);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const existing = await this.getConversation(conversationId);
      if (existing?.userId !== userId) throw new Error(`Conversation ${conversationId} belongs to another user.`);
      return { conversationId, created: false };
    }
    if (!lease) {
      this.remember(conversationId, { userId, version: 0, head: 0, windowFrom: 1, clientIds: [] });
      return { conversationId, created: true };
    }
    return { conversationId, created: true, session: new ConversationSession(this, record) };
  }

  /**
   * A new conversation (a fresh id) as a session that nothing is stored of yet: its turn runs first (the welcome), and
   * its first write inserts the document with that turn's replies and state, the lease released: one command.
   */
  newConversation(userId: string, conversationId: string, seed: Omit<NewConversationLease, 'ttlMs'> = {}): ConversationSession {
    return new ConversationSession(this, newRecord(userId, conversationId, seed), { unsaved: true });
  }

  /**
   * Deletes conversations nobody wrote in since `idleBefore`, with their activities (read by their exact ids
   * `<conversation>:<seq>`, 1..head, in batches) and the user's pointer to them. Finding them scans the
   * conversations once per sweep (a background pass, never a consumer's turn). Returns the documents deleted.
   */
  async expireIdleConversations(idleBefore: Date, batch = 200): Promise<number> {
    const idle = await this.models.directLineConversations
      .find({ updatedAt: trusted({ $lt: idleBefore }) }, { _id: 1, head: 1, userId: 1 })
      .limit(batch)
      .lean<Array<{ _id: string; head: number; userId: string }>>();
    let deleted = 0;
    for (const conversation of idle) {
      for (let from = 1; from <= conversation.head; from += 500) {
        const ids = Array.from({ length: Math.min(500, conversation.head - from + 1) }, (_, index) => activityIdFor(conversation._id, from + index));
        deleted += (await this.models.directLineActivities.deleteMany({ _id: trusted({ $in: ids }) })).deletedCount;
      }
      // Only if the user still points here (a newer conversation of theirs stays theirs).
      const pointer = await this.models.directLineUsers.findById(conversation.userId, { conversationId: 1 }).lean<{ conversationId: string }>();
      if (pointer?.conversationId === conversation._id) deleted += (await this.models.directLineUsers.deleteOne({ _id: conversation.userId })).deletedCount;
      // Only if still idle: a message that arrived meanwhile keeps the conversation (its activities are by then gone
      // only if they were older than the window, which is what expiry means).
      const removed = (await this.models.directLineConversations.deleteOne({ _id: conversation._id, updatedAt: trusted({ $lt: idleBefore }) })).deletedCount;
      if (removed > 0) this.remember(conversation._id, undefined);
      deleted += removed;
    }
    return deleted;
  }

  /** Ends a web chat identity ("forget me"): its cookie is refused from now on. Idempotent. */
  async forgetUser(userId: string): Promise<void> {
    await this.models.directLineForgotten.updateOne({ _id: userId }, { $setOnInsert: { forgottenAt: new Date() } }, { upsert: true });
  }

  /** Was this identity ended by its consumer? One `_id` read. */
  async isForgotten(userId: string): Promise<boolean> {
    return (await this.models.directLineForgotten.findById(userId, { _id: 1 }).lean()) !== null;
  }

  /**
   * Before a live handoff of this web chat user opens: +1 on `handoffMarks` of each of the user's conversations, so
   * that their turns check the handoff (a turn skips that read only while its document says 0). Finding them scans
   * the conversations by user (a handoff opening is rare, never an ordinary turn); the write is one `_id: {$in}`
   * update. The version is left alone: a turn running meanwhile keeps its compare-and-set. Returns the ids marked.
   */
  async markHandoff(userId: string): Promise<string[]> {
    const ids = (await this.conversations.find({ userId }, { projection: { _id: 1 } }).toArray()).map((conversation) => conversation._id);
    if (ids.length > 0) await this.conversations.updateMany({ _id: { $in: ids } }, { $inc: { handoffMarks: 1 } });
    return ids;
  }

  /** After the handoff has ended: -1 on the conversations `markHandoff` marked for it. */
  async unmarkHandoff(conversationIds: string[]): Promise<void> {
    if (conversationIds.length === 0) return;
    await this.conversations.updateMany({ _id: { $in: conversationIds } }, { $inc: { handoffMarks: -1 } });
  }

  /** The user's current conversation, created on first use. Two tabs opening at once end up in the same one. */
  async conversationForUser(
    userId: string,
    lease?: NewConversationLease,
  ): Promise<{ conversationId: string; created: boolean; session?: ConversationSession }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await this.models.directLineUsers.findById(userId, wholeDocument).lean<DirectLineUserRecord>();
      if (existing) {
        const conversation = await this.getConversation(existing.conversationId);
        if (conversation) {
          if (conversation.userId !== userId) throw new Error(`Conversation ${existing.conversationId} belongs to another user.`);
          return { conversationId: existing.conversationId, created: false };
        }
        // Repairs a process that died between claiming the user and creating the conversation.
        return this.createConversation(userId, existing.conversationId, lease);
      }
      const conversationId = newConversationId();
      try {
        await this.models.directLineUsers.create({ _id: userId, conversationId, createdAt: new Date() });
      } catch (error) {
        if (isDuplicateKeyError(error)) continue;
        throw error;
      }
      // Inserted at once (not by the welcome turn's write, as a Direct Line start is): another tab that finds
      // the user's pointer must find the conversation too, or it would repair it and welcome the consumer a second time.
      return this.createConversation(userId, conversationId, lease);
    }
    throw new Error(`Could not settle the conversation of user ${userId}.`);
  }

  /**
   * Takes the conversation's turn lease: one findOneAndUpdate on `{_id, version}` that returns the document as it was
   * (without its window). The version comes from what this process last wrote, or from a read when it does not know
   * (another process wrote since, or it never served this conversation). With `incoming`, the consumer's activity is
   * stored and marked pending by the same command — unless its client activity id was stored before (a resend: its
   * first id comes back, no lease is taken) or an earlier turn is still pending (the caller finishes that first and
   * then calls `session.storeIncoming`).
   */
  async take(conversationId: string, options: TakeOptions): Promise<Taken> {
    // Waiting for another turn's lease: 10 ms doubling to 200 ms, for up to waitMs. Losing the compare-and-set to
    // another writer: read again, at once at first.
    const leaseWait = new Backoff({ firstDelayMs: 10, maxDelayMs: 200, windowMs: options.waitMs });
    const lostRace = new Backoff({ ...lostRaceBackoff, windowMs: options.waitMs });
    for (;;) {
      const known = this.known.get(conversationId) ?? (await this.readHeader(conversationId));
      if (!known) throw new DirectLineConversationNotFoundError(conversationId);
      const clientActivityId = options.incoming?.clientActivityId;
      const seen = clientActivityId === undefined ? undefined : known.clientIds.find((entry) => entry.client === clientActivityId);
      if (seen) return { kind: 'repeated', id: seen.id };
      const now = new Date();
      // The limit is decided on the header the compare-and-set below matches (or on an older copy of it, whose count
      // can only be lower in the same window): exact across processes, and a refusal writes nothing.
      let counted: CountedWindow | undefined;
      if (options.limit) {
        const verdict = countInWindow(options.limit, known.messageLimit, now);
        if (!verdict.allowed) return { kind: 'limited', retryAfterSeconds: verdict.retryAfterSeconds };
        counted = verdict.window;
      }
      if (known.lease && new Date(known.lease.expiresAt).getTime() > now.getTime()) {
        this.remember(conversationId, undefined);
        if (!(await leaseWait.wait())) throw new LeaseBusyError(`webchat-turn:${conversationId}`);
        continue;
      }
      const token = randomBytes(12).toString('base64url');
      const $set: Record<string, unknown> = { lease: { token, owner: thisProcessName, expiresAt: new Date(now.getTime() + options.ttlMs) }, updatedAt: now };
      if (counted) $set.messageLimit = counted;
      const update: Record<string, unknown> = { $set, $inc: { version: 1 } };
      // A conversation written before conversation documents: its activities are all in the collection.
      const windowFrom = known.windowFrom ?? known.head + 1;
      if (known.windowFrom === undefined) Object.assign($set, { windowFrom, window: [], clientIds: [], sentKeys: [], state: '{}' });
      let stored: AppendedActivity | undefined;
      let storedEntry: { seq: number; json: string } | undefined;
      let clientIds = known.clientIds;
      if (options.incoming && !known.pendingTurn) {
        const seq = known.head + 1;
        const id = activityIdFor(conversationId, seq);
        stored = { ...options.incoming.build(id, now), id };
        const entry = { seq, json: JSON.stringify(stored) };
        storedEntry = entry;
        Object.assign($set, { head: seq, pendingTurn: { activityId: id, since: now } });
        if (clientActivityId !== undefined) clientIds = [...known.clientIds, { client: clientActivityId, id }].slice(-this.clientIdsKept);
        $set.clientIds = clientIds;
        if (known.windowFrom === undefined) $set.window = [entry];
        else update.$push = { window: entry };
      }
      const before = await this.conversations.findOneAndUpdate({ _id: conversationId, version: known.version ?? null } as mongo.Filter<DirectLineConversationRecord>, update, {
        returnDocument: 'before',
        projection: withoutWindow,
      });
      this.remember(conversationId, undefined);
      if (!before) {
        if (!(await lostRace.wait())) throw new LeaseBusyError(`webchat-turn:${conversationId}`);
        continue;
      }
      const taken: DirectLineConversationRecord = {
        ...before,
        version: (known.version ?? 0) + 1,
        windowFrom,
        clientIds,
        sentKeys: before.sentKeys ?? [],
        state: before.state ?? '{}',
        ...(counted ? { messageLimit: counted } : {}),
        ...(stored ? { head: known.head + 1, pendingTurn: { activityId: stored.id, since: now } } : {}),
      };
      const session = new ConversationSession(this, taken);
      if (storedEntry) this.announceStored(conversationId, taken.head, [storedEntry]);
      return { kind: 'taken', session, stored };
    }
  }

  private async readHeader(conversationId: string): Promise<KnownHeader | null> {
    if (!isConversationId(conversationId)) return null;
    const header = await this.conversations.findOne<KnownHeader>({ _id: conversationId }, { projection: headerProjection });
    return header ? { ...header, clientIds: header.clientIds ?? [] } : null;
  }

  /**
   * The activities after `watermark`, at most `limit`: from the document's window, and for an older watermark first
   * from the activities collection by their exact ids. Null for an unknown conversation.
   */
  async readAfter(conversationId: string, watermark: number, limit: number = maxPage): Promise<ActivityPage | null> {
    const conversation = await this.readForPoll(conversationId);
    return conversation ? this.readPage(conversation, watermark, limit) : null;
  }

  /** The document as a poll needs it (window included): one `_id` read. */
  async readForPoll(conversationId: string): Promise<DirectLineConversationRecord | null> {
    if (!isConversationId(conversationId)) return null;
    return this.conversations.findOne({ _id: conversationId }, { projection: pollProjection });
  }

  /** readAfter for a conversation already read (with readForPoll). */
  async readPage(conversation: DirectLineConversationRecord, watermark: number, limit: number = maxPage): Promise<ActivityPage> {
    const start = Math.min(Math.max(watermark, 0), conversation.head);
    const end = Math.min(conversation.head, start + Math.min(Math.max(limit, 1), maxPage));
    if (end <= start) return { activities: [], watermark: start };
    const windowFrom = conversation.windowFrom ?? conversation.head + 1;
    const activities: ActivityJson[] = [];
    if (start + 1 < windowFrom) {
      const ids: string[] = [];
      for (let seq = start + 1; seq <= Math.min(end, windowFrom - 1); seq++) ids.push(activityIdFor(conversation._id, seq));
      const records = await this.models.directLineActivities.find({ _id: trusted({ $in: ids }) }, wholeDocument).lean<DirectLineActivityRecord[]>();
      // A record without json is a filler an older version of this store wrote for a seq nobody wrote.
      for (const record of records.sort((a, b) => a.seq - b.seq)) if (record.json !== undefined) activities.push(JSON.parse(record.json) as ActivityJson);
    }
    for (const entry of conversation.window ?? []) {
      if (entry.seq > start && entry.seq <= end) activities.push(JSON.parse(entry.json) as ActivityJson);
    }
    return { activities, watermark: end };
  }

  /** The stored activity, with its timestamp a Date again (as the bot saw it first); null when there is none. */
  async storedActivity(conversationId: string, activityId: string): Promise<AppendedActivity | null> {
    const seq = Number(activityId.slice(conversationId.length + 1));
    const conversation = await this.readForPoll(conversationId);
    if (!conversation || !Number.isInteger(seq) || seq < 1) return null;
    const page = await this.readPage(conversation, seq - 1, 1);
    const json = page.activities.find((activity) => activity.id === activityId);
    if (!json) return null;
    return { ...json, timestamp: json.timestamp ? new Date(json.timestamp) : undefined, localTimestamp: undefined };
  }

  /** Every activity of the conversation in order (for the agent console and tests). */
  async transcript(conversationId: string): Promise<ActivityJson[] | null> {
    const all: ActivityJson[] = [];
    let watermark = 0;
    for (;;) {
      const page = await this.readAfter(conversationId, watermark);
      if (!page) return null;
      all.push(...page.activities);
      if (page.watermark === watermark) return all;
      watermark = page.watermark;
    }
  }

  /** Appends one activity outside a turn: takes the lease, writes, releases (three commands at most). */
  async append(conversationId: string, build: (id: string, timestamp: Date) => Partial<Activity>, ttlMs = 10_000): Promise<AppendedActivity> {
    return this.withSession(conversationId, ttlMs, (session) => session.append(build));
  }

  /** Appends activities in order outside a turn, in one write (a stuck turn's replies after its lease was lost). */
  async appendAll(conversationId: string, activities: Array<Partial<Activity>>, ttlMs = 10_000): Promise<string[]> {
    return this.withSession(conversationId, ttlMs, (session) => activities.map((activity) => session.append((_id, timestamp) => ({ ...activity, timestamp })).id));
  }

  /** Appends once per idempotency key, outside a turn; a repeat gets the first id back. */
  async appendOnce(
    conversationId: string,
    idempotencyKey: string,
    build: (id: string, timestamp: Date) => Partial<Activity>,
    ttlMs = 10_000,
  ): Promise<{ id: string; duplicate: boolean }> {
    return this.withSession(conversationId, ttlMs, (session) => session.appendOnce(idempotencyKey, build));
  }

  private async withSession<T>(conversationId: string, ttlMs: number, task: (session: ConversationSession) => T): Promise<T> {
    const taken = await this.take(conversationId, { ttlMs, waitMs: ttlMs * 2 });
    if (taken.kind !== 'taken') throw new Error('unreachable: a take without an incoming activity is never a resend');
    try {
      const result = task(taken.session);
      await taken.session.commit({ release: true });
      return result;
    } finally {
      await taken.session.releaseQuietly();
    }
  }
}

/**
 * A conversation's document while this process holds its turn lease: what the take returned, plus what the turn
 * appends and the state it changes, all stored by one compare-and-set write (`commit`).
 */
export class ConversationSession {
  readonly conversationId: string;
  readonly userId: string;
  private version: number;
  private head: number;
  private windowFrom: number;
  private clientIds: Array<{ client: string; id: string }>;
  private sentKeys: Array<{ key: string; id: string }>;
  private state: Record<string, HeldStateItem | null>;
  private pending?: { activityId: string; since: Date };
  private readonly messageLimit?: CountedWindow;
  /** Live handoffs marked on the document (markHandoff); undefined when it has never been checked. */
  private handoffMarks?: number;
  /** A read found no open handoff on a document that has never said: the next write records 0. */
  private recordNoHandoff = false;
  /** Appended since the last write, in order. */
  private entries: Array<{ seq: number; json: string }> = [];
  private stateChanged = false;
  private sentKeysChanged = false;
  private writing: Promise<unknown> = Promise.resolve();
  private released = false;
  private renewal?: ReturnType<typeof setInterval>;
  /** Not stored yet (a new conversation): the first write inserts it (its version then 0). */
  private unsaved: boolean;

  constructor(
    private readonly store: DirectLineConversationStore,
    record: DirectLineConversationRecord,
    options: { unsaved?: boolean } = {},
  ) {
    this.unsaved = options.unsaved === true;
    this.conversationId = record._id;
    this.userId = record.userId;
    this.version = this.unsaved ? -1 : (record.version ?? 0);
    this.head = record.head;
    this.windowFrom = record.windowFrom ?? record.head + 1;
    this.clientIds = record.clientIds ?? [];
    this.sentKeys = record.sentKeys ?? [];
    this.state = JSON.parse(record.state ?? '{}') as Record<string, HeldStateItem | null>;
    this.pending = record.pendingTurn;
    this.messageLimit = record.messageLimit;
    this.handoffMarks = record.handoffMarks;
  }

  /**
   * The document says no live handoff is open for its consumer (whoever opens one marks the consumer's conversations
   * first, and the take returned the document as it was): the turn need not read the handoff.
   */
  get noHandoffOpen(): boolean {
    return this.handoffMarks === 0;
  }

  /** The turn read the handoff and found none: a document that never said so says 0 from the next write on. */
  noteNoHandoff(): void {
    if (this.handoffMarks === undefined) this.recordNoHandoff = true;
  }

  /** The consumer's activity stored (and acknowledged) whose turn never finished, if any. */
  get pendingTurn(): { activityId: string; since: Date } | undefined {
    return this.pending;
  }

  /** The bot state the document holds for a key: the item, null for "none", undefined when never seen. */
  heldState(key: string): HeldStateItem | null | undefined {
    return this.state[key];
  }

  putState(key: string, item: HeldStateItem | null): void {
    this.state[key] = item;
    this.stateChanged = true;
  }

  /** Appends an activity to the buffer of the next write; its id is final. */
  append(build: (id: string, timestamp: Date) => Partial<Activity>): AppendedActivity {
    const seq = this.head + 1;
    const id = activityIdFor(this.conversationId, seq);
    const activity: AppendedActivity = { ...build(id, new Date()), id };
    this.head = seq;
    this.entries.push({ seq, json: JSON.stringify(activity) });
    return activity;
  }

  /** Appends unless the idempotency key was sent before (then its first id). */
  appendOnce(idempotencyKey: string, build: (id: string, timestamp: Date) => Partial<Activity>): { id: string; duplicate: boolean } {
    const key = keyHash(idempotencyKey);
    const earlier = this.sentKeys.find((entry) => entry.key === key);
    if (earlier) return { id: earlier.id, duplicate: true };
    const { id } = this.append(build);
    this.sentKeys = [...this.sentKeys, { key, id }].slice(-this.store.sentKeysKept);
    this.sentKeysChanged = true;
    return { id, duplicate: false };
  }

  /** The activities appended since the last write, as they were built (ids and timestamps left out). */
  unwrittenActivities(): Array<Partial<Activity>> {
    return this.entries.map((entry) => {
      const { id: _id, timestamp: _timestamp, ...activity } = JSON.parse(entry.json) as ActivityJson;
      return activity as Partial<Activity>;
    });
  }

  /** What a failed attempt of a turn is rolled back to (its buffered sends and state changes are dropped). */
  mark(): () => void {
    const saved = {
      head: this.head,
      entries: this.entries.length,
      state: JSON.stringify(this.state),
      stateChanged: this.stateChanged,
      sentKeys: this.sentKeys,
      sentKeysChanged: this.sentKeysChanged,
    };
    return () => {
      this.head = saved.head;
      this.entries.splice(saved.entries);
      this.state = JSON.parse(saved.state) as Record<string, HeldStateItem | null>;
      this.stateChanged = saved.stateChanged;
      this.sentKeys = saved.sentKeys;
      this.sentKeysChanged = saved.sentKeysChanged;
    };
  }

  /** Stores the consumer's activity and marks it pending (after a left-over pending turn was finished). */
  async storeIncoming(incoming: IncomingActivity): Promise<{ stored: AppendedActivity } | { repeated: string }> {
    const seen = incoming.clientActivityId === undefined ? undefined : this.clientIds.find((entry) => entry.client === incoming.clientActivityId);
    if (seen) return { repeated: seen.id };
    const stored = this.append(incoming.build);
    if (incoming.clientActivityId !== undefined) this.clientIds = [...this.clientIds, { client: incoming.clientActivityId, id: stored.id }].slice(-this.store.clientIdsKept);
    await this.write({ release: false, pending: { activityId: stored.id, since: new Date() }, clientIdsChanged: true });
    return { stored };
  }

  /**
   * The one write of a turn: the appended activities, the changed state, the pending mark cleared (when it is still
   * `clearPending`'s), the lease released or kept. Retried while the database is unreachable; a write whose reply
   * was lost is recognised by its id. ConversationLeaseLostError when another process took the lease meanwhile.
   */
  async commit(options: { release: boolean; clearPending?: string }): Promise<void> {
    const clear = options.clearPending !== undefined && this.pending?.activityId === options.clearPending;
    await this.write({ release: options.release, pending: clear ? null : undefined });
  }

  /** Releases the lease if no commit did (a failed turn): best effort, it expires anyway. */
  async releaseQuietly(): Promise<void> {
    this.stopRenewing();
    // A conversation never stored holds no lease (and is not created by a failed turn).
    if (this.released || this.unsaved) return;
    this.entries = [];
    this.stateChanged = false;
    this.sentKeysChanged = false;
    await this.write({ release: true }).catch(() => undefined);
  }

  /** Renews the lease every third of `ttlMs` while the turn runs, for at most `maxHoldMs`. */
  startRenewing(ttlMs: number, maxHoldMs: number): void {
    if (this.unsaved) return;
    const startedAt = Date.now();
    this.renewal = setInterval(() => {
      if (Date.now() - startedAt > maxHoldMs) {
        this.stopRenewing();
        return;
      }
      void this.serialised(async () => {
        if (this.released) return;
        const { matchedCount } = await this.store.conversations.updateOne(
          { _id: this.conversationId, version: this.version },
          { $set: { 'lease.expiresAt': new Date(Date.now() + ttlMs) }, $inc: { version: 1 } },
        );
        if (matchedCount === 1) this.version += 1;
      }).catch(() => undefined);
    }, Math.max(ttlMs / 3, 50));
    this.renewal.unref();
  }

  stopRenewing(): void {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = undefined;
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const next = this.writing.then(task, task);
    this.writing = next.catch(() => undefined);
    return next;
  }

  private write(options: {
    release: boolean;
    /** The pending mark: set to this, cleared (null), or left alone (undefined). */
    pending?: { activityId: string; since: Date } | null;
    clientIdsChanged?: boolean;
  }): Promise<void> {
    return this.serialised(async () => {
      if (this.released) throw new ConversationLeaseLostError(`The turn lease of ${this.conversationId} was already released.`);
      if (options.release) this.stopRenewing();
      const entries = this.entries;
      const writeId = randomBytes(9).toString('base64url');
      const $set: Record<string, unknown> = { updatedAt: new Date(), lastWrite: writeId };
      const $unset: Record<string, 1> = {};
      const $inc: Record<string, number> = { version: 1 };
      // +0 creates the field as 0 where it is absent, and leaves a mark made meanwhile (markHandoff's +1) as it is.
      const recordNoHandoff = this.recordNoHandoff;
      if (recordNoHandoff) $inc.handoffMarks = 0;
      const update: Record<string, unknown> = { $set, $inc };
      let windowFrom = this.windowFrom;
      let spill: Array<{ seq: number; json: string }> | undefined;
      if (entries.length > 0) {
        $set.head = this.head;
        if (this.head - this.windowFrom + 1 > this.store.windowMax && !this.unsaved) {
          // The window is full: its oldest activities move to the collection (inserted before this write drops them).
          spill = entries;
          windowFrom = this.head - this.store.windowKeep + 1;
          $set.windowFrom = windowFrom;
        } else {
          update.$push = { window: { $each: entries } };
        }
      }
      if (this.stateChanged) $set.state = JSON.stringify(this.state);
      if (this.sentKeysChanged) $set.sentKeys = this.sentKeys;
      if (options.clientIdsChanged) $set.clientIds = this.clientIds;
      if (options.pending) $set.pendingTurn = options.pending;
      if (options.pending === null) $unset.pendingTurn = 1;
      if (options.release) $unset.lease = 1;
      if (Object.keys($unset).length > 0) update.$unset = $unset;
      const models = this.store.models;
      const conversations = this.store.conversations;
      const unsaved = this.unsaved;
      // A new conversation's first write inserts it whole: its activities, its state, the lease released.
      const insertFirst = async () => {
        const now = $set.updatedAt as Date;
        const record: DirectLineConversationRecord = {
          _id: this.conversationId,
          userId: this.userId,
          head: this.head,
          createdAt: now,
          updatedAt: now,
          version: 0,
          windowFrom: 1,
          window: entries,
          clientIds: this.clientIds,
          sentKeys: this.sentKeys,
          state: JSON.stringify(this.state),
          lastWrite: writeId,
          ...(this.handoffMarks !== undefined ? { handoffMarks: this.handoffMarks } : {}),
          ...(options.pending ? { pendingTurn: options.pending } : {}),
          ...(options.release ? {} : { lease: { token: writeId, owner: thisProcessName, expiresAt: new Date(now.getTime() + 10_000) } }),
        };
        try {
          await conversations.insertOne(record);
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
          const current = await conversations.findOne({ _id: this.conversationId }, { projection: { lastWrite: 1 } });
          if (current?.lastWrite !== writeId) throw new Error(`Conversation ${this.conversationId} exists already.`);
        }
      };
      const attempt = async () => {
        if (unsaved) {
          await insertFirst();
          return;
        }
        if (spill) {
          const current = await conversations.findOne({ _id: this.conversationId }, { projection: { window: 1, version: 1, lastWrite: 1 } });
          if (current?.lastWrite === writeId) return; // an earlier attempt landed
          if (current?.version !== this.version) throw new ConversationLeaseLostError(`The turn lease of ${this.conversationId} was taken over.`);
          const all = [...(current.window ?? []), ...spill];
          const moving = all.filter((entry) => entry.seq < windowFrom);
          $set.window = all.filter((entry) => entry.seq >= windowFrom);
          if (moving.length > 0) {
            const createdAt = new Date();
            await models.directLineActivities
              .insertMany(
                moving.map((entry) => ({ _id: activityIdFor(this.conversationId, entry.seq), conversationId: this.conversationId, seq: entry.seq, json: entry.json, createdAt })),
                { ordered: false },
              )
              .catch((error: unknown) => {
                // Moved already by an attempt whose write did not land: the copies are the same.
                if (!isDuplicateKeyError(error)) throw error;
              });
          }
        }
        const { matchedCount } = await conversations.updateOne({ _id: this.conversationId, version: this.version }, update);
        if (matchedCount === 1) return;
        const current = await conversations.findOne({ _id: this.conversationId }, { projection: { lastWrite: 1 } });
        if (current?.lastWrite !== writeId) throw new ConversationLeaseLostError(`The turn lease of ${this.conversationId} was taken over.`);
      };
      try {
        await retryWhileUnavailable(attempt, this.store.unavailableRetryMs);
      } catch (error) {
        if (error instanceof ConversationLeaseLostError) {
          this.released = true;
          this.stopRenewing();
          this.store.remember(this.conversationId, undefined);
        }
        throw error;
      }
      this.version += 1;
      this.unsaved = false;
      this.windowFrom = windowFrom;
      if (recordNoHandoff) this.recordNoHandoff = false;
      this.entries = [];
      this.stateChanged = false;
      this.sentKeysChanged = false;
      if (options.pending) this.pending = options.pending;
      if (options.pending === null) this.pending = undefined;
      if (options.release) {
        this.released = true;
        this.store.remember(
          this.conversationId,
          this.pending
            ? undefined
            : { userId: this.userId, version: this.version, head: this.head, windowFrom: this.windowFrom, clientIds: this.clientIds, messageLimit: this.messageLimit },
        );
      }
      if (entries.length > 0) this.store.announceStored(this.conversationId, this.head, entries);
    });
  }
}
