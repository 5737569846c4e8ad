// The supervisors' and officers' dashboard (/dashboard): static files only — the page logs in against
// POST /api/auth/login and reads /api/reports/*, so everything it shows is decided by the API's rules. Chart.js is
// served from node_modules (no CDN), and a strict CSP allows no inline script or style.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Response, type Router } from 'express';
import { pagePolicy } from '../pageSecurity.js';

const pageDirectory = fileURLToPath(new URL('../../web/dashboard/', import.meta.url));
const chartFile = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');

export const DASHBOARD_CSP = pagePolicy(["script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self' data:"]);

const files: Record<string, string> = {
  '/': join(pageDirectory, 'index.html'),
  '/dashboard.js': join(pageDirectory, 'dashboard.js'),
  '/dashboard.css': join(pageDirectory, 'dashboard.css'),
  '/chart.umd.min.js': chartFile,
};

export function createDashboardRouter(): Router {
  const router = express.Router({ strict: true });
  for (const [path, file] of Object.entries(files)) {
    router.get(path, (_request, response) => {
      pageHeaders(response);
      response.sendFile(file);
    });
  }
  return router;
}

function pageHeaders(response: Response): void {
  response.set({
    'Content-Security-Policy': DASHBOARD_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  });
}
