// How the admin commands (users, reports, backup) reach the database: the running helpline's embedded server when one
// is up (its address is recorded beside the store), the store file itself when nothing runs, or MONGODB_URI — and they
// say which, so an operator is never unsure whether the running helpline saw the change.
import { openConfiguredDatabase, type Database } from '../db/database.js';
import { EmbeddedDatabaseError } from '../db/embeddedMongo.js';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, type Config } from '../server/config.js';

/** Opens the database for an admin command, or reports why not on `io.err` and returns undefined. */
export async function openAdminDatabase(config: Config, io: { err: (line: string) => void }): Promise<Database | undefined> {
  let database: Database;
  try {
    database = await openConfiguredDatabase(config, 'attach');
  } catch (error) {
    io.err(describeOpenFailure(error, config));
    return undefined;
  }
  io.err(describeDatabase(database, config));
  return database;
}

/** Says which database the command works on, so an operator is never unsure whether the running helpline saw it. */
function describeDatabase(database: Database, config: Config): string {
  if (database.attached) return `Using the database of the running helpline (pid ${database.attached.ownerPid}): changes take effect at once.`;
  if (database.embedded) return `No helpline is running: opened the store ${config.embeddedDbFile} directly.`;
  return 'Connected to MONGODB_URI.';
}

/** The embedded store is one file that one process at a time may open: say so plainly when that is what failed. */
function describeOpenFailure(error: unknown, config: Config): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof EmbeddedDatabaseError && /file is locked/i.test(message)) {
    return (
      `The embedded database store ${config.embeddedDbFile} is held by another process that did not record its address ` +
      '(a helpline started by an older version, or one starting right now). Try again in a few seconds; if it persists, ' +
      'stop that process and run this command again.'
    );
  }
  if (error instanceof EmbeddedDatabaseError) return message;
  return `Could not reach the database${config.MONGODB_URI ? ' at MONGODB_URI' : ''}: ${message}`;
}


/** The configuration for an admin command, or undefined after saying what is wrong with it. */
export function loadCommandConfig(io: { err: (line: string) => void; env: NodeJS.ProcessEnv }): Config | undefined {
  try {
    return loadConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return undefined;
    }
    throw error;
  }
}

/** Who ran an admin command, for the records it writes. */
export function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** When `moduleUrl` is the script node was started with: reads .env, runs the command, exits with its code. */
export function runIfInvokedDirectly(moduleUrl: string, name: string, run: (argv: string[]) => Promise<number>): void {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  if (existsSync('.env')) process.loadEnvFile('.env');
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`[${name}] failed:`, error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}

/** The terminal's output and environment, as the commands' io. */
export const consoleIo = { out: (line: string) => console.log(line), err: (line: string) => console.error(line), env: process.env };
