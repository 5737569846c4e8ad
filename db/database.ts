// One way to reach the database: MONGODB_URI when given, otherwise the embedded server this process starts.
import mongoose, { type Connection } from 'mongoose';
import { createModels, ensureCollections, type Models } from '../models/index.js';
import { EmbeddedDatabaseError, startEmbeddedMongo, type EmbeddedMongo } from './embeddedMongo.js';
import { findRunningDatabase, forgetRunningDatabase, recordRunningDatabase, type RunningDatabaseRecord } from './runningDatabase.js';

// Defence in depth behind the schema validation at the edges: a filter value like {"$ne": null} that slipped
// through would be wrapped in $eq instead of running as an operator.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

export interface DatabaseOptions {
  /** A MongoDB connection string; when absent the embedded server is started. */
  uri?: string;
  dbName: string;
  /** For the embedded server: its store file (omit for in-memory) and heap cap. */
  dataFile?: string;
  maxHeap?: string;
  /**
   * When another process already serves `dataFile` (its address is recorded beside the file): `attach` connects to it
   * (the admin commands, beside a running helpline), `refuse` stops with a clear message (a second `npm start`).
   */
  whenRunning?: 'attach' | 'refuse';
  /** Where the embedded server's warnings go (the helpline's logger). */
  log?: (line: string) => void;
}

export interface Database {
  readonly connection: Connection;
  readonly models: Models;
  /** Present when this process started the embedded server. */
  readonly embedded?: EmbeddedMongo;
  /** Present when another process serves the embedded store and this one connected to it. */
  readonly attached?: RunningDatabaseRecord;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Emit the driver's command events (tests and benchmarks count database round trips with them). */
  monitorCommands?: boolean;
}

export async function connectModels(uri: string, dbName: string, options: ConnectOptions = {}): Promise<{ connection: Connection; models: Models }> {
  const connection = mongoose.createConnection(uri, {
    dbName,
    monitorCommands: options.monitorCommands ?? false,
    autoCreate: false,
    autoIndex: false,
    // Fail fast instead of queueing operations forever while the database is unreachable.
    bufferCommands: false,
    serverSelectionTimeoutMS: 10_000,
  });
  await connection.asPromise();
  const models = createModels(connection);
  await ensureCollections(models);
  return { connection, models };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (!options.uri && options.dataFile) {
    const running = await findRunningDatabase(options.dataFile);
    if (running && options.whenRunning === 'attach') {
      const { connection, models } = await connectModels(running.uri, options.dbName);
      return { connection, models, attached: running, close: () => connection.close() };
    }
    if (running) {
      throw new EmbeddedDatabaseError(
        `The embedded store ${options.dataFile} is already served by another process (pid ${running.ownerPid}, since ${running.startedAt}). ` +
          'Stop it first, or give this one a data folder of its own (DATA_DIR).',
      );
    }
  }
  let embedded: EmbeddedMongo | undefined;
  let uri = options.uri;
  if (!uri) {
    embedded = await startEmbeddedMongo({ dataFile: options.dataFile, maxHeap: options.maxHeap, onLog: options.log });
    uri = embedded.uri;
    if (options.dataFile) recordRunningDatabase(options.dataFile, { uri, pid: embedded.pid, ownerPid: process.pid, startedAt: new Date().toISOString() });
  }
  const stopEmbedded = async () => {
    if (!embedded) return;
    if (options.dataFile) forgetRunningDatabase(options.dataFile, embedded.pid);
    await embedded.stop();
  };
  try {
    const { connection, models } = await connectModels(uri, options.dbName);
    return {
      connection,
      models,
      embedded,
      async close() {
        await connection.close();
        await stopEmbedded();
      },
    };
  } catch (error) {
    await stopEmbedded();
    throw error;
  }
}

/** The database the configuration names: `npm start` and the admin commands open the same one. */
/** The settings this needs (server/config.ts provides them; db/ does not import the server's configuration). */
export interface DatabaseSettings {
  MONGODB_URI?: string;
  MONGODB_DB: string;
  embeddedDbFile: string;
  EMBEDDED_DB_MAX_HEAP: string;
}

export function openConfiguredDatabase(
  config: DatabaseSettings,
  whenRunning: DatabaseOptions['whenRunning'] = 'refuse',
  log?: (line: string) => void,
): Promise<Database> {
  return openDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB, dataFile: config.embeddedDbFile, maxHeap: config.EMBEDDED_DB_MAX_HEAP, whenRunning, log });
}
