// Exclusive rights shared by every server process on one database, so that work which must happen once at a time
// (a conversation's turns, a ticket's outbox) does so even when two processes serve the same helpline. A lease is one
// document claimed by insert (or, once expired, by a conditional update on `{_id, token}`), renewed while its holder
// works and deleted when it is done. A holder that dies blocks the others only until its lease expires.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { wholeDocument, type Models } from '../models/index.js';
import type { LeaseRecord } from '../models/leaseModel.js';

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

function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/** The name this process puts on its leases: host and pid, enough to find it in `ps`. */
export const thisProcessName = `${hostname()}:${process.pid}`;

export class Leases {
  // Expiry is wall-clock time on the holders' machines: processes on different machines need clocks in sync to well
  // within the shortest TTL (NTP gives milliseconds; the TTLs here are seconds).
  constructor(
    private readonly models: Pick<Models, 'leases'>,
    private readonly holder: string = thisProcessName,
  ) {}

  /** Takes the lease if it is free or expired; undefined when someone else holds it. */
  async tryAcquire(key: string, ttlMs: number): Promise<HeldLease | undefined> {
    const token = randomBytes(12).toString('base64url');
    const expiresAt = new Date(Date.now() + ttlMs);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.models.leases.create({ _id: key, token, holder: this.holder, expiresAt });
        return { key, token };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const current = await this.models.leases.findById(key, wholeDocument).lean<LeaseRecord>();
      if (!current) continue; // released between our insert and our read
      if (new Date(current.expiresAt).getTime() > Date.now()) return undefined;
      const takenOver = await this.models.leases
        .findOneAndUpdate(
          { _id: key, token: current.token },
          { $set: { token, holder: this.holder, expiresAt } },
          { returnDocument: 'before', projection: wholeDocument },
        )
        .lean<LeaseRecord>();
      return takenOver ? { key, token } : undefined;
    }
    return undefined;
  }

  /** Waits up to `waitMs` for the lease, polling; undefined if it never came free. */
  async acquire(key: string, ttlMs: number, waitMs: number): Promise<HeldLease | undefined> {
    const giveUpAt = Date.now() + waitMs;
    let pause = 10;
    for (;;) {
      const lease = await this.tryAcquire(key, ttlMs);
      if (lease) return lease;
      if (Date.now() + pause > giveUpAt) return undefined;
      await sleep(pause);
      pause = Math.min(pause * 2, 200);
    }
  }

  /** Extends a lease we hold; false when it was lost (expired and taken over). */
  async renew(lease: HeldLease, ttlMs: number): Promise<boolean> {
    const { matchedCount } = await this.models.leases.updateOne(
      { _id: lease.key, token: lease.token },
      { $set: { expiresAt: new Date(Date.now() + ttlMs) } },
    );
    return matchedCount === 1;
  }

  async release(lease: HeldLease): Promise<void> {
    await this.models.leases.deleteOne({ _id: lease.key, token: lease.token });
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
