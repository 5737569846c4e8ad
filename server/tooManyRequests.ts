// The HTTP doors' answer to an abuse limit (services/abuseLimits.ts): 429 with Retry-After, in the usual error shape.
import type { Request, Response } from 'express';
import type { AbuseLimits, LimitName } from '../services/abuseLimits.js';
import type { ErrorBody } from './httpErrors.js';

/** The client's address as express sees it (behind a proxy, TRUST_PROXY makes it the real one). */
export function clientAddressOf(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

/**
 * Counts one event under `name` for `key`; when over the limit answers 429 + Retry-After and returns false. Without
 * `limits` (a router built on its own, as in unit tests) everything is allowed.
 */
export async function withinLimit(limits: AbuseLimits | undefined, name: LimitName, key: string, response: Response): Promise<boolean> {
  if (!limits) return true;
  const verdict = await limits.consume(name, key);
  if (verdict.allowed) return true;
  refuseTooMany(response, verdict.retryAfterSeconds);
  return false;
}

/** 429 + Retry-After in the usual error shape: what every door answers over a limit. */
export function refuseTooMany(response: Response, retryAfterSeconds: number): void {
  response.set('Retry-After', String(retryAfterSeconds));
  response.status(429).json({
    error: { code: 'too_many_requests', message: `Too many requests; please try again in ${retryAfterSeconds} s.` },
  } satisfies ErrorBody);
}
