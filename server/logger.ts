// The one place that decides how the helpline logs: pino, JSON lines in production and readable lines in a terminal;
// levels; a request id on every line of a request; and nothing that identifies a consumer or opens a door — phone
// numbers (and other long digit runs such as account numbers) are masked in every message, credentials are redacted.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import pinoPretty from 'pino-pretty';

export type { Logger } from 'pino';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level?: LogLevel;
  /** json: one JSON object a line (production, log shippers); pretty: for a person at a terminal. */
  format?: 'json' | 'pretty';
  /** Where lines go (default: standard output). Tests pass a stream they read. */
  destination?: NodeJS.WritableStream;
}

// A phone number in any of the shapes consumers and channels use (9876543210, +919876543210, 919876543210@c.us) and
// any other run of 10–15 digits: kept only as its last four digits, enough to tell two apart in a log.
const longDigitRun = /(?<![\d])\+?\d{6,11}(\d{4})(?![\d])/g;

export function maskDigits(text: string): string {
  return text.replace(longDigitRun, (_whole, last4: string) => `…${last4}`);
}

// A JSON string literal in a written line, and a quick test for text that could hold a maskable run at all.
const jsonStringLiteral = /"(?:[^"\\]|\\.)*"/g;
const tenDigits = /\d{10}/;

/**
 * A log line as it is about to be written, every string in it (message, fields, child bindings, error text) masked.
 * Masking the written line, not the arguments, costs one test per line: walking the logged objects (the access log
 * logs the whole ServerResponse) cost more CPU than the request it logged. Numbers stay numbers, as before.
 */
function maskLine(line: string): string {
  if (!tenDigits.test(line)) return line;
  return line.replace(jsonStringLiteral, (literal) => (tenDigits.test(literal) ? JSON.stringify(maskDigits(JSON.parse(literal) as string)) : literal));
}

/** An error as pino writes it, its message and stack masked too (a driver error can quote a document). */
function maskedError(error: Error): object {
  const serialised = pino.stdSerializers.err(error);
  return { ...serialised, message: maskDigits(serialised.message), stack: serialised.stack && maskDigits(serialised.stack) };
}

/** Keys whose values never reach a log, wherever they sit in a logged object. */
const redactedPaths = [
  'password',
  'token',
  'secret',
  'authorization',
  'cookie',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const destination = options.destination ?? (format === 'pretty' ? pinoPretty({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) : process.stdout);
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'santushti' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: { err: maskedError },
      hooks: {
        // Every message and every logged field, masked before it is written.
        streamWrite: maskLine,
      },
    },
    destination,
  );
}

/**
 * The services and adapters log through a `(line) => void` they are given, with lines like "[notifications] …":
 * the tag becomes the line's `component`, a line mentioning a failure is a warning.
 */
export function lineLogger(logger: Logger): (line: string) => void {
  const children = new Map<string, Logger>();
  return (line) => {
    const match = /^\[([\w.-]{1,40})\]\s?([\s\S]*)$/.exec(line);
    const component = match?.[1] ?? 'santushti';
    const message = match?.[2] ?? line;
    let child = children.get(component);
    if (!child) {
      child = logger.child({ component });
      children.set(component, child);
    }
    if (/\b(fail(ed|ure)?|error|gave up|giving up|refused|unreachable)\b/i.test(message)) child.warn(message);
    else child.info(message);
  };
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;

/** The request id of a request (set by the access log below), for error bodies. */
export function requestIdOf(request: IncomingMessage): string | undefined {
  const id = (request as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The access log: one line per request with method, path (no query string: it can carry a phone number), status and
 * time, and a request id — the client's X-Request-Id when it is a sane one (a proxy's), else a new one — that every
 * line logged while serving it carries and that the response echoes. Web Chat's polls (several a second per open chat)
 * and health checks log at debug level.
 */
export function accessLogger(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: (request: IncomingMessage, response: ServerResponse) => {
      const offered = request.headers['x-request-id'];
      const id = typeof offered === 'string' && requestIdPattern.test(offered) ? offered : randomUUID();
      response.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (request, response, error) => {
      if (error || response.statusCode >= 500) return 'error';
      if (response.statusCode >= 400) return 'warn';
      if (request.method === 'GET' && (request.url === '/healthz' || /\/activities(\?|$)/.test(request.url ?? ''))) return 'debug';
      return 'info';
    },
    serializers: {
      // pino-http brings its own error serializer; ours masks.
      err: maskedError,
      req: (request: { id: string; method: string; url: string; remoteAddress?: string }) => ({
        id: request.id,
        method: request.method,
        path: maskDigits(request.url.split('?')[0] ?? ''),
        remoteAddress: request.remoteAddress,
      }),
      // The wrapped response says null until headers are out; the raw one has the status that was set.
      res: (response: { statusCode: number | null; raw?: ServerResponse }) => ({ statusCode: response.raw?.statusCode ?? response.statusCode }),
    },
  });
}
