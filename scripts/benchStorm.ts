// The outage storm (issue 13, item 7): `consumers` consumers of one locality (Vinay Khand, Gomti Nagar) complain of no
// supply within `stormSeconds` over web chat, then the area's JE declares the incident restored and every consumer
// must be asked, one by one, whether their power is back. Figures: the turn latency during the storm, how many
// incidents were opened (one), and the time from "restored" until every consumer has been asked.
//
// It talks to the helpline only as the world does, so it keeps measuring whatever the turn path and the outbox become:
// the helpline is `npm start` itself (package.json's start script, in a temporary data folder with its own embedded
// database), the officer is added with `npm run users`, consumers use the Direct Line HTTP API as Web Chat does, and
// the officer uses the staff API.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { texts } from '../dialogs/texts.js';
import { runUsersCommand } from './users.js';
import { DirectLineConsumer, type ClientOptions } from './benchDirectLineClient.js';
import { benchDirectLineSecret, fixed, formatTable, latencyStats, whole, type LatencyStats } from './benchSupport.js';

export interface StormBenchOptions {
  consumers: number;
  /** Arrivals are spread evenly over this long. */
  stormSeconds: number;
  pollMs: number;
  log: (line: string) => void;
}

export interface StormResults {
  consumers: number;
  stormSeconds: number;
  /** Consumers whose complaint was registered (a ticket number came back). */
  registered: number;
  errors: number;
  firstError?: string;
  /** Every consumer turn of the storm, from the POST to the first reply seen by the polling client. */
  turnLatency: LatencyStats;
  /** The same, to the moment the server stored the reply (no polling interval in it). */
  turnServerLatency: LatencyStats;
  turns: number;
  /** Incidents that exist after the storm (any status): the figure that must be 1. */
  incidentsOpened: number;
  /** Tickets the incident lists as its reports. */
  incidentReports: number;
  /** Consumers told at once, right after their ticket number, that the outage is known. */
  toldAtOnce: number;
  /** The staff API's answer to "restored": how long it took and how many consumers it said were asked. */
  restoreCallMs: number;
  restoreAsked: number;
  /** Consumers whose conversation received the "is your problem solved?" question for their own ticket. */
  asked: number;
  /** Consumers who received that question more than once. */
  askedTwice: number;
  /** From the restore call until the last question was stored in its conversation (the outbox delivered it). */
  allAskedSeconds: number;
  /** From the restore call until the last polling client had seen its question. */
  allSeenSeconds: number;
}

const locality = 'Vinay Khand';
const complaint = 'vinay khand mein 3 ghante se bijli nahi hai';
const ticketNumberPattern = /UP-\d{6}-\d{5,}/;
const officer = { username: 'bench-storm-je', officerId: 'je-gomti-nagar-1' };
// The last line of the satisfaction question in each language (the consumer writes Hinglish, but read them all).
const questionEndings = (['hi', 'en', 'hl'] as const).map((language) => texts[language].satisfactionQuestion('UP-000000-00000', 'JE', undefined, '').split('\n').at(-1)!);

/** A free port on 127.0.0.1 for the helpline (npm start takes PORT from the environment). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `npm start`, exactly as package.json has it, in a data folder of its own; resolves once /healthz answers. */
async function startHelpline(env: NodeJS.ProcessEnv, origin: string, log: (line: string) => void): Promise<ChildProcess> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const child = spawn('sh', ['-c', start], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`npm start exited with code ${code} before it was ready`))));
  exited.catch(() => undefined);
  // Ctrl-C ends the bench with process.exit: the helpline must not outlive it (SIGTERM: it stops its own database).
  process.once('exit', () => child.kill('SIGTERM'));
  const deadline = performance.now() + 120_000;
  for (;;) {
    const healthy = await Promise.race([
      fetch(`${origin}/healthz`).then(
        (response) => response.ok,
        () => false,
      ),
      exited,
    ]);
    if (healthy) break;
    if (performance.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error('npm start did not answer /healthz within 2 minutes');
    }
    await sleep(250);
  }
  log(`storm: helpline up at ${origin} (pid ${child.pid})`);
  return child;
}

async function stopHelpline(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function staffCall(origin: string, method: string, path: string, token?: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${origin}/api${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`staff API ${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

interface StormConsumer {
  client: DirectLineConsumer;
  ticket?: string;
  toldAtOnce: boolean;
}

/**
 * One consumer's complaint, answering what the helpline asks (it reads each reply rather than assuming a script, so
 * a question added to the registration dialog later is answered or fails loudly): the problem and the place in
 * Hinglish, "skip" for the account number, the mobile, "haan" at the summary.
 */
async function complain(consumer: StormConsumer, mobile: string, latencies: number[], serverLatencies: number[]): Promise<void> {
  const hl = texts.hl;
  const answers: Array<[(reply: string) => boolean, string]> = [
    [(reply) => reply.includes(hl.askAccount) || reply.includes(texts.en.askAccount) || reply.includes(texts.hi.askAccount), 'skip'],
    [(reply) => reply.includes(hl.askMobile) || reply.includes(texts.en.askMobile) || reply.includes(texts.hi.askMobile), mobile],
    [(reply) => reply.includes(mobile), 'haan'],
  ];
  let text = complaint;
  for (let turn = 0; turn < 8; turn++) {
    const sent = performance.now();
    const result = await consumer.client.sayUntil(text, (replies) => replies.length > 0, 'reply');
    latencies.push(result.seenAt - sent);
    serverLatencies.push(result.storedAtEpochMs - (performance.timeOrigin + sent));
    const reply = result.replies.join('\n');
    const ticket = ticketNumberPattern.exec(reply)?.[0];
    if (ticket) {
      consumer.ticket = ticket;
      // The outage notice follows the ticket number in the same turn, so it usually comes in the same page of replies.
      consumer.toldAtOnce = result.replies.some((text) => text.includes(locality) && !ticketNumberPattern.test(text));
      return;
    }
    const next = answers.find(([asks]) => asks(reply));
    if (!next) throw new Error(`the helpline said something this storm does not know how to answer: ${JSON.stringify(reply)}`);
    text = next[1];
  }
  throw new Error('no ticket after 8 turns');
}

/** Up to `limit` tasks at a time. */
async function inPool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

export async function benchStorm(options: StormBenchOptions): Promise<StormResults> {
  const { log } = options;
  const folder = mkdtempSync(join(tmpdir(), 'santushti-storm-'));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: folder,
    PORT: String(port),
    HOST: '127.0.0.1',
    // Errors only: under a storm the embedded database logs every racing rate-limit upsert as a warning.
    LOG_LEVEL: process.env.BENCH_STORM_LOG_LEVEL ?? 'error',
    DIRECTLINE_SECRET: benchDirectLineSecret,
    WEBCHAT_COOKIE_SECRET: `storm-cookie-secret-${randomBytes(16).toString('hex')}`,
    INCIDENT_THRESHOLD: '5',
    INCIDENT_WINDOW: '30m',
    // Every consumer of the storm comes from 127.0.0.1: the per-address session limit is for the open internet.
    LIMIT_WEBCHAT_SESSIONS_PER_HOUR: String(options.consumers * 2 + 100),
    WHATSAPP_WEB_ENABLED: 'false',
  };
  delete env.MONGODB_URI;
  const helpline = await startHelpline(env, origin, log);
  try {
    const password = `storm-${randomBytes(12).toString('hex')}`;
    const added = await runUsersCommand(['add', '--username', officer.username, '--password', password, '--role', 'officer', '--officer-id', officer.officerId], {
      out: () => undefined,
      err: () => undefined,
      env,
      readStdin: () => '',
    });
    if (added !== 0) throw new Error(`npm run users -- add failed with code ${added}`);
    const { token } = (await staffCall(origin, 'POST', '/auth/login', undefined, { username: officer.username, password })) as { token: string };

    // ── The storm ──
    const client: ClientOptions = { baseUrl: origin, secret: benchDirectLineSecret, pollMs: options.pollMs, replyTimeoutMs: 120_000 };
    const consumers: StormConsumer[] = [];
    const latencies: number[] = [];
    const serverLatencies: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    const begin = performance.now();
    const gapMs = (options.stormSeconds * 1000) / options.consumers;
    const progress = setInterval(() => log(`storm: ${consumers.filter((consumer) => consumer.ticket).length} of ${options.consumers} registered, ${latencies.length} turns`), 10_000);
    try {
      await Promise.all(
        Array.from({ length: options.consumers }, async (_, index) => {
          await sleep(Math.max(0, begin + index * gapMs - performance.now()));
          const serial = String(index + 1).padStart(6, '0');
          const consumer: StormConsumer = { client: new DirectLineConsumer(client, `dl_storm${serial}${randomBytes(3).toString('hex')}`), toldAtOnce: false };
          consumers.push(consumer);
          try {
            await consumer.client.start(1);
            await complain(consumer, `97${serial.padStart(8, '0')}`, latencies, serverLatencies);
          } catch (error) {
            errors += 1;
            firstError ??= error instanceof Error ? error.message : String(error);
          }
        }),
      );
    } finally {
      clearInterval(progress);
    }
    const registered = consumers.filter((consumer) => consumer.ticket);
    log(`storm: ${registered.length} registered in ${fixed((performance.now() - begin) / 1000, 1)} s, ${errors} errors`);

    // ── One incident? ──
    // The incident counts a complaint just after the ticket's reply is sent: let the last turns finish.
    let incidents: Array<{ _id: string; status: string; reportCount: number }> = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      incidents = ((await staffCall(origin, 'GET', '/incidents', token)) as { incidents: typeof incidents }).incidents;
      if (incidents.reduce((sum, incident) => sum + incident.reportCount, 0) >= registered.length) break;
      await sleep(200);
    }
    log(`storm: ${incidents.length} incident(s), ${incidents.map((incident) => `${incident._id} ${incident.status} ${incident.reportCount} reports`).join('; ')}`);
    const open = incidents.find((incident) => incident.status !== 'restored' && incident.status !== 'merged');
    if (!open) throw new Error(`no open incident after the storm (${incidents.length} incidents)`);

    // ── Restored: every consumer asked ──
    const restoredAt = performance.now();
    const restoredAtEpoch = Date.now();
    const restore = (await staffCall(origin, 'POST', `/incidents/${open._id}/restore`, token, { note: 'Feeder back on, supply restored' })) as { asked: number };
    const restoreCallMs = performance.now() - restoredAt;
    log(`storm: "restored" answered in ${fixed(restoreCallMs / 1000, 1)} s (${restore.asked} asked); waiting for every question to arrive`);
    let asked = 0;
    let askedTwice = 0;
    let lastStored = 0;
    let lastSeen = 0;
    await inPool(registered, 50, async (consumer) => {
      const isQuestion = (text: string) => text.includes(consumer.ticket!) && questionEndings.some((ending) => text.includes(ending));
      try {
        const result = await consumer.client.waitForUnprompted((replies) => replies.some(isQuestion), 'satisfaction question');
        const questions = result.replies.filter(isQuestion).length + consumer.client.lateReplies().filter(isQuestion).length;
        asked += 1;
        if (questions > 1) askedTwice += 1;
        lastStored = Math.max(lastStored, result.storedAtEpochMs);
        lastSeen = Math.max(lastSeen, result.seenAt);
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
      // Told at once, after their ticket number, that the outage is known (those who wrote before it opened are not):
      // that message answered their last turn, and has been fetched by now.
      consumer.toldAtOnce ||= consumer.client.lateReplies().some((text) => text.includes(locality) && !ticketNumberPattern.test(text));
    });
    return {
      consumers: options.consumers,
      stormSeconds: options.stormSeconds,
      registered: registered.length,
      errors,
      ...(firstError ? { firstError } : {}),
      turnLatency: latencyStats(latencies),
      turnServerLatency: latencyStats(serverLatencies),
      turns: latencies.length,
      incidentsOpened: incidents.length,
      incidentReports: open.reportCount,
      toldAtOnce: consumers.filter((consumer) => consumer.toldAtOnce).length,
      restoreCallMs,
      restoreAsked: restore.asked,
      asked,
      askedTwice,
      allAskedSeconds: (lastStored - restoredAtEpoch) / 1000,
      allSeenSeconds: (lastSeen - restoredAt) / 1000,
    };
  } finally {
    await stopHelpline(helpline);
    rmSync(folder, { recursive: true, force: true });
  }
}

export function printStorm(results: StormResults): void {
  console.log(
    `\nOutage storm: ${whole(results.consumers)} consumers of ${locality} complain over web chat within ${whole(results.stormSeconds)} s, then the JE says "restored":`,
  );
  console.log(
    formatTable(
      ['figure', 'value'],
      [
        ['complaints registered', `${whole(results.registered)} of ${whole(results.consumers)} (${results.errors} errors${results.firstError ? `; first: ${results.firstError.slice(0, 120)}` : ''})`],
        ['turn latency during the storm, p50 / p99 (client, polling)', `${fixed(results.turnLatency.p50Ms, 0)} / ${fixed(results.turnLatency.p99Ms, 0)} ms over ${whole(results.turns)} turns`],
        ['turn latency, p50 / p99 (until the server stored the reply)', `${fixed(results.turnServerLatency.p50Ms, 0)} / ${fixed(results.turnServerLatency.p99Ms, 0)} ms`],
        ['incidents opened', `${results.incidentsOpened} (${whole(results.incidentReports)} reports linked)`],
        ['consumers told at once that the outage is known', whole(results.toldAtOnce)],
        ['"restored" staff API call', `${fixed(results.restoreCallMs / 1000, 1)} s, said ${whole(results.restoreAsked)} asked`],
        ['consumers asked "is your problem solved?"', `${whole(results.asked)} (${results.askedTwice} asked twice)`],
        ['from "restored" until every consumer was asked (stored / seen)', `${fixed(results.allAskedSeconds, 1)} s / ${fixed(results.allSeenSeconds, 1)} s`],
      ],
    ),
  );
}
