// `npm run topology`: the production topology of deploy/compose.yaml without containers, on this machine — one
// database (the embedded server standing in for the replica set), two helpline processes on it, and a small
// round-robin proxy with health checks standing in for Caddy (plain HTTP, no TLS; it sets X-Forwarded-For and
// X-Forwarded-Proto, and the processes run with TRUST_PROXY=loopback as they would behind Caddy).
//   npm run topology [-- --port 3978]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmbeddedMongo, type EmbeddedMongo } from '../db/embeddedMongo.js';
import { loadOrCreateLocalSecrets } from '../server/localSecrets.js';

export interface Backend {
  name: string;
  port: number;
  healthy: boolean;
}

/** Round robin over the healthy backends; a backend that fails a request or a health check is skipped until it passes. */
export class RoundRobinProxy {
  private next = 0;
  private server: Server | undefined;
  private healthTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly backends: Backend[],
    private readonly healthIntervalMs = 1_000,
  ) {}

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    this.server = createServer((request, response) => this.forward(request, response));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    this.healthTimer = setInterval(() => void this.checkHealth(), this.healthIntervalMs);
    this.healthTimer.unref();
    await this.checkHealth();
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    clearInterval(this.healthTimer);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  async checkHealth(): Promise<void> {
    await Promise.all(
      this.backends.map(async (backend) => {
        try {
          const response = await fetch(`http://127.0.0.1:${backend.port}/healthz`, { signal: AbortSignal.timeout(1_500) });
          backend.healthy = response.ok;
        } catch {
          backend.healthy = false;
        }
      }),
    );
  }

  private pick(): Backend | undefined {
    const healthy = this.backends.filter((backend) => backend.healthy);
    if (healthy.length === 0) return undefined;
    this.next = (this.next + 1) % healthy.length;
    return healthy[this.next];
  }

  private forward(request: IncomingMessage, response: ServerResponse): void {
    const backend = this.pick();
    if (!backend) {
      response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' }).end('{"error":{"code":"no_backend","message":"No helpline process is healthy."}}');
      return;
    }
    const forwardedFor = [request.headers['x-forwarded-for'], request.socket.remoteAddress].filter(Boolean).join(', ');
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: backend.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, 'x-forwarded-for': forwardedFor, 'x-forwarded-proto': 'http', 'x-forwarded-host': request.headers.host ?? '' },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-santushti-backend': backend.name });
        answer.pipe(response);
      },
    );
    upstream.on('error', () => {
      backend.healthy = false;
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' }).end('{"error":{"code":"bad_gateway","message":"Please try again."}}');
      else response.destroy();
    });
    request.pipe(upstream);
  }
}

export interface Topology {
  proxyPort: number;
  proxy: RoundRobinProxy;
  apps: ChildProcess[];
  database?: EmbeddedMongo;
  stop(): Promise<void>;
}

export interface TopologyOptions {
  port: number;
  /** A database to use instead of starting the embedded one (tests pass theirs). */
  mongoUri?: string;
  dbName?: string;
  dataDir?: string;
  log?: (line: string) => void;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function startApp(name: string, port: number, env: Record<string, string>, log: (line: string) => void): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', TRUST_PROXY: 'loopback', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let ready = false;
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        log(`[${name}] ${line}`);
        if (!ready && /\bhealth: +http/.test(line)) {
          ready = true;
          resolve(child);
        }
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', onLine);
    child.once('exit', (code) => {
      if (!ready) reject(new Error(`${name} exited with ${code} before listening`));
    });
  });
}

export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'santushti-topology-'));
  const database = options.mongoUri ? undefined : await startEmbeddedMongo({ dataFile: join(dataDir, 'santushti.mv') });
  const mongoUri = options.mongoUri ?? database!.uri;
  // Both processes must sign and read the same tokens and cookies, as the compose file's shared secrets ensure.
  const { secrets } = loadOrCreateLocalSecrets(dataDir);
  const env = {
    MONGODB_URI: mongoUri,
    MONGODB_DB: options.dbName ?? 'santushti',
    DATA_DIR: dataDir,
    DIRECTLINE_SECRET: secrets.directLineSecret,
    WEBCHAT_COOKIE_SECRET: secrets.webChatCookieSecret,
  };
  const ports = [await freePort(), await freePort()];
  const apps = await Promise.all(ports.map((port, index) => startApp(`app${index + 1}`, port, env, log)));
  const proxy = new RoundRobinProxy(ports.map((port, index) => ({ name: `app${index + 1}`, port, healthy: false })));
  const proxyPort = await proxy.listen(options.port);
  return {
    proxyPort,
    proxy,
    apps,
    database,
    async stop() {
      await proxy.close();
      await Promise.all(
        apps.map((app) => new Promise<void>((resolve) => (app.exitCode !== null || app.signalCode !== null ? resolve() : (app.once('exit', () => resolve()), app.kill('SIGTERM'))))),
      );
      await database?.stop();
    },
  };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { values } = parseArgs({ options: { port: { type: 'string', default: '3978' } } });
  startTopology({ port: Number(values.port), dataDir: join(process.env.DATA_DIR ?? '.data', 'topology') }).then(
    (topology) => {
      console.log(`[topology] two helpline processes behind http://127.0.0.1:${topology.proxyPort}/ (Ctrl-C stops everything)`);
      const stop = () => void topology.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (error: unknown) => {
      console.error('[topology] failed:', error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
