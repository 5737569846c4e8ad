// Failed-login limits per username and per client address, kept in this process's memory: a restart forgets
// them, and two server processes would each allow the limit. That is acceptable for one helpline server; with
// several, move the counters into the database (one document per key, `$inc` by `_id`).
import { DomainError } from './errors.js';

export interface FailureLimit {
  maxFailures: number;
  windowMs: number;
}

export interface LoginRateLimiterOptions {
  perUsername?: FailureLimit;
  /**
   * Looser than per username on purpose: a call centre's agents usually share one public address, and one agent
   * mistyping must not lock out the floor. It still stops one address from guessing across many usernames.
   */
  perClient?: FailureLimit;
  /** Bounds memory under a flood of distinct usernames or addresses; the oldest keys are forgotten first. */
  maxTrackedKeys?: number;
  now?: () => number;
}

/** Too many failed logins for this username or from this address; `retryAfterSeconds` says when to try again. */
export class LoginRateLimitedError extends DomainError {
  readonly code = 'too_many_attempts';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed logins. Try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
  }
}

/** An attempt in flight: counted as a failure until it is shown to have succeeded. */
export interface LoginAttempt {
  readonly usernameKey: string;
  readonly clientKey: string;
  readonly at: number;
}

export const DEFAULT_USERNAME_LIMIT: FailureLimit = { maxFailures: 5, windowMs: 15 * 60_000 };
export const DEFAULT_CLIENT_LIMIT: FailureLimit = { maxFailures: 20, windowMs: 15 * 60_000 };

export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly perUsername: FailureLimit;
  private readonly perClient: FailureLimit;
  private readonly maxTrackedKeys: number;
  private readonly now: () => number;

  constructor(options: LoginRateLimiterOptions = {}) {
    this.perUsername = options.perUsername ?? DEFAULT_USERNAME_LIMIT;
    this.perClient = options.perClient ?? DEFAULT_CLIENT_LIMIT;
    this.maxTrackedKeys = options.maxTrackedKeys ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Refuses when either limit is reached; otherwise counts the attempt as a failure straight away, so that many
   * guesses sent at once (each waiting on scrypt) cannot all slip in under the limit before any has failed.
   */
  begin(username: string, clientAddress: string): LoginAttempt {
    const at = this.now();
    const attempt = { usernameKey: `user:${username}`, clientKey: `client:${clientAddress}`, at };
    const waits = [this.waitFor(attempt.usernameKey, this.perUsername, at), this.waitFor(attempt.clientKey, this.perClient, at)];
    const waitMs = Math.max(...waits);
    if (waitMs > 0) throw new LoginRateLimitedError(Math.max(1, Math.ceil(waitMs / 1000)));
    this.push(attempt.usernameKey, at);
    this.push(attempt.clientKey, at);
    return attempt;
  }

  /**
   * The right password: the username's failures are forgiven, and this attempt no longer counts against the
   * address. The address keeps its other failures — else one valid account would reset a guesser's count.
   */
  succeeded(attempt: LoginAttempt): void {
    this.failures.delete(attempt.usernameKey);
    const clientFailures = this.failures.get(attempt.clientKey);
    if (!clientFailures) return;
    const index = clientFailures.lastIndexOf(attempt.at);
    if (index >= 0) clientFailures.splice(index, 1);
    if (clientFailures.length === 0) this.failures.delete(attempt.clientKey);
  }

  /** How long until `key` may try again: 0 when it is under its limit. */
  private waitFor(key: string, limit: FailureLimit, at: number): number {
    const recent = (this.failures.get(key) ?? []).filter((time) => time > at - limit.windowMs);
    if (recent.length === 0) this.failures.delete(key);
    else this.failures.set(key, recent);
    if (recent.length < limit.maxFailures) return 0;
    // The window slides: the attempt becomes possible when enough of the oldest failures have aged out.
    const freeingFailure = recent[recent.length - limit.maxFailures]!;
    return freeingFailure + limit.windowMs - at;
  }

  private push(key: string, at: number): void {
    const times = this.failures.get(key) ?? [];
    times.push(at);
    // Re-inserting moves the key to the back of the map's order, so eviction drops the least recently active.
    this.failures.delete(key);
    this.failures.set(key, times);
    while (this.failures.size > this.maxTrackedKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }
}
