// Binds the schemas to one connection and creates their collections and indexes at start-up.
import type { Connection, Model, mongo } from 'mongoose';
import { consumerIndexSchema, type ConsumerIndexRecord } from './consumerIndexModel.js';
import { counterSchema, type CounterRecord } from './counterModel.js';
import { duplicateGuardSchema, type DuplicateGuardRecord } from './duplicateGuardModel.js';
import { ticketSchema } from './ticketModel.js';
import type { TicketRecord } from './ticketTypes.js';

export interface Models {
  tickets: Model<TicketRecord>;
  counters: Model<CounterRecord>;
  duplicateGuards: Model<DuplicateGuardRecord>;
  consumerIndex: Model<ConsumerIndexRecord>;
}

/**
 * The projection for reading a whole document. The embedded server deep-copies a document for an exclusion
 * projection while it holds the collection's lock; with no projection it serialises the live stored object after
 * releasing the lock, so a concurrent update can be seen half-applied (measured: findAndModify returning "after"
 * gave 129 distinct values for 200 concurrent $inc). Excluding a field that never exists costs nothing on MongoDB.
 */
export const wholeDocument = { _consistentSnapshot: 0 } as const;

// Mongoose's automatic createCollection racing its own syncIndexes() fails on the embedded server
// ("Document with key … already existed"), so both are off and ensureCollections() does the work, one at a time.
const modelOptions = { autoCreate: false, autoIndex: false } as const;

export function createModels(connection: Connection): Models {
  for (const schema of [ticketSchema, counterSchema, duplicateGuardSchema, consumerIndexSchema]) {
    schema.set('autoCreate', modelOptions.autoCreate);
    schema.set('autoIndex', modelOptions.autoIndex);
  }
  return {
    tickets: connection.model<TicketRecord>('Ticket', ticketSchema, 'tickets'),
    counters: connection.model<CounterRecord>('Counter', counterSchema, 'counters'),
    duplicateGuards: connection.model<DuplicateGuardRecord>('DuplicateGuard', duplicateGuardSchema, 'duplicate_guards'),
    consumerIndex: connection.model<ConsumerIndexRecord>('ConsumerIndex', consumerIndexSchema, 'consumer_index'),
  };
}

/**
 * Creates every collection and declared index. Idempotent, and safe when other processes start at the same moment.
 * Collections are created through createIndex, never the `create` command: on the embedded server `create` checks
 * and creates without holding the database's lock, so concurrent starts corrupted its index catalogue (a later
 * dropDatabase failed with "index not found with name [_id_]"), while createIndexes runs entirely under that lock.
 * On MongoDB, createIndex on `{_id: 1}` creates the collection and is otherwise a no-op.
 */
export async function ensureCollections(models: Models): Promise<void> {
  for (const model of Object.values(models) as Model<unknown>[]) {
    await model.collection.createIndex({ _id: 1 });
    for (const [fields, options] of model.schema.indexes()) {
      await model.collection.createIndex(fields as Record<string, 1 | -1>, options as mongo.CreateIndexesOptions);
    }
  }
}
