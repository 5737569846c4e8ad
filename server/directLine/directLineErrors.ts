// Direct Line's own refusals, answered as `{"error":{"code","message"}}`. Which status matters more than usual:
// Web Chat treats 403 as "get a new token and carry on", 404 as "conversation over", and anything else while polling
// as the end of the connection — so 400 is kept for requests no working client would send.
import type { ErrorRequestHandler } from 'express';
import type { ErrorBody } from '../httpErrors.js';

export class DirectLineHttpError extends Error {
  override name = 'DirectLineHttpError';
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 413,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const missingAuthorization = () =>
  new DirectLineHttpError(401, 'MissingAuthorization', 'Send "Authorization: Bearer <secret or token>".');
export const invalidCredentials = () => new DirectLineHttpError(403, 'InvalidToken', 'The secret or token is not valid.');
export const tokenExpired = () => new DirectLineHttpError(403, 'TokenExpired', 'The token has expired; get a new one.');
export const otherConversation = () => new DirectLineHttpError(403, 'WrongConversation', 'The token is for another conversation.');
export const conversationNotFound = () => new DirectLineHttpError(404, 'ConversationNotFound', 'No such conversation.');
export const badArgument = (message: string) => new DirectLineHttpError(400, 'BadArgument', message);

/** Formats DirectLineHttpError; everything else (malformed JSON, oversized bodies, bugs) goes on to server/httpErrors.ts. */
export const directLineErrorHandler: ErrorRequestHandler = (error: unknown, _request, response, next) => {
  if (!(error instanceof DirectLineHttpError) || response.headersSent) {
    next(error);
    return;
  }
  response.status(error.status).json({ error: { code: error.code, message: error.message } } satisfies ErrorBody);
};
