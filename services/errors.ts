// Domain errors. Each carries a stable `code` (for the API's error mapping) and a message a person can act on.

export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that fails validation at the service's edge: nothing was written. */
export class InvalidInputError extends DomainError {
  readonly code = 'invalid_input';
  constructor(readonly issues: string[]) {
    super(`Invalid input: ${issues.join('; ')}`, { issues });
  }
}

export class TicketNotFoundError extends DomainError {
  readonly code = 'ticket_not_found';
  constructor(readonly ticketNumber: string) {
    super(`No ticket ${ticketNumber}.`);
  }
}

export class InvalidTransitionError extends DomainError {
  readonly code = 'invalid_transition';
  constructor(ticketNumber: string, action: string, status: string, allowedFrom: readonly string[]) {
    super(`Ticket ${ticketNumber} is ${status}; "${action}" is possible only when it is ${allowedFrom.join(' or ')}.`, {
      ticketNumber,
      action,
      status,
      allowedFrom,
    });
  }
}

/** Anyone but the ticket's own consumer (or, later, a callback by a supervisor who did not claim it) tried to close it. */
export class ClosureNotPermittedError extends DomainError {
  readonly code = 'closure_not_permitted';
}

/** The answer names a resolution claim that is not the one now pending (superseded, or never shown). */
export class StaleClaimError extends DomainError {
  readonly code = 'stale_claim';
}

/** A consumer asked about or answered for a ticket that is not theirs. Reported like "not found" to the consumer. */
export class NotTicketOwnerError extends DomainError {
  readonly code = 'not_ticket_owner';
}

export class NotPermittedError extends DomainError {
  readonly code = 'not_permitted';
}

/** Every retry lost the race for the ticket; the caller may try again. */
export class ConcurrentUpdateError extends DomainError {
  readonly code = 'concurrent_update';
}

/** No valid credentials (missing, expired, revoked or forged token; wrong password). */
export class UnauthenticatedError extends DomainError {
  readonly code = 'unauthenticated';
}
