// Leases across processes, on the real database: one holder at a time, expiry lets the next one in, renewal keeps it.
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, expect, it } from 'vitest';
import { LeaseBusyError, Leases } from '../../services/leases.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('leases');
let leases: Leases[];

beforeAll(() => {
  // As if in separate processes: each its own holder name.
  leases = Array.from({ length: 20 }, (_, index) => new Leases(db.models, `process-${index}`));
});

it('gives a free lease to exactly one of many racing takers', async () => {
  const taken = await Promise.all(leases.map((lease) => lease.tryAcquire('race:one', 5_000)));
  expect(taken.filter(Boolean)).toHaveLength(1);
});

it('lets the next taker in once the holder releases, or once an unrenewed lease expires', async () => {
  const first = await leases[0]!.tryAcquire('race:expiry', 300);
  expect(first).toBeDefined();
  expect(await leases[1]!.tryAcquire('race:expiry', 300)).toBeUndefined();
  await sleep(350);
  const second = await leases[1]!.tryAcquire('race:expiry', 5_000);
  expect(second).toBeDefined();
  // The first holder lost it: it can neither renew nor release the second holder's lease.
  expect(await leases[0]!.renew(first!, 5_000)).toBe(false);
  await leases[0]!.release(first!);
  expect(await leases[2]!.tryAcquire('race:expiry', 5_000)).toBeUndefined();
  await leases[1]!.release(second!);
  expect(await leases[2]!.tryAcquire('race:expiry', 5_000)).toBeDefined();
});

it('runs holdWhile tasks one at a time, renews a long task past its TTL, and refuses a waiter that gives up', async () => {
  let running = 0;
  let most = 0;
  const task = async () => {
    running++;
    most = Math.max(most, running);
    await sleep(30);
    running--;
  };
  await Promise.all(leases.slice(0, 5).map((lease) => lease.holdWhile('race:hold', { ttlMs: 2_000, waitMs: 10_000 }, task)));
  expect(most).toBe(1);

  // 600 ms of work under a 200 ms lease: renewed, so an impatient taker is refused throughout.
  const long = leases[0]!.holdWhile('race:long', { ttlMs: 200, waitMs: 0 }, () => sleep(600));
  await sleep(350);
  await expect(leases[1]!.holdWhile('race:long', { ttlMs: 200, waitMs: 100 }, async () => 'never')).rejects.toBeInstanceOf(LeaseBusyError);
  await long;
  expect(await leases[1]!.holdWhile('race:long', { ttlMs: 200, waitMs: 100 }, async () => 'after')).toBe('after');
});
