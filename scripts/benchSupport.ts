// The parts of `npm run bench` that are not about a ticket's rules: options, timing, counting round trips,
// reading memory, turning a real ticket into a seeded copy that still verifies, and printing.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { mongo } from 'mongoose';
import type { ActorRef, TicketRecord } from '../models/ticketTypes.js';
import { channelIdentityKey, consumerActorId } from '../services/consumerIdentity.js';
import { genesisHash, sealEvent, verifyChain } from '../services/eventChain.js';
import { defaultDatabaseHeap } from '../db/embeddedMongo.js';
import type { HelplineOptions } from '../server/helpline.js';

// ── Options ─────────────────────────────────────────────────────────────────────────────────────────────────────

export interface BenchOptions {
  quick: boolean;
  tickets: number;
  concurrency: number;
  /** Timed operations per phase, over all rounds. */
  ops: number;
  /** The phases take turns this many times. */
  rounds: number;
  /** Untimed operations before each phase, so neither JIT (the JVM's nor V8's) is measured cold. */
  warmupOps: number;
  /** Tickets registered through the service; the rest of the collection is copied from them. */
  templates: number;
  /** Sequential operations per kind when counting round trips. */
  roundTripOps: number;
  /** Tickets whose chains are verified after the transitions. */
  verifySample: number;
  /** The embedded server's heap cap: the same default as `npm start` (EMBEDDED_DB_MAX_HEAP). */
  heap: string;
  /** The sections to run, in the order given. */
  sections: string[];
  /** How often the conversation benchmark's clients poll for replies. */
  pollMs: number;
  /** The open-loop conversation run's offered load, messages per second. */
  rate: number;
  /** A cap on the conversation server's old-generation heap (node's --max-old-space-size), in MB; `npm start`'s by default. */
  serverHeapMb?: number;
  /** The outage storm: consumers of one locality, and the seconds their complaints are spread over. */
  stormConsumers: number;
  stormSeconds: number;
}

/** `npm start`'s cap on the server's heap (package.json: `--max-old-space-size=${SERVER_MAX_HEAP_MB:-200}`). */
export const defaultServerHeapMb = 200;

/**
 * The memory settings `npm start` gives the server process (package.json's `start`), for the bench's own server
 * processes: the old-generation cap (`heapMb`, or none), the young generation's semi-space cap
 * (SERVER_MAX_SEMI_SPACE_MB, default 8) and few malloc arenas (MALLOC_ARENA_MAX, default 2).
 */
export function serverMemorySettings(heapMb: number | undefined): { execArgv: string[]; env: Record<string, string> } {
  return {
    execArgv: [
      ...(heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`]),
      `--max-semi-space-size=${process.env.SERVER_MAX_SEMI_SPACE_MB ?? '8'}`,
    ],
    env: { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
  };
}

export const SECTION_NAMES = ['tickets', 'conversations', 'outbox', 'reports', 'stream', 'scaleout', 'storm'] as const;

const usage = `Usage: npm run bench -- [--quick] [--only a,b] [--tickets N] [--concurrency N] [--ops N] [--rounds N] [--heap 192m]
                             [--poll-ms N] [--rate N] [--storm N] [--storm-seconds N]
  --quick          small counts and short runs: the whole bench in under a minute
  --only LIST      sections to run, of ${SECTION_NAMES.join(', ')} (default: all)
  ticket service section:
  --tickets N      tickets in the database (default 100,000; 1,000 with --quick)
  --concurrency N  operations in flight during the timed phases (default 16)
  --ops N          timed operations per phase (default 20,000; 400 with --quick)
  --rounds N       times the phases take turns, each with ops/N operations (default 5; 2 with --quick)
  --heap SIZE      heap cap of the embedded server (default EMBEDDED_DB_MAX_HEAP or 192m, as npm start)
  conversations section:
  --poll-ms N      the clients' polling interval while waiting for a reply (default 200, directlinejs's lowest)
  --rate N         the open-loop offered load, messages per second (default 200)
  --server-heap MB cap the server's heap (node --max-old-space-size; default SERVER_MAX_HEAP_MB or 200, as npm start)
  storm section:
  --storm N        consumers of one locality who complain of no supply over web chat (default 2,000; 100 with --quick)
  --storm-seconds N  the seconds their first messages are spread over (default 180; 10 with --quick)
Set MONGODB_URI to run the ticket service section against a MongoDB server instead of the embedded one.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${flag} must be a positive integer, not "${text}"\n${usage}`);
  return value;
}

/** Undefined when the caller asked for help (and it was printed). */
export function parseBenchOptions(argv: string[]): BenchOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean', default: false },
        tickets: { type: 'string' },
        concurrency: { type: 'string' },
        ops: { type: 'string' },
        rounds: { type: 'string' },
        heap: { type: 'string' },
        only: { type: 'string' },
        'poll-ms': { type: 'string' },
        rate: { type: 'string' },
        'server-heap': { type: 'string' },
        storm: { type: 'string' },
        'storm-seconds': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
  if (values.help) {
    console.log(usage);
    return undefined;
  }
  const quick = values.quick;
  const tickets = positiveInteger('tickets', values.tickets, quick ? 1_000 : 100_000);
  const ops = positiveInteger('ops', values.ops, quick ? 400 : 20_000);
  const sections = values.only ? values.only.split(',').map((name) => name.trim()) : [...SECTION_NAMES];
  const unknown = sections.filter((name) => !(SECTION_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new UsageError(`--only: no section ${unknown.join(', ')}\n${usage}`);
  const heap = values.heap ?? process.env.EMBEDDED_DB_MAX_HEAP ?? defaultDatabaseHeap;
  if (!/^\d+[mMgG]$/.test(heap)) throw new UsageError(`--heap must look like 384m or 1g, not "${heap}"\n${usage}`);
  return {
    quick,
    tickets,
    concurrency: positiveInteger('concurrency', values.concurrency, 16),
    ops,
    rounds: positiveInteger('rounds', values.rounds, quick ? 2 : 5),
    warmupOps: Math.max(50, Math.round(ops / 10)),
    templates: Math.min(tickets, quick ? 100 : 400),
    roundTripOps: quick ? 10 : 20,
    verifySample: quick ? 20 : 50,
    heap,
    sections,
    pollMs: positiveInteger('poll-ms', values['poll-ms'], 200),
    rate: positiveInteger('rate', values.rate, 200),
    serverHeapMb: positiveInteger('server-heap', values['server-heap'] ?? process.env.SERVER_MAX_HEAP_MB, defaultServerHeapMb),
    stormConsumers: positiveInteger('storm', values.storm, quick ? 100 : 2_000),
    stormSeconds: positiveInteger('storm-seconds', values['storm-seconds'], quick ? 10 : 180),
  };
}

// ── Timing ──────────────────────────────────────────────────────────────────────────────────────────────────────

export interface PhaseTiming {
  ops: number;
  seconds: number;
  /** Milliseconds per operation, by the kind the operation reported. */
  latencies: Map<string, number[]>;
}

/**
 * Runs `ops` operations with `concurrency` in flight; each resolves to its kind, under which its latency is kept.
 * The first failure stops the phase and is rethrown: a benchmark that quietly skips errors measures nothing.
 */
export async function runConcurrently(ops: number, concurrency: number, op: () => Promise<string>): Promise<PhaseTiming> {
  const latencies = new Map<string, number[]>();
  let started = 0;
  let failed = false;
  let failure: unknown;
  const worker = async () => {
    while (started < ops && !failed) {
      started += 1;
      const begin = performance.now();
      try {
        const kind = await op();
        const elapsed = performance.now() - begin;
        const list = latencies.get(kind);
        if (list) list.push(elapsed);
        else latencies.set(kind, [elapsed]);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  };
  const begin = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, ops) }, worker));
  const seconds = (performance.now() - begin) / 1000;
  if (failed) throw failure;
  return { ops, seconds, latencies };
}

export function mergeTimings(timings: PhaseTiming[]): PhaseTiming {
  const latencies = new Map<string, number[]>();
  for (const timing of timings) {
    for (const [kind, samples] of timing.latencies) latencies.set(kind, [...(latencies.get(kind) ?? []), ...samples]);
  }
  return {
    ops: timings.reduce((sum, timing) => sum + timing.ops, 0),
    seconds: timings.reduce((sum, timing) => sum + timing.seconds, 0),
    latencies,
  };
}

export interface LatencyStats {
  ops: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface PhaseResult extends LatencyStats {
  seconds: number;
  opsPerSecond: number;
  byKind: Record<string, LatencyStats>;
}

/** Nearest-rank percentile: the value below which `p` per cent of the samples fall, and itself a real sample. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function latencyStats(samples: number[]): LatencyStats {
  const sorted = Float64Array.from(samples).sort();
  const list = Array.from(sorted);
  const total = list.reduce((sum, value) => sum + value, 0);
  return {
    ops: list.length,
    meanMs: list.length ? total / list.length : Number.NaN,
    p50Ms: percentile(list, 50),
    p99Ms: percentile(list, 99),
    maxMs: list.length ? list[list.length - 1]! : Number.NaN,
  };
}

export function summarisePhase(timing: PhaseTiming): PhaseResult {
  const all = [...timing.latencies.values()].flat();
  const byKind = Object.fromEntries([...timing.latencies].sort(([a], [b]) => (a < b ? -1 : 1)).map(([kind, samples]) => [kind, latencyStats(samples)]));
  return { ...latencyStats(all), seconds: timing.seconds, opsPerSecond: timing.ops / timing.seconds, byKind };
}

// ── Round trips ─────────────────────────────────────────────────────────────────────────────────────────────────

// Connection upkeep, not work an operation asked for.
const upkeepCommands = new Set(['hello', 'ping', 'isMaster', 'ismaster', 'endSessions']);

/** Counts the commands the driver sends, by name; needs a client connected with `monitorCommands: true`. */
export class CommandCounter {
  private readonly counts = new Map<string, number>();

  /** @param byCollection count `<command> <collection>` instead of the command alone (where the work goes). */
  constructor(client: mongo.MongoClient, byCollection = false) {
    client.on('commandStarted', (event: mongo.CommandStartedEvent) => {
      if (upkeepCommands.has(event.commandName)) return;
      const target = (event.command as Record<string, unknown>)[event.commandName];
      const name = byCollection && typeof target === 'string' ? `${event.commandName} ${target}` : event.commandName;
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    });
  }

  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }

  /** Commands sent since `before`, by name. */
  since(before: Map<string, number>): Record<string, number> {
    const delta: Record<string, number> = {};
    for (const [name, count] of this.counts) {
      const added = count - (before.get(name) ?? 0);
      if (added > 0) delta[name] = added;
    }
    return delta;
  }
}

export function sumCounts(counts: Array<Record<string, number>>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const count of counts) for (const [name, value] of Object.entries(count)) total[name] = (total[name] ?? 0) + value;
  return total;
}

export interface RoundTrips {
  ops: number;
  /** Commands per operation. */
  perOp: number;
  /** Commands per operation, by command name. */
  byCommand: Record<string, number>;
}

export function roundTrips(ops: number, commands: Record<string, number>): RoundTrips {
  const total = Object.values(commands).reduce((sum, count) => sum + count, 0);
  return {
    ops,
    perOp: total / ops,
    byCommand: Object.fromEntries(Object.entries(commands).map(([name, count]) => [name, count / ops])),
  };
}

// ── The conversation benchmark's server (scripts/benchServer.ts) ──────────────────────────────────────────────

export const benchDirectLineSecret = 'bench-directline-secret-0123456789abcdefghij';

/**
 * The helpline as the ordinary-turn benches run it (scripts/benchServer.ts, scripts/benchBackground.ts): `npm start`'s
 * settings but for two. Every bench consumer writes from one locality: with the default incident threshold the
 * section would measure an outage storm (scripts/benchStorm.ts measures that), not the ordinary turns it is about.
 * And thousands of them open their chats from one address (127.0.0.1), which the per-address session limit exists to
 * refuse; in service they come from as many addresses. The limit is still checked (its cost counted).
 */
export function benchHelplineOptions(log: (line: string) => void): HelplineOptions {
  return {
    directLineSecret: benchDirectLineSecret,
    webChatCookieSecret: 'bench-webchat-cookie-secret-0123456789abcdef',
    staffSessionTtlMs: 60 * 60_000,
    satisfactionReminderDelaysMs: [6 * 60 * 60_000],
    satisfactionUnconfirmedAfterMs: 24 * 60 * 60_000,
    incidentThreshold: Number.MAX_SAFE_INTEGER,
    abuseLimits: { webChatSessionsPerAddress: { points: 1_000_000_000, durationMs: 3_600_000 } },
    log,
  };
}

/** Child → parent over IPC. */
export type ServerMessage =
  | { kind: 'ready'; helplinePort: number; echoPort: number }
  | { kind: 'counts'; counts: Record<string, number> }
  | { kind: 'heap'; heapUsedMb: number; heapTotalMb: number };
/** Parent → child over IPC. */
export type ParentMessage = { kind: 'counts' } | { kind: 'heap' } | { kind: 'stop' };

// ── Memory ──────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Resident memory of another process in MB, from /proc (Linux): now (VmRSS) or its peak so far (VmHWM); undefined
 * where that cannot be read.
 */
export function processRssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Kernel clock ticks per second, the unit of /proc/<pid>/stat's CPU times (100 on every usual Linux). */
const clockTicksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/**
 * CPU time (user + system) another process has used so far, in ms, from /proc (Linux). On a shared machine the CPU a
 * piece of work costs is steadier than its wall-clock time, which waits for every other process on the cores.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces) in parentheses: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
  } catch {
    return undefined;
  }
}

/** This process's CPU time so far, in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export function nodePeakRssMb(): number {
  // maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS / 1024;
}

// ── Seeded copies ───────────────────────────────────────────────────────────────────────────────────────────────

export interface CopyIdentity {
  number: string;
  channelUserId: string;
  mobile: string;
}

/**
 * A real ticket as if a different consumer had registered it under `identity.number`: the consumer, the duplicate
 * key, the claim id, the outbox ids and the whole event chain are rewritten, and the chain is re-sealed from the new
 * number's genesis, so the copy verifies exactly as a ticket that went through the service would.
 */
export function copyTicket(template: TicketRecord, identity: CopyIdentity): TicketRecord {
  const consumer = { ...template.consumer, channelUserId: identity.channelUserId, mobile: identity.mobile };
  const templateConsumerId = consumerActorId(template.consumer);
  const consumerRef: ActorRef = { role: 'consumer', id: consumerActorId(consumer) };
  const asCopy = (ref: ActorRef): ActorRef => (ref.role === 'consumer' && ref.id === templateConsumerId ? consumerRef : ref);

  const freshClaimIds = new Map<string, string>();
  const claimIdFor = (claimId: string): string => {
    let fresh = freshClaimIds.get(claimId);
    if (!fresh) {
      fresh = `clm_${randomBytes(8).toString('hex')}`;
      freshClaimIds.set(claimId, fresh);
    }
    return fresh;
  };

  // The duplicate key names the owner identity (services/ticketService.ts duplicateKeyFor): the copy's owner is the
  // copy's own channel identity, so no two copies share a key.
  const templateOwnerKey = `|owner:${channelIdentityKey(template.consumer.channel, template.consumer.channelUserId)}|`;
  if (!template.duplicateKey.includes(templateOwnerKey)) {
    throw new Error(`template ${template._id} has duplicate key "${template.duplicateKey}" without its owner "${templateOwnerKey}"`);
  }

  let prevHash = genesisHash(identity.number);
  const events = template.events.map((event) => {
    const { hash: _hash, prevHash: _prevHash, ...unsealed } = event;
    const sealed = sealEvent(
      { ...unsealed, actor: asCopy(event.actor), ...(event.claimId !== undefined ? { claimId: claimIdFor(event.claimId) } : {}) },
      prevHash,
    );
    prevHash = sealed.hash;
    return sealed;
  });

  // Left out rather than set to undefined: the driver would store an undefined field as null.
  const copy: TicketRecord = {
    ...template,
    _id: identity.number,
    consumer,
    duplicateKey: template.duplicateKey.replace(templateOwnerKey, `|owner:${channelIdentityKey(consumer.channel, consumer.channelUserId)}|`),
    events,
    eventCount: events.length,
    lastEventHash: prevHash,
    // The same id scheme as the service's outbox: `<ticket>:<event seq>:<kind>`.
    outbox: template.outbox.map((effect) => ({ ...effect, id: `${identity.number}:${effect.eventSeq}:${effect.kind}` })),
  };
  if (template.claim) copy.claim = { ...template.claim, id: claimIdFor(template.claim.id), by: asCopy(template.claim.by) };
  if (template.closure) copy.closure = { ...template.closure, claimId: claimIdFor(template.closure.claimId), by: asCopy(template.closure.by) };

  const verdict = verifyChain(copy);
  if (!verdict.ok) throw new Error(`seeded copy ${identity.number} of ${template._id} does not verify: ${verdict.reason}`);
  return copy;
}

/** Up to `size` distinct elements, uniformly at random (a partial Fisher–Yates shuffle of a copy). */
export function sample<T>(items: readonly T[], size: number): T[] {
  const pool = [...items];
  const count = Math.min(size, pool.length);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

// ── Printing ────────────────────────────────────────────────────────────────────────────────────────────────────

/** Right-aligns every column but the first. */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) =>
    row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  return [line(header), widths.map((width) => '─'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

export function fixed(value: number | undefined, digits = 1): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function whole(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
