// The embedded database as the rest of the project relies on it: durable, loopback-only, tied to its parent,
// honest about what is missing, and safe to start from two processes at once.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Binary, Long, MongoClient, ObjectId } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectModels } from '../../db/database.js';
import { ensureLauncherCompiled, startEmbeddedMongo } from '../../db/embeddedMongo.js';
import { Directory } from '../../services/directory.js';
import { TicketService } from '../../services/ticketService.js';
import { complaintFor, newConsumer, officer } from '../support/ticketFixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'santushti-db-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilDead(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
}

describe('durability', () => {
  it('every acknowledged write survives kill -9 of the database process', async () => {
    const dataFile = join(scratch, 'crash.mv');
    const first = await startEmbeddedMongo({ dataFile, maxHeap: '256m' });
    const { connection, models } = await connectModels(first.uri, 'durability');
    const service = new TicketService(models, Directory.loadDefault());

    await Promise.all(Array.from({ length: 200 }, (_, index) => models.counters.create({ _id: `ack-${index}`, seq: index })));
    const consumer = newConsumer();
    const { ticket } = await service.register(complaintFor(consumer), consumer.actor);
    await service.startWork(ticket._id, officer, { note: 'on site' });

    await first.kill();
    expect(await waitUntilDead(first.pid, 5_000)).toBe(true);
    await connection.close(true);

    const second = await startEmbeddedMongo({ dataFile, maxHeap: '256m' });
    try {
      const reopened = await connectModels(second.uri, 'durability');
      expect(await reopened.models.counters.countDocuments({ _id: /^ack-/ })).toBe(200);
      const afterCrash = new TicketService(reopened.models, Directory.loadDefault());
      expect((await afterCrash.get(ticket._id)).status).toBe('in_progress');
      expect(await afterCrash.verify(ticket._id)).toEqual({ ok: true, events: 3 });
      await reopened.connection.close();
    } finally {
      await second.stop();
    }
  });
});

describe('the store format', () => {
  // Documents of every BSON type the server keeps, and a compound unique index, as the collections hold them.
  const kinds = () => ({
    _id: 'kinds',
    text: 'बिजली नहीं है — bijli nahi hai',
    int: 7,
    long: 2n ** 40n,
    double: 2.5,
    flag: true,
    none: null,
    when: new Date('2026-12-04T10:00:00.123Z'),
    oid: new ObjectId('65a1b2c3d4e5f60718293a4b'),
    bytes: new Binary(Buffer.from([0, 1, 2, 255])),
    nested: { list: [1, 'two', { three: 3 }], empty: {} },
  });

  async function roundTrip(uri: string, write: boolean): Promise<void> {
    const client = await MongoClient.connect(uri);
    try {
      const collection = client.db('format').collection<{ _id: string; [key: string]: unknown }>('kinds');
      if (write) {
        await collection.createIndex({ area: 1, seq: 1 }, { unique: true });
        await collection.insertOne(kinds());
        await collection.insertMany(Array.from({ length: 50 }, (_, seq) => ({ _id: `row-${seq}`, area: seq % 2 ? 'gomti' : 'alambagh', seq })));
      }
      expect(await collection.findOne({ _id: 'kinds' }, { promoteLongs: false })).toEqual({ ...kinds(), long: Long.fromBigInt(2n ** 40n) });
      expect(await collection.countDocuments({ _id: /^row-/ })).toBe(50);
      expect(await collection.findOne({ area: 'gomti', seq: 7 })).toMatchObject({ _id: 'row-7' });
      await expect(collection.insertOne({ _id: `again-${write}`, area: 'gomti', seq: 7 })).rejects.toThrow(/duplicate key/i);
    } finally {
      await client.close();
    }
  }

  it('keeps every value type and unique index across a kill -9, in the BSON format', async () => {
    const dataFile = join(scratch, 'format-bson.mv');
    const first = await startEmbeddedMongo({ dataFile, maxHeap: '128m' });
    await roundTrip(first.uri, true);
    await first.kill();
    const second = await startEmbeddedMongo({ dataFile, maxHeap: '128m' });
    try {
      await roundTrip(second.uri, false);
    } finally {
      await second.stop();
    }
    // The store says which format it was created in (db/Launcher.java, STORE_FORMAT).
    expect(readFileSync(dataFile).includes('santushti.format')).toBe(true);
  });

  it('still opens a store written by older launchers (Java-serialised), and keeps it in that format', async () => {
    const dataFile = join(scratch, 'format-java.mv');
    const old = await startEmbeddedMongo({ dataFile, maxHeap: '128m', javaOptions: ['-Dsantushti.javaSerialisation=true'] });
    await roundTrip(old.uri, true);
    await old.stop();
    const reopened = await startEmbeddedMongo({ dataFile, maxHeap: '128m' });
    try {
      await roundTrip(reopened.uri, false);
    } finally {
      await reopened.stop();
    }
    expect(readFileSync(dataFile).includes('santushti.format')).toBe(false);
  });
});

describe('the server process', () => {
  it('speaks a wire version the driver accepts, and listens on 127.0.0.1 only', async () => {
    const server = await startEmbeddedMongo({ maxHeap: '128m' });
    try {
      expect(server.uri).toBe(`mongodb://127.0.0.1:${server.port}`);
      const { connection } = await connectModels(server.uri, 'hello');
      const handshake = await connection.db!.admin().command({ isMaster: 1 });
      expect(handshake.maxWireVersion).toBeGreaterThanOrEqual(9);
      const build = await connection.db!.admin().command({ buildInfo: 1 });
      expect(build.version).toBe('6.0.0');
      await connection.close();

      // Every socket listening on the port, IPv4 and IPv6, must be loopback (127.0.0.1, or it mapped into IPv6).
      const portHex = server.port.toString(16).toUpperCase().padStart(4, '0');
      const listening = ['/proc/net/tcp', '/proc/net/tcp6']
        .flatMap((table) => readFileSync(table, 'utf8').split('\n').slice(1))
        .map((line) => line.trim().split(/\s+/))
        .filter((fields) => fields[1]?.endsWith(`:${portHex}`) && fields[3] === '0A')
        .map((fields) => fields[1]!.split(':')[0]);
      expect(listening.length).toBeGreaterThan(0);
      for (const address of listening) expect(['0100007F', '0000000000000000FFFF00000100007F']).toContain(address);

      // It runs the launcher compiled once, not the source file: java compiling Launcher.java itself at every start
      // kept the compiler resident (~55 MB more RSS).
      const commandLine = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0');
      expect(commandLine).toContain('Launcher');
      expect(commandLine.some((argument) => argument.endsWith('Launcher.java'))).toBe(false);
      expect(ensureLauncherCompiled()).toBe(ensureLauncherCompiled());
    } finally {
      await server.stop();
    }
  });

  it('stops when the process that started it dies, even by kill -9', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', "import('./db/embeddedMongo.ts').then(async (m) => { const s = await m.startEmbeddedMongo({ maxHeap: '128m' }); console.log('PID ' + s.pid); setInterval(() => {}, 1000); })"],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const javaPid = await new Promise<number>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /PID (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', () => reject(new Error(`child exited early: ${output}`)));
    });
    expect(isAlive(javaPid)).toBe(true);
    child.kill('SIGKILL');
    expect(await waitUntilDead(javaPid, 10_000)).toBe(true);
  });

  it('says exactly what to install or set when Java is missing', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', "import('./db/embeddedMongo.ts').then((m) => m.startEmbeddedMongo()).catch((e) => { console.log(e.message); process.exit(3); })"],
      { cwd: process.cwd(), env: { ...process.env, PATH: '/nonexistent' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(3);
    expect(output).toContain('Java is not installed');
    expect(output).toContain('MONGODB_URI');
    expect(output).toContain('apt-get install -y openjdk-17-jdk-headless maven');
  });
});

describe('start-up from two processes at once', () => {
  it('creates collections and indexes once, and neither start fails', async () => {
    const uri = inject('mongoUri');
    for (let round = 0; round < 5; round++) {
      const dbName = `santushti_test_parallel_starts_${Date.now()}_${round}`;
      const starts = await Promise.all([1, 2, 3, 4].map(() => connectModels(uri, dbName)));
      const indexes = await starts[0]!.models.tickets.collection.indexes();
      expect(indexes.map((index) => index.name).sort()).toEqual(['_id_', 'id_rev_unique']);
      await starts[1]!.models.counters.create({ _id: 'after-parallel-start', seq: 1 });
      // The embedded server's catalogue was corrupted by parallel `create` commands; dropping proves it is whole.
      await starts[0]!.connection.dropDatabase();
      await Promise.all(starts.map((start) => start.connection.close()));
    }
  });
});
