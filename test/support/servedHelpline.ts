// The whole helpline (createHelpline, as `npm start` runs it) on a test database, listening on 127.0.0.1, for the
// browser tests. Timers are far away unless a test asks otherwise: these tests are about conversations.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Database } from '../../db/database.js';
import { createHelpline, type Helpline, type HelplineOptions } from '../../server/helpline.js';
import type { Directory } from '../../services/directory.js';
import type { TestDatabase } from './testDatabase.js';

export interface ServedHelpline {
  helpline: Helpline;
  baseUrl: string;
  /** Everything the helpline logged, for a failing test to print. */
  log: string[];
  close(): Promise<void>;
}

export async function serveHelpline(db: TestDatabase, directory: Directory, options: Partial<HelplineOptions> = {}): Promise<ServedHelpline> {
  const log: string[] = [];
  // The test database is closed by useTestDatabase; the helpline only borrows it.
  const database: Database = { connection: db.connection, models: db.models, close: async () => {} };
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
  return {
    helpline,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    async close() {
      // Web Chat's polling and the agent console's event stream keep connections open; they would hold close() open.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await helpline.stop();
    },
  };
}
