// JSON request bodies as every public route reads them: bounded, valid UTF-8 (body-parser would otherwise turn bad
// bytes into U+FFFD and store them), and free of keys that mean something to MongoDB ("$…", "a.b"), to BSON (NUL)
// or to JavaScript objects ("__proto__", "constructor", "prototype"). Strict zod schemas refuse unknown keys already;
// this also covers the fields that are free-form on purpose (a Direct Line activity's value, channelData, entities).
import express, { type RequestHandler } from 'express';
import { InvalidInputError } from '../services/errors.js';

export interface JsonBodyOptions {
  /** Largest body; bigger ones get 413. */
  limit: string | number;
  /**
   * Keep NUL characters inside string values (keys never): for consumer messages, which the edge cleans politely
   * instead of refusing. Staff input with a NUL is refused.
   */
  allowNulInValues?: boolean;
  /**
   * Default true. False only where a body is read loosely on purpose and never stored as given (the staff API's
   * closure attempts, recorded as text whatever they carry): size and UTF-8 are still checked.
   */
  refuseHostileContent?: boolean;
}

/** Thrown from body-parser's verify hook; server/httpErrors.ts maps the type to 400 invalid_utf8. */
class InvalidUtf8Error extends Error {
  readonly status = 400;
  readonly type = 'entity.invalid_utf8';
}

/** Another charset than UTF-8 declared; server/httpErrors.ts maps the type to 415 unsupported_charset. */
class UnsupportedCharsetError extends Error {
  readonly status = 415;
  readonly type = 'entity.unsupported_charset';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const objectKeys = new Set(['__proto__', 'constructor', 'prototype']);
/** Deeper than any body a client of ours sends; deeper ones are refused rather than walked. */
const maxDepth = 32;

/** Why this key may not be stored or merged, or undefined when it is harmless. */
function hostileKeyReason(key: string): string | undefined {
  if (key.startsWith('$')) return 'starts with "$"';
  if (key.includes('.')) return 'contains "."';
  if (key.includes('\u0000')) return 'contains a NUL character';
  if (objectKeys.has(key)) return 'is reserved';
  return undefined;
}

/** The first problem in a parsed JSON value, as "path: problem", or undefined when it is clean. */
function hostileJsonProblem(value: unknown, options: { allowNulInValues?: boolean } = {}, path = 'body', depth = 0): string | undefined {
  if (typeof value === 'string') {
    return !options.allowNulInValues && value.includes('\u0000') ? `${path}: contains a NUL character` : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= maxDepth) return `${path}: nested more than ${maxDepth} levels deep`;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = hostileJsonProblem(item, options, `${path}[${index}]`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const reason = hostileKeyReason(key);
    // Quoted, escaped and cut short: the answer is JSON, and the key is the caller's own text.
    if (reason) return `${path}: the field ${JSON.stringify(key.slice(0, 40))} ${reason}`;
    const problem = hostileJsonProblem((value as Record<string, unknown>)[key], options, `${path}.${key}`, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** express.json plus the checks above, as one middleware for a route. */
export function jsonBody(options: JsonBodyOptions): RequestHandler {
  const parse = express.json({
    limit: options.limit,
    verify: (_request, _response, buffer, encoding) => {
      // body-parser would also decode UTF-16 and UTF-32, where no UTF-8 check applies; JSON on the web is UTF-8.
      if (encoding.toLowerCase() !== 'utf-8') throw new UnsupportedCharsetError('Send JSON as UTF-8.');
      try {
        utf8.decode(buffer);
      } catch {
        throw new InvalidUtf8Error('The request body is not valid UTF-8.');
      }
    },
  });
  return (request, response, next) => {
    void parse(request, response, (error?: unknown) => {
      if (error || options.refuseHostileContent === false) {
        next(error);
        return;
      }
      const problem = hostileJsonProblem(request.body, { allowNulInValues: options.allowNulInValues });
      next(problem ? new InvalidInputError([problem]) : undefined);
    });
  };
}
