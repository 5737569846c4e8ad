// The web chat channel, in process: the Direct Line router hands it the consumer's activities, it stores them and runs
// the bot's turns one at a time per conversation, and everything the bot sends is stored for the page to poll.
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActivityTypes,
  TurnContext,
  type Activity,
  type ChannelAccount,
  type ConversationAccount,
  type ConversationReference,
} from 'botbuilder';
import { trusted } from 'mongoose';
import type {
  DirectLineActivityRecord,
  DirectLineConversationRecord,
  DirectLineDedupeRecord,
  DirectLineModels,
  DirectLineUserRecord,
} from '../../models/directLineModels.js';
import { isDatabaseUnavailableError, retryWhileUnavailable } from '../../db/databaseAvailability.js';
import { wholeDocument, type Models } from '../../models/index.js';
import { Leases } from '../../services/leases.js';
import { Claims, doneOnceRecorded, sendClaimShape } from '../../services/claims.js';
import { isDuplicateKeyError } from '../../services/mongoErrors.js';
import { ChannelAdapter, type BotLogic } from './channelAdapter.js';
import { KeyedSerialQueue } from '../../services/keyedSerialQueue.js';

export const webChatChannelId = 'webchat';

export type { BotLogic };

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
  /** The last seq delivered (or skipped as a filler); the client sends it back to get what follows. */
  watermark: number;
}

export interface ProcessedActivity {
  /** The id the activity was stored under (or an acknowledgement id for an activity that is not stored). */
  id: string;
  /** Settles when the bot's turn for it is over; never rejects (a failed turn is logged and left to onTurnError). */
  turnCompleted: Promise<void>;
}

export interface OpenedConversation {
  conversationId: string;
  userId: string;
  /** True when this call created it (and started the bot's welcome turn). */
  created: boolean;
  turnCompleted: Promise<void>;
}

export class DirectLineConversationNotFoundError extends Error {
  override name = 'DirectLineConversationNotFoundError';
  constructor(readonly conversationId: string) {
    super(`No web chat conversation ${conversationId}.`);
  }
}

/** Another sender holds the idempotency key and has not finished; the caller should retry later. */
export class IdempotentSendInProgressError extends Error {
  override name = 'IdempotentSendInProgressError';
}

/**
 * Where an idempotency key rides on an outgoing activity: `channelData.idempotencyKey`. A proactive message sent twice
 * with the same key (a retried outbox entry) is stored once; the key itself is not shown to the client.
 */
export const idempotencyKeyField = 'idempotencyKey';

const conversationIdPattern = /^[A-Za-z0-9_-]{8,64}$/;
const maxPage = 100;

export function isConversationId(value: string): boolean {
  return conversationIdPattern.test(value);
}

export function newConversationId(): string {
  return randomBytes(18).toString('base64url');
}

/** A web chat user id: `dl_` marks an id that the server issued and that only travels inside signed tokens. */
export function newWebChatUserId(): string {
  return `dl_${randomBytes(16).toString('base64url')}`;
}

export function activityIdFor(conversationId: string, seq: number): string {
  return `${conversationId}:${String(seq).padStart(10, '0')}`;
}

export function conversationAccount(id: string): ConversationAccount {
  // The wire shape is just `{id}`; the schema's other required fields mean nothing on a one-to-one web chat.
  return { id } as ConversationAccount;
}

export function channelAccount(id: string, role: 'user' | 'bot', name?: string): ChannelAccount {
  return (name ? { id, name, role } : { id, role }) as ChannelAccount;
}

export interface DirectLineStoreOptions {
  /**
   * How long a claimed seq may stay unwritten before a reader fills it so the stream can move on. A writer whose seq
   * was filled takes the next one, so nothing is lost; the grace only keeps readers from racing live writers.
   */
  gapGraceMs?: number;
  /** After this long an unfinished idempotent send is presumed dead and may be taken over. */
  dedupeClaimTimeoutMs?: number;
  /** How long a second sender waits for the first to finish before giving up with IdempotentSendInProgressError. */
  dedupeWaitMs?: number;
}

/** Conversations and their activity streams, on the database. */
export class DirectLineConversationStore {
  private readonly gapGraceMs: number;
  private readonly dedupeClaimTimeoutMs: number;
  private readonly dedupeWaitMs: number;
  private readonly dedupeClaims: Claims<DirectLineDedupeRecord>;

  constructor(
    private readonly models: DirectLineModels,
    options: DirectLineStoreOptions = {},
  ) {
    this.dedupeClaims = new Claims<DirectLineDedupeRecord>(models.directLineDedupe, sendClaimShape);
    this.gapGraceMs = options.gapGraceMs ?? 5_000;
    this.dedupeClaimTimeoutMs = options.dedupeClaimTimeoutMs ?? 30_000;
    this.dedupeWaitMs = options.dedupeWaitMs ?? 5_000;
  }

  async getConversation(conversationId: string): Promise<DirectLineConversationRecord | null> {
    if (!isConversationId(conversationId)) return null;
    return this.models.directLineConversations.findById(conversationId, wholeDocument).lean<DirectLineConversationRecord>();
  }

  /** Creates the conversation; when it already exists (a retry, a race) reports `created: false`. */
  async createConversation(userId: string, conversationId: string = newConversationId()): Promise<{ conversationId: string; created: boolean }> {
    const now = new Date();
    try {
      await this.models.directLineConversations.create({ _id: conversationId, userId, head: 0, createdAt: now, updatedAt: now });
      return { conversationId, created: true };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const existing = await this.getConversation(conversationId);
      if (existing?.userId !== userId) throw new Error(`Conversation ${conversationId} belongs to another user.`);
      return { conversationId, created: false };
    }
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
      deleted += (await this.models.directLineConversations.deleteOne({ _id: conversation._id, updatedAt: trusted({ $lt: idleBefore }) })).deletedCount;
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

  /** The user's current conversation, created on first use. Two tabs opening at once end up in the same one. */
  async conversationForUser(userId: string): Promise<{ conversationId: string; created: boolean }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await this.models.directLineUsers.findById(userId, wholeDocument).lean<DirectLineUserRecord>();
      if (existing) {
        // Also repairs a process that died between claiming the user and creating the conversation.
        return this.createConversation(userId, existing.conversationId);
      }
      const conversationId = newConversationId();
      try {
        await this.models.directLineUsers.create({ _id: userId, conversationId, createdAt: new Date() });
      } catch (error) {
        if (isDuplicateKeyError(error)) continue;
        throw error;
      }
      return this.createConversation(userId, conversationId);
    }
    throw new Error(`Could not settle the conversation of user ${userId}.`);
  }

  /**
   * Appends one activity: claim the next seq with `$inc` (the value before, +1), then insert under `<id>:<seq>`.
   * If a reader filled that seq because this writer was too slow, the insert collides and the next seq is taken.
   */
  async append(
    conversationId: string,
    build: (id: string, timestamp: Date) => Partial<Activity>,
    /** Runs once the id is known and before the activity is written (a consumer's turn is marked pending there). */
    beforeInsert?: (id: string) => Promise<void>,
  ): Promise<AppendedActivity> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = new Date();
      const before = await this.models.directLineConversations
        .findOneAndUpdate(
          { _id: conversationId },
          { $inc: { head: 1 }, $set: { updatedAt: now } },
          { returnDocument: 'before', projection: wholeDocument },
        )
        .lean<DirectLineConversationRecord>();
      if (!before) throw new DirectLineConversationNotFoundError(conversationId);
      const seq = before.head + 1;
      const id = activityIdFor(conversationId, seq);
      const activity: AppendedActivity = { ...build(id, now), id };
      await beforeInsert?.(id);
      try {
        await this.models.directLineActivities.create({ _id: id, conversationId, seq, json: JSON.stringify(activity), createdAt: now });
        return activity;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
    throw new Error(`Could not append to conversation ${conversationId}: every claimed seq was taken.`);
  }

  /**
   * Appends once per idempotency key: the first sender claims the key, appends, and records the activity id; a repeat
   * gets that id back. A claim left unfinished for `dedupeClaimTimeoutMs` (its sender died) is taken over.
   */
  async appendOnce(
    conversationId: string,
    idempotencyKey: string,
    build: (id: string, timestamp: Date) => Partial<Activity>,
    beforeInsert?: (id: string) => Promise<void>,
  ): Promise<{ id: string; duplicate: boolean; activity?: AppendedActivity }> {
    const dedupeId = `${conversationId}:${createHash('sha256').update(idempotencyKey).digest('base64url')}`;
    const outcome = await this.dedupeClaims.claimWaiting(dedupeId, {
      ttlMs: this.dedupeClaimTimeoutMs,
      waitMs: this.dedupeWaitMs,
      readFirst: true,
      projection: { activityId: 1 },
      judge: doneOnceRecorded('activityId'),
      backoff: { firstDelayMs: 20, maxDelayMs: 200 },
    });
    if (outcome.status === 'done') return { id: outcome.record.activityId!, duplicate: true };
    if (outcome.status === 'busy') {
      throw new IdempotentSendInProgressError(`A send with this idempotency key is still in progress in ${conversationId}.`);
    }
    const claim = outcome.claim;
    let stored: AppendedActivity;
    try {
      stored = await this.append(conversationId, build, beforeInsert);
    } catch (error) {
      // Let a retry claim the key at once instead of waiting out the claim timeout.
      await this.dedupeClaims.release(claim).catch(() => undefined);
      throw error;
    }
    await this.dedupeClaims.complete(claim, { activityId: stored.id });
    return { id: stored.id, duplicate: false, activity: stored };
  }

  /**
   * The activities after `watermark`, at most `limit`, read by their exact ids. Stops before a seq that is claimed but
   * not yet written (its writer is probably mid-insert) so it is never skipped; fills it only once it is stale.
   * Returns null for an unknown conversation.
   */
  async readAfter(conversationId: string, watermark: number, limit: number = maxPage): Promise<ActivityPage | null> {
    const conversation = await this.getConversation(conversationId);
    return conversation ? this.readPage(conversation, watermark, limit) : null;
  }

  /** readAfter for a conversation already read. */
  async readPage(conversation: DirectLineConversationRecord, watermark: number, limit: number = maxPage): Promise<ActivityPage> {
    const conversationId = conversation._id;
    const start = Math.min(Math.max(watermark, 0), conversation.head);
    const end = Math.min(conversation.head, start + Math.min(Math.max(limit, 1), maxPage));
    if (end <= start) return { activities: [], watermark: start };

    const ids: string[] = [];
    for (let seq = start + 1; seq <= end; seq++) ids.push(activityIdFor(conversationId, seq));
    const records = await this.models.directLineActivities.find({ _id: trusted({ $in: ids }) }, wholeDocument).lean<DirectLineActivityRecord[]>();
    const bySeq = new Map(records.map((record) => [record.seq, record]));

    const activities: ActivityJson[] = [];
    let reached = start;
    for (let seq = start + 1; seq <= end; seq++) {
      let record = bySeq.get(seq);
      if (!record) {
        if (!this.isAbandoned(seq, conversation, records)) break;
        record = await this.fill(conversationId, seq);
      }
      if (record.json !== undefined) activities.push(JSON.parse(record.json) as ActivityJson);
      reached = seq;
    }
    return { activities, watermark: reached };
  }

  /** Records that the consumer's activity is stored but its turn not yet over (see DirectLineConversationRecord). */
  async markPendingTurn(conversationId: string, activityId: string): Promise<void> {
    await this.models.directLineConversations.updateOne({ _id: conversationId }, { $set: { pendingTurn: { activityId, since: new Date() } } });
  }

  /** Clears the mark if it is still this activity's: a stuck turn finishing late leaves a newer turn's mark alone. */
  async clearPendingTurn(conversationId: string, activityId: string): Promise<void> {
    const conversation = await this.getConversation(conversationId);
    if (conversation?.pendingTurn?.activityId !== activityId) return;
    await this.models.directLineConversations.updateOne({ _id: conversationId }, { $unset: { pendingTurn: 1 } });
  }

  /** The stored activity, with its timestamp a Date again (as the bot saw it first); null for a filler or none. */
  async storedActivity(activityId: string): Promise<{ activity: AppendedActivity; seq: number } | null> {
    const record = await this.models.directLineActivities.findById(activityId, wholeDocument).lean<DirectLineActivityRecord>();
    if (!record?.json) return null;
    const json = JSON.parse(record.json) as ActivityJson;
    return { activity: { ...json, timestamp: json.timestamp ? new Date(json.timestamp) : undefined, localTimestamp: undefined }, seq: record.seq };
  }

  /** The ids of the bot's replies to `activityId` stored in the `window` activities after it, in order. */
  async repliesTo(conversation: DirectLineConversationRecord, seq: number, activityId: string, window = maxPage): Promise<string[]> {
    const page = await this.readPage(conversation, seq, window);
    return page.activities.filter((activity) => activity.replyToId === activityId && activity.from?.role === 'bot').map((activity) => activity.id);
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

  /**
   * A seq was claimed before the head was last claimed, and before any later activity was written: when either of
   * those happened longer than the grace ago, its writer has had all that time and is presumed gone.
   */
  private isAbandoned(seq: number, conversation: DirectLineConversationRecord, records: DirectLineActivityRecord[]): boolean {
    const staleBefore = Date.now() - this.gapGraceMs;
    if (conversation.updatedAt.getTime() < staleBefore) return true;
    return records.some((record) => record.seq > seq && record.createdAt.getTime() < staleBefore);
  }

  private async fill(conversationId: string, seq: number): Promise<DirectLineActivityRecord> {
    const id = activityIdFor(conversationId, seq);
    const filler: DirectLineActivityRecord = { _id: id, conversationId, seq, createdAt: new Date() };
    try {
      await this.models.directLineActivities.create(filler);
      return filler;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // The writer made it after all.
      const written = await this.models.directLineActivities.findById(id, wholeDocument).lean<DirectLineActivityRecord>();
      if (!written) throw new Error(`Activity ${id} collided but cannot be read.`);
      return written;
    }
  }
}


export interface DirectLineAdapterOptions extends DirectLineStoreOptions {
  /** The bot's account in every activity (`recipient` of the consumer's, `from` of the bot's). */
  bot?: { id: string; name: string };
  /** Any stable string: the bot framework wants one, nothing dereferences it. */
  serviceUrl?: string;
  /** A turn still running after this long no longer holds back its conversation's next turn. Default 60 s. */
  stuckTurnMs?: number;
  /** The longest `delay` activity honoured inside a turn. Default 10 s. */
  maxDelayMs?: number;
  /**
   * A conversation's turns run one at a time across every process on the database, under a lease that lasts this
   * long unless renewed (it is, every third of it, while the turn runs). A process that dies mid-turn holds its
   * conversations back at most this long. Default 10 s.
   */
  turnLeaseMs?: number;
  /**
   * A consumer's turn that fails because the database is unreachable is run again (its message is already stored and
   * acknowledged) for up to this long, instead of apologising and forgetting where the conversation was. Default 30 s.
   */
  unavailableRetryMs?: number;
  /** Where the adapter's warnings go (the helpline's logger); default the console. */
  log?: (line: string) => void;
}

/** An error for a log line: its stack when it has one. */
function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Where a re-run turn finds the activities its failed attempts already stored, to hand back instead of storing twice. */
const replayKey = Symbol('santushti.replayedSends');
interface ReplayedSends {
  /** Ids stored by earlier attempts of this turn, in order of sending. */
  earlier: string[];
  /** Ids stored (or handed back) by this attempt so far. */
  thisAttempt: string[];
}

/** The database models the web chat adapter works on: its own, and the leases that order turns across processes. */
export type DirectLineAdapterModels = DirectLineModels & Pick<Models, 'leases'>;

/** Activities from the consumer that are stored in the stream (echoed) and handed to the bot. */
const storedIncomingTypes = new Set<string>([ActivityTypes.Message, ActivityTypes.Event]);

export class DirectLineAdapter extends ChannelAdapter {
  readonly channelId = webChatChannelId;
  protected readonly channelName = 'web chat';
  readonly store: DirectLineConversationStore;
  readonly botAccount: ChannelAccount;
  readonly serviceUrl: string;
  private readonly queues: KeyedSerialQueue;
  protected readonly maxDelayMs: number;
  private readonly unavailableRetryMs: number;
  private readonly turnLeaseMs: number;
  /** Conversations whose unfinished turn (left by a process that died) this process has queued to finish. */
  private readonly resuming = new Set<string>();
  /** Ids of the stored consumer activities whose turns are running in this process. */
  private readonly runningTurns = new Set<string>();
  /** The adapter's log lines ("[webchat] …"); also used by the Direct Line routes. */
  readonly log: (line: string) => void;

  constructor(models: DirectLineAdapterModels, options: DirectLineAdapterOptions = {}) {
    super();
    this.log = options.log ?? ((line) => console.warn(line));
    this.store = new DirectLineConversationStore(models, options);
    const bot = options.bot ?? { id: 'santushti-bot', name: 'Santushti' };
    this.botAccount = channelAccount(bot.id, 'bot', bot.name);
    this.serviceUrl = options.serviceUrl ?? 'urn:santushti:directline';
    const stuckTurnMs = options.stuckTurnMs ?? 60_000;
    const turnLeaseMs = Math.min(options.turnLeaseMs ?? 10_000, stuckTurnMs);
    const leases = new Leases(models);
    // Two processes behind one address may each get a message of the same conversation: the lease makes the second
    // wait for the first turn (same order as here, one at a time), so no client needs to stick to one process.
    // A turn that outlives stuckTurnMs stops renewing it, as it stops holding back this process's queue.
    const holdTurn = { ttlMs: turnLeaseMs, waitMs: stuckTurnMs + turnLeaseMs, maxHoldMs: stuckTurnMs };
    this.queues = new KeyedSerialQueue(
      stuckTurnMs,
      (conversationId) => this.log(`[webchat] turn in ${conversationId} still running after ${stuckTurnMs} ms; starting the next one`),
      (conversationId, task) => leases.holdWhile(`webchat-turn:${conversationId}`, holdTurn, task),
    );
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.unavailableRetryMs = options.unavailableRetryMs ?? 30_000;
    this.turnLeaseMs = turnLeaseMs;
  }

  /**
   * Takes an activity from the consumer: in the conversation's queue, stores it (messages and events; they are echoed
   * to the client with their `channelData.clientActivityID`) and then runs the bot on it. Resolves once it is stored,
   * without waiting for the bot; rejects with DirectLineConversationNotFoundError for an unknown conversation.
   * The caller has already decided who `from` is; this sets the channel's own fields (id, timestamp, recipient...).
   */
  async processActivity(activity: Partial<Activity>, logic: BotLogic): Promise<ProcessedActivity> {
    const conversationId = activity.conversation?.id;
    if (!conversationId) throw new TypeError('processActivity needs activity.conversation.id');

    let announceStored: (id: string) => void = () => undefined;
    const stored = new Promise<string>((resolve) => {
      announceStored = resolve;
    });
    const turn = this.queues.run(conversationId, async () => {
      await this.finishPendingTurn(conversationId, logic);
      const { activity: incoming, repeated } = await this.storeIncoming(conversationId, activity);
      if (repeated) {
        // The client resent an activity it had already delivered (its answer was lost): same id, no second turn.
        announceStored(incoming.id ?? '');
        return;
      }
      const stored = storedIncomingTypes.has(activity.type ?? '');
      announceStored(incoming.id ?? '');
      await this.runTurn(incoming, logic);
      if (stored) await retryWhileUnavailable(() => this.store.clearPendingTurn(conversationId, incoming.id!), this.unavailableRetryMs);
    });
    const id = await Promise.race([stored, turn.then(() => stored)]);
    const turnCompleted = turn.then(
      () => undefined,
      // The turn itself never throws; this is the bookkeeping around it (the pending mark) failing for good.
      (error: unknown) => this.log(`[webchat] turn bookkeeping failed in ${conversationId}: ${describeError(error)}`),
    );
    return { id, turnCompleted };
  }

  /** The consumer's current conversation (created, with a welcome turn, on first use): for the page's session. */
  async openConversationForUser(userId: string, logic: BotLogic, locale?: string): Promise<OpenedConversation> {
    const { conversationId, created } = await this.store.conversationForUser(userId);
    const turnCompleted = created ? this.startConversationTurn(conversationId, userId, logic, locale) : Promise.resolve();
    return { conversationId, userId, created, turnCompleted };
  }

  /** A new conversation for the user (Direct Line's "start conversation"), with the bot's welcome turn. */
  async createConversation(userId: string, logic: BotLogic, locale?: string): Promise<OpenedConversation> {
    const { conversationId, created } = await this.store.createConversation(userId);
    const turnCompleted = created ? this.startConversationTurn(conversationId, userId, logic, locale) : Promise.resolve();
    return { conversationId, userId, created, turnCompleted };
  }

  /** Makes sure a conversation a valid token names exists (it always does unless the database was replaced). */
  async ensureConversation(conversationId: string, userId: string, logic: BotLogic, locale?: string): Promise<OpenedConversation> {
    const { created } = await this.store.createConversation(userId, conversationId);
    const turnCompleted = created ? this.startConversationTurn(conversationId, userId, logic, locale) : Promise.resolve();
    return { conversationId, userId, created, turnCompleted };
  }

  getConversation(conversationId: string): Promise<DirectLineConversationRecord | null> {
    return this.store.getConversation(conversationId);
  }

  /** Deletes conversations idle since `idleBefore` with their activities (the expiry sweep). */
  expireIdleConversations(idleBefore: Date): Promise<number> {
    return this.store.expireIdleConversations(idleBefore);
  }

  /** "Forget me": the consumer ends this web chat identity on a shared device. */
  forgetUser(userId: string): Promise<void> {
    return this.store.forgetUser(userId);
  }

  isForgotten(userId: string): Promise<boolean> {
    return this.store.isForgotten(userId);
  }

  /**
   * What the client polls for. With `logic`, a turn left unfinished by a process that died (its lease long expired)
   * is queued to finish here: the consumer waiting for that reply may never send anything else.
   */
  async readActivities(conversationId: string, watermark: number, logic?: BotLogic): Promise<ActivityPage | null> {
    const conversation = await this.store.getConversation(conversationId);
    if (!conversation) return null;
    const pending = conversation.pendingTurn;
    if (logic && pending && Date.now() - new Date(pending.since).getTime() > this.turnLeaseMs && !this.resuming.has(conversationId)) {
      this.resuming.add(conversationId);
      void this.queues
        .run(conversationId, () => this.finishPendingTurn(conversationId, logic))
        .catch((error: unknown) => this.log(`[webchat] could not finish the pending turn in ${conversationId}: ${describeError(error)}`))
        .finally(() => this.resuming.delete(conversationId));
    }
    return this.store.readPage(conversation, watermark);
  }

  /**
   * Runs the turn of a consumer activity that was acknowledged but whose turn never finished (its process died, or
   * the database stayed away too long). Replies it had already stored are handed back rather than stored twice.
   * Called holding the conversation's lease, so no other process is running that turn meanwhile.
   */
  private async finishPendingTurn(conversationId: string, logic: BotLogic): Promise<void> {
    const conversation = await this.store.getConversation(conversationId);
    const pending = conversation?.pendingTurn;
    // A turn still running here (stuck past stuckTurnMs) is not abandoned: it clears its own mark when it ends.
    if (!conversation || !pending || this.runningTurns.has(pending.activityId)) return;
    const stored = await this.store.storedActivity(pending.activityId);
    if (stored) {
      this.log(`[webchat] turn of ${pending.activityId} was left unfinished; finishing it now`);
      const earlier = await this.store.repliesTo(conversation, stored.seq, pending.activityId);
      await this.runTurn(stored.activity, logic, earlier);
    }
    await this.store.clearPendingTurn(conversationId, pending.activityId);
  }

  /** All activities of a conversation in order; typing indicators left out unless asked for. Null when unknown. */
  async transcript(conversationId: string, options: { includeTyping?: boolean } = {}): Promise<ActivityJson[] | null> {
    const activities = await this.store.transcript(conversationId);
    if (!activities || options.includeTyping) return activities;
    return activities.filter((activity) => activity.type !== ActivityTypes.Typing);
  }

  /** Settles when every queued turn (of one conversation, or of all) has finished: for tests and a clean shutdown. */
  idle(conversationId?: string): Promise<void> {
    return this.queues.idle(conversationId);
  }

  protected async sendOne(context: TurnContext, activity: Partial<Activity>): Promise<string> {
    // Traces are for the Emulator's inspector; a consumer's page has no use for them.
    if (activity.type === ActivityTypes.Trace) return '';
    return this.storeOutgoing(context, activity);
  }

  /**
   * Proactive messages (a status update hours later): runs `logic` in the conversation's queue with a context whose
   * sends land in that conversation's stream. The reference is what TurnContext.getConversationReference gave earlier;
   * its activityId is ignored so that the message does not claim to reply to an old one (Web Chat would hold it back
   * waiting for that activity). The app id or claims are accepted for the adapter contract and not needed here.
   */
  protected async continueIn(reference: Partial<ConversationReference>, logic: BotLogic): Promise<void> {
    const conversationId = reference.conversation?.id;
    if (!conversationId) throw new TypeError('continueConversationAsync needs reference.conversation.id');
    await this.queues.run(conversationId, async () => {
      const conversation = await this.store.getConversation(conversationId);
      if (!conversation) throw new DirectLineConversationNotFoundError(conversationId);
      const continuation: Partial<Activity> = {
        type: ActivityTypes.Event,
        name: 'ContinueConversation',
        channelId: webChatChannelId,
        serviceUrl: this.serviceUrl,
        conversation: conversationAccount(conversationId),
        from: reference.user ?? channelAccount(conversation.userId, 'user'),
        recipient: this.botAccount,
        locale: reference.locale,
        timestamp: new Date(),
      };
      // Unlike a consumer's turn, the caller must learn that a proactive turn failed (to retry it later), so errors
      // propagate unless the bot's onTurnError handles them. An unreachable database skips onTurnError (no apology,
      // no reset of the consumer's place in the dialog): the outbox simply tries again later.
      const attempt = withUnavailableDatabaseCaught(logic);
      await this.runMiddleware(new TurnContext(this, continuation), attempt.logic);
      if (attempt.unavailable) throw attempt.unavailable;
    });
  }

  private startConversationTurn(conversationId: string, userId: string, logic: BotLogic, locale: string | undefined): Promise<void> {
    const user = channelAccount(userId, 'user');
    const conversationUpdate: Partial<Activity> = {
      type: ActivityTypes.ConversationUpdate,
      conversation: conversationAccount(conversationId),
      from: user,
      membersAdded: [this.botAccount, user],
      locale,
    };
    // Callers may ignore this promise (a page opening a session does), so it must never reject. Nobody would resend
    // the welcome if the database was away just then, so it is retried here, as a failed turn is.
    const welcome = async () => (await this.processActivity(conversationUpdate, logic)).turnCompleted;
    return retryWhileUnavailable(welcome, this.unavailableRetryMs).catch((error: unknown) => this.log(`[webchat] could not start the welcome turn of ${conversationId}: ${describeError(error)}`));
  }

  /**
   * Stores a consumer's message or event in the stream; other kinds (conversationUpdate) only reach the bot. One that
   * carries a `channelData.clientActivityID` (Web Chat sets one on every activity) is stored once per conversation:
   * a retried POST of it is `repeated` and gets the first one's id back.
   */
  private async storeIncoming(conversationId: string, activity: Partial<Activity>): Promise<{ activity: Partial<Activity>; repeated: boolean }> {
    const channelFields = {
      channelId: webChatChannelId,
      serviceUrl: this.serviceUrl,
      conversation: conversationAccount(conversationId),
      recipient: this.botAccount,
    };
    if (!storedIncomingTypes.has(activity.type ?? '')) {
      // Not stored: the id only identifies the turn; getConversationReference leaves replyToId off for these.
      return { activity: { ...activity, ...channelFields, timestamp: new Date() }, repeated: false };
    }
    const build = (_id: string, timestamp: Date) => ({ ...activity, ...channelFields, timestamp });
    // Marked before it is written: a process dying at any point after this leaves the turn to be finished elsewhere
    // (a mark whose activity never got written is simply cleared).
    const markPending = (id: string) => this.store.markPendingTurn(conversationId, id);
    const clientActivityId = (activity.channelData as { clientActivityID?: unknown } | undefined)?.clientActivityID;
    if (typeof clientActivityId !== 'string' || clientActivityId.length === 0 || clientActivityId.length > 200) {
      return { activity: await this.store.append(conversationId, build, markPending), repeated: false };
    }
    const once = await this.store.appendOnce(conversationId, `client:${clientActivityId}`, build, markPending);
    return { activity: once.activity ?? { id: once.id }, repeated: once.duplicate };
  }

  private async storeOutgoing(context: TurnContext, activity: Partial<Activity>): Promise<string> {
    const replay = context.turnState.get(replayKey) as ReplayedSends | undefined;
    if (replay) {
      // A re-run turn sends what its failed attempt already sent (same state, same message): hand back those ids.
      const earlier = replay.earlier[replay.thisAttempt.length];
      const id = earlier ?? (await this.storeOutgoingNow(context, activity));
      replay.thisAttempt.push(id);
      return id;
    }
    return this.storeOutgoingNow(context, activity);
  }

  private async storeOutgoingNow(context: TurnContext, activity: Partial<Activity>): Promise<string> {
    const conversationId = activity.conversation?.id ?? context.activity.conversation?.id;
    if (!conversationId) throw new TypeError('An outgoing activity needs a conversation id');
    const { channelData, idempotencyKey } = withoutIdempotencyKey(activity.channelData);
    const build = (_id: string, timestamp: Date): Partial<Activity> => ({
      ...activity,
      channelData,
      channelId: webChatChannelId,
      serviceUrl: this.serviceUrl,
      conversation: conversationAccount(conversationId),
      from: this.botAccount,
      recipient: activity.recipient ?? context.activity.from,
      timestamp,
    });
    if (idempotencyKey !== undefined) return (await this.store.appendOnce(conversationId, idempotencyKey, build)).id;
    return (await this.store.append(conversationId, build)).id;
  }

  /**
   * Runs middleware and logic; a failure is the bot's onTurnError's to answer, and never stops the queue. While the
   * database is unreachable the turn is run again (with backoff, for up to `unavailableRetryMs`): nothing of a failed
   * attempt was saved but the replies it stored, and those are handed back rather than stored twice.
   */
  private async runTurn(activity: Partial<Activity>, logic: BotLogic, alreadyStored: string[] = []): Promise<void> {
    const giveUpAt = Date.now() + this.unavailableRetryMs;
    const earlier = [...alreadyStored];
    if (activity.id) this.runningTurns.add(activity.id);
    try {
      await this.runTurnAttempts(activity, logic, earlier, giveUpAt);
    } finally {
      if (activity.id) this.runningTurns.delete(activity.id);
    }
  }

  private async runTurnAttempts(activity: Partial<Activity>, logic: BotLogic, earlier: string[], giveUpAt: number): Promise<void> {
    for (let pause = firstPauseMs; ; pause = Math.min(pause * 2, longestPauseMs)) {
      const lastChance = Date.now() + pause > giveUpAt;
      const attempt = withUnavailableDatabaseCaught(logic);
      const context = new TurnContext(this, activity);
      const replay: ReplayedSends = { earlier: [...earlier], thisAttempt: [] };
      context.turnState.set(replayKey, replay);
      try {
        await this.runMiddleware(context, lastChance ? logic : attempt.logic);
      } catch (error) {
        this.log(`[webchat] turn failed in ${activity.conversation?.id ?? '?'}: ${describeError(error)}`);
      }
      if (!attempt.unavailable || lastChance) return;
      // This attempt re-used the earlier ids first, so whatever it stored beyond them extends the list.
      if (replay.thisAttempt.length > earlier.length) earlier.splice(0, earlier.length, ...replay.thisAttempt);
      this.log(`[webchat] turn in ${activity.conversation?.id ?? '?'} waits for the database (${attempt.unavailable.message}); trying again`);
      await sleep(pause);
    }
  }
}

const firstPauseMs = 250;
const longestPauseMs = 4_000;

/**
 * Wraps bot logic so that an unreachable database stops the turn without reaching onTurnError (which would apologise
 * and reset the consumer's dialog: wrong for a failure that a retry cures). The caller reads `unavailable` afterwards.
 */
function withUnavailableDatabaseCaught(logic: BotLogic): { logic: BotLogic; unavailable?: Error } {
  const attempt: { logic: BotLogic; unavailable?: Error } = {
    logic: async (context) => {
      try {
        await logic(context);
      } catch (error) {
        if (!isDatabaseUnavailableError(error)) throw error;
        attempt.unavailable = error as Error;
      }
    },
  };
  return attempt;
}

function withoutIdempotencyKey(channelData: unknown): { channelData: unknown; idempotencyKey?: string } {
  if (typeof channelData !== 'object' || channelData === null || !(idempotencyKeyField in channelData)) return { channelData };
  const { [idempotencyKeyField]: key, ...rest } = channelData as Record<string, unknown>;
  if (typeof key !== 'string' || key.length === 0 || key.length > 500) {
    throw new TypeError(`channelData.${idempotencyKeyField} must be a non-empty string of at most 500 characters`);
  }
  return { channelData: Object.keys(rest).length > 0 ? rest : undefined, idempotencyKey: key };
}
