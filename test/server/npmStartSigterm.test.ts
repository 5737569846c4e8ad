// Issue 12, small list: "SIGTERM to `npm start` does not stop the server". npm signals the shell that runs the script;
// without `exec` the shell died and left the server running with nobody to stop it. Here the real `npm start`, on the
// test database, is sent SIGTERM and must close its port and exit.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../support/serverProcess.js';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start', () => {
  it('stops on SIGTERM sent to npm (issue 12 small list)', async () => {
    const port = await freePort();
    const output: string[] = [];
    const child = spawn('npm', ['start', '--silent'], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        MONGODB_URI: inject('mongoUri'),
        MONGODB_DB: `santushti_test_sigterm_${randomBytes(3).toString('hex')}`,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'santushti-sigterm-')),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const remember = (chunk: Buffer) => output.push(chunk.toString('utf8'));
    child.stdout!.on('data', remember);
    child.stderr!.on('data', remember);
    try {
      await expect.poll(() => /\bhealth: +http/.test(output.join('')), { timeout: 45_000, interval: 200 }).toBe(true);
      expect(await portOpen(port)).toBe(true);

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      await exited;
      await expect.poll(() => portOpen(port), { timeout: 10_000, interval: 200 }).toBe(false);
      expect(output.join('')).toContain('SIGTERM: stopping');
    } finally {
      // Whatever is left of the process group (only on failure): this test's own processes, by their group id.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 70_000);
});
