// Claims on the real database: one winner among racing claimants, takeover only once a claim expired (and by one
// taker), a completed claim answers repeats with its result, release frees it, a waiter gets it once it is free.
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { Claims, type ClaimShape, type ClaimVerdict } from '../../services/claims.js';
import type { DirectLineDedupeRecord } from '../../models/directLineModels.js';
import type { WhatsAppCloudSendRecord } from '../../models/whatsAppCloudModels.js';
import type { LeaseRecord } from '../../models/leaseModel.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('claims');
const expiring: ClaimShape = { owner: 'token', time: 'expiresAt', timeMeans: 'expiresAt' };
const stamped: ClaimShape = { owner: 'claim', time: 'claimedAt', timeMeans: 'claimedAt' };
const leaseClaims = () => new Claims<LeaseRecord>(db.models.leases, expiring);
const sendClaims = () => new Claims<DirectLineDedupeRecord>(db.models.directLineDedupe, stamped);
const holder = { holder: 'test' };

it('gives a fresh claim to exactly one of twenty racing claimants; the others see it busy', async () => {
  const outcomes = await Promise.all(Array.from({ length: 20 }, () => leaseClaims().claim('race:fresh', { ttlMs: 5_000, fields: holder })));
  expect(outcomes.filter((outcome) => outcome.status === 'claimed')).toHaveLength(1);
  expect(outcomes.filter((outcome) => outcome.status === 'busy')).toHaveLength(19);
});

it('lets exactly one of many racers take over an expired claim, and the old holder can then neither renew nor release it', async () => {
  const claims = leaseClaims();
  const first = await claims.claim('race:expiry', { ttlMs: 200, fields: holder });
  expect(first.status).toBe('claimed');
  if (first.status !== 'claimed') return;
  expect((await claims.claim('race:expiry', { ttlMs: 200, fields: holder })).status).toBe('busy');
  await sleep(250);
  const racers = await Promise.all(Array.from({ length: 10 }, () => leaseClaims().claim('race:expiry', { ttlMs: 5_000, fields: holder })));
  const winners = racers.filter((outcome) => outcome.status === 'claimed');
  expect(winners).toHaveLength(1);
  // The winner learns whose claim it took over.
  expect(winners[0]!.status === 'claimed' && winners[0]!.takenOver?.token).toBe(first.claim.owner);
  expect(await claims.renew(first.claim, 5_000)).toBe(false);
  await claims.release(first.claim);
  expect((await claims.claim('race:expiry', { ttlMs: 5_000, fields: holder })).status).toBe('busy');
});

it('answers repeats of completed work with its result, frees released work at once, and keeps progress across an expireNow', async () => {
  const claims = sendClaims();
  const isDone = (record: DirectLineDedupeRecord, expired: boolean): ClaimVerdict => (record.activityId ? 'done' : expired ? 'take' : 'busy');
  const first = await claims.claim('conv:done', { ttlMs: 30_000, judge: isDone, projection: { activityId: 1 }, readFirst: true });
  if (first.status !== 'claimed') throw new Error('first claim refused');
  expect(await claims.complete(first.claim, { activityId: 'conv:0000000001' })).toBe(true);
  const repeats = await Promise.all(Array.from({ length: 5 }, () => claims.claim('conv:done', { ttlMs: 30_000, judge: isDone, projection: { activityId: 1 } })));
  expect(repeats.map((outcome) => outcome.status === 'done' && outcome.record.activityId)).toEqual(Array(5).fill('conv:0000000001'));

  const released = await claims.claim('conv:released', { ttlMs: 30_000 });
  if (released.status !== 'claimed') throw new Error('claim refused');
  await claims.release(released.claim);
  expect((await claims.claim('conv:released', { ttlMs: 30_000 })).status).toBe('claimed');

  // A failed attempt keeps its document (and what it recorded) but lets the retry take over at once.
  const sends = new Claims<WhatsAppCloudSendRecord>(db.models.whatsAppCloudSends, stamped);
  const failed = await sends.claim('send:failed', { ttlMs: 30_000, fields: { wamids: [] } });
  if (failed.status !== 'claimed') throw new Error('claim refused');
  expect(await sends.update(failed.claim, { $push: { wamids: 'wamid.1' } })).toBe(true);
  expect(await sends.expireNow(failed.claim)).toBe(true);
  const retried = await sends.claim('send:failed', { ttlMs: 30_000, projection: { wamids: 1 } });
  expect(retried.status === 'claimed' && retried.takenOver).toMatchObject({ claim: failed.claim.owner, wamids: ['wamid.1'] });
  expect(await sends.update(failed.claim, { $push: { wamids: 'wamid.2' } })).toBe(false);
});

it('claimWaiting gets a claim once its holder releases it, and reports busy when the wait runs out', async () => {
  const claims = leaseClaims();
  const held = await claims.claim('race:wait', { ttlMs: 5_000, fields: holder });
  if (held.status !== 'claimed') throw new Error('claim refused');
  const impatient = await claims.claimWaiting('race:wait', { ttlMs: 5_000, fields: holder, waitMs: 100 });
  expect(impatient.status).toBe('busy');
  const patient = claims.claimWaiting('race:wait', { ttlMs: 5_000, fields: holder, waitMs: 5_000 });
  await sleep(150);
  await claims.release(held.claim);
  expect((await patient).status).toBe('claimed');
});

it('takes a claim over on the judge\'s word alone (a duplicate key whose ticket was closed), one taker only', async () => {
  const guards = new Claims<{ ticketNumber: string }>(db.models.duplicateGuards, { owner: 'ticketNumber', time: 'createdAt', timeMeans: 'claimedAt' });
  expect((await guards.claim('guard:1', { ttlMs: 60_000, owner: 'UP-1' })).status).toBe('claimed');
  const closed = new Set(['UP-1']);
  const judge = (record: { ticketNumber: string }) => (closed.has(record.ticketNumber) ? 'take' : 'done') as 'take' | 'done';
  const racers = await Promise.all(['UP-2', 'UP-3', 'UP-4'].map((owner) => guards.claim('guard:1', { ttlMs: 60_000, owner, judge, projection: { ticketNumber: 1 } })));
  const winners = racers.filter((outcome) => outcome.status === 'claimed');
  expect(winners).toHaveLength(1);
  // The losers found the winner's (open) ticket standing.
  const winner = winners[0]!.status === 'claimed' ? winners[0]!.claim.owner : '';
  for (const outcome of racers.filter((each) => each.status !== 'claimed')) {
    expect(outcome.status === 'done' && outcome.record.ticketNumber).toBe(winner);
  }
});

it('claims many fresh ids in one round trip, leaving out the ones already held, and releases them together', async () => {
  const claims = leaseClaims();
  const held = await claims.claim('many:2', { ttlMs: 5_000, fields: holder });
  expect(held.status).toBe('claimed');
  const got = await claims.claimFresh(['many:1', 'many:2', 'many:3'], { ttlMs: 5_000, fields: holder });
  expect(got.map((claim) => claim.id)).toEqual(['many:1', 'many:3']);
  // Racing batches: every id goes to exactly one of them.
  const racing = await Promise.all(Array.from({ length: 5 }, () => leaseClaims().claimFresh(['many:4', 'many:5', 'many:6'], { ttlMs: 5_000, fields: holder })));
  expect(racing.flat().map((claim) => claim.id).sort()).toEqual(['many:4', 'many:5', 'many:6']);
  await claims.renewAll(got, 10_000);
  await claims.releaseAll(got);
  expect((await claims.claim('many:1', { ttlMs: 5_000, fields: holder })).status).toBe('claimed');
  expect((await claims.claim('many:2', { ttlMs: 5_000, fields: holder })).status).toBe('busy');
});
