// Claims: "this piece of work is mine until I finish it or my claim expires", shared by every process on one database.
// A claim is one document by `_id` that names its owner and a time. The first claimant inserts it (the `_id` unique
// index lets exactly one of any number of racers win); later claimants read it and either see the work done, wait
// while it is held, or take over a claim whose holder went quiet, by a conditional update on `{_id, owner}` (a
// unique index on that pair makes the match an index hit on the embedded server). The holder renews, completes
// (records the result on the document, so repeats get it back) or releases (deletes it). Leases, idempotent sends,
// Direct Line's appendOnce and the ticket duplicate guard are all this module with their own field names.
import { randomBytes } from 'node:crypto';
import { storedDocument } from '../models/storedDocument.js';
import { hostname } from 'node:os';
import type { Model } from 'mongoose';
import { isDuplicateKeyError } from './mongoErrors.js';
import { Backoff, type BackoffPolicy } from './retry.js';

/** The name a process puts on what it holds: host and pid, enough to find it in `ps`. */
export const thisProcessName = `${hostname()}:${process.pid}`;

/** Where a collection keeps a claim's owner and time. */
export interface ClaimShape {
  /** The field naming the current owner (with `_id`, a unique index). */
  owner: string;
  /** The field with the claim's time. */
  time: string;
  /** Whether `time` says when the claim expires, or when it was claimed (it then expires `ttlMs` later). */
  timeMeans: 'expiresAt' | 'claimedAt';
  /**
   * 'driver': a fresh claim is inserted with the driver, not through a mongoose Document (its CPU, on a hot path). Only
   * for a collection of flat records whose every field the claim sets (`_id`, owner, time and `fields`), with no
   * schema defaults: the document is then stored exactly as mongoose would store it.
   */
  insertWith?: 'driver';
}

export interface HeldClaim {
  readonly id: string;
  readonly owner: string;
}

/** What a claimant makes of a claim someone else holds: the work is done, it is still theirs, or take it over. */
export type ClaimVerdict = 'done' | 'busy' | 'take';

export interface ClaimOptions<R> {
  /** How long the claim lasts unless renewed: how long a dead holder blocks the work. */
  ttlMs: number;
  /** The owner to record (default: a new random token, so two claims of one process differ too). */
  owner?: string;
  /** Other fields written with the claim, on insert and on takeover. */
  fields?: Record<string, unknown>;
  /** The fields `judge` (and the caller) need to see: an inclusion (owner and time are added) or an exclusion. */
  projection?: Record<string, 0 | 1>;
  /** Read before inserting: cheaper where most claims find the work already done (repeats). */
  readFirst?: boolean;
  /** Decides about someone else's claim. Default: 'take' when expired, else 'busy'. */
  judge?: (record: R, expired: boolean) => ClaimVerdict | Promise<ClaimVerdict>;
}

export type ClaimOutcome<R> =
  | { status: 'claimed'; claim: HeldClaim; /** The claim as it was before this takeover (absent for a fresh one). */ takenOver?: R }
  | { status: 'done'; record: R }
  | { status: 'busy'; record?: R };

export interface WaitOptions<R> extends ClaimOptions<R> {
  /** How long to keep trying while someone else holds it; then the outcome is 'busy'. */
  waitMs: number;
  /** The pauses between tries (default 10 ms doubling to 200 ms, jittered). */
  backoff?: Omit<BackoffPolicy, 'windowMs'>;
}

type Loose = Model<Record<string, unknown>>;
// Any model: each collection has its own record type; the claim fields are named by its ClaimShape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModel = Model<any>;

export class Claims<R extends object = Record<string, unknown>> {
  private readonly collection: Loose;

  constructor(
    collection: AnyModel,
    private readonly shape: ClaimShape,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.collection = collection as unknown as Loose;
  }

  /** Claims `id` once: inserts it, or judges the standing claim and takes it over when allowed. */
  async claim(id: string, options: ClaimOptions<R>): Promise<ClaimOutcome<R>> {
    const owner = options.owner ?? randomBytes(12).toString('base64url');
    let insertNext = !options.readFirst;
    let last: R | undefined;
    for (let round = 0; round < 5; round++) {
      if (insertNext && (await insertOnce(this.collection, { _id: id, ...this.stamp(owner, options) }, this.shape.insertWith))) {
        return { status: 'claimed', claim: { id, owner } };
      }
      insertNext = true;
      const record = await this.read(id, options.projection);
      if (!record) continue; // released between our insert and our read
      last = record;
      const expired = this.isExpired(record, options.ttlMs);
      const verdict = options.judge ? await options.judge(record, expired) : expired ? 'take' : 'busy';
      if (verdict !== 'take') return { status: verdict, record };
      const takenOver = await this.takeOver(id, String((record as Record<string, unknown>)[this.shape.owner]), options, owner);
      if (takenOver) return { status: 'claimed', claim: { id, owner }, takenOver };
      // Someone else took it over first: look again.
    }
    return { status: 'busy', record: last };
  }

  /** Claims `id`, trying again with backoff while someone else holds it, for up to `waitMs`. */
  async claimWaiting(id: string, options: WaitOptions<R>): Promise<ClaimOutcome<R>> {
    const backoff = new Backoff({ firstDelayMs: 10, maxDelayMs: 200, ...options.backoff, windowMs: options.waitMs });
    for (;;) {
      const outcome = await this.claim(id, options);
      if (outcome.status !== 'busy' || !(await backoff.wait())) return outcome;
    }
  }

  /**
   * Takes the claim from `fromOwner` (matching `{_id, owner}`, so only one of several takers wins); the claim as it
   * was, or undefined when it had moved on.
   */
  async takeOver(id: string, fromOwner: string, options: ClaimOptions<R>, owner = options.owner ?? randomBytes(12).toString('base64url')): Promise<R | undefined> {
    const before = await this.collection
      .findOneAndUpdate({ _id: id, [this.shape.owner]: fromOwner }, { $set: this.stamp(owner, options) }, { returnDocument: 'before', projection: this.projection(options.projection) })
      .lean<R>();
    return before ?? undefined;
  }

  /**
   * Fresh claims on many ids in one round trip (an unordered insert): the ones this call got. Ids already claimed are
   * left out, whatever their state; the caller takes those one by one with `claim` (which can take over).
   */
  async claimFresh(ids: string[], options: Pick<ClaimOptions<R>, 'ttlMs' | 'fields'>): Promise<HeldClaim[]> {
    if (ids.length === 0) return [];
    const claims = ids.map((id) => ({ id, owner: randomBytes(12).toString('base64url') }));
    const documents = claims.map((claim) => ({ _id: claim.id, ...this.stamp(claim.owner, options) }));
    try {
      await this.collection.insertMany(documents, { ordered: false, lean: true });
      return claims;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
      const each = (Array.isArray(writeErrors) ? writeErrors : [writeErrors]) as Array<{ index?: number; err?: { index?: number } }>;
      const refused = new Set(each.map((writeError) => writeError?.index ?? writeError?.err?.index));
      return claims.filter((_claim, index) => !refused.has(index));
    }
  }

  /** Gives many claims up in one round trip (each still only if we hold it). */
  async releaseAll(held: HeldClaim[]): Promise<void> {
    if (held.length === 0) return;
    await this.collection.bulkWrite(held.map((claim) => ({ deleteOne: { filter: { _id: claim.id, [this.shape.owner]: claim.owner } } })), { ordered: false });
  }

  /** Extends many claims we hold in one round trip. */
  async renewAll(held: HeldClaim[], ttlMs: number): Promise<void> {
    if (held.length === 0) return;
    const time = this.timeFor(ttlMs);
    await this.collection.bulkWrite(
      held.map((claim) => ({ updateOne: { filter: { _id: claim.id, [this.shape.owner]: claim.owner }, update: { $set: { [this.shape.time]: time } } } })),
      { ordered: false },
    );
  }

  /** Extends a claim we hold; false when it was lost (taken over). */
  async renew(held: HeldClaim, ttlMs: number): Promise<boolean> {
    return this.update(held, { $set: { [this.shape.time]: this.timeFor(ttlMs) } });
  }

  /** Records the outcome on the claim (what repeats get back); false when the claim was lost meanwhile. */
  async complete(held: HeldClaim, result: Record<string, unknown>): Promise<boolean> {
    return this.update(held, { $set: result });
  }

  /** Any other change to a claim we hold (progress on the way); false when it was lost. */
  async update(held: HeldClaim, update: Record<string, unknown>): Promise<boolean> {
    const { matchedCount } = await this.collection.updateOne({ _id: held.id, [this.shape.owner]: held.owner }, update);
    return matchedCount === 1;
  }

  /** Keeps the document but lets the next claimant take it over at once (a failed attempt whose progress counts). */
  async expireNow(held: HeldClaim): Promise<boolean> {
    return this.update(held, { $set: { [this.shape.time]: new Date(0) } });
  }

  /** Gives the claim up (deletes it) if we still hold it. */
  async release(held: HeldClaim): Promise<void> {
    await this.collection.deleteOne({ _id: held.id, [this.shape.owner]: held.owner });
  }

  private stamp(owner: string, options: ClaimOptions<R>): Record<string, unknown> {
    return { ...options.fields, [this.shape.owner]: owner, [this.shape.time]: this.timeFor(options.ttlMs) };
  }

  private timeFor(ttlMs: number): Date {
    const now = this.now();
    return this.shape.timeMeans === 'expiresAt' ? new Date(now.getTime() + ttlMs) : now;
  }

  private isExpired(record: R, ttlMs: number): boolean {
    const value = (record as Record<string, unknown>)[this.shape.time];
    // A claim without a readable time (written by an older version) is as good as expired.
    const at = value instanceof Date || typeof value === 'string' || typeof value === 'number' ? new Date(value).getTime() : Number.NaN;
    if (Number.isNaN(at)) return true;
    const expiresAt = this.shape.timeMeans === 'expiresAt' ? at : at + ttlMs;
    return expiresAt <= this.now().getTime();
  }

  private projection(extra: Record<string, 0 | 1> | undefined): Record<string, 0 | 1> {
    // An exclusion (e.g. `wholeDocument`) returns owner and time already; an inclusion gets them added.
    if (extra && Object.values(extra).includes(0)) return extra;
    return { ...extra, [this.shape.owner]: 1, [this.shape.time]: 1 };
  }

  private read(id: string, extra: Record<string, 0 | 1> | undefined): Promise<R | null> {
    return this.collection.findById(id, this.projection(extra)).lean<R>();
  }
}

/** Inserts `document` unless its `_id` (or another unique key) exists: true when this call inserted it. */
export async function insertOnce(collection: AnyModel, document: Record<string, unknown>, insertWith?: 'driver'): Promise<boolean> {
  try {
    if (insertWith === 'driver') await (collection as unknown as Loose).collection.insertOne(storedDocument(document) as never);
    else await (collection as unknown as Loose).create(document);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/** The usual judge: done once the holder recorded `field` (its result); else taken over once expired. */
export function doneOnceRecorded<R extends object>(field: keyof R & string): (record: R, expired: boolean) => ClaimVerdict {
  return (record, expired) => (record[field] !== undefined && record[field] !== null ? 'done' : expired ? 'take' : 'busy');
}

/** The shape of the idempotent-send collections: owner in `claim`, time `claimedAt`. */
export const sendClaimShape: ClaimShape = { owner: 'claim', time: 'claimedAt', timeMeans: 'claimedAt' };
