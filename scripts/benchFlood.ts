// `npm run bench:flood [-- --sessions 1000 --messages 10000 --unlimited]`: what a flood from ONE address costs the
// server — web chat sessions (POST /webchat/session) and then messages into one conversation (Direct Line POST
// activities) — with the abuse limits of docs/limits.md (default) or without them (--unlimited, the old behaviour).
// Reports wall time, this process's CPU (the helpline and the flooding client share it), the embedded database's CPU
// and resident memory, database commands by name, and how many requests were accepted and refused.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectModels } from '../db/database.js';
import { startEmbeddedMongo } from '../db/embeddedMongo.js';
import { createHelpline } from '../server/helpline.js';
import { Directory } from '../services/directory.js';
import { CommandCounter, ownCpuMs, processCpuMs, processRssMb, roundTrips } from './benchSupport.js';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const sessions = argument('sessions', 1_000);
const messages = argument('messages', 10_000);
const concurrency = argument('concurrency', 20);
const unlimited = process.argv.includes('--unlimited');

async function flood(count: number, send: (index: number) => Promise<number>): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const status = await send(next++);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  return statuses;
}

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'santushti-flood-'));
  const embedded = await startEmbeddedMongo({ dataFile: join(folder, 'flood.mv'), maxHeap: '384m' });
  const { connection, models } = await connectModels(embedded.uri, `santushti_flood_${randomBytes(3).toString('hex')}`, { monitorCommands: true });
  const counter = new CommandCounter(connection.getClient());
  const huge = { points: 10_000_000, durationMs: 60_000 };
  const helpline = createHelpline({ connection, models, close: async () => {} }, Directory.loadDefault(), {
    directLineSecret: 'flood-directline-secret-0123456789abcdefghij',
    webChatCookieSecret: 'flood-webchat-cookie-secret-9876543210zyxwv',
    staffSessionTtlMs: 3_600_000,
    satisfactionReminderDelaysMs: [3_600_000],
    satisfactionUnconfirmedAfterMs: 7_200_000,
    log: () => {},
    abuseLimits: unlimited ? { webChatSessionsPerAddress: huge, messagesPerConversation: huge } : undefined,
  });
  const server = helpline.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await helpline.start();
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const measure = async (label: string, count: number, send: (index: number) => Promise<number>) => {
    const before = { commands: counter.snapshot(), cpu: ownCpuMs(), dbCpu: processCpuMs(embedded.pid) ?? 0, at: performance.now() };
    const statuses = await flood(count, send);
    await helpline.webChat.idle();
    const commands = counter.since(before.commands);
    const trips = roundTrips(count, commands);
    const row = {
      label,
      requests: count,
      statuses,
      wallSeconds: (performance.now() - before.at) / 1000,
      nodeCpuSeconds: (ownCpuMs() - before.cpu) / 1000,
      databaseCpuSeconds: ((processCpuMs(embedded.pid) ?? 0) - before.dbCpu) / 1000,
      databaseCommands: Object.values(commands).reduce((sum, value) => sum + value, 0),
      commandsPerRequest: Number(trips.perOp.toFixed(2)),
      byCommand: commands,
      nodeRssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
      databaseRssMb: Math.round(processRssMb(embedded.pid) ?? 0),
    };
    console.log(JSON.stringify(row));
    return row;
  };

  console.log(`flood from one address: ${sessions} sessions, ${messages} messages, ${concurrency} at a time, limits ${unlimited ? 'OFF' : 'ON (defaults)'}`);
  let firstSession: { conversationId: string; token: string } | undefined;
  await measure('sessions', sessions, async () => {
    const response = await fetch(`${base}/webchat/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    if (response.status === 200 && !firstSession) firstSession = (await response.json()) as { conversationId: string; token: string };
    else await response.body?.cancel();
    return response.status;
  });
  if (!firstSession) throw new Error('no session was opened');
  const { conversationId, token } = firstSession;
  await measure('messages', messages, async (index) => {
    const response = await fetch(`${base}/v3/directline/conversations/${conversationId}/activities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: `flood ${index}`, from: { id: 'flooder' }, channelData: { clientActivityID: `flood-${index}` } }),
    });
    await response.body?.cancel();
    return response.status;
  });

  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await helpline.stop();
  await connection.close();
  await embedded.stop();
  rmSync(folder, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
