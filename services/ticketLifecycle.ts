// The rules of a ticket's life, as data and pure functions: which action may start from which status, who may
// close, how the ladder climbs, and which events owe someone a message. The service applies them atomically.
import {
  OFFICER_LEVELS,
  type Actor,
  type ClosureProvenance,
  type ConsumerActor,
  type OfficerLevel,
  type TicketEventType,
  type TicketHead,
  type TicketStatus,
} from '../models/ticketTypes.js';
import { isTicketOwner } from './consumerIdentity.js';
import { ClosureNotPermittedError, DomainError, InvalidTransitionError, NotPermittedError, NotTicketOwnerError, StaleClaimError } from './errors.js';

/** The consumer said "no" to a callback-confirmed closure after its window (answered 409, like an invalid transition). */
export class RejectionWindowClosedError extends DomainError {
  readonly code = 'invalid_transition';
}

export const ALLOWED_FROM = {
  assign: ['registered', 'assigned', 'reopened'],
  startWork: ['assigned', 'reopened'],
  noteProgress: ['assigned', 'in_progress', 'reopened'],
  claimResolution: ['assigned', 'in_progress', 'reopened'],
  recordClaimShown: ['awaiting_confirmation', 'unconfirmed'],
  requestConfirmationAgain: ['awaiting_confirmation', 'unconfirmed'],
  markUnconfirmed: ['awaiting_confirmation'],
  answerResolution: ['awaiting_confirmation', 'unconfirmed'],
  reopen: ['awaiting_confirmation', 'unconfirmed'],
  escalate: ['registered', 'assigned', 'in_progress', 'reopened'],
  requestReassignment: ['registered', 'assigned', 'in_progress', 'reopened'],
  addConsumerMedia: ['registered', 'assigned', 'in_progress', 'awaiting_confirmation', 'reopened', 'unconfirmed'],
  /** Only a closure recorded on a callback, only by its consumer, only within its window (authoriseCallbackRejection). */
  rejectCallbackClosure: ['closed'],
} as const satisfies Record<string, readonly TicketStatus[]>;
export type TicketAction = keyof typeof ALLOWED_FROM;

export function requireStatus(ticket: Pick<TicketHead, '_id' | 'status'>, action: TicketAction): void {
  const allowed: readonly TicketStatus[] = ALLOWED_FROM[action];
  if (!allowed.includes(ticket.status)) {
    throw new InvalidTransitionError(ticket._id, action, ticket.status, allowed);
  }
}

/** One step up the ladder; the Chief Engineer is the top and stays the owner. */
export function nextLevel(level: OfficerLevel): OfficerLevel {
  return OFFICER_LEVELS[Math.min(OFFICER_LEVELS.indexOf(level) + 1, OFFICER_LEVELS.length - 1)] ?? level;
}

/** Staff and the system act on tickets; consumers only register, look, and answer. */
export function requireNotConsumer(actor: Actor, action: string): asserts actor is Exclude<Actor, ConsumerActor> {
  if (actor.role === 'consumer') {
    throw new NotPermittedError(`A consumer cannot ${action}; staff do that.`);
  }
}

/**
 * Someone answers "is your problem solved?" for a ticket. Two answers count, and only for the claim now pending:
 *  - the ticket's own consumer, answering the claim they were shown → consumer_confirmed;
 *  - a supervisor recording the consumer's answer from a phone callback, who did not make the claim → callback_confirmed.
 * Everyone else is refused: an agent, an officer, the claimant, a timer, another consumer.
 */
export type AnswerRequest =
  | { via: 'consumer'; actor: Actor; claimId: string; linked?: ReadonlySet<string> }
  | { via: 'callback'; actor: Actor; claimId: string };

export function authoriseAnswer(ticket: TicketHead, request: AnswerRequest): ClosureProvenance {
  const { actor } = request;
  // Who is answering is checked before anything about the ticket's state, so a stranger learns nothing from the error.
  if (request.via === 'consumer') {
    if (actor.role !== 'consumer') {
      throw new ClosureNotPermittedError(
        `Only the consumer who registered ticket ${ticket._id} can answer whether it is solved; a ${actor.role} cannot answer for them.`,
      );
    }
    if (!isTicketOwner(ticket.consumer, actor, request.linked)) {
      throw new NotTicketOwnerError(`Ticket ${ticket._id} was registered by someone else.`);
    }
  } else if (!isCallbackRecorder(ticket, actor)) {
    throw new ClosureNotPermittedError(
      actor.role === 'supervisor'
        ? `A callback answer for ticket ${ticket._id} must be recorded by a supervisor other than the one who claimed the resolution.`
        : `Only a supervisor can record a consumer's answer from a callback; a ${actor.role} cannot.`,
    );
  }
  requireStatus(ticket, 'answerResolution');
  const claim = ticket.claim;
  if (!claim || claim.id !== request.claimId) {
    throw new StaleClaimError(`That answer is for an earlier resolution claim on ticket ${ticket._id}; the consumer must be asked about the current one.`);
  }
  if (request.via === 'consumer' && !claim.shownAt) {
    throw new StaleClaimError(`The resolution claim on ticket ${ticket._id} has not been shown to the consumer yet.`);
  }
  if (request.via === 'consumer' && actor.role === 'consumer' && !wasShownTo(ticket, actor)) {
    // Even the owner's other (linked) identity: a "yes" counts only from where the question was seen.
    throw new ClosureNotPermittedError(
      `The resolution claim on ticket ${ticket._id} was shown to another of its consumer's identities; only an answer from there counts.`,
    );
  }
  return request.via === 'consumer' ? 'consumer_confirmed' : 'callback_confirmed';
}

/** Was the pending claim's question put to this very identity? Claims shown before `shownTo` was kept went to the ticket's own. */
export function wasShownTo(ticket: Pick<TicketHead, 'claim' | 'consumer'>, actor: ConsumerActor): boolean {
  const audience = ticket.claim?.shownTo ?? ticket.consumer;
  return audience.channel === actor.channel && audience.channelUserId === actor.channelUserId;
}

/**
 * After a consumer's "no" lifted a ticket to a level (its `levelFloor`), nobody takes it below that level again —
 * except a supervisor, who must give the reason (it is written into the event). Returns that reason when it applies.
 */
export function authoriseLevelChange(ticket: Pick<TicketHead, '_id' | 'levelFloor'>, actor: Actor, newLevel: OfficerLevel, reason: string | undefined): string | undefined {
  const floor = ticket.levelFloor;
  if (!floor || OFFICER_LEVELS.indexOf(newLevel) >= OFFICER_LEVELS.indexOf(floor)) return undefined;
  if (actor.role !== 'supervisor') {
    throw new NotPermittedError(
      `Ticket ${ticket._id} went up to ${floor} when its consumer said it was not solved; only a supervisor can give it back to a ${newLevel}, with a reason.`,
    );
  }
  if (!reason) throw new NotPermittedError(`Giving ticket ${ticket._id} back below ${floor} needs a reason in the note.`);
  return reason;
}

/**
 * The consumer says "no" to a closure a supervisor recorded from a phone call. The one way out of `closed`, and it is
 * narrow: the ticket's own consumer, a callback-confirmed closure (a consumer-confirmed one is final), before the
 * closure's `rejectableUntil`. Everyone else is refused exactly as a closure would be.
 */
export function authoriseCallbackRejection(ticket: TicketHead, actor: Actor, now: Date, linked?: ReadonlySet<string>): void {
  if (actor.role !== 'consumer') {
    throw new ClosureNotPermittedError(`Only the consumer of ticket ${ticket._id} can reject a closure recorded on a callback; a ${actor.role} cannot.`);
  }
  if (!isTicketOwner(ticket.consumer, actor, linked)) throw new NotTicketOwnerError(`Ticket ${ticket._id} was registered by someone else.`);
  requireStatus(ticket, 'rejectCallbackClosure');
  if (ticket.closure?.provenance !== 'callback_confirmed') {
    throw new ClosureNotPermittedError(`Ticket ${ticket._id} was closed on its consumer's own confirmation; that closure is final.`);
  }
  const until = ticket.closure.rejectableUntil;
  if (!until || now > new Date(until)) {
    throw new RejectionWindowClosedError(`The time to reject the callback closure of ticket ${ticket._id} has passed.`, { ticketNumber: ticket._id, rejectableUntil: until });
  }
}

/** Staff ids are unique across roles, so "not the claimant" is a comparison of ids. */
function isCallbackRecorder(ticket: TicketHead, actor: Actor): boolean {
  return actor.role === 'supervisor' && ticket.claim?.by.id !== actor.id;
}

/** Which events owe the consumer a message on their channel, and which owe the (new) owning officer one. */
export const CONSUMER_NOTIFIED_EVENTS: ReadonlySet<TicketEventType> = new Set([
  'ticket.assigned',
  'ticket.work_started',
  'ticket.progress_noted',
  'ticket.escalated',
  'ticket.rejected',
  'ticket.reopened',
  'ticket.resolution_claimed',
  'ticket.confirmation_requested',
  'ticket.unconfirmed',
  'ticket.confirmed',
  'ticket.incident_update',
]);
/** Which events owe the callback queue an entry (services/callbackService.ts): a claim nobody answered. */
export const CALLBACK_QUEUED_EVENTS: ReadonlySet<TicketEventType> = new Set(['ticket.unconfirmed']);
export const OFFICER_NOTIFIED_EVENTS: ReadonlySet<TicketEventType> = new Set(['ticket.assigned', 'ticket.escalated', 'ticket.rejected']);

/** Which events change what the reports count: each owes the report rollups a `report.update` (services/reportService.ts). */
export const REPORTED_EVENTS: ReadonlySet<TicketEventType> = new Set([
  'ticket.registered',
  'ticket.assigned',
  'ticket.escalated',
  'ticket.rejected',
  'ticket.confirmed',
  'ticket.unconfirmed',
  'ticket.reopened',
  'ticket.resolution_claimed',
  'ticket.incident_linked',
  'ticket.incident_detached',
]);
