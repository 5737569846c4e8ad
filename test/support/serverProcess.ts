// `npm start`'s entry (server/main.ts) as a child process on a database the test owns: to kill it with SIGKILL and
// start it again, or to run two of them side by side on one database as a scaled-out deployment would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port free right now on 127.0.0.1 (so a restarted server can come back on the same address). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface ServerProcessOptions {
  /** Empty: the server starts the embedded database on a store in its data folder, as `npm start` does. */
  mongoUri: string;
  dbName: string;
  port: number;
  /** Extra environment (secrets, WHATSAPP_CLOUD_*, SATISFACTION_REMINDERS…). */
  env?: Record<string, string>;
  /** The data folder (DATA_DIR); a fresh temporary one when absent. */
  dataDir?: string;
}

export class ServerProcess {
  private child: ChildProcess | undefined;
  readonly output: string[] = [];
  private readonly dataDir: string;

  constructor(private readonly options: ServerProcessOptions) {
    this.dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'santushti-server-'));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  /** Starts server/main.ts and resolves once it has printed its health URL (listening, workers started). */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        MONGODB_URI: this.options.mongoUri,
        MONGODB_DB: this.options.dbName,
        PORT: String(this.options.port),
        HOST: '127.0.0.1',
        DATA_DIR: this.dataDir,
        ...this.options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const remember = (chunk: Buffer) => this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    child.stdout!.on('data', remember);
    child.stderr!.on('data', remember);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${this.output.slice(-20).join('\n')}`)), 45_000);
      const onData = () => {
        if (this.output.some((line) => /\bhealth: +http/.test(line))) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${this.output.slice(-20).join('\n')}`));
      });
    });
  }

  /** Crashes it on purpose: no shutdown handler runs. */
  async kill(): Promise<void> {
    await this.end('SIGKILL');
  }

  /** The ordinary shutdown (SIGTERM: stop taking requests, let turns finish, close the database). */
  async stop(): Promise<void> {
    await this.end('SIGTERM');
  }

  private async end(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}
