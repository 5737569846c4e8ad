// Harnesses for the fault tests: a database of the test's own that can be stopped, killed and started again on the
// same store file and port; the helpline on it in this process; and the consumer's complaint conversation.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import { connectModels, type Database } from '../../db/database.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../db/embeddedMongo.js';
import { texts } from '../../dialogs/texts.js';
import type { Models } from '../../models/index.js';
import { createHelpline, type Helpline, type HelplineOptions } from '../../server/helpline.js';
import { Directory } from '../../services/directory.js';
import type { DirectLineTestClient } from './directLineClient.js';

export const directLineSecret = 'reliability-directline-secret-0123456789abcdef';
export const webChatCookieSecret = 'reliability-webchat-cookie-secret-0123456789';

/** An embedded database on a store file of its own, restartable on the same file and port. */
export class RestartableDatabase {
  private server: EmbeddedMongo | undefined;
  private readonly folder = mkdtempSync(join(tmpdir(), 'santushti-reliability-'));
  readonly dataFile = join(this.folder, 'store.mv');
  port = 0;

  get uri(): string {
    return `mongodb://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = await startEmbeddedMongo({ dataFile: this.dataFile, port: this.port, maxHeap: '256m' });
    this.port = this.server.port;
  }

  async stop(how: 'stop' | 'kill'): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await (how === 'kill' ? server?.kill() : server?.stop());
  }

  async dispose(): Promise<void> {
    await this.stop('stop');
    rmSync(this.folder, { recursive: true, force: true });
  }
}

export interface InProcessHelpline {
  helpline: Helpline;
  models: Models;
  connection: Connection;
  server: Server;
  baseUrl: string;
  log: string[];
  close(): Promise<void>;
}

export const directory = Directory.loadDefault();

/** The whole helpline (as `npm start` assembles it) on `uri`, listening on a free port of 127.0.0.1. */
export async function startHelplineOn(uri: string, dbName: string, options: Partial<HelplineOptions> = {}): Promise<InProcessHelpline> {
  const { connection, models } = await connectModels(uri, dbName);
  const database: Database = { connection, models, close: async () => {} };
  const log: string[] = [];
  const helpline = createHelpline(database, directory, {
    directLineSecret,
    webChatCookieSecret,
    staffSessionTtlMs: 60 * 60_000,
    satisfactionReminderDelaysMs: [60 * 60_000],
    satisfactionUnconfirmedAfterMs: 2 * 60 * 60_000,
    sweepIntervalMs: 250,
    log: (line) => log.push(line),
    ...options,
  });
  const server = helpline.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await helpline.start();
  return {
    helpline,
    models,
    connection,
    server,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await helpline.stop();
      await connection.close();
    },
  };
}

const hi = texts.hi;
export const ticketNumberPattern = /UP-\d{6}-\d{5}/;

/** A mobile number per consumer of a test: distinct, and valid for the registration dialog. */
export function consumerMobile(index: number): string {
  return String(9_700_000_000 + index);
}

/** Registers a power-cut complaint in Hindi the way a consumer answers the bot; returns the ticket number. */
export async function registerComplaint(client: DirectLineTestClient, mobile: string): Promise<string> {
  await client.waitForBot((activity) => activity.text === hi.welcome);
  await client.turn('गोमती नगर में 5 घंटे से बिजली नहीं है', hi.askAccount);
  await client.turn('छोड़ें', hi.askMobile);
  await client.turn(mobile, `• मोबाइल: ${mobile}`);
  const registered = await client.turn('हाँ', 'शिकायत संख्या');
  return ticketNumberPattern.exec(registered.text ?? '')![0];
}
