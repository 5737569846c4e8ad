// Logging (issue 16): JSON lines with a request id on every line of a request, echoed in the error body of a failing
// request; an access line per request; phone numbers masked and credentials never written.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { jsonBody } from '../../server/jsonBody.js';
import { createLogger, lineLogger, maskDigits } from '../../server/logger.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('logging');
const lines: Array<Record<string, unknown>> = [];
const sink = new PassThrough();
sink.on('data', (chunk: Buffer) => {
  for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
});
let baseUrl: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const logger = createLogger({ format: 'json', level: 'info', destination: sink });
  const router = express.Router();
  router.post('/boom', jsonBody({ limit: 1_000 }), () => {
    throw new Error('the database refused consumer 9876543210');
  });
  router.get('/conversations/abc/activities', (_request, response) => {
    response.json({ activities: [] });
  });
  const app = createApp({ connection: db.connection, routers: [['/test', router]], logger });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});

afterAll(async () => {
  await close?.();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('the access log and request ids', () => {
  it('gives a failing request an id that is in its error body, its X-Request-Id and every log line about it', async () => {
    const response = await fetch(`${baseUrl}/test/boom?mobile=9876543210`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer super-secret-token-value' },
      body: '{}',
    });
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('internal');
    expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-request-id')).toBe(body.error.requestId);
    await settle();

    const ours = lines.filter((line) => (line.req as { id?: string } | undefined)?.id === body.error.requestId);
    // The error line (what failed, where) and the access line (status, time).
    const errorLine = ours.find((line) => line.msg === 'unhandled request error')!;
    expect(errorLine).toMatchObject({ level: 50, method: 'POST', path: '/test/boom' });
    const accessLine = ours.find((line) => line.responseTime !== undefined)!;
    expect(accessLine).toMatchObject({ res: { statusCode: 500 }, req: { method: 'POST', path: '/test/boom' } });
    expect(typeof accessLine.responseTime).toBe('number');
    expect(typeof accessLine.time).toBe('string');

    const written = JSON.stringify(lines);
    expect(written).not.toContain('9876543210');
    expect(written).toContain('…3210');
    expect(written).not.toContain('super-secret-token-value');
  });

  it("keeps a proxy's sane X-Request-Id and replaces a hostile one", async () => {
    const kept = await fetch(`${baseUrl}/nowhere`, { headers: { 'x-request-id': 'edge-7f3a.19' } });
    expect(((await kept.json()) as { error: { requestId: string } }).error.requestId).toBe('edge-7f3a.19');
    const hostile = await fetch(`${baseUrl}/nowhere`, { headers: { 'x-request-id': 'x"}{"admin":true' } });
    const id = ((await hostile.json()) as { error: { requestId: string } }).error.requestId;
    expect(id).not.toContain('admin');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("logs Web Chat's polls at debug level only", async () => {
    const before = lines.length;
    await (await fetch(`${baseUrl}/test/conversations/abc/activities?watermark=3`)).json();
    await settle();
    expect(lines.slice(before).filter((line) => (line.req as { path?: string } | undefined)?.path?.endsWith('/activities'))).toEqual([]);
  });
});

describe('masking and component lines', () => {
  it('masks phone numbers in every shape a channel uses, and leaves ticket numbers alone', () => {
    expect(maskDigits('sent to 919876543210@c.us')).toBe('sent to …3210@c.us');
    expect(maskDigits('mobile +919876543210 and 9876543210')).toBe('mobile …3210 and …3210');
    expect(maskDigits('ticket UP-261204-00042 at 14:05')).toBe('ticket UP-261204-00042 at 14:05');
  });

  it('turns "[component] text" lines into structured lines, failures as warnings', async () => {
    const before = lines.length;
    const log = lineLogger(createLogger({ format: 'json', destination: sink }));
    log('[notifications] effect e1: attempt 2 failed (timeout); retrying in 4 s');
    log('[sla] escalated UP-261204-00042 for 9876543210');
    await settle();
    const [failed, escalated] = lines.slice(before);
    expect(failed).toMatchObject({ level: 40, component: 'notifications' });
    expect(escalated).toMatchObject({ level: 30, component: 'sla', msg: 'escalated UP-261204-00042 for …3210' });
  });

  // Issue 15 (CPU per turn): masking moved from the logged arguments (walked object by object, which for the access
  // log meant the whole ServerResponse on every request) to the written line. Before, a number deeper than four levels
  // or in a child logger's bindings was written in full, and a Date field came out as {}.
  it('masks every string of the written line, nested fields and child bindings included, and keeps it valid JSON', async () => {
    const before = lines.length;
    const logger = createLogger({ format: 'json', destination: sink });
    logger.child({ consumer: 'whatsapp:919876543210' }).info({ a: { b: { c: { d: { e: { mobile: '+91 98765 43210 / 9876543210' } } } } } }, 'deep');
    logger.info({ note: 'NUL\u0000 then 1234567890123, quote " and 9123456789', at: new Date('2026-12-04T10:00:00.000Z'), count: 12 }, 'sent to %s', '919876543210@c.us');
    logger.info({ ticket: 'UP-261204-00042', time: '14:05' }, 'nothing to mask');
    await settle();
    const [deep, mixed, plain] = lines.slice(before);
    expect(deep).toMatchObject({ consumer: 'whatsapp:…3210', msg: 'deep' });
    expect(JSON.stringify(deep)).not.toMatch(/9876543210/);
    expect((deep as { a: { b: { c: { d: { e: { mobile: string } } } } } }).a.b.c.d.e.mobile).toBe('+91 98765 43210 / …3210');
    expect(mixed).toMatchObject({ msg: 'sent to …3210@c.us', note: 'NUL\u0000 then …0123, quote " and …6789', at: '2026-12-04T10:00:00.000Z', count: 12 });
    expect(plain).toMatchObject({ ticket: 'UP-261204-00042', time: '14:05', msg: 'nothing to mask' });
  });
});
