// The directory's staff routes (mounted at /api): what version is in use, officer transfers (supervisors), and a post's
// history. The rules live in services/directoryStore.ts; bulk imports go through `npm run directory -- import`.
import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import type { Models } from '../../models/index.js';
import type { Directory } from '../../services/directory.js';
import { officerHistory, storedDirectoryVersion, transferOfficer } from '../../services/directoryStore.js';
import { NotPermittedError } from '../../services/errors.js';
import type { StaffAuthService, StaffPrincipal } from '../../services/staffAuthService.js';
import { parseInput } from '../../services/ticketInput.js';
import { jsonBody as strictJsonBody } from '../jsonBody.js';
import { STAFF_API_BODY_LIMIT } from './staffApiRouter.js';
import { staffRoute } from './staffRoute.js';

export interface DirectoryRouterDependencies {
  auth: StaffAuthService;
  models: Pick<Models, 'directoryVersions' | 'directoryHistory'>;
  directory: Directory;
  now?: () => Date;
}

export const transferSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  phone: z.string().regex(/^\+91[6-9]\d{9}$/, 'a contact number is +91 and a 10-digit mobile').optional(),
  note: z.string().trim().max(500).optional(),
});

function requireSupervisor(principal: StaffPrincipal, action: string): void {
  if (principal.role !== 'supervisor') throw new NotPermittedError(`Only a supervisor can ${action}.`);
}

export function createDirectoryRouter({ auth, models, directory, now = () => new Date() }: DirectoryRouterDependencies): Router {
  const router = express.Router();
  const jsonBody = strictJsonBody({ limit: STAFF_API_BODY_LIMIT });
  const asStaff = staffRoute(auth);
  const officerIdOf = (request: Request) => parseInput(z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/).max(100), String(request.params.id));

  router.get(
    '/directory',
    asStaff(async (principal, _request, response) => {
      requireSupervisor(principal, 'see the directory');
      const data = directory.toData();
      response.json({ version: await storedDirectoryVersion(models), districts: data.districts.length, localities: directory.localities().length });
    }),
  );

  router.post(
    '/directory/officers/:id/transfer',
    jsonBody,
    asStaff(async (principal, request, response) => {
      requireSupervisor(principal, 'record officer transfers');
      const body = parseInput(transferSchema, request.body ?? {});
      response.json(await transferOfficer(models, directory, officerIdOf(request), body, principal.username, now()));
    }),
  );

  router.get(
    '/directory/officers/:id/history',
    asStaff(async (principal, request, response) => {
      const officerId = officerIdOf(request);
      // An officer may see the history of their own post; supervisors every post's.
      if (principal.role !== 'supervisor' && principal.officerId !== officerId) throw new NotPermittedError('Only a supervisor can see other posts’ history.');
      response.json({ officerId, holder: directory.officerById(officerId) ?? null, history: await officerHistory(models, officerId) });
    }),
  );

  return router;
}
