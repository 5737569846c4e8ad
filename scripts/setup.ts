// `npm run setup`: a fresh install made ready in one step — the database's jars, the data folder and its secrets, and
// the first supervisor (asked for interactively, or given as flags). Optional: `npm start` works without it, and then
// `npm run users -- add … --role supervisor` creates the first supervisor, beside the running helpline or not.
//   npm run setup                                                        (asks)
//   npm run setup -- --username meera --name "Meera Joshi" --password-stdin   (scripted)
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ensureDatabaseJars } from '../db/embeddedMongo.js';
import { loadOrCreateLocalSecrets } from '../server/localSecrets.js';
import { consoleIo, loadCommandConfig, runIfInvokedDirectly } from './adminDatabase.js';
import { runUsersCommand, type UsersCommandIo } from './users.js';

export interface SetupIo extends UsersCommandIo {
  /** Asks one question; `secret` answers are not echoed. Absent when there is no terminal. */
  ask?: (question: string, secret?: boolean) => Promise<string>;
}

const usage = `Usage: npm run setup [-- --username U --name "…" (--password P | --password-stdin)]
Without flags it asks for the first supervisor's username, name and password.`;

export async function runSetup(argv: string[], io: SetupIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { username: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' }, 'password-stdin': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
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
  if (!config.MONGODB_URI) {
    ensureDatabaseJars(io.out);
    io.out('Embedded database: ready (Java and its jars found).');
  }
  if (!config.DIRECTLINE_SECRET || !config.WEBCHAT_COOKIE_SECRET) {
    const { created } = loadOrCreateLocalSecrets(config.dataDir);
    io.out(`${created ? 'Generated' : 'Found'} local secrets in ${config.dataDir}/secrets.json (set DIRECTLINE_SECRET and WEBCHAT_COOKIE_SECRET in production).`);
  }

  let { username, name } = values;
  let password = values.password;
  if (values['password-stdin']) password = io.readStdin().replace(/\r?\n$/, '');
  if (!username || password === undefined) {
    if (!io.ask) {
      io.err(`No terminal to ask on: give the first supervisor as flags.\n${usage}`);
      return 2;
    }
    io.out('The first supervisor (they can add every other account later, in the console or with npm run users):');
    username ??= (await io.ask('  username (e.g. meera): ')).trim();
    name ??= (await io.ask('  full name: ')).trim() || undefined;
    if (password === undefined) {
      password = await io.ask('  password (at least 10 characters, not shown): ', true);
      const again = await io.ask('  the same password again: ', true);
      if (again !== password) {
        io.err('The two passwords differ; nothing was created. Run npm run setup again.');
        return 1;
      }
    }
  }
  const args = ['add', '--username', username, '--role', 'supervisor', '--password-stdin', ...(name ? ['--name', name] : [])];
  const code = await runUsersCommand(args, { ...io, readStdin: () => password! });
  if (code === 0) io.out('Set up. Start the helpline with: npm start');
  return code;
}

/** Reads a line from the terminal; a secret one is not echoed (readline writes to a muted stream meanwhile). */
function terminalAsker(): (question: string, secret?: boolean) => Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const lines = createInterface({ input: process.stdin, output, terminal: true });
  return async (question, secret = false) => {
    process.stdout.write(question);
    muted = secret;
    try {
      return await lines.question('');
    } finally {
      if (secret) process.stdout.write('\n');
      muted = false;
    }
  };
}

runIfInvokedDirectly(import.meta.url, 'setup', (argv) => runSetup(argv, { ...consoleIo, readStdin: () => readFileSync(0, 'utf8'), ask: process.stdin.isTTY ? terminalAsker() : undefined }));
