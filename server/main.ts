// `npm start`: the database (embedded unless MONGODB_URI is set), the services, and the HTTP server.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '../db/database.js';
import { EmbeddedDatabaseError } from '../db/embeddedMongo.js';
import { Directory } from '../services/directory.js';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  const directory = config.DIRECTORY_FILE ? Directory.fromFile(config.DIRECTORY_FILE) : Directory.loadDefault();

  const startedAt = Date.now();
  const database = await openDatabase({
    uri: config.MONGODB_URI,
    dbName: config.MONGODB_DB,
    dataFile: config.embeddedDbFile,
    maxHeap: config.EMBEDDED_DB_MAX_HEAP,
  });
  console.log(
    database.embedded
      ? `[santushti] embedded database ready in ${Date.now() - startedAt} ms (store ${config.embeddedDbFile})`
      : '[santushti] connected to MONGODB_URI',
  );
  console.log(`[santushti] directory: ${directory.localities().length} localities`);

  const app = createApp({ connection: database.connection });
  const server = app.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  console.log(`[santushti] listening on http://${config.HOST}:${port} (health: /healthz)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[santushti] ${signal}: stopping`);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof EmbeddedDatabaseError) {
    console.error(`[santushti] ${error.message}`);
  } else {
    console.error('[santushti] failed to start', error);
  }
  process.exit(1);
});
