// How a staff route establishes its caller: the bearer token of the Authorization header, checked on every request.
// Shared by every staff router (staff API, handoff stream, agent ticket panel, WhatsApp linking page) so they answer
// 401 alike: one way to be a staff member.
import type { Request, RequestHandler, Response } from 'express';
import { UnauthenticatedError } from '../../services/errors.js';
import type { StaffAuthService, StaffPrincipal } from '../../services/staffAuthService.js';

export type StaffHandler = (principal: StaffPrincipal, request: Request, response: Response) => Promise<void>;

/** Wraps a handler: no valid session, no further work (and nothing recorded). */
export function staffRoute(auth: Pick<StaffAuthService, 'authenticate'>): (handler: StaffHandler) => RequestHandler {
  return (handler) => async (request, response) => {
    let principal: StaffPrincipal;
    try {
      principal = await auth.authenticate(bearerToken(request));
    } catch (error) {
      if (error instanceof UnauthenticatedError) response.set('WWW-Authenticate', 'Bearer realm="santushti-staff"');
      throw error;
    }
    await handler(principal, request, response);
  };
}

export function bearerToken(request: Request): string | undefined {
  const header = request.get('authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // A malformed header is a bad token, not a missing one.
  return match?.[1] ?? header;
}
