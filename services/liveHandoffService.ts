// The live handoff's state (Bot Framework's handoff protocol): a consumer's request waits in a queue, an agent
// accepts it and talks to the consumer through the bot, then completes it and the bot resumes. State per consumer:
// waiting → accepted (agent) → completed, or waiting → failed (the consumer cancelled).
//
// Two collections: `handoff_requests` keeps every request for good (with the transcript the bot remembered and the
// messages exchanged, bounded), read and written only by `_id`; `active_handoffs` holds one document per consumer
// with an open handoff, keyed by their channel identity — the bot's one `_id` read per turn, and, because ended
// handoffs are deleted from it, the queue agents list (a scan of open handoffs only). State changes are conditional
// updates on the small active collection; the request document follows by `_id`.
//
// Honest waiting: the consumer is told their position, an expected wait (the median of the last accepts' waits, from
// one small stats document, times their position over the agents seen accepting lately — or "no estimate yet"), and
// the office hours. Nobody accepts within HANDOFF_CALLBACK_AFTER → a callback is offered once; outside office hours it
// is offered at once. The offer's due time is on the active handoff, so a restarted process (or another one) offers it.
import { randomBytes } from 'node:crypto';
import { trusted } from 'mongoose';
import { z } from 'zod';
import type { ActiveHandoffRecord } from '../models/activeHandoffModel.js';
import type { HandoffLine, HandoffRequestRecord } from '../models/handoffRequestModel.js';
import type { HandoffAcceptSample, HandoffWaitStatsRecord } from '../models/handoffWaitStatsModel.js';
import { wholeDocument, type Models } from '../models/index.js';
import type { ConsumerActor } from '../models/ticketTypes.js';
import { CallbackService } from './callbackService.js';
import { channelIdentityKey, consumerActorId } from './consumerIdentity.js';
import { DomainError, NotPermittedError } from './errors.js';
import { ALWAYS_OPEN, isWithinOfficeHours, type OfficeHours } from './officeHours.js';
import type { StaffPrincipal } from './staffAuthService.js';
import { isDuplicateKeyError } from './mongoErrors.js';

export const HANDOFF_TRANSCRIPT_LINES = 20;
export const HANDOFF_MESSAGES_KEPT = 200;
export const HANDOFF_LINE_MAX = 2_000;

export const handoffMessageSchema = z.strictObject({
  text: z.string().trim().min(1).max(HANDOFF_LINE_MAX).meta({ description: 'Plain text, at most 2,000 characters; delivered to the consumer as is.' }),
});
export type HandoffMessageInput = z.input<typeof handoffMessageSchema>;

export class HandoffNotFoundError extends DomainError {
  readonly code = 'handoff_not_found';
  constructor(readonly handoffId: string) {
    super(`No handoff ${handoffId}.`);
  }
}

/** The handoff is not in a state where the action is possible (answered 409, like a ticket's invalid transition). */
export class HandoffStateError extends DomainError {
  readonly code = 'invalid_transition';
}

/** One entry of the agents' queue. */
export interface HandoffQueueEntry {
  id: string;
  status: 'waiting' | 'accepted';
  channel: string;
  reason: ActiveHandoffRecord['reason'];
  language: ActiveHandoffRecord['language'];
  createdAt: Date;
  /** Seconds waited for an agent: until now while waiting, until acceptance once accepted. */
  waitingSeconds: number;
  agent?: { username: string; name: string };
  acceptedAt?: Date;
  /** Asked outside office hours: offered a callback instead of a place in the queue. */
  offHours?: boolean;
  /** A callback was offered and the consumer has not answered yet. */
  callbackOfferedAt?: Date;
}

export interface HandoffDetail {
  id: string;
  status: HandoffRequestRecord['status'];
  channel: string;
  consumerKey: string;
  reason: HandoffRequestRecord['reason'];
  language?: HandoffRequestRecord['language'];
  createdAt: Date;
  waitingSeconds: number;
  agent?: { username: string; name: string };
  acceptedAt?: Date;
  endedAt?: Date;
  /** What the bot remembered of the conversation before the request, oldest first. */
  transcript: HandoffLine[];
  /** What the consumer and the agent said since, oldest first. */
  messages: HandoffLine[];
}

export interface StartedHandoff {
  active: ActiveHandoffRecord;
  /** 1 = next to be accepted. */
  position: number;
  /** The consumer already had an open handoff: nothing new was created. */
  reused: boolean;
  /** Expected wait in whole minutes; undefined when there are too few recent accepts to estimate honestly. */
  expectedWaitMinutes?: number;
}

export interface LiveHandoffOptions {
  /** When agents work (HANDOFF_OFFICE_HOURS); default: always. */
  officeHours?: OfficeHours;
  /** Waiting this long without an agent, the consumer is offered a callback (HANDOFF_CALLBACK_AFTER); default 5 minutes. */
  callbackAfterMs?: number;
  /** Where a consumer's callback request goes; one on these models by default. */
  callbacks?: CallbackService;
  /** Told after every write (the agents' live stream wakes on it; other processes' writes reach it by polling). */
  onChange?: (handoffId: string) => void;
  /** The channels' conversation documents that remember "no handoff open" (the web chat's); see HandoffMarks. */
  marks?: HandoffMarks;
}

/**
 * A channel whose turn learns from its conversation document that no handoff is open (skipping the per-turn read)
 * must hear of every handoff before it opens and after it ends: `markHandoff` before the active record is created
 * (so no later turn misses it), `unmarkHandoff` with what it marked after the record is deleted. Undefined from
 * `markHandoff`: the channel keeps nothing (its turns read the handoff every time).
 */
export interface HandoffMarks {
  markHandoff(channel: string, channelUserId: string): Promise<string[] | undefined>;
  unmarkHandoff(channel: string, marked: string[]): Promise<void>;
}

/** The accepts an estimate is made from, and the fewest that make one honest. */
export const WAIT_SAMPLES_KEPT = 20;
const WAIT_SAMPLES_NEEDED = 3;
/** An agent who accepted within this long counts as working now. */
const AGENT_ACTIVE_MS = 60 * 60_000;
/** A process that took a callback offer's delivery and never finished it loses it to another after this long. */
const OFFER_LEASE_MS = 2 * 60_000;
const waitStatsId = 'accept-waits';

export class LiveHandoffService {
  readonly officeHours: OfficeHours;
  readonly callbackAfterMs: number;
  private readonly callbacks: CallbackService;
  private readonly onChange: (handoffId: string) => void;
  private readonly marks?: HandoffMarks;

  constructor(
    private readonly models: Pick<Models, 'handoffRequests' | 'activeHandoffs' | 'handoffWaitStats' | 'callbacks' | 'callbacksDone' | 'tickets'>,
    private readonly now: () => Date = () => new Date(),
    options: LiveHandoffOptions = {},
  ) {
    this.officeHours = options.officeHours ?? ALWAYS_OPEN;
    this.callbackAfterMs = options.callbackAfterMs ?? 5 * 60_000;
    this.callbacks = options.callbacks ?? new CallbackService(models, undefined, { now });
    this.onChange = options.onChange ?? (() => {});
    this.marks = options.marks;
  }

  /** The bot's per-turn check: one read by `_id`. */
  async activeFor(channel: string, channelUserId: string): Promise<ActiveHandoffRecord | null> {
    return this.models.activeHandoffs.findById(channelIdentityKey(channel, channelUserId), wholeDocument).lean<ActiveHandoffRecord>();
  }

  /** Opens a waiting handoff for the consumer, or returns the one already open. */
  async start(input: {
    consumer: ConsumerActor;
    reason: ActiveHandoffRecord['reason'];
    lastText: string;
    language: ActiveHandoffRecord['language'];
    transcript: HandoffLine[];
    /** The consumer's mobile on file (a WhatsApp number, or one they gave the bot): the callback number. */
    mobile?: string;
  }): Promise<StartedHandoff> {
    const { consumer } = input;
    const key = channelIdentityKey(consumer.channel, consumer.channelUserId);
    const existing = await this.activeFor(consumer.channel, consumer.channelUserId);
    if (existing) return this.started(existing, true);

    const createdAt = this.now();
    const offHours = !isWithinOfficeHours(this.officeHours, createdAt);
    const handoffId = `handoff_${randomBytes(8).toString('hex')}`;
    // Before the handoff exists: a turn that starts after it exists finds its conversation marked.
    const marked = await this.marks?.markHandoff(consumer.channel, consumer.channelUserId);
    await this.models.handoffRequests.create({
      _id: handoffId,
      consumerKey: consumerActorId(consumer),
      channel: consumer.channel,
      channelUserId: consumer.channelUserId,
      reason: input.reason,
      lastText: input.lastText.slice(0, 1000) || '(empty)',
      status: 'waiting',
      createdAt,
      language: input.language,
      transcript: input.transcript.slice(-HANDOFF_TRANSCRIPT_LINES).map(boundedLine),
      messages: [],
    });
    const active: ActiveHandoffRecord = {
      _id: key,
      handoffId,
      status: 'waiting',
      channel: consumer.channel,
      channelUserId: consumer.channelUserId,
      reason: input.reason,
      language: input.language,
      createdAt,
      ...(input.mobile ? { mobile: input.mobile } : {}),
      ...(marked && marked.length > 0 ? { markedConversations: marked } : {}),
      // Outside office hours the reply itself offers the callback; inside, the timer does if nobody accepts in time.
      ...(offHours ? { offHours: true, callbackOfferedAt: createdAt } : { callbackDueAt: new Date(createdAt.getTime() + this.callbackAfterMs) }),
    };
    try {
      await this.models.activeHandoffs.create(active);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Another turn of the same consumer opened one first: keep theirs, and this request never became live.
      if (marked && marked.length > 0) await this.marks?.unmarkHandoff(consumer.channel, marked);
      await this.models.handoffRequests.updateOne({ _id: handoffId }, { $set: { status: 'failed', endedAt: this.now() } });
      const winner = await this.activeFor(consumer.channel, consumer.channelUserId);
      if (!winner) throw error;
      return this.started(winner, true);
    }
    this.onChange(handoffId);
    return this.started(active, false);
  }

  private async started(active: ActiveHandoffRecord, reused: boolean): Promise<StartedHandoff> {
    const position = await this.positionOf(active);
    const expectedWaitMinutes = active.offHours ? undefined : await this.expectedWaitMinutes(Math.max(1, position));
    return { active, position, reused, ...(expectedWaitMinutes !== undefined ? { expectedWaitMinutes } : {}) };
  }

  /**
   * The median wait of the latest accepts, times the consumer's position over the agents who accepted in the last
   * hour (at least one). Undefined with fewer than three accepts: better "no estimate yet" than a made-up number.
   */
  async expectedWaitMinutes(position: number): Promise<number | undefined> {
    const stats = await this.models.handoffWaitStats.findById(waitStatsId, wholeDocument).lean<HandoffWaitStatsRecord>();
    const samples = stats?.recent ?? [];
    if (samples.length < WAIT_SAMPLES_NEEDED) return undefined;
    const waits = samples.map((sample) => sample.waitSeconds).sort((a, b) => a - b);
    const middle = Math.floor(waits.length / 2);
    const median = waits.length % 2 === 1 ? waits[middle]! : (waits[middle - 1]! + waits[middle]!) / 2;
    const since = this.now().getTime() - AGENT_ACTIVE_MS;
    const agents = new Set(samples.filter((sample) => new Date(sample.at).getTime() >= since).map((sample) => sample.agentUsername)).size;
    return Math.max(1, Math.ceil((median * position) / Math.max(1, agents) / 60));
  }

  // ── The callback offer ────────────────────────────────────────────────────────────────────────────────────────

  /** Waiting handoffs whose callback offer is due and not being delivered by anyone. Scans the small active collection. */
  async dueCallbackOffers(): Promise<ActiveHandoffRecord[]> {
    const now = this.now().getTime();
    const open = await this.models.activeHandoffs.find({}, wholeDocument).lean<ActiveHandoffRecord[]>();
    return open.filter(
      (active) =>
        active.status === 'waiting' &&
        !active.callbackOfferedAt &&
        active.callbackDueAt !== undefined &&
        new Date(active.callbackDueAt).getTime() <= now &&
        (!active.callbackOfferClaimedAt || new Date(active.callbackOfferClaimedAt).getTime() + OFFER_LEASE_MS <= now),
    );
  }

  /** Takes the offer's delivery for this process; false when another process (or an accept) got there first. */
  async claimCallbackOffer(active: ActiveHandoffRecord): Promise<boolean> {
    const taken = await this.models.activeHandoffs.updateOne(
      {
        _id: active._id,
        handoffId: active.handoffId,
        status: 'waiting',
        callbackOfferedAt: trusted({ $exists: false }),
        callbackOfferClaimedAt: active.callbackOfferClaimedAt ?? trusted({ $exists: false }),
      },
      { $set: { callbackOfferClaimedAt: this.now() } },
    );
    return taken.modifiedCount === 1;
  }

  /** The offer is on the consumer's screen (`delivered`), or could not be delivered from here and is released. */
  async settleCallbackOffer(active: ActiveHandoffRecord, delivered: boolean): Promise<void> {
    const update = delivered ? { $set: { callbackOfferedAt: this.now() } } : { $unset: { callbackOfferClaimedAt: 1 } };
    await this.models.activeHandoffs.updateOne({ _id: active._id, handoffId: active.handoffId }, update);
  }

  /**
   * The consumer accepted the callback: it enters the callback queue and the handoff ends (failed, "callback
   * requested"). False when an agent accepted meanwhile — then no callback is queued.
   */
  async requestCallback(active: ActiveHandoffRecord, mobile: string): Promise<boolean> {
    await this.callbacks.enqueueHandoff({ handoffId: active.handoffId, channel: active.channel, channelUserId: active.channelUserId, mobile, language: active.language });
    if (await this.end(active, 'waiting', 'failed', 'callback requested')) return true;
    await this.models.callbacks.deleteOne({ _id: `handoff:${active.handoffId}` });
    return false;
  }

  /** "No" to the offer: inside office hours they keep waiting (offered once only); outside, the request ends. */
  async declineCallback(active: ActiveHandoffRecord): Promise<'waiting' | 'ended'> {
    if (active.offHours) {
      await this.end(active, 'waiting', 'failed', 'callback declined');
      return 'ended';
    }
    await this.models.activeHandoffs.updateOne(
      { _id: active._id, handoffId: active.handoffId },
      { $unset: { callbackOfferedAt: 1, callbackDueAt: 1, callbackOfferClaimedAt: 1, awaitingMobile: 1 } },
    );
    return 'waiting';
  }

  /** "Yes" without a number on file: the next message should be one. */
  async awaitMobile(active: ActiveHandoffRecord): Promise<void> {
    await this.models.activeHandoffs.updateOne({ _id: active._id, handoffId: active.handoffId }, { $set: { awaitingMobile: true } });
  }

  /** Appends a line to the handoff's messages, keeping the latest HANDOFF_MESSAGES_KEPT. */
  async appendMessage(handoffId: string, from: HandoffLine['from'], text: string): Promise<void> {
    const line = boundedLine({ from, text, at: this.now() });
    await this.models.handoffRequests.updateOne({ _id: handoffId }, { $push: { messages: { $each: [line], $slice: -HANDOFF_MESSAGES_KEPT } } });
    this.onChange(handoffId);
  }

  /** The consumer cancelled a waiting handoff. False when it was no longer waiting. */
  async cancelByConsumer(active: ActiveHandoffRecord): Promise<boolean> {
    return this.end(active, 'waiting', 'failed', 'cancelled by the consumer');
  }

  // ── The agents' side ─────────────────────────────────────────────────────────────────────────────────────

  async list(principal: StaffPrincipal): Promise<HandoffQueueEntry[]> {
    requireDesk(principal);
    const open = await this.models.activeHandoffs.find({}, wholeDocument).lean<ActiveHandoffRecord[]>();
    const now = this.now();
    return open
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.handoffId.localeCompare(b.handoffId))
      .map((active) => ({
        id: active.handoffId,
        status: active.status,
        channel: active.channel,
        reason: active.reason,
        language: active.language,
        createdAt: active.createdAt,
        waitingSeconds: secondsBetween(active.createdAt, active.acceptedAt ?? now),
        ...(active.agentUsername ? { agent: { username: active.agentUsername, name: active.agentName ?? active.agentUsername } } : {}),
        ...(active.acceptedAt ? { acceptedAt: active.acceptedAt } : {}),
        ...(active.offHours ? { offHours: true } : {}),
        ...(active.callbackOfferedAt ? { callbackOfferedAt: active.callbackOfferedAt } : {}),
      }));
  }

  async get(principal: StaffPrincipal, handoffId: string): Promise<HandoffDetail> {
    requireDesk(principal);
    const request = await this.request(handoffId);
    return {
      id: request._id,
      status: request.status,
      channel: request.channel,
      consumerKey: request.consumerKey,
      reason: request.reason,
      ...(request.language ? { language: request.language } : {}),
      createdAt: request.createdAt,
      waitingSeconds: secondsBetween(request.createdAt, request.acceptedAt ?? request.endedAt ?? this.now()),
      ...(request.agentUsername ? { agent: { username: request.agentUsername, name: request.agentName ?? request.agentUsername } } : {}),
      ...(request.acceptedAt ? { acceptedAt: request.acceptedAt } : {}),
      ...(request.endedAt ? { endedAt: request.endedAt } : {}),
      transcript: request.transcript ?? [],
      messages: request.messages ?? [],
    };
  }

  /** Only a waiting handoff can be accepted (409 otherwise); the caller becomes its agent. */
  async accept(principal: StaffPrincipal, handoffId: string): Promise<ActiveHandoffRecord> {
    requireDesk(principal);
    const request = await this.request(handoffId);
    if (request.status !== 'waiting' || !request.channelUserId) throw notIn(handoffId, 'accept', request.status, ['waiting']);
    const acceptedAt = this.now();
    const change = { status: 'accepted' as const, agentUsername: principal.username, agentName: principal.name, acceptedAt };
    // The document before the change (an "after" read can be torn on the embedded server), with the change applied here.
    const before = await this.models.activeHandoffs
      .findOneAndUpdate(
        { _id: channelIdentityKey(request.channel, request.channelUserId), handoffId, status: 'waiting' },
        { $set: change },
        { returnDocument: 'before', projection: wholeDocument },
      )
      .lean<ActiveHandoffRecord>();
    if (!before) throw notIn(handoffId, 'accept', 'no longer waiting', ['waiting']);
    const accepted: ActiveHandoffRecord = { ...before, ...change };
    await this.models.handoffRequests.updateOne(
      { _id: handoffId },
      { $set: { status: 'accepted', agentUsername: principal.username, agentName: principal.name, acceptedAt } },
    );
    const sample: HandoffAcceptSample = { waitSeconds: secondsBetween(request.createdAt, acceptedAt), agentUsername: principal.username, at: acceptedAt };
    await this.models.handoffWaitStats.updateOne({ _id: waitStatsId }, { $push: { recent: { $each: [sample], $slice: -WAIT_SAMPLES_KEPT } } }, { upsert: true });
    this.onChange(handoffId);
    return accepted;
  }

  /** The accepting agent's message for the consumer: recorded, then the caller delivers it. */
  async agentMessage(principal: StaffPrincipal, handoffId: string, input: z.output<typeof handoffMessageSchema>): Promise<ActiveHandoffRecord> {
    requireDesk(principal);
    const active = await this.acceptedActive(handoffId, 'send a message');
    if (active.agentUsername !== principal.username) throw new NotPermittedError('Only the agent who accepted this handoff can write in it.');
    await this.appendMessage(handoffId, 'agent', input.text);
    return active;
  }

  /** The accepting agent or a supervisor hands the conversation back to the bot. */
  async complete(principal: StaffPrincipal, handoffId: string): Promise<ActiveHandoffRecord> {
    requireDesk(principal);
    const active = await this.acceptedActive(handoffId, 'complete');
    if (active.agentUsername !== principal.username && principal.role !== 'supervisor') {
      throw new NotPermittedError('Only the agent who accepted this handoff, or a supervisor, can complete it.');
    }
    if (!(await this.end(active, 'accepted', 'completed'))) throw notIn(handoffId, 'complete', 'no longer accepted', ['accepted']);
    return active;
  }

  // ── Internals ────────────────────────────────────────────────────────────────────────────────────────────

  private async request(handoffId: string): Promise<HandoffRequestRecord> {
    if (!/^handoff_[0-9a-f]{16}$/.test(handoffId)) throw new HandoffNotFoundError(handoffId);
    const request = await this.models.handoffRequests.findById(handoffId, wholeDocument).lean<HandoffRequestRecord>();
    if (!request) throw new HandoffNotFoundError(handoffId);
    return request;
  }

  private async acceptedActive(handoffId: string, action: string): Promise<ActiveHandoffRecord> {
    const request = await this.request(handoffId);
    if (request.status !== 'accepted' || !request.channelUserId) throw notIn(handoffId, action, request.status, ['accepted']);
    const active = await this.activeFor(request.channel, request.channelUserId);
    if (!active || active.handoffId !== handoffId || active.status !== 'accepted') throw notIn(handoffId, action, 'no longer accepted', ['accepted']);
    return active;
  }

  /** Closes an open handoff that is in `from`; false when someone else moved it first. */
  private async end(active: ActiveHandoffRecord, from: ActiveHandoffRecord['status'], to: 'completed' | 'failed', reason?: string): Promise<boolean> {
    const removed = await this.models.activeHandoffs.deleteOne({ _id: active._id, handoffId: active.handoffId, status: from });
    if (removed.deletedCount !== 1) return false;
    // After the handoff is gone: the turns of the conversations it marked may skip the read again.
    if (active.markedConversations && active.markedConversations.length > 0) await this.marks?.unmarkHandoff(active.channel, active.markedConversations);
    await this.models.handoffRequests.updateOne({ _id: active.handoffId }, { $set: { status: to, endedAt: this.now(), ...(reason ? { endReason: reason } : {}) } });
    this.onChange(active.handoffId);
    return true;
  }

  /** Waiting handoffs opened no later than this one (the queue collection holds open handoffs only). */
  private async positionOf(active: ActiveHandoffRecord): Promise<number> {
    if (active.status !== 'waiting') return 0;
    // Those asked outside office hours were offered a callback instead of a place in the queue.
    return this.models.activeHandoffs.countDocuments({ status: 'waiting', offHours: trusted({ $ne: true }), createdAt: trusted({ $lte: active.createdAt }) });
  }
}

function requireDesk(principal: StaffPrincipal): void {
  if (principal.role !== 'agent' && principal.role !== 'supervisor') throw new NotPermittedError('Handoffs are for agents and supervisors.');
}

function notIn(handoffId: string, action: string, status: string, allowed: readonly string[]): HandoffStateError {
  return new HandoffStateError(`Handoff ${handoffId} is ${status}; "${action}" is possible only when it is ${allowed.join(' or ')}.`, { handoffId, action, status });
}

function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
}

function boundedLine(line: HandoffLine): HandoffLine {
  return { from: line.from, text: line.text.slice(0, HANDOFF_LINE_MAX) || '(empty)', at: line.at };
}
