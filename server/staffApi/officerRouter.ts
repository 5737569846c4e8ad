// The officer page's API (mounted at /api): the officer's own worklist, and the two actions the staff API lacked —
// accept / start work, and ask for reassignment. Progress notes, resolution claims and evidence use the staff API's
// existing routes; the rules (own area, own level, no closure) are StaffService's, the same for every door.
import express, { type Router } from 'express';
import { reassignmentSchema, type OfficerDeskService } from '../../services/officerDeskService.js';
import type { StaffAuthService } from '../../services/staffAuthService.js';
import type { StaffService } from '../../services/staffService.js';
import { optionalNoteSchema, parseInput } from '../../services/ticketInput.js';
import { jsonBody } from '../jsonBody.js';
import { STAFF_API_BODY_LIMIT } from './staffApiRouter.js';
import { staffRoute } from './staffRoute.js';

export interface OfficerApiDependencies {
  auth: StaffAuthService;
  staff: StaffService;
  desk: OfficerDeskService;
}

export function createOfficerApiRouter({ auth, staff, desk }: OfficerApiDependencies): Router {
  const router = express.Router();
  const asStaff = staffRoute(auth);
  const json = jsonBody({ limit: STAFF_API_BODY_LIMIT });

  router.get(
    '/officer/queue',
    asStaff(async (principal, _request, response) => {
      response.set('Cache-Control', 'no-store');
      response.json(await desk.queue(principal));
    }),
  );

  router.post(
    '/tickets/:number/start',
    json,
    asStaff(async (principal, request, response) => {
      const input = parseInput(optionalNoteSchema, request.body ?? {});
      response.json({ ticket: await staff.startWork(principal, String(request.params.number), input) });
    }),
  );

  router.post(
    '/tickets/:number/reassignment-request',
    json,
    asStaff(async (principal, request, response) => {
      const input = parseInput(reassignmentSchema, request.body);
      response.json({ ticket: await staff.requestReassignment(principal, String(request.params.number), input) });
    }),
  );

  return router;
}
