// The agent console's server push (GET /api/handoffs/stream) over real HTTP on the real embedded database. Two
// LiveHandoffService instances share the database: `local` is wired to the hub (its writes wake it, as in
// server/helpline.ts), `otherProcess` is not — what it writes can only arrive through the hub's database poll, which
// is how a change made by another server process reaches this one's consoles.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { HandoffStreamHub, createHandoffStreamRouter, type HandoffStreamOptions } from '../../server/staffApi/handoffStream.js';
import { createStaffApiRouter } from '../../server/staffApi/staffApiRouter.js';
import { Directory } from '../../services/directory.js';
import { handoffVersionReader } from '../../services/handoffVersions.js';
import { LiveHandoffService } from '../../services/liveHandoffService.js';
import { StaffAuthService } from '../../services/staffAuthService.js';
import { StaffService } from '../../services/staffService.js';
import { TicketService } from '../../services/ticketService.js';
import { openSse, type SseEvent, type SseStream } from '../support/sseClient.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('handoff_stream');
const directory = Directory.loadDefault();
const operator = { role: 'system', id: 'test-operator' } as const;

interface Served {
  server: Server;
  baseUrl: string;
  hub: HandoffStreamHub;
  local: LiveHandoffService;
}

const served: Served[] = [];
const streams: SseStream[] = [];
let auth: StaffAuthService;
let otherProcess: LiveHandoffService;
let fast: Served;
const tokens: Record<string, string> = {};
let consumerCount = 0;

async function serve(options: HandoffStreamOptions): Promise<Served> {
  let hub: HandoffStreamHub | undefined;
  const local = new LiveHandoffService(db.models, undefined, { onChange: () => hub?.wake() });
  hub = new HandoffStreamHub(local, auth, handoffVersionReader(db.models), options);
  const staff = new StaffService(db.models, new TicketService(db.models, directory), directory);
  const app = createApp({
    connection: db.connection,
    routers: [
      ['/api', createHandoffStreamRouter({ auth, hub })],
      ['/api', createStaffApiRouter({ auth, staff })],
    ],
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const entry = { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hub, local };
  served.push(entry);
  return entry;
}

async function login(username: string, password: string): Promise<string> {
  return (await auth.login({ username, password }, '127.0.0.1')).token;
}

async function stream(on: Served, token: string | undefined, query = ''): Promise<SseStream> {
  const opened = await openSse(`${on.baseUrl}/api/handoffs/stream${query}`, token);
  streams.push(opened);
  return opened;
}

/** A consumer asking for a person, through the given service. */
async function ask(service: LiveHandoffService): Promise<string> {
  consumerCount += 1;
  const started = await service.start({
    consumer: { role: 'consumer', channel: 'webchat', channelUserId: `dl_stream_consumer_${consumerCount}` },
    reason: 'asked',
    lastText: 'talk to a person',
    language: 'en',
    transcript: [],
  });
  return started.active.handoffId;
}

const queueHas = (id: string, status = 'waiting') => (event: SseEvent) =>
  event.event === 'queue' && event.data.handoffs.some((entry: { id: string; status: string }) => entry.id === id && entry.status === status);

beforeAll(async () => {
  auth = new StaffAuthService(db.models, directory);
  otherProcess = new LiveHandoffService(db.models);
  for (const account of [
    { username: 'asha', password: 'asha-password-1', role: 'agent' as const, name: 'Asha Verma' },
    { username: 'meera', password: 'meera-password-1', role: 'supervisor' as const, name: 'Meera Singh' },
    { username: 'pradeep', password: 'pradeep-password', role: 'officer' as const, officerId: 'je-gomti-nagar-1' },
    { username: 'ravi', password: 'ravi-password-1', role: 'agent' as const, name: 'Ravi Kumar' },
  ]) {
    await auth.createUser(account, operator);
    tokens[account.username] = await login(account.username, account.password);
  }
  fast = await serve({ pollIntervalMs: 100, sessionCheckMs: 100, maxStreamsPerUser: 2 });
});

afterAll(async () => {
  for (const opened of streams) opened.close();
  for (const { server, hub } of served) {
    hub.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('the queue', () => {
  it('is sent on connect, with the stream headers', async () => {
    const id = await ask(otherProcess);
    const opened = await stream(fast, tokens.asha);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(opened.headers.get('cache-control')).toBe('no-store');
    const first = await opened.next(() => true);
    expect(first.event).toBe('queue');
    expect(first.data.handoffs.find((entry: { id: string }) => entry.id === id)).toMatchObject({ status: 'waiting', channel: 'webchat', reason: 'asked', language: 'en' });
    opened.close();
  });

  it('pushes a handoff another process opened, within a poll, and its acceptance', async () => {
    const opened = await stream(fast, tokens.asha);
    await opened.next((event) => event.event === 'queue');
    const id = await ask(otherProcess);
    await opened.next(queueHas(id), { timeoutMs: 3_000 });
    const principal = await auth.authenticate(tokens.ravi);
    await otherProcess.accept(principal, id);
    const accepted = await opened.next(queueHas(id, 'accepted'), { timeoutMs: 3_000 });
    expect(accepted.data.handoffs.find((entry: { id: string }) => entry.id === id).agent).toEqual({ username: 'ravi', name: 'Ravi Kumar' });
    opened.close();
  });

  it('does not repeat an unchanged queue (waiting times tick in the console, not on the wire)', async () => {
    const opened = await stream(fast, tokens.meera);
    await opened.next((event) => event.event === 'queue');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(opened.events.filter((event) => event.event === 'queue')).toHaveLength(1);
    opened.close();
  });

  it('a write in this process goes out at once, without waiting for the poll', async () => {
    const slow = await serve({ pollIntervalMs: 60_000 });
    const opened = await stream(slow, tokens.meera);
    await opened.next((event) => event.event === 'queue');
    const id = await ask(slow.local);
    await opened.next(queueHas(id), { timeoutMs: 2_000 });
    opened.close();
  });
});

describe('one handoff', () => {
  it('streams its messages and status, including those written by another process', async () => {
    const id = await ask(otherProcess);
    const opened = await stream(fast, tokens.asha, `?handoff=${id}`);
    const initial = await opened.next((event) => event.event === 'handoff');
    expect(initial.data.handoff).toMatchObject({ id, status: 'waiting', messages: [] });

    await otherProcess.appendMessage(id, 'consumer', '<img src=x onerror=alert(1)>');
    const message = await opened.next((event) => event.event === 'handoff' && event.data.handoff.messages.length === 1, { timeoutMs: 3_000 });
    expect(message.data.handoff.messages[0]).toMatchObject({ from: 'consumer', text: '<img src=x onerror=alert(1)>' });

    const asha = await auth.authenticate(tokens.asha);
    await otherProcess.accept(asha, id);
    await opened.next((event) => event.event === 'handoff' && event.data.handoff.status === 'accepted', { timeoutMs: 3_000 });
    await otherProcess.complete(asha, id);
    await opened.next((event) => event.event === 'handoff' && event.data.handoff.status === 'completed', { timeoutMs: 3_000 });
    opened.close();
  });

  it('refuses a malformed id (400) and an unknown one (404) before streaming', async () => {
    expect((await stream(fast, tokens.asha, '?handoff=../../etc')).status).toBe(400);
    expect((await stream(fast, tokens.asha, '?handoff=handoff_0000000000000000')).status).toBe(404);
    expect((await stream(fast, tokens.asha, '?other=1')).status).toBe(400);
  });
});

describe('who may listen, and for how long', () => {
  it('no token or a bad one: 401 with WWW-Authenticate; an officer: 403', async () => {
    const anonymous = await fetch(`${fast.baseUrl}/api/handoffs/stream`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await stream(fast, 'A'.repeat(43))).status).toBe(401);
    expect((await stream(fast, tokens.pradeep)).status).toBe(403);
    // A token in the URL is not a way in.
    expect((await fetch(`${fast.baseUrl}/api/handoffs/stream?token=${tokens.asha}`)).status).toBe(401);
  });

  it('logging out ends the stream with an `end` event', async () => {
    const token = await login('asha', 'asha-password-1');
    const opened = await stream(fast, token);
    await opened.next((event) => event.event === 'queue');
    const logout = await fetch(`${fast.baseUrl}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(logout.status).toBe(204);
    const end = await opened.next((event) => event.event === 'end', { timeoutMs: 3_000 });
    expect(end.data).toEqual({ reason: 'unauthenticated' });
    await opened.ended;
  });

  it('disabling the account ends its streams too', async () => {
    await auth.createUser({ username: 'leaving', password: 'leaving-password-1', role: 'agent' }, operator);
    const opened = await stream(fast, await login('leaving', 'leaving-password-1'));
    await opened.next((event) => event.event === 'queue');
    await auth.disableUser('leaving', operator);
    expect((await opened.next((event) => event.event === 'end', { timeoutMs: 3_000 })).data).toEqual({ reason: 'unauthenticated' });
    await opened.ended;
  });

  it('a user holds at most maxStreamsPerUser streams: a newer one ends the oldest', async () => {
    const token = await login('meera', 'meera-password-1');
    const first = await stream(fast, token);
    await first.next((event) => event.event === 'queue');
    const second = await stream(fast, token);
    await second.next((event) => event.event === 'queue');
    const third = await stream(fast, token);
    await third.next((event) => event.event === 'queue');
    expect((await first.next((event) => event.event === 'end')).data).toEqual({ reason: 'replaced' });
    await first.ended;
    expect(second.events.some((event) => event.event === 'end')).toBe(false);
    second.close();
    third.close();
  });

  it('a client that goes away is forgotten', async () => {
    // The earlier tests' streams, closed by their clients, are gone once the server has seen them close.
    await expect.poll(() => fast.hub.size, { timeout: 2_000 }).toBe(0);
    const opened = await stream(fast, tokens.ravi);
    await opened.next((event) => event.event === 'queue');
    expect(fast.hub.size).toBe(1);
    opened.close();
    await expect.poll(() => fast.hub.size, { timeout: 2_000 }).toBe(0);
  });
});
