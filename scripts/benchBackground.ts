// `npx tsx scripts/benchBackground.ts [complaints]`: the database commands a registered complaint costs from the
// registering message on, and how many come after the consumer's reply (the outbox delivering what registration
// owes: the officer's inbox, report rollups, the timers' marks), by command and collection. The whole helpline as `npm start` assembles
// it, in this process, on a fresh embedded database; complaints registered one after another over Direct Line HTTP,
// each followed by a wait until the database has been quiet for a while.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { connectModels, type Database } from '../db/database.js';
import { startEmbeddedMongo } from '../db/embeddedMongo.js';
import { createHelpline } from '../server/helpline.js';
import { Directory } from '../services/directory.js';
import { DirectLineConsumer } from './benchDirectLineClient.js';
import { benchDirectLineSecret, benchHelplineOptions, CommandCounter, formatTable, fixed } from './benchSupport.js';

export interface BackgroundResults {
  complaints: number;
  /** Commands from the registering message until the database is quiet, per complaint, by `<command> <collection>`. */
  byCommand: Record<string, number>;
  perComplaint: number;
  /** Of those, the ones sent after the consumer had the reply (the outbox's share, mostly). */
  afterReply: number;
  /**
   * The background workers' periodic passes over the watch list once the complaints are registered (each run twice at
   * once: the first pass looks at every new ticket; the second finds them snoozed), by `<command> <collection>`.
   */
  passes: Array<{ worker: string; first: Record<string, number>; second: Record<string, number> }>;
}

/** Waits until no command has been sent for `quietMs`; what was sent since `from`. */
async function settle(counter: CommandCounter, from: Map<string, number>, quietMs: number): Promise<Record<string, number>> {
  let last = JSON.stringify(counter.since(from));
  for (;;) {
    await sleep(quietMs);
    const now = JSON.stringify(counter.since(from));
    if (now === last) return counter.since(from);
    last = now;
  }
}

export async function benchBackground(options: { complaints: number; quietMs?: number; log: (line: string) => void }): Promise<BackgroundResults> {
  const folder = mkdtempSync(join(tmpdir(), 'santushti-background-'));
  const embedded = await startEmbeddedMongo({ dataFile: join(folder, 'bench.mv') });
  const { connection, models } = await connectModels(embedded.uri, `santushti_background_${randomBytes(3).toString('hex')}`, { monitorCommands: true });
  const counter = new CommandCounter(connection.getClient(), true);
  const database: Database = { connection, models, close: () => connection.close() };
  const helpline = createHelpline(database, Directory.loadDefault(), benchHelplineOptions(() => undefined));
  const server = helpline.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await helpline.start();
  const total: Record<string, number> = {};
  let afterReply = 0;
  const passes: BackgroundResults['passes'] = [];
  try {
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Start-up's own passes first.
    await settle(counter, counter.snapshot(), options.quietMs ?? 500);
    for (let i = 0; i < options.complaints; i++) {
      const mobile = `9${String(8_000_000 + i).padStart(9, '0')}`;
      const consumer = new DirectLineConsumer({ baseUrl, secret: benchDirectLineSecret, pollMs: 200, replyTimeoutMs: 30_000 }, `dl_background${randomBytes(4).toString('hex')}${i}`);
      await consumer.start(1);
      for (const text of ['gomti nagar mein 3 ghante se bijli nahi hai', 'skip', mobile]) await consumer.say(text, 1);
      // The registering turn ("haan"): everything from its POST until the database is quiet again.
      await settle(counter, counter.snapshot(), options.quietMs ?? 500);
      const before = counter.snapshot();
      const last = await consumer.say('haan', 1);
      if (!/UP-\d{6}-\d{5,}/.test(last.replies[0] ?? '')) throw new Error(`no ticket registered; the helpline said ${last.replies.join(' | ')}`);
      const turn = counter.since(before);
      const spent = await settle(counter, before, options.quietMs ?? 500);
      const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, count) => total + count, 0);
      afterReply += sum(spent) - sum(turn);
      for (const [name, count] of Object.entries(spent)) total[name] = (total[name] ?? 0) + count;
      options.log(`  complaint ${i + 1}: ${sum(spent)} commands from the registering message until quiet, ${sum(spent) - sum(turn)} of them after its reply`);
    }
    // What the workers' periodic passes cost for these tickets (in the conversation bench, passes that fall inside
    // its "after the last reply" windows look at every ticket the load levels registered).
    const workers = { notifications: helpline.notifications, sla: helpline.slaTimers, satisfaction: helpline.timers };
    for (const [worker, pass] of Object.entries(workers)) {
      const before = counter.snapshot();
      await pass.checkDue();
      const first = counter.since(before);
      const between = counter.snapshot();
      await pass.checkDue();
      passes.push({ worker, first, second: counter.since(between) });
    }
  } finally {
    server.closeAllConnections();
    server.close();
    await helpline.stop();
    await connection.close();
    await embedded.stop();
    rmSync(folder, { recursive: true, force: true });
  }
  const byCommand = Object.fromEntries(
    Object.entries(total)
      .map(([name, count]) => [name, count / options.complaints] as const)
      .sort((a, b) => b[1] - a[1]),
  );
  return { complaints: options.complaints, byCommand, perComplaint: Object.values(byCommand).reduce((sum, count) => sum + count, 0), afterReply: afterReply / options.complaints, passes };
}

export function printBackground(results: BackgroundResults): void {
  console.log(
    `\nCommands per registered complaint (${results.complaints} complaints): ${fixed(results.perComplaint, 1)} from the registering message until quiet, ` +
      `${fixed(results.afterReply, 1)} of them after its reply`,
  );
  console.log(formatTable(['command collection', 'per complaint'], Object.entries(results.byCommand).map(([name, count]) => [name, fixed(count, 1)])));
  const describe = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ') || 'none';
  console.log(`\nPeriodic passes over the ${results.complaints} complaints' tickets (first pass, then the next one):`);
  console.log(formatTable(['worker', 'first pass', 'next pass'], results.passes.map((pass) => [pass.worker, describe(pass.first), describe(pass.second)])));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const complaints = Number(process.argv[2] ?? 3);
  benchBackground({ complaints, log: (line) => console.log(line) })
    .then(printBackground)
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
