// Planned shutdowns (issue 13 item 4): a supervisor declares one through the staff API (real HTTP on 127.0.0.1, real
// database); a consumer of that area who reports no supply during it is told it is planned and when supply returns, in
// their language, and still gets their own ticket; the reports count it apart from faults. Fails on main: there is no
// /api/shutdowns, no such reply, and every such complaint counts as a fault in the hotspots.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutdownTextsFor, textsFor } from '../../dialogs/texts.js';
import type { TicketRecord } from '../../models/ticketTypes.js';
import { createApp } from '../../server/app.js';
import { createShutdownsRouter } from '../../server/staffApi/shutdownsRouter.js';
import { createStaffApiRouter } from '../../server/staffApi/staffApiRouter.js';
import { ReportService } from '../../services/reportService.js';
import { ShutdownService } from '../../services/shutdownService.js';
import { StaffAuthService } from '../../services/staffAuthService.js';
import { StaffService } from '../../services/staffService.js';
import { createBotHarness, ticketNumberIn, type BotHarness } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('shutdowns');
const operator = { role: 'system', id: 'test-operator' } as const;
let harness: BotHarness;
let server: Server;
let baseUrl: string;
const tokens: Record<'supervisor' | 'agent' | 'je', string> = { supervisor: '', agent: '', je: '' };

interface Body {
  shutdown: { id: string; state: string; area: { key: string; locality?: string }; endsAt: string };
  shutdowns: Array<{ id: string; state: string }>;
  error: { code: string; issues?: string[] };
  token: string;
}

async function call(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Body }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Body };
}

beforeAll(async () => {
  harness = createBotHarness(db.models);
  const auth = new StaffAuthService(db.models, harness.directory);
  const app = createApp({
    connection: db.connection,
    routers: [
      ['/api', createStaffApiRouter({ auth, staff: new StaffService(db.models, harness.tickets, harness.directory) })],
      ['/api', createShutdownsRouter({ auth, shutdowns: new ShutdownService(db.models, harness.directory) })],
    ],
  });
  server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const users = {
    supervisor: { username: 'meera', password: 'meera-password-1', role: 'supervisor' as const },
    agent: { username: 'asha', password: 'asha-password-1', role: 'agent' as const },
    je: { username: 'pradeep', password: 'pradeep-password', role: 'officer' as const, officerId: 'je-gomti-nagar-1' },
  };
  for (const [key, user] of Object.entries(users) as Array<[keyof typeof tokens, (typeof users)[keyof typeof users]]>) {
    await auth.createUser(user, operator);
    tokens[key] = (await call('POST', '/api/auth/login', undefined, { username: user.username, password: user.password })).body.token;
  }
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

const hour = 3_600_000;
const window = (fromNowMs: number, lengthMs: number) => ({
  startsAt: new Date(Date.now() + fromNowMs).toISOString(),
  endsAt: new Date(Date.now() + fromNowMs + lengthMs).toISOString(),
});

describe('declaring, listing and cancelling through the staff API', () => {
  it('lets a supervisor declare one for a locality, everyone list it, and only a supervisor cancel it', async () => {
    const declared = await call('POST', '/api/shutdowns', tokens.supervisor, { district: 'lucknow', locality: 'chinhat', reason: '11 kV feeder maintenance', ...window(2 * hour, 4 * hour) });
    expect(declared.status).toBe(201);
    expect(declared.body.shutdown).toMatchObject({ state: 'upcoming', area: { key: 'locality:Lucknow/Chinhat', locality: 'Chinhat' } });
    const { id } = declared.body.shutdown;

    for (const role of ['agent', 'je'] as const) {
      expect((await call('POST', '/api/shutdowns', tokens[role], { district: 'Lucknow', reason: 'x', ...window(hour, hour) })).status).toBe(403);
      expect((await call('POST', `/api/shutdowns/${id}/cancel`, tokens[role], {})).status).toBe(403);
      const listed = await call('GET', '/api/shutdowns', tokens[role]);
      expect(listed.body.shutdowns.map((shutdown) => shutdown.id)).toContain(id);
    }
    expect((await call('GET', '/api/shutdowns')).status).toBe(401);

    const cancelled = await call('POST', `/api/shutdowns/${id}/cancel`, tokens.supervisor, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.shutdown.state).toBe('cancelled');
    expect((await call('GET', '/api/shutdowns', tokens.agent)).body.shutdowns.map((shutdown) => shutdown.id)).not.toContain(id);
    expect((await call('GET', '/api/shutdowns?include=all', tokens.agent)).body.shutdowns.map((shutdown) => shutdown.id)).toContain(id);
    expect((await call('POST', '/api/shutdowns/shd_0000000000000000/cancel', tokens.supervisor, {})).status).toBe(404);
  });

  it('refuses bad input with 400 and stores nothing', async () => {
    const before = await db.models.shutdownAreas.countDocuments({});
    const bad: unknown[] = [
      { district: 'Lucknow', reason: 'x', startsAt: window(2 * hour, 0).startsAt, endsAt: window(hour, 0).startsAt },
      { district: 'Lucknow', reason: 'x', ...window(0, 8 * 24 * hour) },
      { district: 'Lucknow', locality: 'Nowhere Nagar', reason: 'x', ...window(0, hour) },
      { district: 'Atlantis', reason: 'x', ...window(0, hour) },
      { district: { $ne: null }, reason: 'x', ...window(0, hour) },
      { district: 'Lucknow', reason: 'x', ...window(0, hour), $where: '1' },
      { district: 'Lucknow', reason: '', ...window(0, hour) },
      { district: 'Lucknow', reason: 'x', startsAt: 'tomorrow', endsAt: 'later' },
    ];
    for (const body of bad) {
      const result = await call('POST', '/api/shutdowns', tokens.supervisor, body);
      expect(result.status, JSON.stringify(body)).toBe(400);
    }
    expect(await db.models.shutdownAreas.countDocuments({})).toBe(before);
  });
});

describe('a consumer who reports no supply during a planned shutdown', () => {
  it.each([
    { style: 'Hinglish', language: 'hl' as const, report: 'bijli nahi hai gomti nagar me', skip: 'skip', yes: 'haan' },
    { style: 'English', language: 'en' as const, report: 'no electricity since morning in Gomti Nagar', skip: 'skip', yes: 'yes' },
    { style: 'Hindi', language: 'hi' as const, report: 'गोमती नगर में बिजली नहीं है', skip: 'छोड़ें', yes: 'हाँ' },
  ])('is told it is planned and when supply returns, in $style, and still gets a ticket of their own', async (c) => {
    const declared = await call('POST', '/api/shutdowns', tokens.supervisor, { district: 'Lucknow', locality: 'Gomti Nagar', reason: 'transformer replacement', ...window(-hour, 3 * hour) });
    expect(declared.body.shutdown.state).toBe('running');
    const endsAt = new Date(declared.body.shutdown.endsAt);

    const mobile = harness.newIdentity('planned').mobile;
    const chat = harness.consumer('whatsapp', `91${mobile}`);
    await chat.say(c.report);
    await chat.say(c.skip);
    const done = await chat.say(c.yes);
    const number = ticketNumberIn(done.text)!;
    expect(done.texts).toEqual([textsFor(c.language).registered(number, 'JE', 'Pradeep Srivastava (Demo)'), shutdownTextsFor(c.language).planned(endsAt)]);
    const ticket = await db.models.tickets.findById(number, { events: 0 }).lean<TicketRecord>();
    expect(ticket?.plannedShutdown?.id).toBeDefined();
    expect(ticket?.status).toBe('assigned');

    await call('POST', `/api/shutdowns/${declared.body.shutdown.id}/cancel`, tokens.supervisor, {});
  });

  it('is not counted as a fault in the hotspots: counted as plannedShutdown, while complaints elsewhere count as usual', async () => {
    const declared = await call('POST', '/api/shutdowns', tokens.supervisor, { district: 'Lucknow', subDivision: 'Vibhuti Khand', reason: 'line shifting', ...window(-hour, 2 * hour) });
    expect(declared.status).toBe(201);
    const inShutdown = harness.newIdentity('in');
    const planned = await harness.tickets.register(
      { category: 'supply', description: 'light nahi hai', consumer: { channel: 'webchat', channelUserId: inShutdown.userId, mobile: inShutdown.mobile }, place: { district: 'Lucknow', locality: 'Vibhuti Khand' } },
      { role: 'consumer', channel: 'webchat', channelUserId: inShutdown.userId },
    );
    const elsewhere = harness.newIdentity('out');
    const fault = await harness.tickets.register(
      { category: 'supply', description: 'light nahi hai', consumer: { channel: 'webchat', channelUserId: elsewhere.userId, mobile: elsewhere.mobile }, place: { district: 'Lucknow', locality: 'Alambagh' } },
      { role: 'consumer', channel: 'webchat', channelUserId: elsewhere.userId },
    );
    // A meter complaint in the same area during the shutdown is a fault like any other.
    const meter = await harness.tickets.register(
      { category: 'meter', description: 'meter jal gaya', consumer: { channel: 'webchat', channelUserId: inShutdown.userId, mobile: inShutdown.mobile }, place: { district: 'Lucknow', locality: 'Vibhuti Khand' } },
      { role: 'consumer', channel: 'webchat', channelUserId: inShutdown.userId },
    );
    expect(planned.ticket.plannedShutdown).toBeDefined();
    expect(fault.ticket.plannedShutdown).toBeUndefined();
    expect(meter.ticket.plannedShutdown).toBeUndefined();
    for (const { ticket } of [planned, fault, meter]) await harness.notifications.drainTicket(ticket._id);

    const report = await new ReportService(db.models, undefined, harness.directory).hotspots({ role: 'supervisor' }, { by: 'locality' });
    const row = (label: string) => report.rows.find((candidate) => candidate.label === label);
    expect(row('Vibhuti Khand')).toMatchObject({ complaints: 1, open: 1, plannedShutdown: 1 });
    expect(row('Alambagh')).toMatchObject({ complaints: 1, open: 1, plannedShutdown: 0 });
  });
});
