// Abuse limits (docs/limits.md): how many web chat sessions one address may open per hour, how many messages one
// conversation or one WhatsApp sender may send per minute, how many complaints one identity may register per day.
// Counted by rate-limiter-flexible's RateLimiterMongo in the project's own database (collection `rate_limits`, one
// document per counted key), so every server process shares the counts and a restart forgets nothing.
//
// On the embedded server: RateLimiterMongo's findOneAndUpdate({key, $or: [expire…]}, upsert) is one command per
// counted event, but its filter is not an exact unique-key match, so the embedded server scans the (small) collection
// of live counters; sweep() deletes expired counters (run by services/expirySweep.ts) (the embedded server ignores TTL indexes; on MongoDB the
// TTL index created here does the same work).
import type { Connection, mongo } from 'mongoose';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import { wholeDocument } from '../models/index.js';

export const rateLimitCollection = 'rate_limits';

/** One limit: at most `points` events per `durationMs` for one key. */
export interface Limit {
  points: number;
  durationMs: number;
}

export type LimitName = 'webChatSessionsPerAddress' | 'messagesPerConversation' | 'registrationsPerIdentity' | 'whatsAppMessagesPerSender';

export type AbuseLimitSettings = Record<LimitName, Limit>;

export const defaultAbuseLimits: AbuseLimitSettings = {
  webChatSessionsPerAddress: { points: 30, durationMs: 3_600_000 },
  messagesPerConversation: { points: 20, durationMs: 60_000 },
  registrationsPerIdentity: { points: 5, durationMs: 86_400_000 },
  whatsAppMessagesPerSender: { points: 20, durationMs: 60_000 },
};

export type LimitVerdict =
  | { allowed: true }
  /** `firstRefusal`: the first event over the limit in this window — the one worth a polite reply. */
  | { allowed: false; retryAfterSeconds: number; firstRefusal: boolean };

/**
 * RateLimiterMongo's findOneAndUpdate carries no projection; on the embedded server a findAndModify without one can
 * return a concurrently half-applied document (models/index.ts `wholeDocument`). This hands it a collection whose
 * findOneAndUpdate always carries the consistent-snapshot projection, and nothing else changes.
 */
function projectedStore(connection: Connection) {
  return {
    collection(name: string) {
      const collection = connection.collection(name);
      return new Proxy(collection, {
        get(target, property, receiver) {
          if (property === 'findOneAndUpdate') {
            return (filter: mongo.Filter<mongo.Document>, update: mongo.UpdateFilter<mongo.Document>, options: mongo.FindOneAndUpdateOptions = {}) =>
              target.findOneAndUpdate(filter, update, { ...options, projection: wholeDocument });
          }
          const value = Reflect.get(target, property, receiver) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
  };
}

/** A count kept inside another document (a web chat conversation's own): the window's start and its events. */
export interface CountedWindow {
  from: Date;
  count: number;
}

/**
 * One event counted in a window kept by the caller, with RateLimiterMongo's semantics (whole-second windows that start
 * at the first event, `points` events allowed in each): the window to store, or the refusal. A refused event is not
 * counted (nothing to store), so a refusal costs the caller no write.
 */
export function countInWindow(limit: Limit, window: CountedWindow | undefined, now: Date): { allowed: true; window: CountedWindow } | { allowed: false; retryAfterSeconds: number } {
  const durationMs = Math.max(1, Math.ceil(limit.durationMs / 1000)) * 1000;
  const live = window !== undefined && now.getTime() < new Date(window.from).getTime() + durationMs;
  if (!live) return { allowed: true, window: { from: now, count: 1 } };
  const endsAt = new Date(window.from).getTime() + durationMs;
  if (window.count + 1 > limit.points) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((endsAt - now.getTime()) / 1000)) };
  return { allowed: true, window: { from: new Date(window.from), count: window.count + 1 } };
}

export interface AbuseLimitsOptions {
  limits?: Partial<AbuseLimitSettings>;
  log?: (line: string) => void;
}

export class AbuseLimits {
  readonly settings: AbuseLimitSettings;
  private readonly limiters: Record<LimitName, RateLimiterMongo>;
  private readonly log: (line: string) => void;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly connection: Connection,
    options: AbuseLimitsOptions = {},
  ) {
    this.settings = { ...defaultAbuseLimits, ...options.limits };
    this.log = options.log ?? ((line) => console.log(line));
    const store = projectedStore(connection);
    const limiter = (name: LimitName) =>
      new RateLimiterMongo({
        storeClient: store,
        tableName: rateLimitCollection,
        keyPrefix: name,
        points: this.settings[name].points,
        // rate-limiter-flexible counts in whole seconds.
        duration: Math.max(1, Math.ceil(this.settings[name].durationMs / 1000)),
        disableIndexesCreation: true,
      });
    this.limiters = {
      webChatSessionsPerAddress: limiter('webChatSessionsPerAddress'),
      messagesPerConversation: limiter('messagesPerConversation'),
      registrationsPerIdentity: limiter('registrationsPerIdentity'),
      whatsAppMessagesPerSender: limiter('whatsAppMessagesPerSender'),
    };
  }

  /** Creates the collection and its indexes once (createIndex, as models/index.ts ensureCollections does). */
  private ensureReady(): Promise<void> {
    this.ready ??= (async () => {
      const collection = this.connection.collection(rateLimitCollection);
      await collection.createIndex({ key: 1 }, { unique: true });
      await collection.createIndex({ expire: 1 }, { expireAfterSeconds: 0 });
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /**
   * Counts one event for `key` under `name`. When the database cannot be reached the event is allowed (and logged):
   * a limit must never lose what a consumer sent.
   */
  async consume(name: LimitName, key: string): Promise<LimitVerdict> {
    try {
      await this.ensureReady();
      await this.limiters[name].consume(key);
      return { allowed: true };
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        return {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
          firstRefusal: error.consumedPoints === this.settings[name].points + 1,
        };
      }
      this.log(`[santushti] abuse limit ${name} could not be counted; allowing the event: ${(error as Error).message}`);
      return { allowed: true };
    }
  }

  /** Deletes counters whose window has ended; returns how many. */
  async sweep(now = new Date()): Promise<number> {
    await this.ensureReady();
    const result = await this.connection.collection(rateLimitCollection).deleteMany({ expire: { $lte: now } });
    return result.deletedCount;
  }
}
