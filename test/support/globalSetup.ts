// One database server per test run: MONGODB_URI when given (the same suite on real MongoDB), otherwise the
// embedded server on a fresh temporary store file. Each test file then works in a database of its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedMongo } from '../../db/embeddedMongo.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const externalUri = process.env.MONGODB_URI;
  if (externalUri) {
    project.provide('mongoUri', externalUri);
    return async () => {};
  }
  const folder = mkdtempSync(join(tmpdir(), 'santushti-test-db-'));
  const server = await startEmbeddedMongo({ dataFile: join(folder, 'test.mv'), maxHeap: '512m' });
  project.provide('mongoUri', server.uri);
  return async () => {
    await server.stop();
    rmSync(folder, { recursive: true, force: true });
  };
}
