// Retry with backoff: bounded attempts and window, a delay that grows to its ceiling with jitter, only the errors the
// caller names are retried, a suggested delay (Retry-After) wins.
import { expect, it } from 'vitest';
import { Backoff, retry } from '../../services/retry.js';
import { isDuplicateKeyError } from '../../services/mongoErrors.js';

it('grows the delay by its factor up to the ceiling, jittered within the given fraction, and stops after maxAttempts', () => {
  const low = new Backoff({ firstDelayMs: 100, maxDelayMs: 500, maxAttempts: 6, jitter: 0.5, random: () => 1 });
  expect([1, 2, 3, 4, 5, 6].map(() => low.nextDelay())).toEqual([50, 100, 200, 250, 250, undefined]);
  const high = new Backoff({ firstDelayMs: 100, maxDelayMs: 500, jitter: 0.5, random: () => 0 });
  expect([1, 2, 3, 4].map(() => high.nextDelay())).toEqual([100, 200, 400, 500]);
  expect(high.nextDelay(1_234)).toBe(1_234);
});

it('stops when the next attempt would start after the window', () => {
  let now = 0;
  const backoff = new Backoff({ firstDelayMs: 100, maxDelayMs: 1_000, jitter: 0, windowMs: 700, now: () => now });
  expect(backoff.nextDelay()).toBe(100); // at 100
  now = 100;
  expect(backoff.nextDelay()).toBe(200); // at 300
  now = 300;
  expect(backoff.nextDelay()).toBe(400); // at 700: still inside
  now = 700;
  expect(backoff.nextDelay()).toBeUndefined();
});

it('retries only the errors it is told to, as often as allowed, and rethrows the last one', async () => {
  let calls = 0;
  const seen: number[] = [];
  await expect(
    retry(
      async () => {
        calls++;
        throw new Error('flaky');
      },
      { firstDelayMs: 1, maxDelayMs: 4, maxAttempts: 4, retryable: () => true, onRetry: (_error, attempt) => seen.push(attempt) },
    ),
  ).rejects.toThrow('flaky');
  expect(calls).toBe(4);
  expect(seen).toEqual([1, 2, 3]);

  calls = 0;
  await expect(
    retry(async () => {
      calls++;
      throw new TypeError('a bug');
    }, { firstDelayMs: 1, maxDelayMs: 4, maxAttempts: 4, retryable: (error) => !(error instanceof TypeError) }),
  ).rejects.toBeInstanceOf(TypeError);
  expect(calls).toBe(1);

  const answer = await retry(async (attempt) => {
    if (attempt < 3) throw Object.assign(new Error('busy'), { retryAfterMs: 2 });
    return `on attempt ${attempt}`;
  }, { firstDelayMs: 10_000, maxDelayMs: 10_000, retryable: () => true, suggestedDelayMs: (error) => (error as { retryAfterMs: number }).retryAfterMs });
  expect(answer).toBe('on attempt 3');
});

it('tells a duplicate key by its code, its message, a bulk write of only duplicates, or its cause — and nothing else', () => {
  expect(isDuplicateKeyError({ code: 11000 })).toBe(true);
  expect(isDuplicateKeyError(new Error('E11000 duplicate key error collection: x index: _id_'))).toBe(true);
  expect(isDuplicateKeyError({ code: 11000, writeErrors: [{ code: 11000 }, { err: { code: 11000 } }] })).toBe(true);
  expect(isDuplicateKeyError({ writeErrors: [{ code: 11000 }, { code: 121 }] })).toBe(false);
  expect(isDuplicateKeyError(new Error('wrapped', { cause: { code: 11000 } }))).toBe(true);
  expect(isDuplicateKeyError({ code: 112 })).toBe(false);
  expect(isDuplicateKeyError(undefined)).toBe(false);
  expect(isDuplicateKeyError('E11000')).toBe(false);
});
