// The one place where errors become HTTP responses: domain errors by their code, malformed JSON and oversized
// bodies by their cause, anything else as a 500 that says nothing about our insides.
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { databaseRetryAfterSeconds, isDatabaseUnavailableError } from '../db/databaseAvailability.js';
import { DomainError } from '../services/errors.js';
import { LeaseBusyError } from '../services/leases.js';
import { IdempotentSendInProgressError } from '../bot/adapters/directLineAdapter.js';
import { requestIdOf } from './logger.js';

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
  /** requestId: the id on the server's log lines for this request (X-Request-Id), to quote when reporting a problem. */
  error: { code: string; message: string; issues?: string[]; requestId?: string };
}

function sendError(request: Request, response: Response, status: number, error: ErrorBody['error']): void {
  response.status(status).json({ error: { ...error, requestId: requestIdOf(request) } } satisfies ErrorBody);
}

export const notFoundHandler: RequestHandler = (request, response) => {
  sendError(request, response, 404, { code: 'not_found', message: 'No such route.' });
};

export const errorHandler: ErrorRequestHandler = (error: unknown, request, response, next) => {
  if (response.headersSent) {
    next(error);
    return;
  }
  if (error instanceof DomainError) {
    const issues = Array.isArray(error.details?.issues) ? (error.details.issues as string[]) : undefined;
    sendError(request, response, httpStatusFor(error), { code: error.code, message: error.message, issues });
    return;
  }
  const { type, status } = (error ?? {}) as { type?: string; status?: number };
  if (type === 'entity.parse.failed') {
    sendError(request, response, 400, { code: 'malformed_json', message: 'The request body is not valid JSON.' });
    return;
  }
  if (type === 'entity.invalid_utf8') {
    sendError(request, response, 400, { code: 'invalid_utf8', message: 'The request body is not valid UTF-8.' });
    return;
  }
  if (type === 'entity.unsupported_charset') {
    sendError(request, response, 415, { code: 'unsupported_charset', message: 'Send JSON as UTF-8.' });
    return;
  }
  if (type === 'entity.too.large') {
    sendError(request, response, 413, { code: 'payload_too_large', message: 'The request body is too large.' });
    return;
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    sendError(request, response, status, { code: 'bad_request', message: 'The request could not be read.' });
    return;
  }
  // The database restarting or failing over, or another process busy with the same conversation (or the same resent
  // activity): nothing was lost, and the same request will work shortly (the client retries; Web Chat offers to
  // resend a failed message).
  if (isDatabaseUnavailableError(error) || error instanceof LeaseBusyError || error instanceof IdempotentSendInProgressError) {
    response.set('Retry-After', String(databaseRetryAfterSeconds));
    sendError(request, response, 503, { code: 'temporarily_unavailable', message: 'Please try again in a moment.' });
    return;
  }
  // The one line that tells an operator what failed where; the body only gives the consumer the id to quote.
  const log = (request as { log?: { error: (fields: object, message: string) => void } }).log;
  if (log) log.error({ err: error, method: request.method, path: request.path }, 'unhandled request error');
  else console.error(`[santushti] unhandled request error on ${request.method} ${request.path}`, error);
  sendError(request, response, 500, { code: 'internal', message: 'Something went wrong on our side; please try again.' });
};
