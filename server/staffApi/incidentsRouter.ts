// Area incidents in the staff API (mounted at /api): list, detail with linked tickets, open by hand, progress, ETA,
// restore, merge, detach a ticket. Rules and permissions live in services/incidentService.ts (officers their own area,
// supervisors all, agents read) — the same as for tickets.
import express, { type Request, type Router } from 'express';
import type { IncidentService } from '../../services/incidentService.js';
import { incidentListQuerySchema } from '../../services/incidentService.js';
import type { StaffAuthService } from '../../services/staffAuthService.js';
import { toSummary } from '../../services/staffService.js';
import { parseInput } from '../../services/ticketInput.js';
import { jsonBody as strictJsonBody } from '../jsonBody.js';
import { STAFF_API_BODY_LIMIT } from './staffApiRouter.js';
import { staffRoute } from './staffRoute.js';

export interface IncidentsRouterDependencies {
  auth: StaffAuthService;
  incidents: IncidentService;
}

export function createIncidentsRouter({ auth, incidents }: IncidentsRouterDependencies): Router {
  const router = express.Router();
  const jsonBody = strictJsonBody({ limit: STAFF_API_BODY_LIMIT });
  const asStaff = staffRoute(auth);
  const idOf = (request: Request) => String(request.params.id);

  router.get(
    '/incidents',
    asStaff(async (principal, request, response) => {
      response.json({ incidents: await incidents.list(principal, parseInput(incidentListQuerySchema, request.query)) });
    }),
  );

  router.post(
    '/incidents',
    jsonBody,
    asStaff(async (principal, request, response) => {
      response.status(201).json({ incident: await incidents.open(principal, request.body ?? {}) });
    }),
  );

  router.get(
    '/incidents/:id',
    asStaff(async (principal, request, response) => {
      const { incident, chain, linked } = await incidents.detail(principal, idOf(request));
      const { tickets: _numbers, ...rest } = incident;
      response.json({ incident: rest, chain, tickets: linked.map(toSummary) });
    }),
  );

  router.post(
    '/incidents/:id/progress',
    jsonBody,
    asStaff(async (principal, request, response) => {
      response.json({ incident: await incidents.noteProgress(principal, idOf(request), request.body ?? {}) });
    }),
  );

  router.post(
    '/incidents/:id/eta',
    jsonBody,
    asStaff(async (principal, request, response) => {
      response.json({ incident: await incidents.setEta(principal, idOf(request), request.body ?? {}) });
    }),
  );

  router.post(
    '/incidents/:id/restore',
    jsonBody,
    asStaff(async (principal, request, response) => {
      response.json(await incidents.restore(principal, idOf(request), request.body ?? {}));
    }),
  );

  router.post(
    '/incidents/:id/merge',
    jsonBody,
    asStaff(async (principal, request, response) => {
      response.json({ incident: await incidents.merge(principal, idOf(request), request.body ?? {}) });
    }),
  );

  router.post(
    '/incidents/:id/tickets/:number/detach',
    jsonBody,
    asStaff(async (principal, request, response) => {
      response.json({ incident: await incidents.detach(principal, idOf(request), String(request.params.number), request.body ?? {}) });
    }),
  );

  return router;
}
