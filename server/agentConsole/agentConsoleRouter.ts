// The agent console at /agent: a static page (web/agent/) that talks to the staff API with the session token it keeps
// in sessionStorage. A strict Content Security Policy: scripts and styles from this origin only, no inline code, no
// framing, network to this origin alone; the page writes every consumer and ticket text with textContent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';
import { pagePolicy, setCommonSecurityHeaders } from '../pageSecurity.js';

const consoleDirectory = fileURLToPath(new URL('../../web/agent/', import.meta.url));

export const agentConsolePolicy = pagePolicy([
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:", // the page's empty data: favicon; ticket photos fetched with the session
  'media-src blob:', // consumers' voice notes, fetched with the session
  "connect-src 'self'",
]);

export function createAgentConsoleRouter(): Router {
  const router = Router();
  const page = readFileSync(join(consoleDirectory, 'index.html'), 'utf8');
  const secure = (response: Response) => {
    setCommonSecurityHeaders(response);
    response.set('Content-Security-Policy', agentConsolePolicy);
  };

  router.get('/', (_request, response) => {
    secure(response);
    response.set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    response.send(page);
  });
  for (const file of ['console.js', 'console.css']) {
    router.get(`/${file}`, (_request, response) => {
      secure(response);
      response.sendFile(join(consoleDirectory, file), { headers: { 'Cache-Control': 'no-cache' } });
    });
  }
  return router;
}
