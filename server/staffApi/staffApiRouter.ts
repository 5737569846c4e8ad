// The staff API (mounted at /api): authentication, validation at the edge, and a call into a service per route.
// The rules live in services/staffService.ts and services/staffAuthService.ts; errors map in server/httpErrors.ts.
import express, { type ErrorRequestHandler, type Request, type Router } from 'express';
import { z } from 'zod';
import type { HandoffDesk } from '../../bot/liveHandoff.js';
import { InvalidInputError, NotPermittedError } from '../../services/errors.js';
import { createStaffUserSchema, loginSchema, type StaffAuthService } from '../../services/staffAuthService.js';
import { LoginRateLimitedError } from '../../services/staffAuthRateLimiter.js';
import { staffAssignSchema, staffNoteSchema, staffProgressSchema, ticketListQuerySchema, type StaffService } from '../../services/staffService.js';
import { parseInput } from '../../services/ticketInput.js';
import type { ErrorBody } from '../httpErrors.js';
import { jsonBody as strictJsonBody } from '../jsonBody.js';
import { staffOpenApiDocument } from './openApiDocument.js';
import { staffRoute } from './staffRoute.js';
import { clientAddressOf } from '../tooManyRequests.js';

export interface StaffApiDependencies {
  auth: StaffAuthService;
  staff: StaffService;
  /** Live handoff (bot/liveHandoff.ts); without it the /handoffs routes answer 403. */
  handoffs?: HandoffDesk;
}

export const STAFF_API_BODY_LIMIT = '64kb';

export function createStaffApiRouter({ auth, staff, handoffs }: StaffApiDependencies): Router {
  const router = express.Router();
  // Per route rather than router-wide: other routers may share the /api prefix and must keep their own body rules.
  const jsonBody = strictJsonBody({ limit: STAFF_API_BODY_LIMIT });
  const closureAttemptBody = strictJsonBody({ limit: STAFF_API_BODY_LIMIT, refuseHostileContent: false });

  const asStaff = staffRoute(auth);

  router.get('/openapi.json', (_request, response) => {
    response.json(staffOpenApiDocument);
  });

  router.post('/auth/login', jsonBody, async (request, response) => {
    const credentials = parseInput(loginSchema, request.body);
    response.json(await auth.login(credentials, clientAddressOf(request)));
  });

  router.post(
    '/auth/logout',
    asStaff(async (principal, _request, response) => {
      await auth.logout(principal);
      response.status(204).end();
    }),
  );

  router.get(
    '/tickets',
    asStaff(async (principal, request, response) => {
      response.json(await staff.listTickets(principal, parseInput(ticketListQuerySchema, request.query)));
    }),
  );

  router.get(
    '/tickets/:number',
    asStaff(async (principal, request, response) => {
      response.json(await staff.getTicket(principal, ticketNumberOf(request)));
    }),
  );

  router.post(
    '/tickets/:number/assign',
    jsonBody,
    asStaff(async (principal, request, response) => {
      const input = parseInput(staffAssignSchema, request.body ?? {});
      response.json({ ticket: await staff.assign(principal, ticketNumberOf(request), input) });
    }),
  );

  router.post(
    '/tickets/:number/progress',
    jsonBody,
    asStaff(async (principal, request, response) => {
      const input = parseInput(staffProgressSchema, request.body);
      response.json({ ticket: await staff.noteProgress(principal, ticketNumberOf(request), input) });
    }),
  );

  router.post(
    '/tickets/:number/resolution',
    jsonBody,
    asStaff(async (principal, request, response) => {
      const input = parseInput(staffNoteSchema, request.body);
      response.json(await staff.claimResolution(principal, ticketNumberOf(request), input));
    }),
  );

  // The ways a client might try to close a ticket. None exists; each is refused and recorded. Their bodies are read
  // loosely on purpose: a stray field must not turn a closure attempt into a 400 that leaves no trace.
  router.post(
    '/tickets/:number/close',
    closureAttemptBody,
    asStaff(async (principal, request) => {
      await staff.refuseClosure(principal, ticketNumberOf(request), { via: 'POST close', note: fieldOf(request.body, 'note') });
    }),
  );

  router.post(
    '/tickets/:number/status',
    closureAttemptBody,
    asStaff(async (principal, request) => {
      await staff.refuseClosure(principal, ticketNumberOf(request), {
        via: 'POST status',
        requestedStatus: fieldOf(request.body, 'status'),
        note: fieldOf(request.body, 'note'),
      });
    }),
  );

  router.patch(
    '/tickets/:number',
    closureAttemptBody,
    asStaff(async (principal, request) => {
      if (!hasField(request.body, 'status')) {
        throw new InvalidInputError(['nothing on a ticket is patched directly: use POST /api/tickets/{number}/assign, /progress or /resolution']);
      }
      await staff.refuseClosure(principal, ticketNumberOf(request), {
        via: 'PATCH',
        requestedStatus: fieldOf(request.body, 'status'),
        note: fieldOf(request.body, 'note'),
      });
    }),
  );

  router.post(
    '/users',
    jsonBody,
    asStaff(async (principal, request, response) => {
      const input = parseInput(createStaffUserSchema, request.body);
      response.status(201).json({ user: await auth.createUser(input, principal) });
    }),
  );

  router.post(
    '/users/:username/disable',
    jsonBody,
    asStaff(async (principal, request, response) => {
      parseInput(disableBodySchema, request.body ?? {});
      response.json({ user: await auth.disableUser(String(request.params.username), principal) });
    }),
  );

  // ── Live handoff (agents and supervisors; the rules live in services/liveHandoffService.ts) ──
  const desk = (): HandoffDesk => {
    if (!handoffs) throw new NotPermittedError('Live handoff is not served by this process.');
    return handoffs;
  };
  const handoffIdOf = (request: Request) => String(request.params.id);

  router.get(
    '/handoffs',
    asStaff(async (principal, _request, response) => {
      response.json({ handoffs: await desk().list(principal) });
    }),
  );

  router.get(
    '/handoffs/:id',
    asStaff(async (principal, request, response) => {
      response.json({ handoff: await desk().get(principal, handoffIdOf(request)) });
    }),
  );

  router.post(
    '/handoffs/:id/accept',
    jsonBody,
    asStaff(async (principal, request, response) => {
      parseInput(disableBodySchema, request.body ?? {});
      response.json(await desk().accept(principal, handoffIdOf(request)));
    }),
  );

  router.post(
    '/handoffs/:id/messages',
    jsonBody,
    asStaff(async (principal, request, response) => {
      response.json(await desk().send(principal, handoffIdOf(request), request.body));
    }),
  );

  router.post(
    '/handoffs/:id/complete',
    jsonBody,
    asStaff(async (principal, request, response) => {
      parseInput(disableBodySchema, request.body ?? {});
      response.json(await desk().complete(principal, handoffIdOf(request)));
    }),
  );

  router.use(rateLimitedLoginHandler);
  return router;
}

// Nothing to say when disabling; strict all the same, so a misspelt option is not silently ignored.
const disableBodySchema = z.strictObject({});

/**
 * 429 with Retry-After for a rate-limited login. Here rather than in server/httpErrors.ts only because that file is
 * shared; it belongs there (code too_many_attempts → 429, Retry-After from details.retryAfterSeconds).
 */
const rateLimitedLoginHandler: ErrorRequestHandler = (error: unknown, _request, response, next) => {
  if (!(error instanceof LoginRateLimitedError) || response.headersSent) {
    next(error);
    return;
  }
  response.set('Retry-After', String(error.retryAfterSeconds));
  response.status(429).json({ error: { code: error.code, message: error.message } } satisfies ErrorBody);
};


function ticketNumberOf(request: Request): string {
  return String(request.params.number);
}

function hasField(body: unknown, field: string): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && Object.hasOwn(body, field);
}

function fieldOf(body: unknown, field: string): unknown {
  return hasField(body, field) ? (body as Record<string, unknown>)[field] : undefined;
}
