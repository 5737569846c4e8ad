// The officer page at /officer: a static, installable page (web/officer/) that talks to the staff API with the session
// token it keeps in sessionStorage — the agent console's login and security pattern. A strict Content Security
// Policy: script, style, manifest and service worker from this origin only; images and audio also from blob: URLs
// (evidence files fetched with the token, never a public link); no inline code, no framing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';
import { pagePolicy, setCommonSecurityHeaders } from '../pageSecurity.js';

const pageDirectory = fileURLToPath(new URL('../../web/officer/', import.meta.url));

export const officerPagePolicy = pagePolicy([
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "media-src blob:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "worker-src 'self'",
]);

const files: Record<string, string> = {
  'officer.js': 'text/javascript; charset=utf-8',
  'officer.css': 'text/css; charset=utf-8',
  'manifest.webmanifest': 'application/manifest+json; charset=utf-8',
  'icon.svg': 'image/svg+xml',
  'sw.js': 'text/javascript; charset=utf-8',
};

export function createOfficerPageRouter(): Router {
  const router = Router();
  const page = readFileSync(join(pageDirectory, 'index.html'), 'utf8');
  const secure = (response: Response) => {
    setCommonSecurityHeaders(response);
    response.set('Content-Security-Policy', officerPagePolicy);
  };

  router.get('/', (_request, response) => {
    secure(response);
    response.set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    response.send(page);
  });
  for (const [file, type] of Object.entries(files)) {
    router.get(`/${file}`, (_request, response) => {
      secure(response);
      const headers: Record<string, string> = { 'Content-Type': type, 'Cache-Control': 'no-cache' };
      // The worker lives under /officer/ but serves the page at /officer itself.
      if (file === 'sw.js') headers['Service-Worker-Allowed'] = '/officer';
      response.sendFile(join(pageDirectory, file), { headers });
    });
  }
  return router;
}
