// The ticket-service section of `npm run bench`: ticket state transitions per second and their p99 latency with
// 100,000 tickets in the database, next to a bare update-by-_id on the same server in the same run, and the database
// round trips per transition. These 2-core machines are noisy, so the figures that matter are ratios to the baseline
// measured minutes apart. It runs its own embedded server, so that the store file it reports is its own.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mongoose, { type Connection } from 'mongoose';
// Imported also for its mongoose settings (sanitizeFilter, strictQuery): the bench runs with what the app runs with.
import '../db/database.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../db/embeddedMongo.js';
import { createModels, ensureCollections, type Models } from '../models/index.js';
import { TICKET_CATEGORIES, type ConsumerActor, type SystemActor, type TicketRecord } from '../models/ticketTypes.js';
import { channelIdentityKey, mobileIdentityKey } from '../services/consumerIdentity.js';
import { Directory } from '../services/directory.js';
import { TicketService } from '../services/ticketService.js';
import { complaintFor, newConsumer, officer } from '../test/support/ticketFixtures.js';
import {
  CommandCounter,
  copyTicket,
  fixed,
  formatTable,
  latencyStats,
  nodePeakRssMb,
  processRssMb,
  roundTrips,
  mergeTimings,
  runConcurrently,
  sample,
  sumCounts,
  summarisePhase,
  whole,
  type BenchOptions,
  type PhaseResult,
  type PhaseTiming,
  type RoundTrips,
} from './benchSupport.js';

const delivery: SystemActor = { role: 'system', id: 'webchat-delivery' };
/** Copies get numbers on a day no counter will ever reach, so they never collide with registrations. */
const copyDay = '000101';
const templateConcurrency = 32;
const insertBatch = 1_000;

// ── Tickets by what can happen to them next ─────────────────────────────────────────────────────────────────────

type SeedState = 'assigned' | 'in_progress' | 'claimed' | 'shown' | 'closed';
const SEED_STATES: readonly SeedState[] = ['assigned', 'in_progress', 'claimed', 'shown', 'closed'];
/** Of every 20 copies: most tickets in a helpline's database are closed; the rest are spread over the open states. */
const copyMix: ReadonlyArray<readonly [SeedState, number]> = [
  ['closed', 8],
  ['assigned', 4],
  ['in_progress', 3],
  ['claimed', 2],
  ['shown', 3],
];

type PoolName = 'startable' | 'inProgress' | 'claimed' | 'shown';
const poolOfState: Record<Exclude<SeedState, 'closed'>, PoolName> = {
  assigned: 'startable',
  in_progress: 'inProgress',
  claimed: 'claimed',
  shown: 'shown',
};

interface PoolTicket {
  number: string;
  consumer: ConsumerActor;
  claimId?: string;
}

/** Tickets not being worked on right now, by status; taking one out keeps two operations off the same ticket. */
class Pools {
  private readonly pools: Record<PoolName, PoolTicket[]> = { startable: [], inProgress: [], claimed: [], shown: [] };

  add(pool: PoolName, ticket: PoolTicket): void {
    this.pools[pool].push(ticket);
  }

  size(pool: PoolName): number {
    return this.pools[pool].length;
  }

  take(pool: PoolName): PoolTicket | undefined {
    const list = this.pools[pool];
    if (list.length === 0) return undefined;
    const index = Math.floor(Math.random() * list.length);
    const ticket = list[index]!;
    list[index] = list[list.length - 1]!;
    list.pop();
    return ticket;
  }

  sizes(): Record<PoolName, number> {
    return { startable: this.size('startable'), inProgress: this.size('inProgress'), claimed: this.size('claimed'), shown: this.size('shown') };
  }
}

interface TransitionKind {
  name: string;
  /** Share of the realistic mix. */
  weight: number;
  from: PoolName;
  /** Performs it and says where the ticket goes next (undefined: closed, out of play). */
  run(service: TicketService, ticket: PoolTicket): Promise<{ pool?: PoolName; ticket: PoolTicket }>;
}

const TRANSITIONS: readonly TransitionKind[] = [
  {
    name: 'startWork',
    weight: 2,
    from: 'startable',
    run: async (service, ticket) => {
      await service.startWork(ticket.number, officer, { note: 'Lineman on the way' });
      return { pool: 'inProgress', ticket };
    },
  },
  {
    name: 'noteProgress',
    weight: 2,
    from: 'inProgress',
    run: async (service, ticket) => {
      await service.noteProgress(ticket.number, officer, { note: 'Transformer fuse checked', evidence: { meterReadingKwh: 1234 } });
      return { pool: 'inProgress', ticket };
    },
  },
  {
    name: 'claimResolution',
    weight: 2,
    from: 'inProgress',
    run: async (service, ticket) => {
      const { claimId } = await service.claimResolution(ticket.number, officer, { note: 'Fuse replaced at the pole' });
      return { pool: 'claimed', ticket: { ...ticket, claimId } };
    },
  },
  {
    name: 'recordClaimShown',
    weight: 2,
    from: 'claimed',
    run: async (service, ticket) => {
      await service.recordClaimShown(ticket.number, requireClaim(ticket), delivery, 'webchat');
      return { pool: 'shown', ticket };
    },
  },
  {
    name: 'answer yes',
    weight: 1.5,
    from: 'shown',
    run: async (service, ticket) => {
      await service.answerResolution(ticket.number, ticket.consumer, { claimId: requireClaim(ticket), answer: 'yes' });
      return { ticket };
    },
  },
  {
    name: 'answer no',
    weight: 0.5,
    from: 'shown',
    run: async (service, ticket) => {
      await service.answerResolution(ticket.number, ticket.consumer, { claimId: requireClaim(ticket), answer: 'no' });
      const { claimId: _answered, ...reopened } = ticket;
      return { pool: 'startable', ticket: reopened };
    },
  },
];

function requireClaim(ticket: PoolTicket): string {
  if (!ticket.claimId) throw new Error(`bench bug: ticket ${ticket.number} has no pending claim`);
  return ticket.claimId;
}

function pickTransition(pools: Pools): TransitionKind {
  const possible = TRANSITIONS.filter((kind) => pools.size(kind.from) > 0);
  const total = possible.reduce((sum, kind) => sum + kind.weight, 0);
  let point = Math.random() * total;
  for (const kind of possible) {
    point -= kind.weight;
    if (point < 0) return kind;
  }
  const last = possible[possible.length - 1];
  if (!last) throw new Error('every pool of tickets is empty: raise --tickets or lower --ops');
  return last;
}

/** Takes a ticket, performs one transition of the mix on it and puts it where it now belongs. */
async function oneTransition(service: TicketService, pools: Pools, touched: Set<string>, kind = pickTransition(pools)): Promise<string> {
  const ticket = pools.take(kind.from);
  if (!ticket) throw new Error(`no ticket left for ${kind.name}: raise --tickets or lower --ops`);
  touched.add(ticket.number);
  const next = await kind.run(service, ticket);
  if (next.pool) pools.add(next.pool, next.ticket);
  return kind.name;
}

// ── Seeding ─────────────────────────────────────────────────────────────────────────────────────────────────────

interface Seeded {
  numbers: string[];
  copies: string[];
  pools: Pools;
  templateSeconds: number;
  copySeconds: number;
  /** Mean BSON size of a seeded ticket, to hold the store file's size against. */
  averageTicketBytes: number;
}

/** Runs `task` for 0..count-1 with at most `limit` at once. */
async function forEachConcurrently(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** Registers a ticket through the service and drives it, by real transitions, to `state`; closed ones leave no pool entry. */
async function registerTemplate(
  service: TicketService,
  locality: string,
  category: TicketRecord['category'],
  state: SeedState,
): Promise<{ number: string; open?: PoolTicket }> {
  const consumer = newConsumer();
  const { ticket } = await service.register(complaintFor(consumer, { category, place: { district: 'Lucknow', locality } }), consumer.actor);
  if (ticket.status !== 'assigned') throw new Error(`template ${ticket._id} in ${locality} was not assigned at registration`);
  const number = ticket._id;
  const open: PoolTicket = { number, consumer: consumer.actor };
  if (state === 'assigned') return { number, open };
  await service.startWork(number, officer, { note: 'Lineman on the way' });
  if (state === 'in_progress') return { number, open };
  const { claimId } = await service.claimResolution(number, officer, { note: 'Fuse replaced at the pole' });
  if (state === 'claimed') return { number, open: { ...open, claimId } };
  await service.recordClaimShown(number, claimId, delivery, 'webchat');
  if (state === 'shown') return { number, open: { ...open, claimId } };
  await service.answerResolution(number, consumer.actor, { claimId, answer: 'yes' });
  return { number };
}

const copyCycle = copyMix.reduce((sum, [, weight]) => sum + weight, 0);

function copyStateOf(index: number): SeedState {
  let slot = index % copyCycle;
  for (const [state, weight] of copyMix) {
    if (slot < weight) return state;
    slot -= weight;
  }
  throw new Error('unreachable: the mix covers the whole cycle');
}

async function seed(service: TicketService, models: Models, directory: Directory, options: BenchOptions): Promise<Seeded> {
  const pools = new Pools();
  const numbers: string[] = [];
  const localities = directory.localities();
  const templateNumbers = new Map<SeedState, string[]>(SEED_STATES.map((state) => [state, []]));

  const templatesStarted = performance.now();
  await forEachConcurrently(options.templates, templateConcurrency, async (index) => {
    const state = SEED_STATES[index % SEED_STATES.length]!;
    const locality = localities[index % localities.length]!.name;
    const category = TICKET_CATEGORIES[index % TICKET_CATEGORIES.length]!;
    const { number, open } = await registerTemplate(service, locality, category, state);
    numbers.push(number);
    templateNumbers.get(state)!.push(number);
    if (open && state !== 'closed') pools.add(poolOfState[state], open);
  });
  const templateSeconds = (performance.now() - templatesStarted) / 1000;

  const templates = new Map<SeedState, TicketRecord[]>();
  for (const [state, list] of templateNumbers) {
    if (list.length === 0) throw new Error(`no template ticket in state ${state}: raise --tickets`);
    templates.set(state, await Promise.all(list.map((number) => service.get(number))));
  }

  const copies: string[] = [];
  let copyBytes = 0;
  const copyCount = options.tickets - options.templates;
  const copiesStarted = performance.now();
  await forEachConcurrently(Math.ceil(copyCount / insertBatch), 2, async (batch) => {
    const tickets: TicketRecord[] = [];
    const guards: Array<{ _id: string; ticketNumber: string; createdAt: Date }> = [];
    const index: Array<{ _id: string; ticketNumbers: string[]; updatedAt: Date }> = [];
    for (let i = batch * insertBatch; i < Math.min(copyCount, (batch + 1) * insertBatch); i++) {
      const state = copyStateOf(i);
      const sources = templates.get(state)!;
      const template = sources[Math.floor(i / copyCycle) % sources.length]!;
      const serial = String(i + 1).padStart(7, '0');
      const copy = copyTicket(template, {
        number: `UP-${copyDay}-${serial}`,
        channelUserId: `web-bench-${serial}`,
        mobile: `8${serial.padStart(9, '0')}`,
      });
      tickets.push(copy);
      copyBytes += mongoose.mongo.BSON.calculateObjectSize(copy);
      // What registration leaves beside every ticket, so those collections are as big as 100,000 tickets make them.
      if (state !== 'closed') guards.push({ _id: copy.duplicateKey, ticketNumber: copy._id, createdAt: copy.createdAt });
      for (const key of [channelIdentityKey(copy.consumer.channel, copy.consumer.channelUserId), mobileIdentityKey(copy.consumer.mobile!)]) {
        index.push({ _id: key, ticketNumbers: [copy._id], updatedAt: copy.createdAt });
      }
      if (state !== 'closed') {
        pools.add(poolOfState[state], {
          number: copy._id,
          consumer: { role: 'consumer', channel: copy.consumer.channel, channelUserId: copy.consumer.channelUserId },
          ...(copy.claim ? { claimId: copy.claim.id } : {}),
        });
      }
    }
    // `lean` skips mongoose's per-document casting: every copy was built from a validated ticket and checked above.
    await models.tickets.insertMany(tickets, { ordered: false, lean: true });
    if (guards.length) await models.duplicateGuards.insertMany(guards, { ordered: false, lean: true });
    await models.consumerIndex.insertMany(index, { ordered: false, lean: true });
    for (const ticket of tickets) copies.push(ticket._id);
    if (process.stdout.isTTY && batch % 10 === 9) process.stdout.write(`  seeded ${whole(options.templates + copies.length)} tickets\r`);
  });
  const copySeconds = (performance.now() - copiesStarted) / 1000;
  return { numbers: [...numbers, ...copies], copies, pools, templateSeconds, copySeconds, averageTicketBytes: copyBytes / Math.max(1, copies.length) };
}

// ── The run ─────────────────────────────────────────────────────────────────────────────────────────────────────

interface Resources {
  tempDir?: string;
  embedded?: EmbeddedMongo;
  connection?: Connection;
  dropOnClose: boolean;
}

/** Closes the connection and stops the server; the store file stays until `removeStore`. Safe to call twice. */
async function stopDatabase(resources: Resources): Promise<void> {
  const { connection, embedded } = resources;
  resources.connection = undefined;
  resources.embedded = undefined;
  try {
    if (connection) {
      if (resources.dropOnClose) await connection.dropDatabase().catch((error: Error) => console.error(`could not drop the bench database: ${error.message}`));
      await connection.close();
    }
  } finally {
    await embedded?.stop();
  }
}

function removeStore(resources: Resources): void {
  if (resources.tempDir) rmSync(resources.tempDir, { recursive: true, force: true });
  resources.tempDir = undefined;
}

async function release(resources: Resources): Promise<void> {
  try {
    await stopDatabase(resources);
  } finally {
    removeStore(resources);
  }
}

export async function benchTickets(options: BenchOptions) {
  const externalUri = process.env.MONGODB_URI;
  const resources: Resources = { dropOnClose: externalUri !== undefined };
  const interrupted = () => {
    console.error('\ninterrupted: stopping the database and removing the temporary store');
    void release(resources).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    let uri = externalUri;
    if (!uri) {
      resources.tempDir = mkdtempSync(join(tmpdir(), 'santushti-bench-'));
      resources.embedded = await startEmbeddedMongo({ dataFile: join(resources.tempDir, 'bench.mv'), maxHeap: options.heap });
      uri = resources.embedded.uri;
    }
    const dbName = `santushti_bench_${randomBytes(3).toString('hex')}`;
    // The same options as connectModels, plus command monitoring so round trips can be counted.
    resources.connection = mongoose.createConnection(uri, {
      dbName,
      autoCreate: false,
      autoIndex: false,
      bufferCommands: false,
      serverSelectionTimeoutMS: 10_000,
      monitorCommands: true,
    });
    await resources.connection.asPromise();
    const models = createModels(resources.connection);
    await ensureCollections(models);
    const counter = new CommandCounter(resources.connection.getClient());
    const directory = Directory.loadDefault();
    const service = new TicketService(models, directory);
    const localities = directory.localities();

    console.log(
      `Santushti bench: ${whole(options.tickets)} tickets, ${options.concurrency} in flight, ${whole(options.ops)} operations per phase, ` +
        `${resources.embedded ? `embedded server (heap ${options.heap})` : 'MONGODB_URI'}`,
    );

    const seeded = await seed(service, models, directory, options);
    const stored = await models.tickets.estimatedDocumentCount();
    if (stored !== options.tickets) throw new Error(`seeded ${stored} tickets, expected ${options.tickets}`);
    const seedSeconds = seeded.templateSeconds + seeded.copySeconds;
    console.log(
      `Seeded ${whole(stored)} tickets in ${fixed(seedSeconds)} s: ${whole(options.templates)} registered through the service in ` +
        `${fixed(seeded.templateSeconds)} s, ${whole(seeded.copies.length)} copies inserted in ${fixed(seeded.copySeconds)} s ` +
        `(${whole(seeded.copies.length / seeded.copySeconds)}/s); a seeded ticket is ${fixed(seeded.averageTicketBytes / 1024)} KB of BSON`,
    );
    const jvmRssAfterSeedMb = resources.embedded ? processRssMb(resources.embedded.pid) : undefined;
    const randomTicket = () => seeded.numbers[Math.floor(Math.random() * seeded.numbers.length)]!;

    // Baselines: the cheapest write and read of one ticket, through the same model on the same connection.
    const bareUpdate = async () => {
      await models.tickets.updateOne({ _id: randomTicket() }, { $set: { updatedAt: new Date() } });
      return 'update';
    };
    const bareRead = async () => {
      await models.tickets.findById(randomTicket(), { events: 0 }).lean();
      return 'read';
    };
    const touched = new Set<string>();
    const transition = () => oneTransition(service, seeded.pools, touched);

    const { phases, ratios } = await timedPhases({ bareUpdate, bareRead, transitions: transition }, counter, options);

    // Correctness: a fast transition that breaks the history is no result at all.
    const chainCheck = {
      touched: await verifySample(service, [...touched], options.verifySample),
      seededCopies: await verifySample(service, seeded.copies, options.verifySample),
    };
    const broken = [...chainCheck.touched.broken, ...chainCheck.seededCopies.broken];
    if (broken.length > 0) {
      throw new Error(`BROKEN EVENT CHAINS after the transitions phase:\n${broken.map((line) => `  ${line}`).join('\n')}`);
    }

    // For scale: what any query off the `_id`/unique-key path costs at this size, since the embedded server scans it.
    const scanMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const begin = performance.now();
      await models.tickets.find({ status: 'unconfirmed' }, { _id: 1 }).lean();
      scanMs.push(performance.now() - begin);
    }
    const scanProbeMs = latencyStats(scanMs).p50Ms;

    const trips = await countRoundTrips(counter, options, {
      register: async () => {
        const consumer = newConsumer();
        const locality = localities[Math.floor(Math.random() * localities.length)]!.name;
        await service.register(complaintFor(consumer, { place: { district: 'Lucknow', locality } }), consumer.actor);
      },
      ...Object.fromEntries(TRANSITIONS.map((kind) => [kind.name, () => oneTransition(service, seeded.pools, touched, kind)])),
      'bare update': bareUpdate,
      'bare read': bareRead,
    });

    const storeFile = resources.tempDir ? join(resources.tempDir, 'bench.mv') : undefined;
    const fileMb = () => (storeFile ? statSync(storeFile).size / 1024 / 1024 : undefined);
    const jvmRssEndMb = resources.embedded ? processRssMb(resources.embedded.pid) : undefined;
    const storeFileMb = fileMb();
    // Measured again after a clean stop, which closes the store: the disk the data keeps taking at rest.
    await stopDatabase(resources);
    const memory = { jvmRssAfterSeedMb, jvmRssEndMb, nodePeakRssMb: nodePeakRssMb(), storeFileMb, storeFileAfterStopMb: fileMb() };

    return {
      server: externalUri ? { kind: 'MONGODB_URI' } : { kind: 'embedded', heap: options.heap },
      tickets: options.tickets,
      concurrency: options.concurrency,
      quick: options.quick,
      opsPerPhase: phases.transitions.ops,
      rounds: options.rounds,
      warmupOpsPerPhase: options.warmupOps,
      seed: {
        templates: options.templates,
        copies: seeded.copies.length,
        templateSeconds: seeded.templateSeconds,
        copySeconds: seeded.copySeconds,
        totalSeconds: seedSeconds,
        copiesPerSecond: seeded.copies.length / seeded.copySeconds,
        averageTicketBytes: seeded.averageTicketBytes,
      },
      phases,
      ratios,
      roundTrips: trips,
      scanProbeMs,
      memory,
      chainCheck: {
        touched: { sampled: chainCheck.touched.sampled, ok: chainCheck.touched.ok },
        seededCopies: { sampled: chainCheck.seededCopies.sampled, ok: chainCheck.seededCopies.ok },
      },
      poolsLeft: seeded.pools.sizes(),
    };
  } finally {
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    await release(resources);
  }
}

type PhaseName = 'bareUpdate' | 'bareRead' | 'transitions';
type MeasuredPhase = PhaseResult & { commandsPerOp: number };

/**
 * The phases take turns, round after round, so that a slow minute on a shared machine slows all of them alike and
 * the ratios stay comparable; each phase's figures are over all of its rounds together.
 */
async function timedPhases(workloads: Record<PhaseName, () => Promise<string>>, counter: CommandCounter, options: BenchOptions) {
  const names = Object.keys(workloads) as PhaseName[];
  for (const name of names) await runConcurrently(options.warmupOps, options.concurrency, workloads[name]);
  const timings = new Map<PhaseName, PhaseTiming[]>(names.map((name) => [name, []]));
  const commands = new Map<PhaseName, Array<Record<string, number>>>(names.map((name) => [name, []]));
  const opsPerRound = Math.max(1, Math.round(options.ops / options.rounds));
  console.log(`Timed phases: ${options.rounds} rounds of ${whole(opsPerRound)} operations each, ${options.concurrency} in flight`);
  for (let round = 1; round <= options.rounds; round++) {
    const line: string[] = [];
    for (const name of names) {
      const before = counter.snapshot();
      const timing = await runConcurrently(opsPerRound, options.concurrency, workloads[name]);
      commands.get(name)!.push(counter.since(before));
      timings.get(name)!.push(timing);
      line.push(`${name} ${whole(timing.ops / timing.seconds)}/s`);
    }
    console.log(`  round ${round}: ${line.join(', ')}`);
  }

  const measured = (name: PhaseName): MeasuredPhase => {
    const result = summarisePhase(mergeTimings(timings.get(name)!));
    return { ...result, commandsPerOp: roundTrips(result.ops, sumCounts(commands.get(name)!)).perOp };
  };
  const phases: Record<PhaseName, MeasuredPhase> = {
    bareUpdate: measured('bareUpdate'),
    bareRead: measured('bareRead'),
    transitions: measured('transitions'),
  };
  const byRound = timings.get('transitions')!.map((timing, round) => {
    const baseline = timings.get('bareUpdate')![round]!;
    return {
      throughput: timing.ops / timing.seconds / (baseline.ops / baseline.seconds),
      p99: summarisePhase(timing).p99Ms / summarisePhase(baseline).p99Ms,
    };
  });
  const ratios = {
    throughput: phases.transitions.opsPerSecond / phases.bareUpdate.opsPerSecond,
    p99: phases.transitions.p99Ms / phases.bareUpdate.p99Ms,
    byRound,
  };
  return { phases, ratios };
}

type CountedRoundTrips = RoundTrips & { sequentialP50Ms: number };

/**
 * Each kind alone and one at a time, so every command counted belongs to that kind; the latency one at a time is
 * the cost of the operation itself, without the queueing of the timed phases.
 */
async function countRoundTrips(
  counter: CommandCounter,
  options: BenchOptions,
  operations: Record<string, () => Promise<unknown>>,
): Promise<Record<string, CountedRoundTrips>> {
  const trips: Record<string, CountedRoundTrips> = {};
  for (const [name, op] of Object.entries(operations)) {
    const before = counter.snapshot();
    const latencies: number[] = [];
    for (let i = 0; i < options.roundTripOps; i++) {
      const begin = performance.now();
      await op();
      latencies.push(performance.now() - begin);
    }
    trips[name] = { ...roundTrips(options.roundTripOps, counter.since(before)), sequentialP50Ms: latencyStats(latencies).p50Ms };
  }
  return trips;
}

async function verifySample(service: TicketService, numbers: string[], size: number) {
  const chosen = sample(numbers, size);
  const broken: string[] = [];
  for (const number of chosen) {
    const verdict = await service.verify(number);
    if (!verdict.ok) broken.push(`${number}: ${verdict.reason} (at ${verdict.brokenAt})`);
  }
  return { sampled: chosen.length, ok: chosen.length - broken.length, broken };
}

// ── Report ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** What the printout needs of the section's results. */
interface TicketReport {
  server: { kind: string; heap?: string };
  tickets: number;
  concurrency: number;
  seed: { averageTicketBytes: number };
  phases: Record<PhaseName, MeasuredPhase>;
  ratios: { throughput: number; p99: number; byRound: Array<{ throughput: number; p99: number }> };
  roundTrips: Record<string, CountedRoundTrips>;
  scanProbeMs: number;
  memory: { jvmRssAfterSeedMb?: number; jvmRssEndMb?: number; nodePeakRssMb: number; storeFileMb?: number; storeFileAfterStopMb?: number };
  chainCheck: Record<'touched' | 'seededCopies', { sampled: number; ok: number }>;
}

export function printTickets(report: TicketReport): void {
  const { phases } = report;
  const row = (name: string, stats: { ops: number; p50Ms: number; p99Ms: number; maxMs: number }, perSecond?: number, commands?: number) => [
    name,
    whole(stats.ops),
    perSecond === undefined ? '' : whole(perSecond),
    fixed(stats.p50Ms, 2),
    fixed(stats.p99Ms, 2),
    fixed(stats.maxMs, 1),
    commands === undefined ? '' : fixed(commands, 2),
  ];
  const rows = [
    row('bare updateOne by _id', phases.bareUpdate, phases.bareUpdate.opsPerSecond, phases.bareUpdate.commandsPerOp),
    row('bare findById (no events)', phases.bareRead, phases.bareRead.opsPerSecond, phases.bareRead.commandsPerOp),
    row('transitions (mix)', phases.transitions, phases.transitions.opsPerSecond, phases.transitions.commandsPerOp),
    ...Object.entries(phases.transitions.byKind).map(([kind, stats]) => row(`  ${kind}`, stats)),
  ];
  console.log(`\nTicket service: ${whole(report.tickets)} tickets, ${report.concurrency} in flight\n`);
  console.log(formatTable(['phase', 'ops', 'ops/s', 'p50 ms', 'p99 ms', 'max ms', 'cmds/op'], rows));
  console.log(
    `\nRatio (the figure): transitions/s ÷ bare updates/s = ${fixed(report.ratios.throughput, 2)}; ` +
      `transition p99 ÷ bare update p99 = ${fixed(report.ratios.p99, 2)}`,
  );
  const spread = (values: number[]) => `${fixed(Math.min(...values), 2)}–${fixed(Math.max(...values), 2)}`;
  console.log(
    `Per round (${report.ratios.byRound.length}): throughput ratio ${spread(report.ratios.byRound.map((ratio) => ratio.throughput))}, ` +
      `p99 ratio ${spread(report.ratios.byRound.map((ratio) => ratio.p99))}`,
  );

  console.log('\nRound trips per operation (sequential, each kind alone):');
  console.log(
    formatTable(
      ['operation', 'ops', 'p50 ms alone', 'commands/op', 'by command'],
      Object.entries(report.roundTrips).map(([name, trips]) => [
        name,
        whole(trips.ops),
        fixed(trips.sequentialP50Ms, 2),
        fixed(trips.perOp, 2),
        Object.entries(trips.byCommand)
          .map(([command, perOp]) => `${command} ${fixed(perOp, perOp % 1 === 0 ? 0 : 2)}`)
          .join(', '),
      ]),
    ),
  );

  console.log(`For scale: one query that scans the tickets collection takes ${fixed(report.scanProbeMs, 0)} ms (median of 3, alone).`);
  const { memory, chainCheck } = report;
  const ticketDataMb = (report.tickets * report.seed.averageTicketBytes) / 1024 / 1024;
  console.log(
    `\nMemory: JVM RSS ${fixed(memory.jvmRssAfterSeedMb, 0)} MB after seeding, ${fixed(memory.jvmRssEndMb, 0)} MB at the end; ` +
      `Node peak RSS ${fixed(memory.nodePeakRssMb, 0)} MB; store file ${fixed(memory.storeFileMb, 0)} MB running, ` +
      `${fixed(memory.storeFileAfterStopMb, 0)} MB after a clean stop (the tickets are ~${fixed(ticketDataMb, 0)} MB of BSON)`,
  );
  console.log(
    `Chains verified: ${chainCheck.touched.ok}/${chainCheck.touched.sampled} transitioned tickets, ` +
      `${chainCheck.seededCopies.ok}/${chainCheck.seededCopies.sampled} seeded copies`,
  );
}
