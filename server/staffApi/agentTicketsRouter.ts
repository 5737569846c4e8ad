// The agent console's ticket panel (mounted at /api): tickets for a live handoff's consumer, and evidence files for
// progress notes and resolution claims. Rules in services/handoffTicketService.ts and services/evidenceService.ts.
import express, { type Request, type Router } from 'express';
import { EVIDENCE_MAX_BYTES, type EvidenceService } from '../../services/evidenceService.js';
import type { HandoffTicketService } from '../../services/handoffTicketService.js';
import type { StaffAuthService } from '../../services/staffAuthService.js';
import { jsonBody } from '../jsonBody.js';
import { staffRoute } from './staffRoute.js';

export interface AgentTicketsDependencies {
  auth: StaffAuthService;
  handoffTickets: HandoffTicketService;
  evidence: EvidenceService;
}

/** The optional header carrying the uploaded file's name (percent-encoded for anything beyond ASCII). */
export const EVIDENCE_FILENAME_HEADER = 'x-evidence-filename';

export function createAgentTicketsRouter({ auth, handoffTickets, evidence }: AgentTicketsDependencies): Router {
  const router = express.Router();
  const asStaff = staffRoute(auth);
  // A ticket form is a few fields: 16 kB is ample.
  const json = jsonBody({ limit: '16kb' });
  // Any type is read as bytes (up to the limit) so that the service, not the parser, says what it accepts.
  const rawBody = express.raw({ type: () => true, limit: EVIDENCE_MAX_BYTES });

  router.post(
    '/handoffs/:id/tickets',
    json,
    asStaff(async (principal, request, response) => {
      const opened = await handoffTickets.open(principal, String(request.params.id), request.body);
      response.status(opened.duplicate ? 200 : 201).json(opened);
    }),
  );

  router.get(
    '/handoffs/:id/tickets',
    asStaff(async (principal, request, response) => {
      response.json({ tickets: await handoffTickets.list(principal, String(request.params.id)) });
    }),
  );

  // Authenticated before the body is read: an anonymous caller never gets to send 2 MB.
  router.post(
    '/tickets/:number/evidence',
    asStaff(async (principal, request, response) => {
      await readRawBody(rawBody, request, response);
      const data = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const stored = await evidence.upload(principal, String(request.params.number), {
        contentType: request.get('content-type'),
        data,
        filename: request.get(EVIDENCE_FILENAME_HEADER),
      });
      response.status(201).json({ evidence: stored });
    }),
  );

  // Files are fetched with the session and shown from blob: URLs; each response is one a browser will not run: the
  // type the bytes proved (else an opaque download), nosniff, a sandboxing policy, never cached by anyone else.
  router.get(
    '/evidence/:id',
    asStaff(async (principal, request, response) => {
      const file = await evidence.read(principal, String(request.params.id));
      // The name is ours (sanitised at upload); filename* carries it in UTF-8 for Hindi names.
      sendFile(response, file.servedType, file.data, `attachment; filename="${asciiFallback(file.filename)}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
    }),
  );

  router.get(
    '/evidence/:id/thumbnail',
    asStaff(async (principal, request, response) => {
      const id = String(request.params.id);
      sendFile(response, 'image/jpeg', await evidence.thumbnail(principal, id), `inline; filename="${id}-thumbnail.jpg"`);
    }),
  );

  router.get(
    '/tickets/:number/media',
    asStaff(async (principal, request, response) => {
      response.set('Cache-Control', 'no-store');
      response.json(await evidence.mediaOfTicket(principal, String(request.params.number)));
    }),
  );

  return router;
}

function readRawBody(parser: express.RequestHandler, request: Request, response: express.Response): Promise<void> {
  return new Promise((resolve, reject) => parser(request, response, (error?: unknown) => (error ? reject(error) : resolve())));
}

function sendFile(response: express.Response, contentType: string, data: Buffer, disposition: string): void {
  response.set({
    'Content-Type': contentType,
    'Content-Length': String(data.length),
    'Content-Disposition': disposition,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'private, no-store',
  });
  response.end(data);
}

function asciiFallback(filename: string): string {
  return filename.replace(/[^A-Za-z0-9 ._-]/g, '_');
}
