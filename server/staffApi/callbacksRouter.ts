// The callback queue's routes (mounted at /api beside the staff API): list, claim ("I am calling"), record how it
// went. The rules live in services/callbackService.ts; a ticket callback's answer goes through the ticket service.
import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import type { CallbackService } from '../../services/callbackService.js';
import type { StaffAuthService } from '../../services/staffAuthService.js';
import { parseInput } from '../../services/ticketInput.js';
import { jsonBody as strictJsonBody } from '../jsonBody.js';
import { STAFF_API_BODY_LIMIT } from './staffApiRouter.js';
import { staffRoute } from './staffRoute.js';

export interface CallbacksRouterDependencies {
  auth: StaffAuthService;
  callbacks: CallbackService;
}

const emptyBodySchema = z.strictObject({});

export function createCallbacksRouter({ auth, callbacks }: CallbacksRouterDependencies): Router {
  const router = express.Router();
  const jsonBody = strictJsonBody({ limit: STAFF_API_BODY_LIMIT });
  const asStaff = staffRoute(auth);
  const idOf = (request: Request) => String(request.params.id);

  router.get(
    '/callbacks',
    asStaff(async (principal, _request, response) => {
      response.json({ callbacks: await callbacks.list(principal) });
    }),
  );

  router.post(
    '/callbacks/:id/claim',
    jsonBody,
    asStaff(async (principal, request, response) => {
      parseInput(emptyBodySchema, request.body ?? {});
      response.json({ callback: await callbacks.claim(principal, idOf(request)) });
    }),
  );

  router.post(
    '/callbacks/:id/outcome',
    jsonBody,
    asStaff(async (principal, request, response) => {
      response.json(await callbacks.recordOutcome(principal, idOf(request), request.body ?? {}));
    }),
  );

  return router;
}
