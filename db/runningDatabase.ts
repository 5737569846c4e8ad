// The embedded store is one file that one process at a time may open. The process that opens it (normally `npm start`)
// records the server's address beside the file, so the admin commands (users, reports, backup) can connect to the
// running server instead of failing on the file lock — and open the file themselves when nothing runs.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import mongoose from 'mongoose';

export interface RunningDatabaseRecord {
  uri: string;
  /** The Java process serving the store. */
  pid: number;
  /** The Node process that started it (the helpline, or an admin command). */
  ownerPid: number;
  startedAt: string;
}

/** Where the address of the server holding `dataFile` is kept: beside the file, in the data folder. */
export function addressFileFor(dataFile: string): string {
  return `${dataFile}.address.json`;
}

export function recordRunningDatabase(dataFile: string, record: RunningDatabaseRecord): void {
  // Readable by the owner only: it names a database port that has no password of its own (it listens on 127.0.0.1).
  writeFileSync(addressFileFor(dataFile), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the record only if it is still ours (a later server may have written its own). */
export function forgetRunningDatabase(dataFile: string, pid: number): void {
  const record = readRecord(dataFile);
  if (record && record.pid === pid) rmSync(addressFileFor(dataFile), { force: true });
}

/**
 * The server holding `dataFile`, if one answers at the recorded address. A record left by a process that died
 * (kill -9, power cut) is removed, so the caller can open the file itself.
 */
export async function findRunningDatabase(dataFile: string): Promise<RunningDatabaseRecord | undefined> {
  const record = readRecord(dataFile);
  if (!record) return undefined;
  if (!processAlive(record.pid) || !(await answers(record.uri))) {
    rmSync(addressFileFor(dataFile), { force: true });
    return undefined;
  }
  return record;
}

function readRecord(dataFile: string): RunningDatabaseRecord | undefined {
  let text: string;
  try {
    text = readFileSync(addressFileFor(dataFile), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<RunningDatabaseRecord>;
    // Only a loopback address is ever written; anything else in the file is not ours to connect to.
    if (typeof parsed.uri !== 'string' || !/^mongodb:\/\/127\.0\.0\.1:\d{1,5}$/.test(parsed.uri)) return undefined;
    if (!Number.isInteger(parsed.pid) || !Number.isInteger(parsed.ownerPid)) return undefined;
    return parsed as RunningDatabaseRecord;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function answers(uri: string): Promise<boolean> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 2_000, autoCreate: false, autoIndex: false });
  try {
    await connection.asPromise();
    await connection.db!.admin().ping();
    return true;
  } catch {
    return false;
  } finally {
    await connection.close().catch(() => {});
  }
}
