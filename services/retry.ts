// Retrying with backoff, the one way the project does it: bounded attempts (a count, a time window or both), a delay
// that grows by a factor up to a ceiling, jitter so that racing retriers spread out, and the caller saying which
// errors are worth another try. `Backoff` is the schedule alone, for loops that wait on a result rather than an error
// (a lease someone else holds); `retry` runs a task under it.
import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffPolicy {
  /** The delay before the second attempt. */
  firstDelayMs: number;
  /** The ceiling the delay grows to. */
  maxDelayMs: number;
  /** Each delay is the previous one times this (default 2). */
  factor?: number;
  /**
   * How much of each delay is drawn at random, 0 (none) to 1 (anywhere between 0 and the delay). Default 0.5: the
   * delay lies between half and all of its nominal value.
   */
  jitter?: number;
  /** Attempts in all, the first included (default: unlimited, bounded by `windowMs`). */
  maxAttempts?: number;
  /** No attempt starts later than this long after the first one (default: unlimited, bounded by `maxAttempts`). */
  windowMs?: number;
  /** Where the jitter comes from; tests pass a fixed one. */
  random?: () => number;
  /** The clock; tests pass their own. */
  now?: () => number;
}

/**
 * The delay after the `attempt`-th failure when the count is kept elsewhere (on a document, across processes):
 * `firstDelayMs * factor^(attempt-1)`, capped at `maxDelayMs`, jittered like Backoff.
 */
export function delayAfter(attempt: number, policy: Pick<BackoffPolicy, 'firstDelayMs' | 'maxDelayMs' | 'factor' | 'jitter' | 'random'>): number {
  const { factor = 2, jitter = 0.5, random = Math.random } = policy;
  const nominal = Math.min(policy.maxDelayMs, policy.firstDelayMs * factor ** Math.max(0, attempt - 1));
  return Math.round(nominal * (1 - Math.min(Math.max(jitter, 0), 1) * random()));
}

/** The schedule of one series of attempts. Make one per series; it counts the attempts made. */
export class Backoff {
  private attempts = 1;
  private nominalMs: number;
  private readonly startedAt: number;
  private readonly now: () => number;

  constructor(private readonly policy: BackoffPolicy) {
    if (!(policy.firstDelayMs >= 0) || !(policy.maxDelayMs >= policy.firstDelayMs)) {
      throw new RangeError('Backoff needs 0 <= firstDelayMs <= maxDelayMs');
    }
    this.nominalMs = policy.firstDelayMs;
    this.now = policy.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Attempts made so far (the first counts once the series exists). */
  get attempt(): number {
    return this.attempts;
  }

  /**
   * The delay before the next attempt, or undefined when the attempts or the window are spent. `suggestedMs` (a
   * server's Retry-After) replaces the computed delay for this step, without jitter.
   */
  nextDelay(suggestedMs?: number): number | undefined {
    const { maxAttempts, windowMs, factor = 2, jitter = 0.5, random = Math.random } = this.policy;
    if (maxAttempts !== undefined && this.attempts >= maxAttempts) return undefined;
    const delay = suggestedMs !== undefined ? Math.max(0, suggestedMs) : delayAfter(1, { firstDelayMs: this.nominalMs, maxDelayMs: this.nominalMs, jitter, random });
    if (windowMs !== undefined && this.now() + delay - this.startedAt > windowMs) return undefined;
    this.nominalMs = Math.min(this.nominalMs * factor, this.policy.maxDelayMs);
    this.attempts++;
    return delay;
  }

  /** Waits for the next attempt; false (at once) when none is left. */
  async wait(suggestedMs?: number): Promise<boolean> {
    const delay = this.nextDelay(suggestedMs);
    if (delay === undefined) return false;
    if (delay > 0) await sleep(delay);
    return true;
  }
}

export interface RetryOptions extends BackoffPolicy {
  /** Whether this error is worth another attempt; any other error is thrown at once. */
  retryable: (error: unknown, attempt: number) => boolean;
  /** A delay the error itself asks for (Retry-After), used instead of the computed one. */
  suggestedDelayMs?: (error: unknown) => number | undefined;
  /** Told before each wait, e.g. to log it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Runs `task` until it succeeds, a non-retryable error comes, or the attempts are spent (then the last error). */
export async function retry<T>(task: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const backoff = new Backoff(options);
  for (;;) {
    try {
      return await task(backoff.attempt);
    } catch (error) {
      if (!options.retryable(error, backoff.attempt)) throw error;
      const attempt = backoff.attempt;
      const delay = backoff.nextDelay(options.suggestedDelayMs?.(error));
      if (delay === undefined) throw error;
      options.onRetry?.(error, attempt, delay);
      if (delay > 0) await sleep(delay);
    }
  }
}

/**
 * After a compare-and-set lost to another writer (a ticket or incident changed under us): the first retries go at once,
 * later ones wait a few ms growing slowly (10% a try) to 50, fully jittered, so that a crowd of writers on one document spreads out.
 */
export const lostRaceBackoff: BackoffPolicy = { firstDelayMs: 4, maxDelayMs: 50, factor: 1.1, jitter: 1 };
