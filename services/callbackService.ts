// The callback queue: consumers staff should phone — those who asked to be called back instead of waiting for an
// agent, and those who never answered "is it solved?" (a ticket's `ticket.unconfirmed` enqueues it through the
// outbox). One open document per request (`callbacks`), moved to `callbacks_done` when finished, so listing scans
// open requests only. Whoever claims a call records its outcome; for a ticket that is the consumer's answer, which
// TicketService.recordCallbackAnswer accepts only from a supervisor who did not claim the resolution.
import { trusted } from 'mongoose';
import { z } from 'zod';
import type { CallbackDoneRecord, CallbackRecord } from '../models/callbackModel.js';
import type { ConsumerLanguage } from '../models/consumerLanguage.js';
import { wholeDocument, type Models } from '../models/index.js';
import type { TicketEvent, TicketHead, TicketRecord } from '../models/ticketTypes.js';
import { maskMobile } from './consumerIdentity.js';
import { DomainError, NotPermittedError } from './errors.js';
import { actorFor, type StaffPrincipal } from './staffAuthService.js';
import { parseInput } from './ticketInput.js';
import type { TicketService } from './ticketService.js';
import { isDuplicateKeyError } from './mongoErrors.js';

export class CallbackNotFoundError extends DomainError {
  readonly code = 'callback_not_found';
  constructor(readonly callbackId: string) {
    super(`No open callback ${callbackId}.`);
  }
}

/** Claimed by someone else, or not claimed by the caller (answered 409, like a ticket's invalid transition). */
export class CallbackStateError extends DomainError {
  readonly code = 'invalid_transition';
}

const note = z.string().trim().max(1_000);
export const ticketCallbackOutcomeSchema = z.strictObject({
  answer: z.enum(['yes', 'no', 'unreachable']).meta({ description: "The consumer's answer to \"is it solved?\" on the phone, or unreachable." }),
  note: note.optional(),
});
export const handoffCallbackOutcomeSchema = z.strictObject({
  outcome: z.enum(['done', 'unreachable']).meta({ description: 'Spoke to the consumer (done), or could not reach them.' }),
  note: note.optional(),
});
export const callbackIdSchema = z.string().regex(/^(handoff:handoff_[0-9a-f]{16}|ticket:UP-\d{6}-\d{5,9}:[A-Za-z0-9_-]{1,80})$/);

/** One entry of the staff's callback queue. */
export interface CallbackQueueEntry {
  id: string;
  kind: CallbackRecord['kind'];
  /** The number to dial (staff only). */
  mobile: string;
  language: CallbackRecord['language'];
  channel: string;
  createdAt: Date;
  attempts: number;
  ticketNumber?: string;
  handoffId?: string;
  lastNote?: string;
  claimedBy?: CallbackRecord['claimedBy'];
  claimedAt?: Date;
}

export interface CallbackServiceOptions {
  now?: () => Date;
  log?: (line: string) => void;
}

export class CallbackService {
  private readonly now: () => Date;
  private readonly log: (line: string) => void;

  constructor(
    private readonly models: Pick<Models, 'callbacks' | 'callbacksDone' | 'tickets'>,
    private readonly tickets?: TicketService,
    options: CallbackServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((line) => console.log(line));
  }

  /** A consumer waiting for an agent chose a callback. Idempotent per handoff. */
  async enqueueHandoff(input: { handoffId: string; channel: string; channelUserId: string; mobile: string; language: ConsumerLanguage }): Promise<void> {
    await this.insertOnce({ _id: `handoff:${input.handoffId}`, kind: 'handoff', ...input, createdAt: this.now(), attempts: 0 });
  }

  /** The outbox's `callback.enqueue` for a `ticket.unconfirmed` event. Idempotent per claim; a claim answered meanwhile is skipped. */
  async enqueueTicket(ticket: TicketRecord, event: TicketEvent): Promise<void> {
    if (!event.claimId || !isStillUnanswered(ticket, event.claimId)) return;
    // An anonymous theft report without a number has nobody to call; its reporter is still asked in the chat.
    if (ticket.consumer.mobile === undefined) return;
    await this.insertOnce({
      _id: `ticket:${ticket._id}:${event.claimId}`,
      kind: 'ticket',
      channel: ticket.consumer.channel,
      channelUserId: ticket.consumer.channelUserId,
      mobile: ticket.consumer.mobile,
      language: ticket.consumer.language ?? 'hi',
      ticketNumber: ticket._id,
      claimId: event.claimId,
      createdAt: event.at,
      attempts: 0,
    });
  }

  /** The queue, oldest first. Ticket calls whose claim was answered in the chat meanwhile leave it here. */
  async list(principal: StaffPrincipal): Promise<CallbackQueueEntry[]> {
    requireDesk(principal);
    const open = await this.models.callbacks.find({}, wholeDocument).lean<CallbackRecord[]>();
    const numbers = [...new Set(open.flatMap((entry) => (entry.ticketNumber ? [entry.ticketNumber] : [])))];
    const heads = numbers.length
      ? await this.models.tickets.find({ _id: trusted({ $in: numbers }) }, { events: 0, outbox: 0 }).lean<TicketHead[]>()
      : [];
    const byNumber = new Map(heads.map((head) => [head._id, head]));
    const live: CallbackRecord[] = [];
    for (const entry of open) {
      const head = entry.ticketNumber ? byNumber.get(entry.ticketNumber) : undefined;
      if (entry.kind === 'ticket' && (!head || !isStillUnanswered(head, entry.claimId!))) {
        await this.finish(entry, 'answered_in_chat', { username: 'system', name: 'Santushti', role: 'system' });
        continue;
      }
      live.push(entry);
    }
    return live.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a._id.localeCompare(b._id)).map(toEntry);
  }

  /** "I am calling": only one caller at a time. Ticket calls are for supervisors, who alone may record the answer. */
  async claim(principal: StaffPrincipal, callbackId: string): Promise<CallbackQueueEntry> {
    requireDesk(principal);
    const entry = await this.open(callbackId);
    if (entry.kind === 'ticket' && principal.role !== 'supervisor') {
      throw new NotPermittedError('Only a supervisor can make a ticket callback: the consumer\'s answer is recorded by a supervisor.');
    }
    if (entry.kind === 'ticket' && (await this.claimantOf(entry)) === actorFor(principal).id) {
      throw new NotPermittedError(`You claimed the resolution of ${entry.ticketNumber}; another supervisor must make this call and record the answer.`);
    }
    if (entry.claimedBy?.username === principal.username) return toEntry(entry);
    const claimedBy = { username: principal.username, name: principal.name, role: principal.role as 'agent' | 'supervisor' };
    const claimedAt = this.now();
    const taken = await this.models.callbacks.updateOne({ _id: entry._id, claimedBy: trusted({ $exists: false }) }, { $set: { claimedBy, claimedAt } });
    if (taken.modifiedCount !== 1) throw new CallbackStateError(`Callback ${callbackId} is already being made by someone else.`, { callbackId });
    return toEntry({ ...entry, claimedBy, claimedAt });
  }

  /**
   * The caller records how the call went. A ticket call's yes / no is the consumer's answer, recorded through the
   * ticket service (a "yes" closes as callback-confirmed, and the consumer can still reject it on their channel);
   * unreachable keeps the request queued with one more attempt.
   */
  async recordOutcome(principal: StaffPrincipal, callbackId: string, body: unknown): Promise<{ callback: CallbackQueueEntry | null; ticketStatus?: string }> {
    requireDesk(principal);
    const entry = await this.open(callbackId);
    if (entry.claimedBy?.username !== principal.username) {
      throw new CallbackStateError(`Claim callback ${callbackId} before recording how it went; only the caller records it.`, { callbackId });
    }
    const by = { username: principal.username, name: principal.name, role: principal.role };
    if (entry.kind === 'ticket') {
      const input = parseInput(ticketCallbackOutcomeSchema, body);
      if (input.answer === 'unreachable') return { callback: await this.unreachable(entry, input.note) };
      if (!this.tickets) throw new NotPermittedError('Ticket callbacks are not served by this process.');
      const ticket = await this.tickets.recordCallbackAnswer(entry.ticketNumber!, actorFor(principal), {
        claimId: entry.claimId!,
        answer: input.answer,
        ...(input.note ? { note: input.note } : {}),
      });
      await this.finish(entry, input.answer, by, input.note);
      return { callback: null, ticketStatus: ticket.status };
    }
    const input = parseInput(handoffCallbackOutcomeSchema, body);
    if (input.outcome === 'unreachable') return { callback: await this.unreachable(entry, input.note) };
    await this.finish(entry, 'done', by, input.note);
    return { callback: null };
  }

  private async unreachable(entry: CallbackRecord, note: string | undefined): Promise<CallbackQueueEntry> {
    const at = this.now();
    const updated = await this.models.callbacks.updateOne(
      { _id: entry._id, 'claimedBy.username': entry.claimedBy!.username },
      { $inc: { attempts: 1 }, $set: { lastAttemptAt: at, ...(note ? { lastNote: note } : {}) }, $unset: { claimedBy: 1, claimedAt: 1 } },
    );
    if (updated.modifiedCount !== 1) throw new CallbackStateError(`Callback ${entry._id} changed meanwhile; look at the queue again.`, { callbackId: entry._id });
    const { claimedBy: _claimedBy, claimedAt: _claimedAt, ...rest } = entry;
    return toEntry({ ...rest, attempts: entry.attempts + 1, lastAttemptAt: at, ...(note ? { lastNote: note } : {}) });
  }

  /** Kept in `callbacks_done` first, then removed from the open queue: a crash in between leaves a harmless copy. */
  private async finish(entry: CallbackRecord, outcome: CallbackDoneRecord['outcome'], doneBy: CallbackDoneRecord['doneBy'], doneNote?: string): Promise<void> {
    try {
      await this.models.callbacksDone.create({ ...entry, outcome, doneBy, doneAt: this.now(), ...(doneNote ? { note: doneNote } : {}) });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    await this.models.callbacks.deleteOne({ _id: entry._id });
    this.log(`[callbacks] ${entry._id} (${maskMobile(entry.mobile)}): ${outcome}`);
  }

  private async claimantOf(entry: CallbackRecord): Promise<string | undefined> {
    const head = await this.models.tickets.findById(entry.ticketNumber, { events: 0, outbox: 0 }).lean<TicketHead>();
    const claim = head?.claim;
    return claim && claim.id === entry.claimId ? claim.by.id : undefined;
  }

  private async open(callbackId: string): Promise<CallbackRecord> {
    if (!callbackIdSchema.safeParse(callbackId).success) throw new CallbackNotFoundError(callbackId);
    const entry = await this.models.callbacks.findById(callbackId, wholeDocument).lean<CallbackRecord>();
    if (!entry) throw new CallbackNotFoundError(callbackId);
    return entry;
  }

  private async insertOnce(record: CallbackRecord): Promise<void> {
    try {
      await this.models.callbacks.create(record);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
}

function isStillUnanswered(ticket: Pick<TicketHead, 'status' | 'claim'>, claimId: string): boolean {
  return (ticket.status === 'unconfirmed' || ticket.status === 'awaiting_confirmation') && ticket.claim?.id === claimId;
}

function requireDesk(principal: StaffPrincipal): void {
  if (principal.role !== 'agent' && principal.role !== 'supervisor') throw new NotPermittedError('Callbacks are for agents and supervisors.');
}

function toEntry(entry: CallbackRecord): CallbackQueueEntry {
  return {
    id: entry._id,
    kind: entry.kind,
    mobile: entry.mobile,
    language: entry.language,
    channel: entry.channel,
    createdAt: entry.createdAt,
    attempts: entry.attempts,
    ...(entry.ticketNumber ? { ticketNumber: entry.ticketNumber } : {}),
    ...(entry.handoffId ? { handoffId: entry.handoffId } : {}),
    ...(entry.lastNote ? { lastNote: entry.lastNote } : {}),
    ...(entry.claimedBy ? { claimedBy: entry.claimedBy } : {}),
    ...(entry.claimedAt ? { claimedAt: entry.claimedAt } : {}),
  };
}
