// The express application: wiring only. Routes call services; one error handler maps domain errors to HTTP.
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Connection } from 'mongoose';
import { DomainError } from '../services/errors.js';

export interface AppDependencies {
  connection: Connection;
}

const statusByCode: Record<string, number> = {
  invalid_input: 400,
  ticket_not_found: 404,
  not_ticket_owner: 404,
  invalid_transition: 409,
  stale_claim: 409,
  concurrent_update: 409,
  closure_not_permitted: 403,
  not_permitted: 403,
};

export function createApp({ connection }: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', async (_request, response) => {
    try {
      await connection.db!.admin().command({ ping: 1 });
      response.json({ status: 'ok', database: 'ok' });
    } catch {
      response.status(503).json({ status: 'degraded', database: 'unreachable' });
    }
  });

  app.use((_request, response) => {
    response.status(404).json({ error: { code: 'not_found', message: 'No such route.' } });
  });

  const handleError: ErrorRequestHandler = (error: unknown, _request, response, _next) => {
    if (error instanceof DomainError) {
      response.status(statusByCode[error.code] ?? 400).json({ error: { code: error.code, message: error.message } });
      return;
    }
    console.error('[santushti] unhandled request error', error);
    response.status(500).json({ error: { code: 'internal', message: 'Something went wrong on our side; please try again.' } });
  };
  app.use(handleError);
  return app;
}
