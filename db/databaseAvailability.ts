// Telling "the database is unreachable for now" apart from every other failure: the first is worth answering with
// 503 + Retry-After and worth retrying (a restart, a failover, a network blip), the others are not.
import mongoose from 'mongoose';
import { retry } from '../services/retry.js';

const { mongo } = mongoose;
const unavailableClasses = [
  mongo.MongoNetworkError, // includes timeouts and a connection pool cleared after a failure
  mongo.MongoServerSelectionError,
  mongo.MongoNotConnectedError,
  mongo.MongoTopologyClosedError,
  mongo.MongoServerClosedError,
  mongoose.Error.MongooseServerSelectionError,
];

/** Seconds a client is told to wait before retrying while the database is away. */
export const databaseRetryAfterSeconds = 2;

export function isDatabaseUnavailableError(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (unavailableClasses.some((kind) => current instanceof kind)) return true;
    const labels = (current as { errorLabels?: unknown }).errorLabels;
    if (Array.isArray(labels) && labels.includes('ResetPool')) return true;
    // botbuilder-dialogs wraps what a dialog threw in a DialogContextError, keeping the original as `error`.
    const wrapper = current as { cause?: unknown; error?: unknown };
    current = wrapper.cause ?? wrapper.error;
  }
  return false;
}

/** Runs `task`, and again with backoff (0.25 s doubling to 4 s, jittered) while the database is unreachable, for up to `windowMs`. */
export function retryWhileUnavailable<T>(task: () => Promise<T>, windowMs: number): Promise<T> {
  return retry(() => task(), { firstDelayMs: 250, maxDelayMs: 4_000, windowMs, retryable: isDatabaseUnavailableError });
}
