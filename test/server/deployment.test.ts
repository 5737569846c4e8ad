// The deployment (issue 16), as far as this machine (no Docker) can check it: the compose file validates against the
// Compose specification's schema (dclint, offline) and a broken one does not; the Dockerfile builds in two stages, runs
// as a non-root user with a health check, and copies only what exists; and the same topology of processes — two
// helplines on one database behind a round-robin proxy with health checks — serves, and survives losing a process.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectModels } from '../../db/database.js';
import { startTopology, type Topology } from '../../scripts/topology.js';

const root = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'santushti-deploy-'));
let topology: Topology | undefined;
const dbName = `santushti_test_topology_${randomBytes(3).toString('hex')}`;

afterAll(async () => {
  await topology?.stop();
  const { connection } = await connectModels(inject('mongoUri'), dbName);
  await connection.dropDatabase();
  await connection.close();
  rmSync(scratch, { recursive: true, force: true });
});

function dclint(file: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(join(root, 'node_modules/.bin/dclint'), ['-c', join(root, 'deploy/dclint.json'), '--max-warnings', '0', '--color', 'false', file], { cwd: root }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('deploy/compose.yaml', () => {
  it('validates against the Compose specification, and a file that breaks it does not', async () => {
    const good = await dclint(join(root, 'deploy/compose.yaml'));
    expect(good, good.output).toMatchObject({ code: 0 });

    const broken = join(scratch, 'broken.yaml');
    writeFileSync(broken, readFileSync(join(root, 'deploy/compose.yaml'), 'utf8').replace('    restart: "no"', '    restart: "no"\n    replica_count: 2'));
    const refused = await dclint(broken);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('must NOT have additional properties');
  }, 60_000);

  it('runs three MongoDB members as one replica set, two helpline processes that trust one proxy hop, and Caddy', () => {
    const compose = readFileSync(join(root, 'deploy/compose.yaml'), 'utf8');
    expect(compose).toContain('replicaSet=rs0');
    for (const service of ['mongo1:', 'mongo2:', 'mongo3:', 'app1:', 'app2:', 'caddy:']) expect(compose).toContain(`  ${service}`);
    expect(compose).toContain('TRUST_PROXY: "1"');
    expect(readFileSync(join(root, 'deploy/Caddyfile'), 'utf8')).toMatch(/reverse_proxy app1:3978 app2:3978/);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  it('builds in two stages and runs as a non-root user with a health check', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^FROM \S+ AS build$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(dockerfile).toMatch(/^COPY --from=build /m);
  });
  it('copies only files that exist in the repository', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => match[1]!.split(/\s+/)).filter((source) => source !== '.');
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(join(root, source)), source).toBe(true);
  });
});

describe('npm run topology', () => {
  it('serves from both processes through the proxy, and from the other one when a process dies', async () => {
    topology = await startTopology({ port: 0, mongoUri: inject('mongoUri'), dbName, dataDir: scratch, log: () => {} });
    const base = `http://127.0.0.1:${topology.proxyPort}`;
    const served = new Set<string>();
    for (let index = 0; index < 4; index++) {
      const response = await fetch(`${base}/healthz`);
      expect(response.status).toBe(200);
      served.add(response.headers.get('x-santushti-backend') ?? '');
    }
    expect([...served].sort()).toEqual(['app1', 'app2']);

    // Lose a process (a crash): the health check takes it out, and every request still gets an answer.
    const first = topology.apps[0]!;
    await new Promise<void>((done) => {
      first.once('exit', () => done());
      first.kill('SIGKILL');
    });
    await topology.proxy.checkHealth();
    for (let index = 0; index < 4; index++) {
      const response = await fetch(`${base}/healthz`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-santushti-backend')).toBe('app2');
    }
  }, 120_000);
});
