// The express application: wiring only. Routers come from their own modules; errors map in server/httpErrors.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type Express, type Router } from 'express';
import type { Connection } from 'mongoose';
import { errorHandler, notFoundHandler } from './httpErrors.js';
import { accessLogger, type Logger } from './logger.js';

export interface AppDependencies {
  connection: Connection;
  /** Mounted in order, each at its own path prefix (e.g. ['/v3/directline', directLineRouter]). */
  routers?: Array<[string, Router]>;
  /** Extra state for /healthz (e.g. each channel's connection). */
  health?: () => Record<string, unknown>;
  /** The access log and request ids (server/logger.ts); without it, requests are not logged. */
  logger?: Logger;
}

const healthPingTimeoutMs = 1_000;

export function createApp({ connection, routers = [], health, logger }: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  if (logger) app.use(accessLogger(logger));
  // Every answer, JSON errors included, is read as the type it says: a browser never sniffs echoed input into HTML.
  app.use((_request, response, next) => {
    response.set('X-Content-Type-Options', 'nosniff');
    next();
  });

  app.get('/healthz', async (_request, response) => {
    try {
      // While the database is away the driver waits for it up to serverSelectionTimeoutMS; a health check must not.
      await Promise.race([
        connection.db!.admin().command({ ping: 1 }),
        sleep(healthPingTimeoutMs, undefined, { ref: false }).then(() => Promise.reject(new Error('database ping timed out'))),
      ]);
      response.json({ status: 'ok', database: 'ok', channels: health?.() ?? {} });
    } catch {
      response.status(503).json({ status: 'degraded', database: 'unreachable', channels: health?.() ?? {} });
    }
  });

  for (const [path, router] of routers) app.use(path, router);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
