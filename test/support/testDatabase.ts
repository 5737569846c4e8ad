// A database of this test file's own on the run's shared server, dropped when the file is done.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { connectModels } from '../../db/database.js';
import type { Models } from '../../models/index.js';
import type { Connection } from 'mongoose';

export interface TestDatabase {
  readonly models: Models;
  readonly connection: Connection;
  readonly uri: string;
  readonly dbName: string;
}

/** Call at the top of a test file; the returned object is filled in before the first test runs. */
export function useTestDatabase(label: string): TestDatabase {
  const dbName = `santushti_test_${label.replace(/[^a-z0-9]+/gi, '_').slice(0, 30)}_${randomBytes(3).toString('hex')}`;
  const handle = { dbName, uri: inject('mongoUri') } as { -readonly [K in keyof TestDatabase]: TestDatabase[K] };
  beforeAll(async () => {
    const { connection, models } = await connectModels(handle.uri, dbName, { monitorCommands: true });
    handle.connection = connection;
    handle.models = models;
  });
  afterAll(async () => {
    if (!handle.connection) return;
    await handle.connection.dropDatabase();
    await handle.connection.close();
  });
  return handle;
}
