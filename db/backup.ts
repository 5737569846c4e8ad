// A logical backup of every collection the helpline declares, as gzip-compressed Extended JSON lines (types kept:
// dates, binary evidence files), taken while the helpline runs; and its restore into an empty database.
//
// Consistency without transactions (neither the embedded server nor a standalone MongoDB has a snapshot across
// collections): each document is read whole (a projection, so the embedded server never hands back a half-written
// one), and the collections are read in an order that keeps every reference in the backup pointing at something
// that is in it, or at least never behind it:
//   1. tickets first — a ticket is self-contained (state, whole hash-chained history, owed effects);
//   2. then everything else (evidence files, staff, indexes over tickets, report documents…): read after the tickets,
//      each holds at least what the backed-up tickets refer to;
//   3. the ticket-number counters last, so a restored counter is never behind a restored ticket's number.
// What may lag (an index entry or report cell for a ticket changed after it was read) is derived from the tickets,
// and `npm run restore` derives it again (scripts/restore.ts). Leases and staff sessions are not kept: they are
// moments, not records (staff log in again after a restore).
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import mongoose, { type Connection, type Model } from 'mongoose';
import { wholeDocument, type Models } from '../models/index.js';

const { EJSON } = mongoose.mongo.BSON;

export const BACKUP_FORMAT = 'santushti-backup/1';
const notKept = new Set(['leases', 'staff_sessions']);
const readFirst = 'tickets';
const readLast = 'counters';

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  /** Documents per collection, in the order they were written. */
  collections: Record<string, number>;
}

/** The collections a backup holds, in the order it reads them. */
export function backupOrder(models: Models): string[] {
  const names = [...new Set((Object.values(models) as Model<unknown>[]).map((model) => model.collection.name))].filter((name) => !notKept.has(name));
  const middle = names.filter((name) => name !== readFirst && name !== readLast).sort();
  return [readFirst, ...middle, readLast].filter((name) => names.includes(name));
}

/** Writes the backup to `file`; returns its header (document counts). */
export async function writeBackup(connection: Connection, models: Models, file: string, now: () => Date = () => new Date()): Promise<BackupHeader> {
  const collections: Record<string, number> = {};
  const order = backupOrder(models);
  async function* lines(): AsyncGenerator<string> {
    for (const name of order) {
      collections[name] = 0;
      const cursor = connection.db!.collection(name).find({}, { projection: wholeDocument, batchSize: 500 });
      for await (const document of cursor) {
        collections[name] += 1;
        yield `${EJSON.stringify({ c: name, d: document }, { relaxed: false })}\n`;
      }
    }
    // The header goes last (the counts are known only now); restore reads it first from its own line at the end.
    yield `${JSON.stringify({ format: BACKUP_FORMAT, createdAt: now().toISOString(), collections } satisfies BackupHeader)}\n`;
  }
  await pipeline(Readable.from(lines()), createGzip(), createWriteStream(file, { mode: 0o600 }));
  return { format: BACKUP_FORMAT, createdAt: now().toISOString(), collections };
}

export class BackupError extends Error {
  override name = 'BackupError';
}

/**
 * Loads a backup into a database with no documents (refused otherwise: a restore never merges into live data).
 * Returns the header; the counts it names are checked against what was read, so a truncated file is an error.
 */
export async function restoreBackup(connection: Connection, models: Models, file: string, batchSize = 500): Promise<BackupHeader> {
  const known = new Set(backupOrder(models));
  for (const name of known) {
    if ((await connection.db!.collection(name).estimatedDocumentCount()) > 0) {
      throw new BackupError(`The database is not empty (collection ${name} has documents): restore only into an empty data folder or database.`);
    }
  }
  const input = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  const read: Record<string, number> = {};
  let header: BackupHeader | undefined;
  let batch: { name: string; documents: Record<string, unknown>[] } | undefined;
  const flush = async () => {
    if (batch && batch.documents.length > 0) await connection.db!.collection(batch.name).insertMany(batch.documents, { ordered: true });
    batch = undefined;
  };
  try {
    for await (const line of input) {
      if (!line) continue;
      if (header) throw new BackupError('The backup has lines after its header: it is not a Santushti backup, or it was damaged.');
      if (line.startsWith('{"format"')) {
        header = JSON.parse(line) as BackupHeader;
        continue;
      }
      const { c: name, d: document } = EJSON.parse(line, { relaxed: false }) as { c: string; d: Record<string, unknown> };
      if (!known.has(name)) throw new BackupError(`The backup holds an unknown collection "${name}".`);
      if (batch?.name !== name || batch.documents.length >= batchSize) {
        await flush();
        batch = { name, documents: [] };
      }
      batch.documents.push(document);
      read[name] = (read[name] ?? 0) + 1;
    }
    await flush();
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`The backup could not be read: ${(error as Error).message}`);
  }
  if (!header || header.format !== BACKUP_FORMAT) throw new BackupError('The backup ends without its header: it was cut short, or it is not a Santushti backup.');
  for (const [name, count] of Object.entries(header.collections)) {
    if ((read[name] ?? 0) !== count) throw new BackupError(`The backup is incomplete: ${name} should have ${count} documents, ${read[name] ?? 0} were read.`);
  }
  return header;
}
