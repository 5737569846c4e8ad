// Turns on WhatsApp conversation documents, for both WhatsApp doors (Cloud API and whatsapp-web.js): a turn runs with
// botbuilder's Storage answering the conversation's and the sender's state from the document (bot/turnStateScope.ts)
// and its replies buffered; it ends with one write (replies onto the outbox, the state, the message processed); the
// outbox is then sent and acknowledged with one more write, which releases the lease when nothing else waits. A process
// that dies between the two leaves the replies in the outbox: whoever runs the conversation next sends exactly those.
import type { Activity, TurnContext } from 'botbuilder';
import type { Limit, LimitVerdict } from '../../services/abuseLimits.js';
import { AsyncScope } from '../../services/asyncScope.js';
import { LeaseBusyError } from '../../services/leases.js';
import { setHandoffHint } from '../handoffHint.js';
import { conversationStateKeyPrefix, turnStateScope, userStateKeyPrefix, type HeldStateItem, type TurnStateScope } from '../turnStateScope.js';
import type { WhatsAppConversationRecord, WhatsAppConversationStore } from './whatsAppConversationStore.js';

/** A turn (a consumer's or a proactive one) on the conversation document: its state and its replies until its write. */
export interface ConversationTurn {
  conversationId: string;
  /** The bot state as the turn reads and writes it (botbuilder Storage keys). */
  state: Record<string, HeldStateItem | null>;
  stateChanged: boolean;
  /** Replies buffered since the last write, with their seqs. */
  replies: Array<{ seq: number; json: string }>;
  seq: number;
  /** The consumer's message the turn answers, until the write that marks it processed. */
  messageId?: string;
  /** Choices offered as numbers to store with the turn's write (undefined: unchanged, null: none). */
  numberedChoices?: string[] | null;
  /** False once the turn has ended: timers started inside it no longer reach its state. */
  live: boolean;
  /** The turn read the live handoff and found none: its write records `handoffMarks: 0` on a document that never said. */
  recordNoHandoff?: boolean;
}

/** A reply as the outbox keeps it: what sending needs. */
export interface StoredReply {
  text?: string;
  suggestedActions?: Activity['suggestedActions'];
  channelData?: unknown;
  hasAttachments: boolean;
}

/** The message activity a stored reply is sent as. */
export function activityOfReply(reply: StoredReply): Partial<Activity> {
  return {
    type: 'message',
    text: reply.text,
    suggestedActions: reply.suggestedActions,
    channelData: reply.channelData,
    ...(reply.hasAttachments ? { attachments: [{ contentType: 'application/octet-stream' }] } : {}),
  };
}

const countedVerdictKey = Symbol('whatsAppMessageLimitVerdict');

/**
 * The per-sender message limit, counted from the conversation's document (its stored messages and when they arrived)
 * instead of a rate_limits command per message: the message is the n-th to arrive within `durationMs` up to it, the
 * refused ones included (as the rate limiter counts them); the first one over the limit is the one worth a reply.
 */
export function countMessageInDocument(doc: WhatsAppConversationRecord, messageId: string, limit: Limit): LimitVerdict {
  const arrivals = [...doc.log, ...doc.inbox].map((entry, index) => ({ id: entry.id, at: new Date(entry.receivedAt).getTime(), index }));
  arrivals.sort((a, b) => a.at - b.at || a.index - b.index);
  const position = arrivals.findIndex((entry) => entry.id === messageId);
  if (position < 0) return { allowed: true };
  const at = arrivals[position]!.at;
  const inWindow = arrivals.slice(0, position + 1).filter((entry) => entry.at > at - limit.durationMs);
  if (inWindow.length <= limit.points) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((inWindow[0]!.at + limit.durationMs - Date.now()) / 1000)), firstRefusal: inWindow.length === limit.points + 1 };
}

/** Hands the turn's message-limit verdict (counted by the door) to the bot's logic. */
export function lendMessageVerdict(context: TurnContext, verdict: LimitVerdict): void {
  context.turnState.set(countedVerdictKey, verdict);
}

/** The message-limit verdict the door counted for this turn's message, if it counts them. */
export function countedMessageVerdictOf(context: TurnContext): LimitVerdict | undefined {
  return context.turnState.get(countedVerdictKey) as LimitVerdict | undefined;
}

export interface WhatsAppTurnsOptions {
  /** The channel id in state keys (`<channel>/conversations/…`, `<channel>/users/…`). */
  channelId: string;
  /** The sender's id (for the user state key) of a conversation id. */
  senderOf: (conversationId: string) => string | undefined;
  /** Sends one stored reply; throws when it did not go out. */
  send: (conversationId: string, reply: StoredReply) => Promise<void>;
  /** The choices offered as numbers to store with the acknowledgement of sent replies (undefined: unchanged). */
  choicesAfterSending?: (conversationId: string) => string[] | null | undefined;
  turnLeaseMs: number;
  /** Renewals stop after this long (a stuck turn lets its lease expire). */
  stuckTurnMs: number;
  /** How long a turn waits for a lease another process holds. */
  leaseWaitMs: number;
}

export class WhatsAppConversationTurns {
  /** The turn running where the caller runs (on the process's one shared AsyncLocalStorage, services/asyncScope.ts). */
  private readonly running = new AsyncScope<ConversationTurn>();

  constructor(
    readonly store: WhatsAppConversationStore,
    private readonly options: WhatsAppTurnsOptions,
  ) {}

  /** The live turn of this conversation in this async context, if any: its replies are buffered, not sent. */
  current(conversationId: string): ConversationTurn | undefined {
    const turn = this.running.getStore();
    return turn?.live && turn.conversationId === conversationId ? turn : undefined;
  }

  newTurn(conversationId: string, doc: WhatsAppConversationRecord, messageId?: string): ConversationTurn {
    return { conversationId, state: JSON.parse(doc.state) as Record<string, HeldStateItem | null>, stateChanged: false, replies: [], seq: doc.seq, messageId, live: true };
  }

  /**
   * Tells the turn's handoff check what the document knows (bot/handoffHint.ts): while it says 0 live handoffs are
   * marked, the check skips the `active_handoffs` read. Whoever opens a handoff marks the document first and moves its
   * version, so a message stored after that (its write misses and reads the document again) is never answered as if
   * none were open. A read that finds none is recorded with the turn's write.
   */
  lendHandoffHint(context: TurnContext, turn: ConversationTurn): void {
    const store = this.store;
    setHandoffHint(context, {
      get noneOpen() {
        return store.remembered(turn.conversationId)?.handoffMarks === 0;
      },
      foundNone: () => {
        turn.recordNoHandoff = true;
      },
    });
  }

  /** Runs `task` as the turn: botbuilder's Storage answers the conversation's and the sender's state from the turn. */
  async runInTurn(turn: ConversationTurn, task: () => Promise<void>): Promise<void> {
    const conversationPrefix = conversationStateKeyPrefix(this.options.channelId, turn.conversationId);
    const userPrefix = userStateKeyPrefix(this.options.channelId, this.options.senderOf(turn.conversationId) ?? '');
    // The sender's user state belongs to this one conversation (one per sender): it lives in the document too.
    const owns = (key: string) => turn.live && (key.startsWith(conversationPrefix) || key.startsWith(userPrefix));
    const put = (key: string, item: HeldStateItem | null) => {
      turn.state[key] = item;
      turn.stateChanged = true;
    };
    const scope: TurnStateScope = { owns, held: (key) => turn.state[key], adopt: put, put, writesThrough: () => false };
    try {
      await this.running.run(turn, () => turnStateScope.run(scope, task));
    } finally {
      turn.live = false;
    }
  }

  /** Buffers a reply of the turn for its write; its id (`<conversation>:<seq>`) is final. */
  buffer(turn: ConversationTurn, activity: Partial<Activity>): string {
    turn.seq += 1;
    const stored: StoredReply = { text: activity.text, suggestedActions: activity.suggestedActions, channelData: activity.channelData, hasAttachments: (activity.attachments?.length ?? 0) > 0 };
    turn.replies.push({ seq: turn.seq, json: JSON.stringify(stored) });
    return `${turn.conversationId}:${turn.seq}`;
  }

  /**
   * The turn's write: its replies onto the outbox, its state, its message from the inbox to the log (processed).
   * Nothing to write, nothing written.
   */
  async commit(turn: ConversationTurn): Promise<void> {
    const { messageId, numberedChoices, recordNoHandoff } = turn;
    if (turn.replies.length === 0 && !turn.stateChanged && messageId === undefined && numberedChoices === undefined && !recordNoHandoff) return;
    await this.holdLease(turn.conversationId);
    const replies = turn.replies;
    const state = turn.stateChanged ? JSON.stringify(turn.state) : undefined;
    await this.store.update(turn.conversationId, (doc) => {
      if (messageId !== undefined) {
        const index = doc.inbox.findIndex((entry) => entry.id === messageId);
        if (index >= 0) {
          const [entry] = doc.inbox.splice(index, 1);
          doc.log.push({ ...entry!, processedAt: new Date() });
        }
      }
      if (state !== undefined) doc.state = state;
      if (numberedChoices !== undefined) doc.numberedChoices = numberedChoices;
      doc.outbox.push(...replies);
      doc.seq = Math.max(doc.seq, turn.seq);
      // Only where the document never said: a mark made meanwhile (its version moved, this write read it again) stays.
      if (recordNoHandoff && doc.handoffMarks === undefined) doc.handoffMarks = 0;
    });
    turn.replies = [];
    turn.stateChanged = false;
    turn.messageId = undefined;
    turn.numberedChoices = undefined;
    turn.recordNoHandoff = false;
  }

  /** Takes the lease again if an earlier write of this run released it (an apology after the replies went out). */
  async holdLease(conversationId: string): Promise<void> {
    if (this.store.holds(conversationId)) return;
    if (!(await this.store.take(conversationId, { ttlMs: this.options.turnLeaseMs, waitMs: this.options.leaseWaitMs, create: true }))) {
      throw new LeaseBusyError(`whatsapp-turn:${conversationId}`);
    }
  }

  /**
   * Sends the outbox in order and acknowledges it with one write (which releases the lease when nothing else waits).
   * A reply that could not be sent is dropped from the outbox (as a reply that failed inside a turn always was) and the
   * error thrown after the acknowledgement; the replies after it stay for the next flush.
   */
  async flush(conversationId: string): Promise<void> {
    const doc = await this.store.get(conversationId);
    const outbox = doc?.outbox ?? [];
    if (outbox.length === 0) return;
    const done = new Set<number>();
    let failure: unknown;
    for (const entry of outbox) {
      done.add(entry.seq);
      try {
        await this.options.send(conversationId, JSON.parse(entry.json) as StoredReply);
      } catch (error) {
        failure = error;
        break;
      }
    }
    const choices = this.options.choicesAfterSending?.(conversationId);
    await this.store.update(conversationId, (current) => {
      current.outbox = current.outbox.filter((entry) => !done.has(entry.seq));
      if (choices !== undefined) current.numberedChoices = choices;
      if (current.inbox.length === 0 && current.outbox.length === 0) current.lease = null;
    });
    if (failure !== undefined) throw failure;
  }

  /** Renews the lease every third of its time while a run goes on, for at most stuckTurnMs. */
  renewWhileRunning(conversationId: string): () => void {
    const startedAt = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - startedAt > this.options.stuckTurnMs) return clearInterval(timer);
      void this.store.renew(conversationId, this.options.turnLeaseMs).catch(() => undefined);
    }, Math.max(this.options.turnLeaseMs / 3, 50));
    timer.unref();
    return () => clearInterval(timer);
  }
}
