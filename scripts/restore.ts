// `npm run restore -- FILE`: loads a backup (npm run backup) into an EMPTY data folder (or empty MONGODB_URI database),
// with the helpline stopped. Then it derives again what lags in a live backup — the watch list the timers and the
// outbox read, and the report documents — and verifies every ticket's hash chain, naming any that fails.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BackupError, restoreBackup } from '../db/backup.js';
import { openConfiguredDatabase, type Database } from '../db/database.js';
import { EmbeddedDatabaseError } from '../db/embeddedMongo.js';
import { wholeDocument, type Models } from '../models/index.js';
import type { TicketRecord } from '../models/ticketTypes.js';
import { verifyChain } from '../services/eventChain.js';
import { rebuildReports } from '../services/reportRebuild.js';
import { needsAttention, TicketWatch } from '../services/ticketWatch.js';
import { consoleIo, loadCommandConfig, runIfInvokedDirectly } from './adminDatabase.js';

export interface RestoreCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

export interface RepairResult {
  tickets: number;
  watched: number;
  brokenChains: string[];
}

/** After loading: every ticket with work left is on the watch list again, reports are rebuilt, chains are verified. */
export async function repairAfterRestore(models: Models, now: Date = new Date()): Promise<RepairResult> {
  const watch = new TicketWatch(models);
  const result: RepairResult = { tickets: 0, watched: 0, brokenChains: [] };
  // Offline, once: a scan of the tickets is acceptable here (never on the message path).
  for await (const ticket of models.tickets.find({}, wholeDocument).lean<TicketRecord>().cursor({ batchSize: 200 })) {
    result.tickets += 1;
    if (needsAttention(ticket)) {
      await watch.mark(ticket._id, now);
      result.watched += 1;
    }
    const verdict = verifyChain(ticket);
    if (!verdict.ok) result.brokenChains.push(ticket._id);
  }
  await rebuildReports(models);
  return result;
}

const usage = 'Usage: npm run restore -- FILE   (into an empty data folder / database, with the helpline stopped)';

export async function runRestoreCommand(argv: string[], io: RestoreCommandIo): Promise<number> {
  let positionals;
  try {
    ({ positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} }));
  } catch (error) {
    io.err(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (positionals.length !== 1) {
    io.err(usage);
    return 2;
  }
  const file = resolve(positionals[0]!);
  if (!existsSync(file)) {
    io.err(`No such file: ${file}`);
    return 1;
  }
  const config = loadCommandConfig(io);
  if (!config) return 1;
  let database: Database;
  try {
    // Never beside a running helpline: it would be writing while the backup is loaded.
    database = await openConfiguredDatabase(config, 'refuse');
  } catch (error) {
    io.err(error instanceof EmbeddedDatabaseError ? error.message : `Could not open the database: ${(error as Error).message}`);
    return 1;
  }
  try {
    const header = await restoreBackup(database.connection, database.models, file);
    const repaired = await repairAfterRestore(database.models);
    io.out(`Restored the backup of ${header.createdAt}: ${repaired.tickets} tickets (${repaired.watched} with work left, back on the watch list); reports rebuilt.`);
    if (repaired.brokenChains.length > 0) {
      io.err(`${repaired.brokenChains.length} ticket histories do not verify: ${repaired.brokenChains.slice(0, 20).join(', ')}`);
      return 1;
    }
    io.out('Every ticket history verifies. Staff log in again (sessions are not kept in backups).');
    return 0;
  } catch (error) {
    if (error instanceof BackupError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  } finally {
    await database.close();
  }
}

runIfInvokedDirectly(import.meta.url, 'restore', (argv) => runRestoreCommand(argv, consoleIo));
