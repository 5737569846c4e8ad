// Backup and restore (issue 16): a backup taken while tickets are being worked restores, into an empty database, every
// ticket with an identical hash chain, every staff account (who can log in), the evidence files and the counters; the
// timers' watch list and the reports are derived again. A restore never merges into a database that has data, and a
// backup cut short is refused.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectModels } from '../../db/database.js';
import { backupOrder } from '../../db/backup.js';
import type { EvidenceRecord } from '../../models/evidenceModel.js';
import { wholeDocument, type Models } from '../../models/index.js';
import { runBackupCommand } from '../../scripts/backup.js';
import { runRestoreCommand } from '../../scripts/restore.js';
import { Directory } from '../../services/directory.js';
import { StaffAuthService } from '../../services/staffAuthService.js';
import { TicketService } from '../../services/ticketService.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { ticketIn } from '../support/ticketFixtures.js';

const { EJSON } = mongoose.mongo.BSON;
const db = useTestDatabase('backup');
const scratch = mkdtempSync(join(tmpdir(), 'santushti-backup-'));
const restoredName = `santushti_test_restored_${randomBytes(3).toString('hex')}`;
let restored: { connection: mongoose.Connection; models: Models };
let service: TicketService;
const numbers: string[] = [];

const io = (dbName: string, lines: string[]) => ({
  out: (line: string) => lines.push(line),
  err: (line: string) => lines.push(line),
  env: { MONGODB_URI: inject('mongoUri'), MONGODB_DB: dbName, DATA_DIR: scratch },
});

async function documentsOf(models: Models, collection: string): Promise<string[]> {
  const documents = await models.tickets.db.collection(collection).find({}, { projection: wholeDocument }).toArray();
  return documents.map((document) => EJSON.stringify(document, { relaxed: false })).sort();
}

beforeAll(async () => {
  const directory = Directory.loadDefault();
  service = new TicketService(db.models, directory);
  for (const status of ['assigned', 'in_progress', 'awaiting_confirmation', 'reopened', 'closed', 'unconfirmed'] as const) {
    numbers.push((await ticketIn(service, status)).ticket._id);
  }
  await new StaffAuthService(db.models, directory).createUser({ username: 'meera', password: 'meera-secret-pass', role: 'supervisor' }, { role: 'system', id: 'test' });
  const evidence: EvidenceRecord = {
    _id: 'evidence_00112233aabbccdd',
    ticketNumber: numbers[0]!,
    filename: 'pole.jpg',
    contentType: 'image/jpeg',
    size: 4,
    sha256: 'a'.repeat(64),
    data: Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
    uploadedBy: { role: 'officer', id: 'je-gomti-nagar-1' },
    uploadedAt: new Date(),
  };
  await db.models.evidence.create(evidence);
  restored = await connectModels(inject('mongoUri'), restoredName);
});

afterAll(async () => {
  await restored?.connection.dropDatabase();
  await restored?.connection.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('npm run backup / npm run restore', () => {
  it('restores every ticket with an identical, verifying chain, the staff accounts, evidence and counters', async () => {
    const file = join(scratch, 'one.jsonl.gz');
    const said: string[] = [];
    expect(await runBackupCommand(['--out', file], io(db.dbName, said)), said.join('\n')).toBe(0);
    expect(said.join('\n')).toContain(`${numbers.length} tickets`);

    const restoredSaid: string[] = [];
    expect(await runRestoreCommand([file], io(restoredName, restoredSaid)), restoredSaid.join('\n')).toBe(0);
    expect(restoredSaid.join('\n')).toContain('Every ticket history verifies');

    for (const collection of ['tickets', 'counters', 'staff_users', 'evidence', 'consumer_index', 'duplicate_guards', 'report_cells']) {
      expect(await documentsOf(restored.models, collection), collection).toEqual(await documentsOf(db.models, collection));
    }
    const restoredService = new TicketService(restored.models, Directory.loadDefault());
    for (const number of numbers) {
      const [before, after] = [await service.get(number), await restoredService.get(number)];
      expect(after.lastEventHash).toBe(before.lastEventHash);
      expect((await restoredService.verify(number)).ok).toBe(true);
    }
    // Tickets with work left (a running clock, an awaited answer, an owed message) are watched again.
    const watchedIn = async (models: Models) => (await models.ticketWatch.find({}, wholeDocument).lean()).map((entry) => entry._id).sort();
    expect(await watchedIn(restored.models)).toEqual(await watchedIn(db.models));
    for (const number of numbers.slice(0, 4)) expect(await watchedIn(restored.models)).toContain(number);
    const login = await new StaffAuthService(restored.models, Directory.loadDefault()).login({ username: 'meera', password: 'meera-secret-pass' }, '127.0.0.1');
    expect(login.user.role).toBe('supervisor');
    // The next ticket number continues after the restored ones.
    const next = (await ticketIn(restoredService, 'assigned')).ticket._id;
    expect(numbers).not.toContain(next);
  }, 120_000);

  it('refuses to restore into a database that has data, and refuses a backup cut short', async () => {
    const file = join(scratch, 'two.jsonl.gz');
    expect(await runBackupCommand(['--out', file], io(db.dbName, []))).toBe(0);
    const said: string[] = [];
    expect(await runRestoreCommand([file], io(db.dbName, said))).toBe(1);
    expect(said.join('\n')).toContain('not empty');

    const lines = gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n');
    const cut = join(scratch, 'cut.jsonl.gz');
    writeFileSync(cut, gzipSync(`${lines.slice(0, 3).join('\n')}\n`));
    const emptyName = `santushti_test_cut_${randomBytes(3).toString('hex')}`;
    const cutSaid: string[] = [];
    expect(await runRestoreCommand([cut], io(emptyName, cutSaid))).toBe(1);
    expect(cutSaid.join('\n')).toContain('cut short');
    const leftover = await connectModels(inject('mongoUri'), emptyName);
    await leftover.connection.dropDatabase();
    await leftover.connection.close();
  }, 60_000);

  it('reads tickets first and the ticket-number counters last', () => {
    const order = backupOrder(db.models);
    expect(order[0]).toBe('tickets');
    expect(order.at(-1)).toBe('counters');
    expect(order).not.toContain('leases');
    expect(order).not.toContain('staff_sessions');
  });
});
