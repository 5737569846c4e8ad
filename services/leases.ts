// Exclusive rights shared by every server process on one database, so that work which must happen once at a time
// (a conversation's turns, a ticket's outbox) does so even when two processes serve the same helpline. A lease is one
// document claimed by insert (or, once expired, by a conditional update on `{_id, token}`), renewed while its holder
// works and deleted when it is done. A holder that dies blocks the others only until its lease expires.
import type { Models } from '../models/index.js';
import type { LeaseRecord } from '../models/leaseModel.js';
import { Claims, thisProcessName, type ClaimOutcome } from './claims.js';

export { thisProcessName };

export interface HeldLease {
  readonly key: string;
  readonly token: string;
}

export interface HoldOptions {
  /** How long the lease lasts unless renewed; a holder that dies blocks others at most this long. */
  ttlMs: number;
  /** How long to wait for a lease someone else holds before giving up with LeaseBusyError. */
  waitMs: number;
  /** Stop renewing after this long, so a wedged holder cannot keep the lease forever. Default: no limit. */
  maxHoldMs?: number;
}

/** Someone else held the lease for longer than the caller was prepared to wait; try again later. */
export class LeaseBusyError extends Error {
  override name = 'LeaseBusyError';
  constructor(readonly key: string) {
    super(`${key} is busy in another process; try again shortly.`);
  }
}

export class Leases {
  private readonly claims: Claims<LeaseRecord>;

  // Expiry is wall-clock time on the holders' machines: processes on different machines need clocks in sync to well
  // within the shortest TTL (NTP gives milliseconds; the TTLs here are seconds).
  constructor(
    models: Pick<Models, 'leases'>,
    private readonly holder: string = thisProcessName,
  ) {
    this.claims = leaseClaimsOn(models);
  }

  /** Takes the lease if it is free or expired; undefined when someone else holds it. */
  async tryAcquire(key: string, ttlMs: number): Promise<HeldLease | undefined> {
    return leaseOf(await this.claims.claim(key, { ttlMs, fields: { holder: this.holder } }));
  }

  /** Waits up to `waitMs` for the lease, polling with backoff; undefined if it never came free. */
  async acquire(key: string, ttlMs: number, waitMs: number): Promise<HeldLease | undefined> {
    return leaseOf(await this.claims.claimWaiting(key, { ttlMs, waitMs, fields: { holder: this.holder } }));
  }

  /** Extends a lease we hold; false when it was lost (expired and taken over). */
  async renew(lease: HeldLease, ttlMs: number): Promise<boolean> {
    return this.claims.renew({ id: lease.key, owner: lease.token }, ttlMs);
  }

  async release(lease: HeldLease): Promise<void> {
    await this.claims.release({ id: lease.key, owner: lease.token });
  }

  /**
   * Runs `task` holding the lease: waits for it (LeaseBusyError after `waitMs`), renews it every third of its TTL
   * while the task runs, and releases it afterwards. If the database is unreachable at release, the lease simply
   * expires.
   */
  async holdWhile<T>(key: string, options: HoldOptions, task: () => Promise<T>): Promise<T> {
    const lease = await this.acquire(key, options.ttlMs, options.waitMs);
    if (!lease) throw new LeaseBusyError(key);
    const startedAt = Date.now();
    const renewal = setInterval(() => {
      if (options.maxHoldMs !== undefined && Date.now() - startedAt > options.maxHoldMs) {
        clearInterval(renewal);
        return;
      }
      this.renew(lease, options.ttlMs).catch(() => undefined);
    }, Math.max(options.ttlMs / 3, 50));
    renewal.unref();
    try {
      return await task();
    } finally {
      clearInterval(renewal);
      await this.release(lease).catch(() => undefined);
    }
  }
}

function leaseOf(outcome: ClaimOutcome<LeaseRecord>): HeldLease | undefined {
  return outcome.status === 'claimed' ? { key: outcome.claim.id, token: outcome.claim.owner } : undefined;
}

/** The lease collection as claims (owner in `token`, time `expiresAt`), for callers that take many leases at once. */
export function leaseClaimsOn(models: Pick<Models, 'leases'>): Claims<LeaseRecord> {
  return new Claims<LeaseRecord>(models.leases, { owner: 'token', time: 'expiresAt', timeMeans: 'expiresAt' });
}
