// `npm run users` as an operator runs it: a child process against a store file of its own, whose account can then
// log in; and a clear message, not a Java stack trace, when the server already holds the store.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectModels } from '../../db/database.js';
import { startEmbeddedMongo } from '../../db/embeddedMongo.js';
import { Directory } from '../../services/directory.js';
import { StaffAuthService } from '../../services/staffAuthService.js';
import { freePort, ServerProcess } from '../support/serverProcess.js';
import { runSetup } from '../../scripts/setup.js';

const projectRoot = resolve(import.meta.dirname, '../..');
const tsx = join(projectRoot, 'node_modules/.bin/tsx');
const script = join(projectRoot, 'scripts/users.ts');
const scratch = mkdtempSync(join(tmpdir(), 'santushti-users-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// With MONGODB_URI set (the suite on real MongoDB) the script goes there, into a database of its own.
const externalUri = process.env.MONGODB_URI || undefined;
const dbName = `santushti_users_cli_${process.pid}`;

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runUsers(args: string[], dataDir: string, stdin?: string): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      tsx,
      [script, ...args],
      {
        // A directory of its own, so no .env of the developer's is picked up.
        cwd: scratch,
        env: { ...process.env, DATA_DIR: dataDir, MONGODB_URI: externalUri ?? '', MONGODB_DB: dbName, EMBEDDED_DB_MAX_HEAP: '256m' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
  });
}

async function withStore<T>(dataDir: string, use: (models: Awaited<ReturnType<typeof connectModels>>['models']) => Promise<T>): Promise<T> {
  const embedded = externalUri ? undefined : await startEmbeddedMongo({ dataFile: join(dataDir, 'santushti.mv'), maxHeap: '256m' });
  const { connection, models } = await connectModels(externalUri ?? embedded!.uri, dbName);
  try {
    return await use(models);
  } finally {
    await connection.close();
    await embedded?.stop();
  }
}

describe('npm run users', () => {
  it('adds accounts that can then log in, lists and disables them, and never prints a password', async () => {
    const dataDir = join(scratch, 'smoke');
    const added = await runUsers(['add', '--username', 'Meera', '--password', 'meera-secret-pass', '--role', 'supervisor', '--name', 'Meera Joshi'], dataDir);
    expect(added, added.stderr).toMatchObject({ code: 0 });
    expect(added.stdout).toContain('supervisor "meera" (Meera Joshi)');

    const officer = await runUsers(['add', '--username', 'pradeep', '--password-stdin', '--role', 'officer', '--officer-id', 'je-gomti-nagar-1'], dataDir, 'pradeep-secret-pass\n');
    expect(officer, officer.stderr).toMatchObject({ code: 0 });
    expect(officer.stdout).toContain('officer je-gomti-nagar-1');

    const refused = await runUsers(['add', '--username', 'shorty', '--password', 'short', '--role', 'agent'], dataDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('at least 10 characters');

    const listed = await runUsers(['list'], dataDir);
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split('\n')).toEqual([
      'supervisor "meera" (Meera Joshi)',
      'officer "pradeep" (Pradeep Srivastava (Demo), officer je-gomti-nagar-1)',
    ]);

    const everything = [added, officer, refused, listed].map((run) => run.stdout + run.stderr).join('\n');
    for (const secret of ['meera-secret-pass', 'pradeep-secret-pass', 'short"']) expect(everything).not.toContain(secret);

    await withStore(dataDir, async (models) => {
      const auth = new StaffAuthService(models, Directory.loadDefault());
      const login = await auth.login({ username: 'meera', password: 'meera-secret-pass' }, '127.0.0.1');
      expect(login.user).toEqual({ username: 'meera', role: 'supervisor', name: 'Meera Joshi' });
      const principal = await auth.authenticate((await auth.login({ username: 'pradeep', password: 'pradeep-secret-pass' }, '127.0.0.1')).token);
      expect(principal).toMatchObject({ role: 'officer', officerId: 'je-gomti-nagar-1', level: 'JE' });
    });

    const disabled = await runUsers(['disable', '--username', 'pradeep'], dataDir);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toContain('Disabled officer "pradeep"');
    expect((await runUsers(['list'], dataDir)).stdout).toContain('[disabled]');

    const usage = await runUsers(['promote', '--username', 'meera'], dataDir);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Usage:');
    // Each run starts tsx and the database's JVM (~3 s); seven of them need more than the default 30 s.
  }, 180_000);

  it.skipIf(externalUri !== undefined)('says plainly that another process holds the store when it does and left no address', async () => {
    const dataDir = join(scratch, 'held');
    const server = await startEmbeddedMongo({ dataFile: join(dataDir, 'santushti.mv'), maxHeap: '256m' });
    try {
      const result = await runUsers(['list'], dataDir);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('is held by another process');
      expect(result.stderr).not.toContain('at org.h2');
    } finally {
      await server.stop();
    }
  }, 60_000);

  // Issue 16: "npm run users -- add fails while the helpline runs (the embedded database file is held by the running
  // server), so adding the first staff member means stopping the service".
  it('adds a user beside a running helpline, who can log in at once; resets a password; opens the file itself once the helpline stops', async () => {
    const dataDir = join(scratch, 'running');
    const server = new ServerProcess({ mongoUri: externalUri ?? '', dbName, port: await freePort(), dataDir, env: { EMBEDDED_DB_MAX_HEAP: '256m' } });
    await server.start();
    try {
      const added = await runUsers(['add', '--username', 'first', '--password-stdin', '--role', 'supervisor'], dataDir, 'first-secret-pass\n');
      expect(added, added.stderr).toMatchObject({ code: 0 });
      if (!externalUri) expect(added.stderr).toContain('Using the database of the running helpline');
      const login = (password: string) =>
        fetch(`${server.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'first', password }) });
      const first = await login('first-secret-pass');
      expect(first.status).toBe(200);
      const { token } = (await first.json()) as { token: string };

      const reset = await runUsers(['reset-password', '--username', 'first', '--password-stdin'], dataDir, 'second-secret-pass\n');
      expect(reset, reset.stderr).toMatchObject({ code: 0 });
      expect(reset.stdout + reset.stderr).not.toContain('second-secret-pass');
      expect((await login('first-secret-pass')).status).toBe(401);
      expect((await login('second-secret-pass')).status).toBe(200);
      // The old session ended with the old password.
      const oldSession = await fetch(`${server.baseUrl}/api/tickets`, { headers: { authorization: `Bearer ${token}` } });
      expect(oldSession.status).toBe(401);
    } finally {
      await server.stop();
    }
    const afterwards = await runUsers(['list'], dataDir);
    expect(afterwards, afterwards.stderr).toMatchObject({ code: 0 });
    expect(afterwards.stdout).toContain('supervisor "first"');
    if (!externalUri) expect(afterwards.stderr).toContain('No helpline is running');
  }, 180_000);
});

describe('npm run setup', () => {
  it('makes a fresh data folder ready and creates the first supervisor, asking for what the flags did not give', async () => {
    const dataDir = join(scratch, 'setup');
    const env = { ...process.env, DATA_DIR: dataDir, MONGODB_URI: externalUri ?? '', MONGODB_DB: `${dbName}_setup`, EMBEDDED_DB_MAX_HEAP: '256m' };
    const out: string[] = [];
    const asked: string[] = [];
    const answers = ['meera', 'Meera Joshi', 'meera-secret-pass', 'meera-secret-pass'];
    const io = {
      out: (line: string) => out.push(line),
      err: (line: string) => out.push(line),
      env,
      readStdin: () => '',
      ask: async (question: string) => {
        asked.push(question);
        return answers.shift() ?? '';
      },
    };
    expect(await runSetup([], io)).toBe(0);
    expect(asked).toHaveLength(4);
    expect(out.join('\n')).toContain('Created supervisor "meera" (Meera Joshi)');
    expect(out.join('\n')).not.toContain('meera-secret-pass');
    if (!externalUri) expect(existsSync(join(dataDir, 'secrets.json'))).toBe(true);

    // Scripted, and run again: the username is taken, nothing changes.
    const again = await runSetup(['--username', 'meera', '--password', 'another-secret-pass'], { ...io, ask: undefined });
    expect(again).toBe(1);
    expect(out.join('\n')).toContain('already taken');
  }, 120_000);
});
