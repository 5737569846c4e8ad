// Planned shutdowns (mounted at /api beside the staff API): list (all staff), declare and cancel (supervisors). The
// rules live in services/shutdownService.ts.
import express, { type Router } from 'express';
import { z } from 'zod';
import type { ShutdownService } from '../../services/shutdownService.js';
import type { StaffAuthService } from '../../services/staffAuthService.js';
import { parseInput } from '../../services/ticketInput.js';
import { jsonBody as strictJsonBody } from '../jsonBody.js';
import { STAFF_API_BODY_LIMIT } from './staffApiRouter.js';
import { staffRoute } from './staffRoute.js';

export interface ShutdownsRouterDependencies {
  auth: StaffAuthService;
  shutdowns: ShutdownService;
}

const emptyBodySchema = z.strictObject({});

export function createShutdownsRouter({ auth, shutdowns }: ShutdownsRouterDependencies): Router {
  const router = express.Router();
  const jsonBody = strictJsonBody({ limit: STAFF_API_BODY_LIMIT });
  const asStaff = staffRoute(auth);

  router.get(
    '/shutdowns',
    asStaff(async (principal, request, response) => {
      response.json({ shutdowns: await shutdowns.list(principal, request.query as Record<string, unknown>) });
    }),
  );

  router.post(
    '/shutdowns',
    jsonBody,
    asStaff(async (principal, request, response) => {
      response.status(201).json({ shutdown: await shutdowns.declare(principal, request.body ?? {}) });
    }),
  );

  router.post(
    '/shutdowns/:id/cancel',
    jsonBody,
    asStaff(async (principal, request, response) => {
      parseInput(emptyBodySchema, request.body ?? {});
      response.json({ shutdown: await shutdowns.cancel(principal, String(request.params.id)) });
    }),
  );

  return router;
}
