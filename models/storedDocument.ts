// A document as mongoose would store it from an object already shaped by its schema (typed, built in code, never
// from raw input): undefined fields left out and empty objects removed (`minimize`), so it can be inserted with the
// driver. Saves building and validating a mongoose Document on a hot path: for a new ticket (dozens of sub-documents:
// events, outbox effects) that was ~1.4 ms of the server's CPU per registration (docs/turn-cpu.md, second pass).
// Dates, arrays (also empty ones, as mongoose keeps them), nulls and every other value are kept as they are.

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function stored(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stored);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const inner = value[key];
    if (inner === undefined) continue;
    const kept = stored(inner);
    if (isPlainObject(kept) && Object.keys(kept).length === 0) continue;
    out[key] = kept;
  }
  return out;
}

/** The object as it is written: see the note at the top. Never mutates the argument. */
export function storedDocument<T extends object>(document: T): T {
  return stored(document) as T;
}
