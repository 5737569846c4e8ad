// The web chat channel, in process: the Direct Line router hands it the consumer's activities; each conversation is
// one conversation document (bot/adapters/directLineConversationStore.ts, docs/conversation-documents.md) and its
// turns run one at a time, across processes, under the document's turn lease. An ordinary consumer turn is two
// database commands when this process served the conversation's last turn (three when it must read first): the take
// (lease + the consumer's message + pending mark, answered to the POST at once) and the final write (the replies, the
// new bot state, the mark cleared, the lease released). Bot state is served from the document (bot/turnStateScope.ts).
//
// For the Direct Line stream (server/directLine/), two entry points whose signatures stay stable:
//   adapter.activitiesAfter(conversationId, watermark): Promise<ActivityPage | null>
//     what GET .../activities?watermark= answers (no side effects; null for an unknown conversation);
//   adapter.onStored(listener: (conversationId: string, watermark: number, stored: {seq, json}[]) => void): () => void
//     called in this process after every write that stored activities (the returned function unsubscribes). Writes of
//     other processes are not announced here: a stream serving them reads the database (activitiesAfter) as well.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActivityTypes,
  TurnContext,
  type Activity,
  type ChannelAccount,
  type ConversationAccount,
  type ConversationReference,
} from 'botbuilder';
import type { DirectLineConversationRecord, DirectLineModels } from '../../models/directLineModels.js';
import { isDatabaseUnavailableError } from '../../db/databaseAvailability.js';
import type { Models } from '../../models/index.js';
import { ChannelAdapter, type BotLogic } from './channelAdapter.js';
import type { Limit } from '../../services/abuseLimits.js';
import { KeyedSerialQueue } from '../../services/keyedSerialQueue.js';
import { Backoff } from '../../services/retry.js';
import { setHandoffHint } from '../handoffHint.js';
import { conversationStateKeyPrefix, turnStateScope, userStateKeyPrefix, type TurnStateScope } from '../turnStateScope.js';
import {
  ConversationLeaseLostError,
  ConversationMessageLimitError,
  DirectLineConversationStore,
  newConversationId,
  type ActivityJson,
  type ActivityPage,
  type ConversationSession,
  type DirectLineStoreOptions,
  type IncomingActivity,
  type NewConversationLease,
  type StoredListener,
} from './directLineConversationStore.js';

export {
  activityIdFor,
  ConversationLeaseLostError,
  ConversationMessageLimitError,
  DirectLineConversationNotFoundError,
  DirectLineConversationStore,
  isConversationId,
  newConversationId,
  type ActivityJson,
  type ActivityPage,
  type AppendedActivity,
  type ConversationHead,
  type DirectLineStoreOptions,
  type StoredListener,
} from './directLineConversationStore.js';

export const webChatChannelId = 'webchat';

export type { BotLogic };

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

/** Another sender holds the idempotency key and has not finished; the caller should retry later. */
export class IdempotentSendInProgressError extends Error {
  override name = 'IdempotentSendInProgressError';
}

/**
 * Where an idempotency key rides on an outgoing activity: `channelData.idempotencyKey`. A proactive message sent twice
 * with the same key (a retried outbox entry) is stored once; the key itself is not shown to the client.
 */
export const idempotencyKeyField = 'idempotencyKey';

/** Ids this process just issued and that have not opened a conversation yet: users with no bot state anywhere. */
const freshUserIds = new Set<string>();

/** A web chat user id: `dl_` marks an id that the server issued and that only travels inside signed tokens. */
export function newWebChatUserId(): string {
  const userId = `dl_${randomBytes(16).toString('base64url')}`;
  if (freshUserIds.size >= 10_000) freshUserIds.clear();
  freshUserIds.add(userId);
  return userId;
}

export function conversationAccount(id: string): ConversationAccount {
  // The wire shape is just `{id}`; the schema's other required fields mean nothing on a one-to-one web chat.
  return { id } as ConversationAccount;
}

export function channelAccount(id: string, role: 'user' | 'bot', name?: string): ChannelAccount {
  return (name ? { id, name, role } : { id, role }) as ChannelAccount;
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

/** The database models the web chat adapter works on (the leases model is no longer needed; kept in the type for callers). */
export type DirectLineAdapterModels = DirectLineModels & Partial<Pick<Models, 'leases'>>;

/** Activities from the consumer that are stored in the stream (echoed) and handed to the bot. */
const storedIncomingTypes = new Set<string>([ActivityTypes.Message, ActivityTypes.Event]);

/** The session of the turn running in this async context (a proactive turn inside a turn writes through it). */
interface RunningTurn {
  session: ConversationSession;
  /** False once the turn has ended (its async context outlives it in timers it started). */
  live: { running: boolean };
}

const sessionKey = Symbol('santushti.conversationSession');

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
  private readonly stuckTurnMs: number;
  private readonly running = new AsyncLocalStorage<RunningTurn>();
  /** Conversations whose unfinished turn (left by a process that died) this process has queued to finish. */
  private readonly resuming = new Set<string>();
  /** Ids of the stored consumer activities whose turns are running in this process. */
  private readonly runningTurns = new Set<string>();
  /** The adapter's log lines ("[webchat] …"); also used by the Direct Line routes. */
  readonly log: (line: string) => void;

  constructor(models: DirectLineAdapterModels, options: DirectLineAdapterOptions = {}) {
    super();
    this.log = options.log ?? ((line) => console.warn(line));
    this.unavailableRetryMs = options.unavailableRetryMs ?? 30_000;
    this.store = new DirectLineConversationStore(models, { ...options, unavailableRetryMs: this.unavailableRetryMs });
    const bot = options.bot ?? { id: 'santushti-bot', name: 'Santushti' };
    this.botAccount = channelAccount(bot.id, 'bot', bot.name);
    this.serviceUrl = options.serviceUrl ?? 'urn:santushti:directline';
    this.stuckTurnMs = options.stuckTurnMs ?? 60_000;
    this.turnLeaseMs = Math.min(options.turnLeaseMs ?? 10_000, this.stuckTurnMs);
    // Across processes the document's turn lease orders the turns (taken in each turn's first command); in this
    // process the queue does, so that a process never waits on its own lease.
    this.queues = new KeyedSerialQueue(this.stuckTurnMs, (conversationId) =>
      this.log(`[webchat] turn in ${conversationId} still running after ${this.stuckTurnMs} ms; starting the next one`),
    );
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
  }

  /**
   * Takes an activity from the consumer: in the conversation's queue, stores it (messages and events; they are echoed
   * to the client with their `channelData.clientActivityID`) and then runs the bot on it. Resolves once it is stored,
   * without waiting for the bot; rejects with DirectLineConversationNotFoundError for an unknown conversation.
   * The caller has already decided who `from` is; this sets the channel's own fields (id, timestamp, recipient...).
   * With `messageLimit`, a stored activity is counted by the take itself (in the conversation document); over the
   * limit it rejects with ConversationMessageLimitError and nothing is stored.
   */
  async processActivity(activity: Partial<Activity>, logic: BotLogic, options: { messageLimit?: Limit } = {}): Promise<ProcessedActivity> {
    const conversationId = activity.conversation?.id;
    if (!conversationId) throw new TypeError('processActivity needs activity.conversation.id');

    let announceStored: (id: string) => void = () => undefined;
    const stored = new Promise<string>((resolve) => {
      announceStored = resolve;
    });
    const turn = this.queues.run(conversationId, async () => {
      const channelFields = {
        channelId: webChatChannelId,
        serviceUrl: this.serviceUrl,
        conversation: conversationAccount(conversationId),
        recipient: this.botAccount,
      };
      if (!storedIncomingTypes.has(activity.type ?? '')) {
        // Not stored (a conversationUpdate): the id only identifies the turn; no replyToId on its replies.
        const taken = await this.take(conversationId);
        announceStored('');
        await this.inSession(taken, logic, { ...activity, ...channelFields, timestamp: new Date() });
        return;
      }
      const clientActivityId = (activity.channelData as { clientActivityID?: unknown } | undefined)?.clientActivityID;
      const incoming: IncomingActivity = {
        build: (_id, timestamp) => ({ ...activity, ...channelFields, timestamp }),
        ...(typeof clientActivityId === 'string' && clientActivityId.length > 0 && clientActivityId.length <= 200 ? { clientActivityId } : {}),
      };
      const taken = await this.store.take(conversationId, {
        ttlMs: this.turnLeaseMs,
        waitMs: this.stuckTurnMs + this.turnLeaseMs,
        incoming,
        ...(options.messageLimit ? { limit: options.messageLimit } : {}),
      });
      if (taken.kind === 'limited') throw new ConversationMessageLimitError(taken.retryAfterSeconds);
      if (taken.kind === 'repeated') {
        // The client resent an activity it had already delivered (its answer was lost): same id, no second turn.
        announceStored(taken.id);
        return;
      }
      const { session } = taken;
      session.startRenewing(this.turnLeaseMs, this.stuckTurnMs);
      try {
        let message = taken.stored;
        if (!message) {
          // A turn left pending by a process that died comes first; then this activity is stored.
          await this.finishPendingTurn(session, logic);
          const result = await session.storeIncoming(incoming);
          if ('repeated' in result) {
            announceStored(result.repeated);
            await session.commit({ release: true });
            return;
          }
          message = result.stored;
        }
        announceStored(message.id);
        await this.runTurn(session, message, logic);
        await this.commitTurn(session, message.id);
      } finally {
        await session.releaseQuietly();
      }
    });
    const id = await Promise.race([stored, turn.then(() => stored)]);
    const turnCompleted = turn.then(
      () => undefined,
      // The turn itself never throws; this is the bookkeeping around it (its final write) failing for good.
      (error: unknown) => this.log(`[webchat] turn bookkeeping failed in ${conversationId}: ${describeError(error)}`),
    );
    return { id, turnCompleted };
  }

  /** The consumer's current conversation (created, with a welcome turn, on first use): for the page's session. */
  async openConversationForUser(userId: string, logic: BotLogic, locale?: string): Promise<OpenedConversation> {
    const opened = await this.store.conversationForUser(userId, this.newConversationLease(userId));
    return this.opened(opened, userId, logic, locale);
  }

  /**
   * A new conversation for the user (Direct Line's "start conversation"), with the bot's welcome turn. The welcome turn
   * runs first and its one write inserts the conversation with the welcome in it (a fresh id cannot exist yet): the
   * conversation exists, welcome included, when this resolves. Rejects when it could not be stored.
   */
  async createConversation(userId: string, logic: BotLogic, locale?: string): Promise<OpenedConversation> {
    const session = this.store.newConversation(userId, newConversationId(), this.newConversationLease(userId));
    await this.queues.run(session.conversationId, () => this.inSession(session, logic, this.conversationUpdate(session, locale)));
    return { conversationId: session.conversationId, userId, created: true, turnCompleted: Promise.resolve() };
  }

  /** Makes sure a conversation a valid token names exists (it always does unless the database was replaced). */
  async ensureConversation(conversationId: string, userId: string, logic: BotLogic, locale?: string): Promise<OpenedConversation> {
    const opened = await this.store.createConversation(userId, conversationId, this.newConversationLease(userId));
    return this.opened(opened, userId, logic, locale);
  }

  /**
   * A new conversation is created holding its lease (the welcome turn needs no take), and known to have no
   * conversation state yet (nothing to read). The user's state may live on from an earlier conversation and is read
   * once, unless this process has just issued the user's id.
   */
  private newConversationLease(userId: string): NewConversationLease {
    const freshUser = freshUserIds.delete(userId);
    return {
      ttlMs: this.turnLeaseMs,
      // An id just issued has no conversation and no handoff anywhere yet.
      noHandoff: freshUser,
      state: (conversationId) => ({
        [conversationStateKeyPrefix(webChatChannelId, conversationId)]: null,
        ...(freshUser ? { [userStateKeyPrefix(webChatChannelId, userId)]: null } : {}),
      }),
    };
  }

  private opened(
    opened: { conversationId: string; created: boolean; session?: ConversationSession },
    userId: string,
    logic: BotLogic,
    locale: string | undefined,
  ): OpenedConversation {
    const { conversationId, created, session } = opened;
    const turnCompleted = session ? this.startConversationTurn(session, logic, locale) : Promise.resolve();
    return { conversationId, userId, created, turnCompleted };
  }

  getConversation(conversationId: string): Promise<DirectLineConversationRecord | null> {
    return this.store.getConversation(conversationId);
  }

  /**
   * Live handoffs (services/liveHandoffService.ts HandoffMarks): before one opens for a web chat consumer, each of
   * their conversation documents is marked, so its turns read the handoff; after it ends the marks are taken back.
   */
  async markHandoff(channel: string, channelUserId: string): Promise<string[] | undefined> {
    return channel === webChatChannelId ? this.store.markHandoff(channelUserId) : undefined;
  }

  async unmarkHandoff(channel: string, conversationIds: string[]): Promise<void> {
    if (channel === webChatChannelId) await this.store.unmarkHandoff(conversationIds);
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

  /** What GET .../activities?watermark= answers, without side effects: one read of the document (see the file's top). */
  activitiesAfter(conversationId: string, watermark: number): Promise<ActivityPage | null> {
    return this.store.readAfter(conversationId, watermark);
  }

  /** Told in this process after every write that stored activities (see the file's top); returns the unsubscriber. */
  onStored(listener: StoredListener): () => void {
    return this.store.onStored(listener);
  }

  /**
   * What the client polls for. With `logic`, a turn left unfinished by a process that died (its lease long expired)
   * is queued to finish here: the consumer waiting for that reply may never send anything else.
   */
  async readActivities(conversationId: string, watermark: number, logic?: BotLogic): Promise<ActivityPage | null> {
    const conversation = await this.store.readForPoll(conversationId);
    if (!conversation) return null;
    const pending = conversation.pendingTurn;
    const now = Date.now();
    const leaseFree = !conversation.lease || new Date(conversation.lease.expiresAt).getTime() <= now;
    if (logic && pending && leaseFree && now - new Date(pending.since).getTime() > this.turnLeaseMs && !this.resuming.has(conversationId)) {
      this.resuming.add(conversationId);
      void this.queues
        .run(conversationId, async () => {
          const taken = await this.take(conversationId);
          try {
            await this.finishPendingTurn(taken, logic);
            await taken.commit({ release: true });
          } finally {
            await taken.releaseQuietly();
          }
        })
        .catch((error: unknown) => this.log(`[webchat] could not finish the pending turn in ${conversationId}: ${describeError(error)}`))
        .finally(() => this.resuming.delete(conversationId));
    }
    return this.store.readPage(conversation, watermark);
  }

  /**
   * The turn's one write. A turn that outlived its lease (stuck past stuckTurnMs) finds its write refused: its state
   * changes are stale and dropped, but what it said to the consumer is still stored, after what came meanwhile.
   */
  private async commitTurn(session: ConversationSession, activityId: string): Promise<void> {
    try {
      await session.commit({ release: true, clearPending: activityId });
    } catch (error) {
      if (!(error instanceof ConversationLeaseLostError)) throw error;
      const late = session.unwrittenActivities();
      this.log(`[webchat] the turn of ${activityId} lost its lease; its state is dropped, its ${late.length} replies are stored late`);
      if (late.length > 0) await this.store.appendAll(session.conversationId, late, this.turnLeaseMs);
    }
  }

  /** The lease for a turn without an incoming activity to store. */
  private async take(conversationId: string): Promise<ConversationSession> {
    const taken = await this.store.take(conversationId, { ttlMs: this.turnLeaseMs, waitMs: this.stuckTurnMs + this.turnLeaseMs });
    if (taken.kind !== 'taken') throw new Error('unreachable: a take without an incoming activity is never a resend');
    taken.session.startRenewing(this.turnLeaseMs, this.stuckTurnMs);
    return taken.session;
  }

  /** Runs a turn in a session taken for it, then writes it and releases the lease. */
  private async inSession(session: ConversationSession, logic: BotLogic, activity: Partial<Activity>): Promise<void> {
    try {
      await this.finishPendingTurn(session, logic);
      await this.runTurn(session, activity, logic);
      await session.commit({ release: true });
    } finally {
      await session.releaseQuietly();
    }
  }

  /**
   * Runs the turn of a consumer activity that was acknowledged but whose turn never finished (its process died, or
   * the database stayed away too long), and writes it (keeping the lease). Nothing of that turn was stored but the
   * activity itself: its replies and state went in the one write it never made.
   */
  private async finishPendingTurn(session: ConversationSession, logic: BotLogic): Promise<void> {
    const pending = session.pendingTurn;
    // A turn still running here (stuck past stuckTurnMs) is not abandoned; its write will find the lease taken.
    if (!pending || this.runningTurns.has(pending.activityId)) return;
    const stored = await this.store.storedActivity(session.conversationId, pending.activityId);
    if (stored) {
      this.log(`[webchat] turn of ${pending.activityId} was left unfinished; finishing it now`);
      await this.runTurn(session, stored, logic);
    }
    await session.commit({ release: false, clearPending: pending.activityId });
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
    // Within a turn (the usual case) the reply is buffered for the turn's one write; its id is already final.
    const session = context.turnState.get(sessionKey) as ConversationSession | undefined;
    if (session?.conversationId === conversationId) {
      return idempotencyKey !== undefined ? session.appendOnce(idempotencyKey, build).id : session.append(build).id;
    }
    // A send into another conversation than the turn's own: a write of its own under that conversation's lease.
    if (idempotencyKey !== undefined) return (await this.store.appendOnce(conversationId, idempotencyKey, build, this.turnLeaseMs)).id;
    return (await this.store.append(conversationId, build, this.turnLeaseMs)).id;
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
      const outer = this.running.getStore();
      // Inside a turn of the same conversation: the same document, the same final write.
      const session = outer?.live.running && outer.session.conversationId === conversationId ? outer.session : await this.take(conversationId);
      try {
        const continuation: Partial<Activity> = {
          type: ActivityTypes.Event,
          name: 'ContinueConversation',
          channelId: webChatChannelId,
          serviceUrl: this.serviceUrl,
          conversation: conversationAccount(conversationId),
          from: reference.user ?? channelAccount(session.userId, 'user'),
          recipient: this.botAccount,
          locale: reference.locale,
          timestamp: new Date(),
        };
        // Unlike a consumer's turn, the caller must learn that a proactive turn failed (to retry it later), so errors
        // propagate unless the bot's onTurnError handles them. An unreachable database skips onTurnError (no apology,
        // no reset of the consumer's place in the dialog): the outbox simply tries again later.
        const attempt = withUnavailableDatabaseCaught(logic);
        const rollback = session.mark();
        try {
          await this.runInScope(session, new TurnContext(this, continuation), attempt.logic);
        } catch (error) {
          rollback();
          throw error;
        }
        if (attempt.unavailable) {
          rollback();
          throw attempt.unavailable;
        }
        if (session !== outer?.session) await session.commit({ release: true });
      } finally {
        if (session !== outer?.session) await session.releaseQuietly();
      }
    });
  }

  /** The conversationUpdate that starts a conversation's welcome turn. */
  private conversationUpdate(session: ConversationSession, locale: string | undefined): Partial<Activity> {
    const user = channelAccount(session.userId, 'user');
    return {
      type: ActivityTypes.ConversationUpdate,
      channelId: webChatChannelId,
      serviceUrl: this.serviceUrl,
      conversation: conversationAccount(session.conversationId),
      recipient: this.botAccount,
      from: user,
      membersAdded: [this.botAccount, user],
      locale,
      timestamp: new Date(),
    };
  }

  private startConversationTurn(session: ConversationSession, logic: BotLogic, locale: string | undefined): Promise<void> {
    const conversationUpdate = this.conversationUpdate(session, locale);
    session.startRenewing(this.turnLeaseMs, this.stuckTurnMs);
    // Callers may ignore this promise (a page opening a session does), so it must never reject. The turn is retried
    // while the database is away, and so is its write.
    return this.queues
      .run(session.conversationId, () => this.inSession(session, logic, conversationUpdate))
      .catch((error: unknown) => this.log(`[webchat] could not run the welcome turn of ${session.conversationId}: ${describeError(error)}`));
  }

  /** Runs middleware and logic with the session's state and sends, in this turn's context. */
  private async runInScope(session: ConversationSession, context: TurnContext, logic: BotLogic): Promise<void> {
    context.turnState.set(sessionKey, session);
    setHandoffHint(context, { noneOpen: session.noHandoffOpen, foundNone: () => session.noteNoHandoff() });
    // Timers and promises started inside a turn (an outbox wake-up, a worker's next pass) keep its async context after
    // the turn has ended: the scope answers only while the turn runs, or their writes would go to a finished session.
    const live = { running: true };
    const scope = this.stateScope(session, context);
    const liveScope: TurnStateScope = { ...scope, owns: (key) => live.running && scope.owns(key) };
    try {
      await this.running.run({ session, live }, () => turnStateScope.run(liveScope, () => this.runMiddleware(context, logic)));
    } finally {
      live.running = false;
    }
  }

  /** The bot state this turn's document answers for: the conversation's, and (cached, written through) the user's. */
  private stateScope(session: ConversationSession, context: TurnContext): TurnStateScope {
    const conversationPrefix = conversationStateKeyPrefix(webChatChannelId, session.conversationId);
    const userId = context.activity.from?.id ?? session.userId;
    const userPrefix = userStateKeyPrefix(webChatChannelId, userId);
    return {
      owns: (key) => key.startsWith(conversationPrefix) || key.startsWith(userPrefix),
      held: (key) => session.heldState(key),
      adopt: (key, item) => session.putState(key, item),
      put: (key, item) => session.putState(key, item),
      writesThrough: (key) => key.startsWith(userPrefix),
    };
  }

  /**
   * Runs middleware and logic; a failure is the bot's onTurnError's to answer, and never stops the queue. While the
   * database is unreachable the turn is run again (with backoff, for up to `unavailableRetryMs`): a failed attempt's
   * sends and state changes were only buffered, so they are simply dropped.
   */
  private async runTurn(session: ConversationSession, activity: Partial<Activity>, logic: BotLogic): Promise<void> {
    const giveUpAt = Date.now() + this.unavailableRetryMs;
    if (activity.id) this.runningTurns.add(activity.id);
    try {
      const backoff = new Backoff(databaseBackoff);
      for (;;) {
        const pause = backoff.nextDelay() ?? 0;
        const lastChance = Date.now() + pause > giveUpAt;
        const attempt = withUnavailableDatabaseCaught(logic);
        const rollback = session.mark();
        try {
          await this.runInScope(session, new TurnContext(this, activity), lastChance ? logic : attempt.logic);
        } catch (error) {
          this.log(`[webchat] turn failed in ${activity.conversation?.id ?? '?'}: ${describeError(error)}`);
        }
        if (!attempt.unavailable || lastChance) return;
        rollback();
        this.log(`[webchat] turn in ${activity.conversation?.id ?? '?'} waits for the database (${attempt.unavailable.message}); trying again`);
        await sleep(pause);
      }
    } finally {
      if (activity.id) this.runningTurns.delete(activity.id);
    }
  }
}

/** Between attempts of a turn while the database is away: 0.25 s doubling to 4 s, as retryWhileUnavailable. */
const databaseBackoff = { firstDelayMs: 250, maxDelayMs: 4_000 };

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
