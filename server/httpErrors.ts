// The one place where errors become HTTP responses: domain errors by their code, malformed JSON and oversized
// bodies by their cause, anything else as a 500 that says nothing about our insides.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { databaseRetryAfterSeconds, isDatabaseUnavailableError } from '../db/databaseAvailability.js';
import { DomainError } from '../services/errors.js';
import { LeaseBusyError } from '../services/leases.js';
import { IdempotentSendInProgressError } from '../bot/adapters/directLineAdapter.js';

const statusByCode: Record<string, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  not_permitted: 403,
  closure_not_permitted: 403,
  ticket_not_found: 404,
  incident_not_found: 404, // incidents (services/incidentService.ts)
  handoff_not_found: 404, // live handoff (services/liveHandoffService.ts)
  evidence_not_found: 404, // agent console (services/evidenceService.ts)
  unsupported_media_type: 415, // agent console: evidence of a type we do not keep
  callback_not_found: 404, // callback queue (services/callbackService.ts)
  shutdown_not_found: 404, // planned shutdowns (services/shutdownService.ts)
  // A consumer asking about someone else's ticket learns only that it is not theirs to see.
  not_ticket_owner: 404,
  invalid_transition: 409,
  stale_claim: 409,
  concurrent_update: 409,
};

export function httpStatusFor(error: DomainError): number {
  return statusByCode[error.code] ?? 400;
}

export interface ErrorBody {
  error: { code: string; message: string; issues?: string[] };
}

export const notFoundHandler: RequestHandler = (_request, response) => {
  response.status(404).json({ error: { code: 'not_found', message: 'No such route.' } } satisfies ErrorBody);
};

export const errorHandler: ErrorRequestHandler = (error: unknown, _request, response, next) => {
  if (response.headersSent) {
    next(error);
    return;
  }
  if (error instanceof DomainError) {
    const issues = Array.isArray(error.details?.issues) ? (error.details.issues as string[]) : undefined;
    response.status(httpStatusFor(error)).json({ error: { code: error.code, message: error.message, issues } } satisfies ErrorBody);
    return;
  }
  const { type, status } = (error ?? {}) as { type?: string; status?: number };
  if (type === 'entity.parse.failed') {
    response.status(400).json({ error: { code: 'malformed_json', message: 'The request body is not valid JSON.' } } satisfies ErrorBody);
    return;
  }
  if (type === 'entity.invalid_utf8') {
    response.status(400).json({ error: { code: 'invalid_utf8', message: 'The request body is not valid UTF-8.' } } satisfies ErrorBody);
    return;
  }
  if (type === 'entity.unsupported_charset') {
    response.status(415).json({ error: { code: 'unsupported_charset', message: 'Send JSON as UTF-8.' } } satisfies ErrorBody);
    return;
  }
  if (type === 'entity.too.large') {
    response.status(413).json({ error: { code: 'payload_too_large', message: 'The request body is too large.' } } satisfies ErrorBody);
    return;
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    response.status(status).json({ error: { code: 'bad_request', message: 'The request could not be read.' } } satisfies ErrorBody);
    return;
  }
  // The database restarting or failing over, or another process busy with the same conversation (or the same resent
  // activity): nothing was lost, and the same request will work shortly (the client retries; Web Chat offers to
  // resend a failed message).
  if (isDatabaseUnavailableError(error) || error instanceof LeaseBusyError || error instanceof IdempotentSendInProgressError) {
    response.set('Retry-After', String(databaseRetryAfterSeconds));
    response.status(503).json({ error: { code: 'temporarily_unavailable', message: 'Please try again in a moment.' } } satisfies ErrorBody);
    return;
  }
  console.error('[santushti] unhandled request error', error);
  response.status(500).json({ error: { code: 'internal', message: 'Something went wrong on our side; please try again.' } } satisfies ErrorBody);
};
