// Failed-login limits, kept in this process's memory: a restart forgets them, and two server processes would each
// allow the limit (with several, move the counters into the database, e.g. services/abuseLimits.ts).
//
// Nobody can lock a staff member out from somewhere else (issue 11 item 7):
// - REFUSED (429) only per username AND address: five wrong passwords for "asha" from one address stop that address
//   guessing "asha" for 15 minutes; Asha at her own desk is not affected.
// - SLOWED, never refused, per username (guesses spread over many addresses) and per address (one address guessing
//   many usernames): past a free allowance each attempt waits a delay that doubles with every further failure, up to
//   a cap. The right password still works, after the wait. Behind a reverse proxy set TRUST_PROXY, or every staff
//   member shares the proxy's address (and its slow-down).
import { DomainError } from './errors.js';

export interface FailureLimit {
  maxFailures: number;
  windowMs: number;
}

/** Growing delays: past `freeFailures` in the window, attempt n waits baseDelayMs·2^(n−free−1), at most maxDelayMs. */
export interface SlowDown {
  freeFailures: number;
  windowMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface LoginRateLimiterOptions {
  /** Refusal per username at one address. */
  perUsernameAndClient?: FailureLimit;
  /** Slow-down per username, whatever the address. */
  perUsername?: SlowDown;
  /** Slow-down per address, whatever the username (a call centre shares one address: looser than per username). */
  perClient?: SlowDown;
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
  readonly pairKey: string;
  readonly usernameKey: string;
  readonly clientKey: string;
  readonly at: number;
  /** How long to wait before checking the password (the slow-down); 0 for a clean username and address. */
  readonly delayMs: number;
}

export const DEFAULT_USERNAME_AND_CLIENT_LIMIT: FailureLimit = { maxFailures: 5, windowMs: 15 * 60_000 };
export const DEFAULT_USERNAME_SLOWDOWN: SlowDown = { freeFailures: 5, windowMs: 15 * 60_000, baseDelayMs: 500, maxDelayMs: 8_000 };
export const DEFAULT_CLIENT_SLOWDOWN: SlowDown = { freeFailures: 10, windowMs: 15 * 60_000, baseDelayMs: 250, maxDelayMs: 8_000 };

export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly perUsernameAndClient: FailureLimit;
  private readonly perUsername: SlowDown;
  private readonly perClient: SlowDown;
  private readonly maxTrackedKeys: number;
  private readonly now: () => number;

  constructor(options: LoginRateLimiterOptions = {}) {
    this.perUsernameAndClient = options.perUsernameAndClient ?? DEFAULT_USERNAME_AND_CLIENT_LIMIT;
    this.perUsername = options.perUsername ?? DEFAULT_USERNAME_SLOWDOWN;
    this.perClient = options.perClient ?? DEFAULT_CLIENT_SLOWDOWN;
    this.maxTrackedKeys = options.maxTrackedKeys ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Refuses when this username has had too many failures from this address; otherwise says how long to slow this
   * attempt down, and counts it as a failure straight away, so that many guesses sent at once (each waiting on
   * scrypt) cannot all slip in under the limit before any has failed.
   */
  begin(username: string, clientAddress: string): LoginAttempt {
    const at = this.now();
    const pairKey = `pair:${clientAddress}\u0000${username}`;
    const usernameKey = `user:${username}`;
    const clientKey = `client:${clientAddress}`;
    const waitMs = this.waitFor(pairKey, this.perUsernameAndClient, at);
    if (waitMs > 0) throw new LoginRateLimitedError(Math.max(1, Math.ceil(waitMs / 1000)));
    const delayMs = Math.max(this.delayFor(usernameKey, this.perUsername, at), this.delayFor(clientKey, this.perClient, at));
    for (const key of [pairKey, usernameKey, clientKey]) this.push(key, at);
    return { pairKey, usernameKey, clientKey, at, delayMs };
  }

  /**
   * The right password: the username's failures (here and everywhere) are forgiven, and this attempt no longer counts
   * against the address. The address keeps its other failures — else one valid account would reset a guesser's count.
   */
  succeeded(attempt: LoginAttempt): void {
    this.failures.delete(attempt.pairKey);
    this.failures.delete(attempt.usernameKey);
    const clientFailures = this.failures.get(attempt.clientKey);
    if (!clientFailures) return;
    const index = clientFailures.lastIndexOf(attempt.at);
    if (index >= 0) clientFailures.splice(index, 1);
    if (clientFailures.length === 0) this.failures.delete(attempt.clientKey);
  }

  /** The slow-down `key` has earned: 0 within its free failures, then doubling up to the cap. */
  private delayFor(key: string, slowDown: SlowDown, at: number): number {
    const recent = this.recent(key, slowDown.windowMs, at);
    const excess = recent.length - slowDown.freeFailures;
    if (excess < 0) return 0;
    return Math.min(slowDown.maxDelayMs, slowDown.baseDelayMs * 2 ** Math.min(excess, 30));
  }

  /** The failures of `key` still inside the window (older ones forgotten). */
  private recent(key: string, windowMs: number, at: number): number[] {
    const recent = (this.failures.get(key) ?? []).filter((time) => time > at - windowMs);
    if (recent.length === 0) this.failures.delete(key);
    else this.failures.set(key, recent);
    return recent;
  }

  /** How long until `key` may try again: 0 when it is under its limit. */
  private waitFor(key: string, limit: FailureLimit, at: number): number {
    const recent = this.recent(key, limit.windowMs, at);
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
