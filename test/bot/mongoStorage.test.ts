// Bot state on the real database: round trips, eTag conflicts, and state that would break a document store.
import { beforeAll, describe, expect, it } from 'vitest';
import { MongoStorage, StateConflictError } from '../../bot/mongoStorage.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('botstorage');
let storage: MongoStorage;

beforeAll(() => {
  storage = new MongoStorage(db.models);
});

describe('MongoStorage', () => {
  it('stores and reads back state with keys a document store dislikes', async () => {
    const state = { 'a.b': 1, $weird: { 'x.y': ['हिंदी', '👍'] }, dialogStack: [{ id: 'root', state: { asking: 'place' } }] };
    await storage.write({ 'webchat/conversations/c1': state });
    const read = await storage.read(['webchat/conversations/c1', 'missing']);
    expect(Object.keys(read)).toEqual(['webchat/conversations/c1']);
    expect(read['webchat/conversations/c1']).toMatchObject(state);
    expect(typeof read['webchat/conversations/c1']!.eTag).toBe('string');
  });

  it('refuses a write made against stale state, and accepts one against the current eTag', async () => {
    await storage.write({ k: { step: 1 } });
    const first = (await storage.read(['k']))['k']!;
    await storage.write({ k: { ...first, step: 2 } });
    await expect(storage.write({ k: { ...first, step: 3 } })).rejects.toBeInstanceOf(StateConflictError);
    const current = (await storage.read(['k']))['k']!;
    expect(current.step).toBe(2);
    await storage.write({ k: { ...current, step: 4 } });
    expect((await storage.read(['k']))['k']!.step).toBe(4);
  });

  it('of two concurrent writers from the same read, exactly one wins', async () => {
    await storage.write({ race: { n: 0 } });
    const base = (await storage.read(['race']))['race']!;
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, index) => storage.write({ race: { ...base, n: index + 1 } })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it('"*" overwrites unconditionally, and delete removes', async () => {
    await storage.write({ star: { v: 1 } });
    await storage.write({ star: { v: 2, eTag: '*' } });
    expect((await storage.read(['star']))['star']!.v).toBe(2);
    await storage.delete(['star']);
    expect(await storage.read(['star'])).toEqual({});
  });

  it('refuses oversized state instead of storing it', async () => {
    await expect(storage.write({ big: { blob: 'x'.repeat(600 * 1024) } })).rejects.toThrow(/over 524288 bytes/);
  });
});
