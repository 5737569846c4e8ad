// `npm run directory`: the directory of places and officers as data the operator maintains.
//   npm run directory -- import FILE.csv|FILE.json [--dry-run]   validate (line-numbered errors), show what changes, save
//   npm run directory -- export FILE.json                          the directory in use, in the data file's format
// It works beside a running helpline, which picks an import up within seconds (services/directoryStore.ts), or with it
// stopped. CSV columns: services/directoryCsv.ts (one row per locality); JSON: the format of data/directory.lesa.json.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { Directory, DirectoryError } from '../services/directory.js';
import { directoryFromCsv, problemWithLine } from '../services/directoryCsv.js';
import { directoryChanges, loadStoredDirectory, saveDirectory, storedDirectoryVersion, type DirectoryChanges } from '../services/directoryStore.js';
import { ConcurrentUpdateError } from '../services/errors.js';
import { consoleIo, loadCommandConfig, openAdminDatabase, operatorName, runIfInvokedDirectly } from './adminDatabase.js';

export interface DirectoryCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** Whether to draw a progress bar (a terminal); otherwise progress is printed as lines. */
  progressBar?: boolean;
}

const usage = `Usage:
  npm run directory -- import FILE.csv|FILE.json [--dry-run]
  npm run directory -- export FILE.json`;

/** Reads and validates a file; problems are listed with line numbers (CSV) or JSON paths. */
export function readDirectoryFile(file: string, io: DirectoryCommandIo): Directory | undefined {
  const text = readFileSync(file, 'utf8');
  if (extname(file).toLowerCase() === '.json') {
    try {
      return Directory.fromData(JSON.parse(text));
    } catch (error) {
      io.err(error instanceof SyntaxError ? `${file} is not valid JSON: ${error.message}` : (error as Error).message);
      return undefined;
    }
  }
  const bar = io.progressBar ? new cliProgress.SingleBar({ format: 'reading {bar} {value}/{total} rows', stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined;
  let started = false;
  const csv = directoryFromCsv(text, (done, total) => {
    if (bar && !started) bar.start(total, 0);
    started = true;
    if (bar) bar.update(done);
    else if (done === total || done % 1000 === 0) io.err(`reading: ${done}/${total} rows`);
  });
  bar?.stop();
  // Every problem at once: the rows' own (consistency, empty cells) and the directory's checks (names, clashes).
  const problems = [...csv.problems];
  let directory: Directory | undefined;
  try {
    directory = Directory.fromData(csv.data);
  } catch (error) {
    if (!(error instanceof DirectoryError)) throw error;
    problems.push(...error.problems.map((problem) => problemWithLine(problem, csv.lineOfPath)));
  }
  if (problems.length === 0) return directory;
  io.err(`${file}: ${problems.length} problem(s):\n${problems.slice(0, 50).map((problem) => `- ${problem}`).join('\n')}${problems.length > 50 ? '\n- …' : ''}`);
  return undefined;
}

function describeChanges(changes: DirectoryChanges): string[] {
  const line = (label: string, items: string[]) => `${label}: ${items.length}${items.length ? ` (${items.slice(0, 5).join(', ')}${items.length > 5 ? ', …' : ''})` : ''}`;
  return [
    line('localities added', changes.localitiesAdded),
    line('localities removed', changes.localitiesRemoved),
    line('localities moved to another sub-division', changes.localitiesMoved),
    line('officer posts added', changes.officersAdded),
    line('officer posts removed', changes.officersRemoved),
    line('officer posts with a new holder or number', changes.officersChanged),
  ];
}

export async function runDirectoryCommand(argv: string[], io: DirectoryCommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    io.err(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const [command, file] = parsed.positionals;
  if (parsed.values.help || !file || parsed.positionals.length !== 2 || (command !== 'import' && command !== 'export')) {
    io.err(usage);
    return parsed.values.help ? 0 : 2;
  }
  const config = loadCommandConfig(io);
  if (!config) return 1;
  let imported: Directory | undefined;
  if (command === 'import') {
    if (!existsSync(file)) {
      io.err(`No such file: ${file}`);
      return 1;
    }
    imported = readDirectoryFile(file, io);
    if (!imported) return 1;
    io.out(`${file}: valid — ${imported.districts().length} district(s), ${imported.localities().length} localities.`);
  }

  const database = await openAdminDatabase(config, io);
  if (!database) return 1;
  try {
    const basedOn = await storedDirectoryVersion(database.models);
    const current = (await loadStoredDirectory(database.models))?.directory ?? (config.DIRECTORY_FILE ? Directory.fromFile(config.DIRECTORY_FILE) : Directory.loadDefault());
    if (command === 'export') {
      writeFileSync(file, `${JSON.stringify(current.toData(), null, 2)}\n`);
      io.out(`Wrote the directory in use (${basedOn ? `version ${basedOn}` : 'the data file'}) to ${file}.`);
      return 0;
    }
    io.out(`Compared with the directory in use (${basedOn ? `version ${basedOn}` : 'the data file'}):`);
    for (const line of describeChanges(directoryChanges(current, imported!))) io.out(`  ${line}`);
    if (parsed.values['dry-run']) {
      io.out('Dry run: nothing was saved.');
      return 0;
    }
    const by = `directory-import:${operatorName()}`;
    const version = await saveDirectory(database.models, imported!, basedOn, { kind: 'import', by, at: new Date(), summary: `import of ${file}` });
    io.out(`Saved as version ${version}.${database.attached ? ' The running helpline uses it within a few seconds.' : ' The helpline uses it from its next start.'}`);
    return 0;
  } catch (error) {
    if (error instanceof ConcurrentUpdateError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  } finally {
    await database.close();
  }
}

runIfInvokedDirectly(import.meta.url, 'directory', (argv) => runDirectoryCommand(argv, { ...consoleIo, progressBar: process.stderr.isTTY }));
