// The officer page's API (mounted at /api): the officer's own worklist, and the two actions the staff API lacked —
// accept / start work, and ask for reassignment. Progress notes, resolution claims and evidence use the staff API's
// existing routes; the rules (own area, own level, no closure) are StaffService's, the same for every door.
import express, { type Router } from 'express';
import { NotPermittedError } from '../../services/errors.js';
import type { OfficerAlertService } from '../../services/officerAlertService.js';
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
  /** Officer alerts (Web Push subscriptions, WhatsApp number); without it the /officer/alerts routes answer 403. */
  alerts?: OfficerAlertService;
}

export function createOfficerApiRouter({ auth, staff, desk, alerts }: OfficerApiDependencies): Router {
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

  // ── Alerts without watching the page: Web Push ("notify me") and the officer's WhatsApp number ──
  const alertService = (): OfficerAlertService => {
    if (!alerts) throw new NotPermittedError('Officer alerts are not served by this process.');
    return alerts;
  };

  router.get(
    '/officer/alerts',
    asStaff(async (principal, _request, response) => {
      response.set('Cache-Control', 'no-store');
      response.json(await alertService().settings(principal));
    }),
  );

  router.post(
    '/officer/alerts/push',
    json,
    asStaff(async (principal, request, response) => {
      response.json(await alertService().subscribe(principal, request.body));
    }),
  );

  router.delete(
    '/officer/alerts/push',
    json,
    asStaff(async (principal, request, response) => {
      response.json(await alertService().unsubscribe(principal, request.body));
    }),
  );

  router.put(
    '/officer/alerts/whatsapp',
    json,
    asStaff(async (principal, request, response) => {
      response.json(await alertService().setWhatsApp(principal, request.body));
    }),
  );

  return router;
}
