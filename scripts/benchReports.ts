// How fast the reports stay as the tickets grow: for each size, a database of that many tickets (spread over the LESA
// directory and ~90 days), their rollups and register folded by the same pure functions the live effects apply
// (services/reportRebuild.ts), then the report reads timed beside a same-run baseline — one ticket read by `_id`.
//   node --import tsx scripts/benchReports.ts --sizes 10000,100000,1000000 [--heap 1g]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { connectModels } from '../db/database.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../db/embeddedMongo.js';
import { wholeDocument, type Models } from '../models/index.js';
import { TICKET_CATEGORIES, type ActorRef, type EventChannel, type TicketEvent, type TicketRecord, type TicketStatus } from '../models/ticketTypes.js';
import { Directory, type ResolvedPlace } from '../services/directory.js';
import { RollupBuilder } from '../services/reportRebuild.js';
import { addDays, daysBetween, istDay } from '../services/reportRollups.js';
import { ReportService, type HotspotQuery } from '../services/reportService.js';
import { latencyStats } from './benchSupport.js';

export interface ReportLatency {
  tickets: number;
  hotspotsMs: { p50: number; p99: number };
  registerMs: { p50: number; p99: number };
  baselineMs: { p50: number; p99: number };
  /** Applying one live `report.update` effect (a registration) at this size. */
  applyMs: { p50: number; p99: number };
  seedSeconds: number;
  rollupDocuments: number;
  registerLines: number;
}

export interface BenchReportOptions {
  sizes: number[];
  log: (line: string) => void;
  /** Heap cap of the embedded server (default 1g). */
  heap?: string;
  /** Timed reads per kind and size (default 60). */
  samples?: number;
}

const DAYS = 90;
const INSERT_BATCH = 2_000;
const supervisor = { role: 'supervisor' };

export async function benchReportLatency(options: BenchReportOptions): Promise<ReportLatency[]> {
  const samples = options.samples ?? 60;
  const externalUri = process.env.MONGODB_URI;
  let tempDir: string | undefined;
  let embedded: EmbeddedMongo | undefined;
  if (!externalUri) {
    tempDir = mkdtempSync(join(tmpdir(), 'santushti-bench-reports-'));
    embedded = await startEmbeddedMongo({ dataFile: join(tempDir, 'reports.mv'), maxHeap: options.heap ?? '1g' });
  }
  const results: ReportLatency[] = [];
  // Interrupted (Ctrl-C, a timeout): stop the embedded server and remove its store rather than leave them behind.
  const interrupted = () => {
    void Promise.resolve(embedded?.stop())
      .finally(() => tempDir && rmSync(tempDir, { recursive: true, force: true }))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    for (const size of options.sizes) {
      const { connection, models } = await connectModels(externalUri ?? embedded!.uri, `santushti_bench_reports_${randomBytes(3).toString('hex')}`);
      try {
        results.push(await benchOneSize(models, size, samples, options.log));
      } finally {
        await connection.dropDatabase();
        await connection.close();
      }
    }
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await embedded?.stop();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
  return results;
}

async function benchOneSize(models: Models, size: number, samples: number, log: (line: string) => void): Promise<ReportLatency> {
  const directory = Directory.loadDefault();
  const now = new Date();
  const reports = new ReportService(models, () => now, directory);
  const generator = new TicketGenerator(directory, now);

  const seedStarted = performance.now();
  const builder = new RollupBuilder();
  const ids: string[] = [];
  for (let start = 0; start < size; start += INSERT_BATCH) {
    const batch = Array.from({ length: Math.min(INSERT_BATCH, size - start) }, (_, offset) => generator.ticket(start + offset));
    await models.tickets.collection.insertMany(batch as never[], { ordered: false });
    for (const ticket of batch) {
      builder.add(ticket);
      if (ids.length < 10_000 || Math.random() < 0.01) ids.push(ticket._id);
    }
    if ((start / INSERT_BATCH) % 50 === 49) {
      const done = start + batch.length;
      const elapsed = (performance.now() - seedStarted) / 1000;
      log(`  seeding ${done} of ${size} tickets (${Math.floor((100 * done) / size)} %, ${elapsed.toFixed(0)} s, about ${((elapsed / done) * (size - done)).toFixed(0)} s left)`);
    }
  }
  const ticketSeconds = (performance.now() - seedStarted) / 1000;
  const counts = await builder.replaceAll(models);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  log(
    `  ${size}: seeded in ${seedSeconds.toFixed(1)} s (tickets ${ticketSeconds.toFixed(1)} s, rollups ${(seedSeconds - ticketSeconds).toFixed(1)} s): ` +
      `${counts.buckets} buckets, ${counts.cells} cell documents, ${counts.registerEntries} register lines in ${counts.registerPages} pages`,
  );

  const to = istDay(now);
  const from = addDays(to, 1 - DAYS);
  const hotspotQueries: HotspotQuery[] = [
    { by: 'district', from, to },
    { by: 'locality', from, to },
    { by: 'officer', from, to },
    { by: 'category', from, to },
    { by: 'subdivision', from: addDays(to, -29), to, category: 'supply' },
    { by: 'locality', from: to, to },
  ];
  const pick = <T>(list: T[], index: number) => list[index % list.length]!;
  const time = async (operation: (index: number) => Promise<unknown>) => {
    for (let index = 0; index < 5; index++) await operation(index);
    const latencies: number[] = [];
    for (let index = 0; index < samples; index++) {
      const started = performance.now();
      await operation(index);
      latencies.push(performance.now() - started);
    }
    const stats = latencyStats(latencies);
    return { p50: round(stats.p50Ms), p99: round(stats.p99Ms) };
  };
  const baselineMs = await time((index) => models.tickets.findById(pick(ids, index * 7919), wholeDocument).lean());
  const hotspotsMs = await time((index) => reports.hotspots(supervisor, pick(hotspotQueries, index)));
  const registerMs = await time((index) =>
    reports.satisfactionRegister(supervisor, index % 2 === 0 ? { from, to, limit: 50 } : { from: addDays(to, -(index % DAYS)), to: addDays(to, -(index % DAYS)), limit: 50 }),
  );
  const perQuery = [];
  for (const query of hotspotQueries) {
    const stats = await time(() => reports.hotspots(supervisor, query));
    perQuery.push(`${query.by}${query.category ? `/${query.category}` : ''} ${query.from === query.to ? '1 day' : `${daysBetween(query.from!, query.to!).length} days`}: p50 ${stats.p50} ms`);
  }
  log(`  ${size}: hotspots per query — ${perQuery.join(' · ')}`);
  let extra = size;
  const applyMs = await time(async () => {
    const ticket = generator.ticket(extra++);
    await reports.apply(ticket, ticket.events[0]!, `${ticket._id}:0:report.update`);
  });
  const result = { tickets: size, hotspotsMs, registerMs, baselineMs, applyMs, seedSeconds: round(seedSeconds), rollupDocuments: counts.cells + counts.buckets, registerLines: counts.registerEntries };
  log(
    `  ${size}: hotspots p50 ${hotspotsMs.p50} ms / p99 ${hotspotsMs.p99} ms · register p50 ${registerMs.p50} / p99 ${registerMs.p99} ms · ` +
      `baseline findById p50 ${baselineMs.p50} / p99 ${baselineMs.p99} ms · apply one effect p50 ${applyMs.p50} / p99 ${applyMs.p99} ms`,
  );
  return result;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Minimal but realistic tickets: a place from the directory, a category, and a history the reports read — assigned to
 * the sub-division's JE, perhaps breached and escalated, claimed, answered yes / no / not at all, closed by the
 * consumer or by a supervisor's callback. Deterministic per index.
 */
class TicketGenerator {
  private readonly places: Array<ResolvedPlace & { je: ActorRef; sdo: ActorRef }>;

  constructor(
    directory: Directory,
    private readonly now: Date,
  ) {
    this.places = directory.localities().map((locality) => {
      const place = directory.resolvePlace({ locality: locality.name })!;
      const je = directory.officerFor(place.subDivisionId, 'JE');
      const sdo = directory.officerFor(place.subDivisionId, 'SDO');
      return { ...place, locality: locality.name, je: { role: 'officer', id: je.id, name: je.name }, sdo: { role: 'officer', id: sdo.id, name: sdo.name } };
    });
  }

  ticket(index: number): TicketRecord {
    const random = mulberry32(index + 1);
    const place = this.places[Math.floor(random() * this.places.length)]!;
    const category = TICKET_CATEGORIES[Math.floor(random() * TICKET_CATEGORIES.length)]!;
    const number = `UP-BENCH-${String(index + 1).padStart(7, '0')}`;
    const registeredAt = this.now.getTime() - random() * DAYS * 86_400_000;
    const consumer: ActorRef = { role: 'consumer', id: `webchat:web-bench-${index}` };
    const system: ActorRef = { role: 'system', id: 'sla-timer' };
    const events: TicketEvent[] = [];
    let at = registeredAt;
    let status = 'registered' as TicketStatus;
    const push = (type: TicketEvent['type'], actor: ActorRef, channel: EventChannel, extra: Partial<TicketEvent> = {}) => {
      at = Math.min(this.now.getTime(), at);
      events.push({ seq: events.length, type, at: new Date(at), actor, channel, prevHash: '', hash: `h${index}.${events.length}`, ...extra });
    };
    push('ticket.registered', consumer, 'webchat', { to: 'registered' });
    push('ticket.assigned', system, 'system', { to: 'assigned', level: 'JE', officerId: place.je.id });
    status = 'assigned';
    let owner = place.je;
    const later = (hours: number) => {
      at += hours * 3_600_000;
      return at < this.now.getTime();
    };
    const roll = random();
    if (roll < 0.1 && later(6 + random() * 24)) {
      push('ticket.escalated', system, 'system', { to: 'assigned', level: 'SDO', officerId: place.sdo.id });
      owner = place.sdo;
    }
    let claimId: string | undefined;
    const claim = () => {
      claimId = `claim-${index}-${events.length}`;
      push('ticket.resolution_claimed', owner, 'console', { to: 'awaiting_confirmation', claimId });
      status = 'awaiting_confirmation';
    };
    const answered = (yes: boolean, via: 'consumer' | 'callback') => {
      const actor: ActorRef = via === 'consumer' ? consumer : { role: 'supervisor', id: 'sup-bench', name: 'Bench Supervisor' };
      const channel: EventChannel = via === 'consumer' ? 'webchat' : 'phone';
      if (yes) {
        push('ticket.confirmed', actor, channel, { to: 'closed', claimId, data: { provenance: via === 'consumer' ? 'consumer_confirmed' : 'callback_confirmed' } });
        status = 'closed';
      } else {
        push('ticket.rejected', actor, channel, { to: 'reopened', claimId, level: 'SDO', officerId: place.sdo.id });
        owner = place.sdo;
        status = 'reopened';
      }
    };
    if (roll > 0.15 && later(1 + random() * 48)) {
      claim();
      const answer = random();
      if (answer < 0.75 && later(0.5 + random() * 24)) answered(true, 'consumer');
      else if (answer < 0.85 && later(0.5 + random() * 24)) {
        answered(false, 'consumer');
        if (later(2 + random() * 48)) {
          claim();
          if (later(1 + random() * 12)) answered(true, 'consumer');
        }
      } else if (answer < 0.95 && later(48)) {
        push('ticket.unconfirmed', system, 'system', { to: 'unconfirmed' });
        status = 'unconfirmed';
        if (later(4 + random() * 48)) answered(true, 'callback');
      }
    }
    const last = events.at(-1)!;
    return {
      _id: number,
      rev: events.length,
      category,
      description: 'bench',
      consumer: { channel: 'webchat', channelUserId: `web-bench-${index}`, mobile: `7${String(index).padStart(9, '0')}` },
      place: { district: place.district, division: place.division, subDivision: place.subDivision, subDivisionId: place.subDivisionId, locality: place.locality },
      level: owner === place.je ? 'JE' : 'SDO',
      officer: { id: owner.id, name: owner.name!, level: owner === place.je ? 'JE' : 'SDO' },
      status,
      duplicateKey: `bench:${index}`,
      createdAt: new Date(registeredAt),
      updatedAt: last.at,
      ...((status as TicketStatus) === 'closed' ? { closedAt: last.at } : {}),
      eventCount: events.length,
      lastEventHash: last.hash,
      events,
      outbox: [],
    };
  }
}

/** A small seeded PRNG: the same tickets on every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const { values } = parseArgs({ args: process.argv.slice(2), strict: true, options: { sizes: { type: 'string' }, heap: { type: 'string' }, samples: { type: 'string' } } });
  const sizes = (values.sizes ?? '10000,100000,1000000').split(',').map((size) => Number(size.replace(/_/g, '')));
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) {
    console.error('Usage: node --import tsx scripts/benchReports.ts [--sizes 10000,100000,1000000] [--heap 1g] [--samples 60]');
    process.exit(2);
  }
  benchReportLatency({ sizes, log: (line) => console.log(line), ...(values.heap ? { heap: values.heap } : {}), ...(values.samples ? { samples: Number(values.samples) } : {}) }).then(
    (results) => {
      console.log(JSON.stringify(results, null, 2));
      process.exit(0);
    },
    (error: unknown) => {
      console.error('[bench reports] failed:', error);
      process.exit(1);
    },
  );
}
