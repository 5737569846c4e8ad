// Bot Framework Storage on the project's database: conversation and user state survive restarts, and a write made
// against stale state (another process, or a turn that overlapped) is refused instead of silently overwriting.
// Inside a turn that holds its conversation's document (bot/turnStateScope.ts), the keys that document owns are read
// from it and written back with the turn's one final write: no command of their own.
import { randomBytes } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import { trusted } from 'mongoose';
import { wholeDocument, type Models } from '../models/index.js';
import { turnStateScope, type HeldStateItem, type TurnStateScope } from './turnStateScope.js';

/** State that grows past this is a bug (a transcript kept in state, say); refuse it loudly rather than store it. */
const maxStateBytes = 512 * 1024;

export class StateConflictError extends Error {
  override name = 'StateConflictError';
}

function itemFrom(held: HeldStateItem): Record<string, unknown> {
  return { ...(JSON.parse(held.json) as Record<string, unknown>), eTag: held.eTag };
}

/** The item as stored: its JSON (size-checked) and a new eTag; `expected` is the eTag the writer read, if any. */
function toStored(key: string, item: Record<string, unknown>): { held: HeldStateItem; expected?: string } {
  const { eTag: expected, ...state } = item;
  const json = JSON.stringify(state);
  if (Buffer.byteLength(json, 'utf8') > maxStateBytes) {
    throw new Error(`Bot state for ${key} is over ${maxStateBytes} bytes; refusing to store it.`);
  }
  return { held: { eTag: randomBytes(8).toString('hex'), json }, expected: expected === undefined || expected === '*' ? undefined : String(expected) };
}

/** State that says nothing: `{}`, or properties that are all empty objects (`{"profile":{}}`, a default filled in). */
function isEmptyState(json: string): boolean {
  const isEmpty = (value: unknown): boolean =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((inner) => inner === undefined || isEmpty(inner));
  return isEmpty(JSON.parse(json));
}

export class MongoStorage implements Storage {
  constructor(private readonly models: Pick<Models, 'botState'>) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const scope = turnStateScope.getStore();
    const items: StoreItems = {};
    const fromDatabase: string[] = [];
    for (const key of keys) {
      const held = scope?.owns(key) ? scope.held(key) : undefined;
      if (held === undefined) fromDatabase.push(key);
      else if (held !== null) items[key] = itemFrom(held);
    }
    if (fromDatabase.length === 0) return items;
    const documents = await this.models.botState.find({ _id: trusted({ $in: fromDatabase }) }, wholeDocument).lean();
    const found = new Map(documents.map((document) => [document._id, { eTag: document.eTag, json: document.json }]));
    for (const key of fromDatabase) {
      const held = found.get(key);
      if (held) items[key] = itemFrom(held);
      if (scope?.owns(key)) scope.adopt(key, held ?? null);
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    const scope = turnStateScope.getStore();
    await Promise.all(
      Object.entries(changes).map(([key, item]) =>
        scope?.owns(key) ? this.writeHeld(scope, key, item as Record<string, unknown>) : this.writeOne(key, item as Record<string, unknown>),
      ),
    );
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const scope = turnStateScope.getStore();
    const fromDatabase = keys.filter((key) => !scope?.owns(key) || scope.writesThrough(key));
    for (const key of keys) if (scope?.owns(key)) scope.put(key, null);
    if (fromDatabase.length > 0) await this.models.botState.deleteMany({ _id: trusted({ $in: fromDatabase }) });
  }

  /** A key the turn's document holds: checked against what the turn read, kept for the final write. */
  private async writeHeld(scope: TurnStateScope, key: string, item: Record<string, unknown>): Promise<void> {
    const { held, expected } = toStored(key, item);
    if (expected !== undefined && scope.held(key)?.eTag !== expected) {
      throw new StateConflictError(`Bot state for ${key} changed since it was read (eTag ${expected}).`);
    }
    // Nothing changed (botbuilder writes state whose hash moved, which a default it filled in on first use does):
    // no write at all for the same JSON, and no write-through for an empty item where there was none.
    const before = scope.held(key);
    if (before && before.json === held.json) return;
    // State shared with the user's other conversations goes to its own document too (only when it changed),
    // unconditionally: the turn's document was the copy the eTag was checked against.
    if (scope.writesThrough(key) && !(before === null && isEmptyState(held.json))) {
      await this.models.botState.updateOne({ _id: key }, { $set: { ...held, updatedAt: new Date() } }, { upsert: true });
    }
    scope.put(key, held);
  }

  private async writeOne(key: string, item: Record<string, unknown>): Promise<void> {
    const { held, expected } = toStored(key, item);
    const next = { ...held, updatedAt: new Date() };
    // "*" or no eTag: last writer wins, as the Storage contract says.
    if (expected === undefined) {
      await this.models.botState.updateOne({ _id: key }, { $set: next }, { upsert: true });
      return;
    }
    const { matchedCount } = await this.models.botState.updateOne({ _id: key, eTag: expected }, { $set: next });
    if (matchedCount === 0) {
      throw new StateConflictError(`Bot state for ${key} changed since it was read (eTag ${expected}).`);
    }
  }
}
