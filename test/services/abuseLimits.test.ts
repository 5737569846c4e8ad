// Abuse limits counted by rate-limiter-flexible's RateLimiterMongo on the real (embedded) database: exact counts under
// a race, a window that ends, the first refusal marked once, expired counters swept, and what one count costs.
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { AbuseLimits, rateLimitCollection } from '../../services/abuseLimits.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('abuse_limits');

it('allows exactly the limit of 50 racing events for one key, and marks only the first refusal', async () => {
  const limits = new AbuseLimits(db.connection, { limits: { messagesPerConversation: { points: 20, durationMs: 60_000 } } });
  const verdicts = await Promise.all(Array.from({ length: 50 }, () => limits.consume('messagesPerConversation', 'race')));
  expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(20);
  const refused = verdicts.filter((verdict) => !verdict.allowed);
  expect(refused).toHaveLength(30);
  expect(refused.filter((verdict) => verdict.firstRefusal)).toHaveLength(1);
  for (const verdict of refused) expect(verdict.retryAfterSeconds).toBeGreaterThan(0);
  // Another key and another limit are counted apart.
  expect(await limits.consume('messagesPerConversation', 'other')).toEqual({ allowed: true });
  expect(await limits.consume('whatsAppMessagesPerSender', 'race')).toEqual({ allowed: true });
});

it('lets a key in again once its window ends, and the sweep deletes the expired counter', async () => {
  const limits = new AbuseLimits(db.connection, { limits: { registrationsPerIdentity: { points: 1, durationMs: 1_000 } } });
  expect((await limits.consume('registrationsPerIdentity', 'window')).allowed).toBe(true);
  expect((await limits.consume('registrationsPerIdentity', 'window')).allowed).toBe(false);
  await sleep(1_100);
  expect(await limits.sweep()).toBeGreaterThanOrEqual(1);
  expect(await db.connection.collection(rateLimitCollection).countDocuments({ key: 'registrationsPerIdentity:window' })).toBe(0);
  expect((await limits.consume('registrationsPerIdentity', 'window')).allowed).toBe(true);
});

it('costs one database command per counted event (measured with the driver\'s command events)', async () => {
  const limits = new AbuseLimits(db.connection);
  await limits.consume('webChatSessionsPerAddress', 'warm-up');
  const client = db.connection.getClient();
  let commands = 0;
  const count = () => commands++;
  client.on('commandStarted', count);
  try {
    const started = performance.now();
    for (let index = 0; index < 100; index++) await limits.consume('webChatSessionsPerAddress', `address-${index % 10}`);
    const perEvent = (performance.now() - started) / 100;
    console.log(`[abuse limits] ${commands / 100} commands and ${perEvent.toFixed(2)} ms per counted event`);
  } finally {
    client.off('commandStarted', count);
  }
  expect(commands).toBe(100);
});
