// `npm run backup [-- --out FILE]`: a compressed logical backup of the helpline's data, taken while it runs (it connects
// to the running embedded server, or opens the store when nothing runs, or uses MONGODB_URI). What it holds and why it
// is consistent: db/backup.ts. On a large MongoDB deployment, mongodump (--gzip --archive) is the usual tool; this
// export works there too. Restore with `npm run restore -- FILE` into an empty data folder.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { writeBackup } from '../db/backup.js';
import { consoleIo, loadCommandConfig, openAdminDatabase, runIfInvokedDirectly } from './adminDatabase.js';

export interface BackupCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  now?: () => Date;
}

const usage = `Usage: npm run backup [-- --out FILE]
  Writes a gzip-compressed backup of every ticket, history, staff account, evidence file and report
  (default: DATA_DIR/backups/santushti-<date>-<time>.jsonl.gz). Safe while the helpline runs.`;

export async function runBackupCommand(argv: string[], io: BackupCommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    io.err(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    io.out(usage);
    return 0;
  }
  const config = loadCommandConfig(io);
  if (!config) return 1;
  const now = io.now ?? (() => new Date());
  const stamp = now().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const file = resolve(values.out ?? join(config.dataDir, 'backups', `santushti-${stamp}.jsonl.gz`));
  if (existsSync(file)) {
    io.err(`${file} exists already; choose another --out.`);
    return 1;
  }
  const database = await openAdminDatabase(config, io);
  if (!database) return 1;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const started = performance.now();
    const header = await writeBackup(database.connection, database.models, file, now);
    const total = Object.values(header.collections).reduce((sum, count) => sum + count, 0);
    io.out(`Backed up ${total} documents (${header.collections.tickets ?? 0} tickets) in ${((performance.now() - started) / 1000).toFixed(1)} s to ${file}`);
    io.out(`Restore it into an empty data folder with: npm run restore -- ${file}`);
    return 0;
  } finally {
    await database.close();
  }
}

runIfInvokedDirectly(import.meta.url, 'backup', (argv) => runBackupCommand(argv, consoleIo));
