// Staff accounts from the command line, against the same database `npm start` uses:
//   npm run users -- add --username asha --password '…' --role agent [--name "Asha Verma"]
//   npm run users -- add --username pradeep --password-stdin --role officer --officer-id je-gomti-nagar-1
//   npm run users -- disable --username asha
//   npm run users -- reset-password --username asha --password-stdin
//   npm run users -- list
// It works beside a running helpline (it connects to the embedded server `npm start` runs; the address is recorded in
// the data folder) and on its own (it opens the store file itself), and says which.
// Passwords and tokens are never printed. `--password-stdin` keeps the password out of the process list and history.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../server/config.js';
import { consoleIo, openAdminDatabase, operatorName, runIfInvokedDirectly } from './adminDatabase.js';
import { loadStoredDirectory } from '../services/directoryStore.js';
import { Directory, DirectoryError } from '../services/directory.js';
import { DomainError } from '../services/errors.js';
import { StaffAuthService, type CreateStaffUserInput, type StaffAdministrator, type StaffUserView } from '../services/staffAuthService.js';

export interface UsersCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  readStdin: () => string;
}

const usage = `Usage:
  npm run users -- add --username U (--password P | --password-stdin) --role agent|officer|supervisor [--officer-id ID] [--name "…"]
  npm run users -- disable --username U
  npm run users -- reset-password --username U (--password P | --password-stdin)
  npm run users -- list
The first supervisor: npm run users -- add --username U --password-stdin --role supervisor (or npm run setup).`;

/** Runs one command and returns the process exit code; every failure is a message, never a stack trace. */
export async function runUsersCommand(argv: string[], io: UsersCommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        username: { type: 'string' },
        password: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        role: { type: 'string' },
        'officer-id': { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === undefined || !['add', 'disable', 'list', 'reset-password'].includes(command) || positionals.length > 1) {
    io.err(usage);
    return values.help ? 0 : 2;
  }
  if (command !== 'list' && !values.username) {
    io.err(`--username is required.\n${usage}`);
    return 2;
  }
  let password: string | undefined;
  if (command === 'add' || command === 'reset-password') {
    if (values.password !== undefined && values['password-stdin']) {
      io.err('Give the password either with --password or on stdin with --password-stdin, not both.');
      return 2;
    }
    password = values['password-stdin'] ? io.readStdin().replace(/\r?\n$/, '') : values.password;
    if (!password || (command === 'add' && !values.role)) {
      io.err(`${command} needs ${command === 'add' ? '--role and ' : ''}a password (--password or --password-stdin).\n${usage}`);
      return 2;
    }
  }

  let config: Config;
  let directory: Directory;
  try {
    config = loadConfig(io.env);
    directory = config.DIRECTORY_FILE ? Directory.fromFile(config.DIRECTORY_FILE) : Directory.loadDefault();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DirectoryError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }

  const database = await openAdminDatabase(config, io);
  if (!database) return 1;
  // Officer ids are checked against the directory in use: an imported one (npm run directory) over the data file.
  const stored = await loadStoredDirectory(database.models);
  if (stored) directory.replaceWith(stored.directory);

  const administrator: StaffAdministrator = { role: 'system', id: `users-script:${operatorName()}` };
  const auth = new StaffAuthService(database.models, directory);
  try {
    if (command === 'add') {
      const user = await auth.createUser(
        { username: values.username!, password: password!, role: values.role as CreateStaffUserInput['role'], officerId: values['officer-id'], name: values.name },
        administrator,
      );
      io.out(`Created ${describeUser(user)}. They can log in now (POST /api/auth/login).`);
    } else if (command === 'reset-password') {
      const user = await auth.resetPassword(values.username!, password!, administrator);
      io.out(`New password set for ${describeUser(user)}; their earlier sessions no longer work.`);
    } else if (command === 'disable') {
      const user = await auth.disableUser(values.username!, administrator);
      io.out(`Disabled ${describeUser(user)}; their sessions no longer work.`);
    } else {
      const users = await auth.listUsers(administrator);
      if (users.length === 0) io.out('No staff accounts yet. Add one: npm run users -- add --username … --role supervisor --password-stdin');
      for (const user of users) io.out(describeUser(user));
    }
    return 0;
  } catch (error) {
    if (error instanceof DomainError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  } finally {
    await database.close();
  }
}

function describeUser(user: StaffUserView): string {
  const officer = user.officerId ? `, officer ${user.officerId}` : '';
  return `${user.role} "${user.username}" (${user.name}${officer})${user.disabled ? ' [disabled]' : ''}`;
}

runIfInvokedDirectly(import.meta.url, 'users', (argv) => runUsersCommand(argv, { ...consoleIo, readStdin: () => readFileSync(0, 'utf8') }));
