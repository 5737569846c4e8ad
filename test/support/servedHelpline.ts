// The whole helpline (createHelpline, as `npm start` runs it) listening on 127.0.0.1: the one way the tests serve it.
// Timers are far away unless a test asks otherwise: most tests are about conversations.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '../../db/database.js';
import { createHelpline, type Helpline, type HelplineOptions } from '../../server/helpline.js';
import type { Directory } from '../../services/directory.js';
import type { TestDatabase } from './testDatabase.js';

export interface ServedHelpline {
  helpline: Helpline;
  server: Server;
  port: number;
  baseUrl: string;
  /** Everything the helpline logged, for a failing test to print. */
  log: string[];
  close(): Promise<void>;
}

/** The test database as the helpline's own: useTestDatabase closes it, the helpline only borrows it. */
export function borrowedDatabase(db: Pick<TestDatabase, 'connection' | 'models'>): Database {
  return { connection: db.connection, models: db.models, close: async () => {} };
}

/** Serves the helpline on `database` at a free port of 127.0.0.1; `options` override the test defaults. */
export async function serveHelplineOn(database: Database, directory: Directory, options: Partial<HelplineOptions> = {}): Promise<ServedHelpline> {
  const log: string[] = [];
  const helpline = createHelpline(database, directory, {
    directLineSecret: 'e2e-directline-secret-0123456789abcdefghij',
    webChatCookieSecret: 'e2e-webchat-cookie-secret-9876543210zyxwv',
    staffSessionTtlMs: 60 * 60_000,
    satisfactionReminderDelaysMs: [60 * 60_000],
    satisfactionUnconfirmedAfterMs: 2 * 60 * 60_000,
    sweepIntervalMs: 200,
    log: (line) => log.push(line),
    ...options,
  });
  const server = helpline.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await helpline.start();
  const port = (server.address() as AddressInfo).port;
  return {
    helpline,
    server,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    log,
    async close() {
      // Web Chat's polling and the agent console's event stream keep connections open; they would hold close() open.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await helpline.stop();
    },
  };
}

/** Serves the helpline on the test database. */
export function serveHelpline(db: TestDatabase, directory: Directory, options: Partial<HelplineOptions> = {}): Promise<ServedHelpline> {
  return serveHelplineOn(borrowedDatabase(db), directory, options);
}
