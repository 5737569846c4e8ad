// `npm run bench [-- --quick]`: the helpline's performance figures, each next to a baseline measured in the same run
// (these 2-core machines are noisy, so the ratios are what compare across runs), printed as tables and written to
// bench-results/<time>.json and bench-results/latest.json. Sections (`--only` picks some):
//   tickets        ticket state transitions vs a bare update by _id, at 100,000 tickets (scripts/benchTickets.ts)
//   conversations  whole complaint conversations over Direct Line HTTP vs an echo bot on the same stack: closed-loop
//                  throughput, open-loop latency, round trips per turn, server memory (scripts/benchConversations.ts)
//   outbox         how fast a burst of consumer status updates is delivered (scripts/benchOutbox.ts)
//   reports        report latency at 10,000 to 1,000,000 tickets (scripts/benchReports.ts, when this build has it)
//   stream         one consumer's reply latency over the Direct Line WebSocket stream vs polling (scripts/benchStream.ts)
//   scaleout       two helpline processes on one database vs one: closed-loop throughput ratio (scripts/benchStream.ts)
//   storm          an outage storm: 2,000 consumers of one locality over web chat, one incident, every one asked on
//                  "restored" (scripts/benchStorm.ts)
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import { startEmbeddedMongo, type EmbeddedMongo } from '../db/embeddedMongo.js';
import { benchConversations, printConversations, type ConversationBenchOptions, type ConversationContext } from './benchConversations.js';
import { benchOutbox, printOutbox } from './benchOutbox.js';
import { benchStorm, printStorm } from './benchStorm.js';
import { fixed, formatTable, parseBenchOptions, UsageError, whole, type BenchOptions } from './benchSupport.js';
import { benchTickets, printTickets } from './benchTickets.js';
import { benchScaleOut, benchStreamLatency, printScaleOut, printStreamLatency } from './benchStream.js';
import { judge, printVerdicts, type SectionResults } from './benchVerdicts.js';

const resultsFolder = fileURLToPath(new URL('../bench-results/', import.meta.url));
const log = (line: string) => console.log(line);

/** An embedded server on a temporary store file, as `npm start` runs it (every write committed), for one section. */
async function withBenchDatabase<T>(options: BenchOptions, task: (database: { uri: string; dbName: string; pid: number }) => Promise<T>): Promise<T> {
  const folder = mkdtempSync(join(tmpdir(), 'santushti-bench-'));
  let embedded: EmbeddedMongo | undefined;
  try {
    embedded = await startEmbeddedMongo({ dataFile: join(folder, 'bench.mv'), maxHeap: options.heap });
    return await task({ uri: embedded.uri, dbName: `santushti_bench_${randomBytes(3).toString('hex')}`, pid: embedded.pid });
  } finally {
    await embedded?.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

function conversationOptions(options: BenchOptions): ConversationBenchOptions {
  const common = { openRate: options.rate, pollMs: options.pollMs, serverHeapMb: options.serverHeapMb };
  return options.quick
    ? { ...common, levels: [1, 10, 30], closedSeconds: 1.5, rounds: 1, openSeconds: 1, openConversations: 40, maxBacklogSeconds: 0.25, warmupSeconds: 0.5, countedConversations: 1 }
    : { ...common, levels: [1, 10, 100], closedSeconds: 10, rounds: 2, openSeconds: 15, openConversations: 300, maxBacklogSeconds: 2, warmupSeconds: 3, countedConversations: 5 };
}

/** The report section lives in scripts/benchReports.ts, which a build may not have yet. */
type ReportLatency = Array<{ tickets: number; hotspotsMs: { p50: number; p99: number }; registerMs: { p50: number; p99: number }; baselineMs: { p50: number; p99: number } }>;
type ReportModule = { benchReportLatency(options: { sizes: number[]; log: (line: string) => void }): Promise<ReportLatency> };

async function loadReportModule(): Promise<ReportModule | undefined> {
  // A specifier in a variable: the compiler must not insist on a module that a build may lack.
  const specifier = './benchReports.js';
  try {
    const loaded = (await import(specifier)) as Partial<ReportModule>;
    if (typeof loaded.benchReportLatency !== 'function') throw new Error('scripts/benchReports.ts does not export benchReportLatency');
    return loaded as ReportModule;
  } catch (error) {
    const missing = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('benchReports');
    if (missing) return undefined;
    throw error;
  }
}

function printReports(rows: ReportLatency): void {
  console.log('\nReport latency (ms) by tickets in the database, next to the baseline the section measures:');
  console.log(
    formatTable(
      ['tickets', 'hotspots p50', 'hotspots p99', 'satisfaction register p50', 'satisfaction register p99', 'baseline p50', 'baseline p99', 'hotspots p99 ÷ baseline'],
      rows.map((row) => [
        whole(row.tickets),
        fixed(row.hotspotsMs.p50, 1),
        fixed(row.hotspotsMs.p99, 1),
        fixed(row.registerMs.p50, 1),
        fixed(row.registerMs.p99, 1),
        fixed(row.baselineMs.p50, 1),
        fixed(row.baselineMs.p99, 1),
        fixed(row.hotspotsMs.p99 / row.baselineMs.p99, 1),
      ]),
    ),
  );
}

type SectionOutcome = { status: 'ok'; seconds: number; results: unknown } | { status: 'failed'; seconds: number; error: string } | { status: 'not available in this build' };

/** A section on an embedded database of its own: measures, prints its tables, returns its results. */
function onBenchDatabase<T>(measure: (context: ConversationContext, options: BenchOptions) => Promise<T>, print: (results: T) => void) {
  return (options: BenchOptions) =>
    withBenchDatabase(options, async (database) => {
      const results = await measure({ ...database, databasePid: database.pid, log }, options);
      print(results);
      return results;
    });
}

/** Each section measures, prints its tables, and returns what goes into the JSON. */
const SECTIONS: Record<string, (options: BenchOptions) => Promise<unknown>> = {
  async tickets(options) {
    const results = await benchTickets(options);
    printTickets(results);
    return results;
  },
  async conversations(options) {
    return withBenchDatabase(options, async (database) => {
      const results = await benchConversations({ ...database, databasePid: database.pid, log }, conversationOptions(options));
      printConversations(results);
      return results;
    });
  },
  async outbox(options) {
    return withBenchDatabase(options, async (database) => {
      const results = await benchOutbox({ ...database, log }, { updates: options.quick ? 300 : 10_000 });
      printOutbox(results);
      return results;
    });
  },
  stream: onBenchDatabase(
    (context, options) => benchStreamLatency(context, { conversations: options.quick ? 5 : 25, pollMs: options.pollMs, heapMb: options.serverHeapMb }),
    printStreamLatency,
  ),
  scaleout: onBenchDatabase(
    (context, options) =>
      benchScaleOut(context, options.quick ? { consumers: 10, seconds: 3, rounds: 1, heapMb: options.serverHeapMb } : { consumers: 100, seconds: 10, rounds: 2, heapMb: options.serverHeapMb }),
    printScaleOut,
  ),
  async reports(options) {
    const module = await loadReportModule();
    if (!module) return notAvailable;
    const rows = await module.benchReportLatency({ sizes: options.quick ? [10_000] : [10_000, 100_000, 1_000_000], log });
    printReports(rows);
    return rows;
  },
  async storm(options) {
    const results = await benchStorm({ consumers: options.stormConsumers, stormSeconds: options.stormSeconds, pollMs: options.pollMs, log });
    printStorm(results);
    return results;
  },
};
const notAvailable = Symbol('not available in this build');

/**
 * Ctrl-C. The tickets section stops its database, removes its store and exits by itself; in any other section the
 * run ends at once (the embedded servers and the bench server are child processes that end with this one).
 */
let interrupted = false;
let runningSection = '';
process.on('SIGINT', () => {
  interrupted = true;
  if (runningSection !== 'tickets') process.exit(130);
});

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (!options) return 0;
  const startedAt = new Date();
  // Other work on the machine slows every figure; the ratios to same-run baselines and the CPU per turn hold up.
  const loadAtStart = loadavg();
  console.log(`Santushti bench${options.quick ? ' (quick)' : ''}: ${options.sections.join(', ')}; ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`);
  const sections: Record<string, SectionOutcome> = {};
  for (const name of options.sections) {
    runningSection = name;
    console.log(`\n══ ${name} ══`);
    const begin = performance.now();
    const seconds = () => (performance.now() - begin) / 1000;
    try {
      const results = await SECTIONS[name]!(options);
      sections[name] = results === notAvailable ? { status: 'not available in this build' } : { status: 'ok', seconds: seconds(), results };
      if (results === notAvailable) console.log(`${name}: not available in this build`);
    } catch (error) {
      // Cut off by Ctrl-C: the section is cleaning up and the process exits; its error is no finding.
      if (interrupted) return 130;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      sections[name] = { status: 'failed', seconds: seconds(), error: message };
      console.error(`${name} FAILED: ${message}`);
    }
  }

  const verdicts = judge(Object.fromEntries(Object.entries(sections).flatMap(([name, outcome]) => (outcome.status === 'ok' ? [[name, outcome.results]] : []))) as SectionResults);
  printVerdicts(verdicts);

  const finishedAt = new Date();
  const results = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    quick: options.quick,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      totalMemoryMb: Math.round(totalmem() / 1024 / 1024),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      mongoose: mongoose.version,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg(),
    },
    options,
    verdicts,
    sections,
  };
  mkdirSync(resultsFolder, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const file = join(resultsFolder, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, json);
  writeFileSync(join(resultsFolder, 'latest.json'), json);
  console.log(
    `\nWritten to ${file} and bench-results/latest.json (${fixed(results.seconds, 0)} s in all; ` +
      `load average ${fixed(loadAtStart[0], 1)} at the start, ${fixed(loadavg()[0], 1)} at the end, on ${cpus().length} cores)`,
  );
  return Object.values(sections).some((outcome) => outcome.status === 'failed') ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = 1;
    if (error instanceof UsageError) console.error(error.message);
    else console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  },
);
