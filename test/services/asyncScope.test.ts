// Issue 15 (CPU per turn): the scopes that used to be separate AsyncLocalStorage instances (the turn's state scope,
// every KeyedSerialQueue) share one. Each must still behave as its own AsyncLocalStorage did.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AsyncScope } from '../../services/asyncScope.js';
import { KeyedSerialQueue } from '../../services/keyedSerialQueue.js';

describe('AsyncScope', () => {
  it('follows the call across awaits and timers, innermost run wins, and nothing leaks out', async () => {
    const scope = new AsyncScope<string>();
    expect(scope.getStore()).toBeUndefined();
    const seen = await scope.run('outer', async () => {
      const before = scope.getStore();
      await sleep(1);
      const afterAwait = scope.getStore();
      const inner = await scope.run('inner', async () => {
        await Promise.resolve();
        return scope.getStore();
      });
      const fromTimer = await new Promise<string | undefined>((resolve) => setTimeout(() => resolve(scope.getStore()), 1));
      return { before, afterAwait, inner, back: scope.getStore(), fromTimer };
    });
    expect(seen).toEqual({ before: 'outer', afterAwait: 'outer', inner: 'inner', back: 'outer', fromTimer: 'outer' });
    expect(scope.getStore()).toBeUndefined();
  });

  it("keeps scopes apart: one scope's run neither hides nor shows another's value", async () => {
    const a = new AsyncScope<number>();
    const b = new AsyncScope<number>();
    await a.run(1, async () => {
      expect(b.getStore()).toBeUndefined();
      await b.run(2, async () => {
        await sleep(1);
        expect([a.getStore(), b.getStore()]).toEqual([1, 2]);
        await a.run(3, async () => {
          await sleep(1);
          expect([a.getStore(), b.getStore()]).toEqual([3, 2]);
        });
        expect([a.getStore(), b.getStore()]).toEqual([1, 2]);
      });
      expect([a.getStore(), b.getStore()]).toEqual([1, undefined]);
    });
  });

  it('keeps concurrent runs of the same scope apart', async () => {
    const scope = new AsyncScope<number>();
    const results = await Promise.all(
      [5, 1, 3, 2, 4].map((value) =>
        scope.run(value, async () => {
          await sleep(value);
          return scope.getStore();
        }),
      ),
    );
    expect(results).toEqual([5, 1, 3, 2, 4]);
  });

  it('returns what the callback returns, and throws what it throws', () => {
    const scope = new AsyncScope<string>();
    expect(scope.run('x', () => 42)).toBe(42);
    expect(() => scope.run('x', () => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(scope.getStore()).toBeUndefined();
  });
});

describe('KeyedSerialQueue on the shared scope', () => {
  it('still runs one task per key at a time, in order', async () => {
    const queue = new KeyedSerialQueue(10_000, () => undefined);
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
    };
    await Promise.all([queue.run('k', task('a', 5)), queue.run('k', task('b', 1)), queue.run('other', task('c', 1))]);
    expect(log.filter((line) => !line.endsWith('c'))).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(log.indexOf('start c')).toBeLessThan(log.indexOf('end a'));
  });

  it("lets a task await its own key's task (also from inside another queue's task) instead of waiting for itself", async () => {
    const conversations = new KeyedSerialQueue(10_000, () => undefined);
    const senders = new KeyedSerialQueue(10_000, () => undefined);
    const result = await conversations.run('conv-1', () =>
      senders.run('sender-1', async () => {
        await sleep(1);
        // Nested in conversation conv-1 (through the sender queue): runs at once, not after itself.
        const nested = await conversations.run('conv-1', async () => 'nested in conv-1');
        // The sender queue's own key, nested too.
        const sender = await senders.run('sender-1', async () => 'nested in sender-1');
        return [nested, sender];
      }),
    );
    expect(result).toEqual(['nested in conv-1', 'nested in sender-1']);
  });

  it('does not mistake another queue with the same key for its own', async () => {
    const first = new KeyedSerialQueue(10_000, () => undefined);
    const second = new KeyedSerialQueue(10_000, () => undefined);
    const order: string[] = [];
    let releaseHolder!: () => void;
    const held = second.run('same', () => new Promise<void>((resolve) => (releaseHolder = resolve)).then(() => void order.push('holder done')));
    // Inside first's task for key "same", second's "same" is a different line: it must wait for the holder.
    const waiting = first.run('same', () => second.run('same', async () => void order.push('second ran')));
    await sleep(5);
    expect(order).toEqual([]);
    releaseHolder();
    await Promise.all([held, waiting]);
    expect(order).toEqual(['holder done', 'second ran']);
  });
});
