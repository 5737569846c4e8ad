// The reports' admin command: `npm run reports -- rebuild` rebuilds the report rollups and the satisfaction register
// from the tickets (the backfill for tickets that existed before the rollups, or a repair). It reads every ticket
// once — by exact ids, in batches — and replaces the report documents; running it twice gives the same result.
// Run it off-peak with the helpline stopped (the embedded store is one file that one process at a time may open).
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { consoleIo, loadCommandConfig, openAdminDatabase, runIfInvokedDirectly } from './adminDatabase.js';
import { rebuildReports } from '../services/reportRebuild.js';

export interface ReportsCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

const usage = `Usage: npm run reports -- rebuild [--batch N]
  rebuild     rebuild the report rollups and the satisfaction register from every ticket (reads each ticket once;
              run off-peak with the helpline stopped — closures recorded meanwhile could be missed)
  --batch N   tickets read per round trip (default 500)`;

export async function runReportsCommand(argv: string[], io: ReportsCommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { batch: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    io.err(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(usage);
    return 0;
  }
  const batchSize = values.batch === undefined ? 500 : Number(values.batch);
  if (positionals.length !== 1 || positionals[0] !== 'rebuild' || !Number.isInteger(batchSize) || batchSize < 1) {
    io.err(usage);
    return 2;
  }

  const config = loadCommandConfig(io);
  if (!config) return 1;
  const database = await openAdminDatabase(config, io);
  if (!database) return 1;
  if (database.attached) io.err('The helpline is running: a closure recorded during the rebuild could be missed; run it again off-peak if in doubt.');
  try {
    const started = performance.now();
    const counts = await rebuildReports(database.models, { batchSize, log: io.out });
    io.out(
      `Rebuilt from ${counts.tickets} tickets in ${((performance.now() - started) / 1000).toFixed(1)} s: ${counts.buckets} buckets, ` +
        `${counts.cells} cell documents, ${counts.registerEntries} register lines in ${counts.registerPages} pages.`,
    );
    return 0;
  } finally {
    await database.close();
  }
}

runIfInvokedDirectly(import.meta.url, 'reports', (argv) => runReportsCommand(argv, consoleIo));
