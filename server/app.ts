// The express application: wiring only. Routers come from their own modules; errors map in server/httpErrors.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type Express, type Request, type Router } from 'express';
import type { Connection } from 'mongoose';
import { errorHandler, notFoundHandler } from './httpErrors.js';
import { accessLogger, type Logger } from './logger.js';

export interface AppDependencies {
  connection: Connection;
  /** Mounted in order, each at its own path prefix (e.g. ['/v3/directline', directLineRouter]). */
  routers?: Array<[string, Router]>;
  /** Extra state for /healthz (e.g. each channel's connection): shown only to callers `mayReadHealthDetails` admits. */
  health?: () => Record<string, unknown>;
  /** The access log and request ids (server/logger.ts); without it, requests are not logged. */
  logger?: Logger;
  /** Whether this /healthz caller may see the details (an authenticated supervisor). Default: nobody. */
  mayReadHealthDetails?: (request: Request) => Promise<boolean>;
  /** express "trust proxy" (TRUST_PROXY): which proxies' X-Forwarded-For / X-Forwarded-Proto are believed. Default false. */
  trustProxy?: boolean | number | string[];
}

const healthPingTimeoutMs = 1_000;

export function createApp({ connection, routers = [], health, mayReadHealthDetails, trustProxy = false, logger }: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag on the bodies handlers send (express would hash every one for it): they are live data, mostly `no-store`
  // (a Direct Line poll, the staff API), where a validator is never used, and the hash cost CPU on every poll. A
  // function rather than `false`, because `false` would also take the ETag off files sent with sendFile, which keep it.
  app.set('etag', () => undefined);
  app.set('trust proxy', trustProxy);
  if (logger) app.use(accessLogger(logger));
  // Every answer, JSON errors included, is read as the type it says: a browser never sniffs echoed input into HTML.
  app.use((_request, response, next) => {
    response.set('X-Content-Type-Options', 'nosniff');
    next();
  });

  // The public learns only up or degraded; the database and channel details (phone number ids, counters) are for
  // an authenticated supervisor.
  app.get('/healthz', async (request, response) => {
    response.set('Cache-Control', 'no-store');
    const details = (await mayReadHealthDetails?.(request).catch(() => false)) ?? false;
    try {
      // While the database is away the driver waits for it up to serverSelectionTimeoutMS; a health check must not.
      await Promise.race([
        connection.db!.admin().command({ ping: 1 }),
        sleep(healthPingTimeoutMs, undefined, { ref: false }).then(() => Promise.reject(new Error('database ping timed out'))),
      ]);
      response.json(details ? { status: 'ok', database: 'ok', channels: health?.() ?? {} } : { status: 'ok' });
    } catch {
      response.status(503).json(details ? { status: 'degraded', database: 'unreachable', channels: health?.() ?? {} } : { status: 'degraded' });
    }
  });

  for (const [path, router] of routers) app.use(path, router);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
