// Bot Framework Storage on the project's database: conversation and user state survive restarts, and a write made
// against stale state (another process, or a turn that overlapped) is refused instead of silently overwriting.
import { randomBytes } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import { trusted } from 'mongoose';
import { wholeDocument, type Models } from '../models/index.js';

/** State that grows past this is a bug (a transcript kept in state, say); refuse it loudly rather than store it. */
const maxStateBytes = 512 * 1024;

export class StateConflictError extends Error {
  override name = 'StateConflictError';
}

export class MongoStorage implements Storage {
  constructor(private readonly models: Pick<Models, 'botState'>) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const documents = await this.models.botState.find({ _id: trusted({ $in: keys }) }, wholeDocument).lean();
    const items: StoreItems = {};
    for (const document of documents) {
      items[document._id] = { ...(JSON.parse(document.json) as Record<string, unknown>), eTag: document.eTag };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await Promise.all(Object.entries(changes).map(([key, item]) => this.writeOne(key, item as Record<string, unknown>)));
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.models.botState.deleteMany({ _id: trusted({ $in: keys }) });
  }

  private async writeOne(key: string, item: Record<string, unknown>): Promise<void> {
    const { eTag: expected, ...state } = item;
    const json = JSON.stringify(state);
    if (Buffer.byteLength(json, 'utf8') > maxStateBytes) {
      throw new Error(`Bot state for ${key} is over ${maxStateBytes} bytes; refusing to store it.`);
    }
    const next = { eTag: randomBytes(8).toString('hex'), json, updatedAt: new Date() };
    // "*" or no eTag: last writer wins, as the Storage contract says.
    if (expected === undefined || expected === '*') {
      await this.models.botState.updateOne({ _id: key }, { $set: next }, { upsert: true });
      return;
    }
    const { matchedCount } = await this.models.botState.updateOne({ _id: key, eTag: expected as string }, { $set: next });
    if (matchedCount === 0) {
      throw new StateConflictError(`Bot state for ${key} changed since it was read (eTag ${String(expected)}).`);
    }
  }
}
