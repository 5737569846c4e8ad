// The staff API over real HTTP (127.0.0.1) on the real embedded database: who may do what, that nobody closes a
// ticket through it, that every action is attributed to the caller, and that bad input is refused at the edge.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketRecord } from '../../models/ticketTypes.js';
import { createApp } from '../../server/app.js';
import { createStaffApiRouter } from '../../server/staffApi/staffApiRouter.js';
import { createAgentTicketsRouter } from '../../server/staffApi/agentTicketsRouter.js';
import { HandoffStreamHub, createHandoffStreamRouter } from '../../server/staffApi/handoffStream.js';
import { EvidenceService } from '../../services/evidenceService.js';
import { HandoffTicketService } from '../../services/handoffTicketService.js';
import { handoffVersionReader } from '../../services/handoffVersions.js';
import { LiveHandoffService } from '../../services/liveHandoffService.js';
import { createCallbacksRouter } from '../../server/staffApi/callbacksRouter.js';
import { createShutdownsRouter } from '../../server/staffApi/shutdownsRouter.js';
import { ShutdownService } from '../../services/shutdownService.js';
import { createOfficerApiRouter } from '../../server/staffApi/officerRouter.js';
import { OfficerDeskService } from '../../services/officerDeskService.js';
import { CallbackService } from '../../services/callbackService.js';
import { createIncidentsRouter } from '../../server/staffApi/incidentsRouter.js';
import { IncidentService } from '../../services/incidentService.js';
import { createReportsRouter } from '../../server/staffApi/reportsRouter.js';
import { ReportService } from '../../services/reportService.js';
import { Directory } from '../../services/directory.js';
import { StaffAuthService, type StaffAuthServiceOptions } from '../../services/staffAuthService.js';
import { StaffService } from '../../services/staffService.js';
import { TicketService } from '../../services/ticketService.js';
import { complaintFor, newConsumer, ticketIn } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('staff_api');
const directory = Directory.loadDefault();
const operator = { role: 'system', id: 'test-operator' } as const;

interface RunningApi {
  baseUrl: string;
  router: Router;
  /** The report routes share /api and the OpenAPI document (server/staffApi/reportsRouter.ts). */
  reportsRouter: Router;
  auth: StaffAuthService;
  tickets: TicketService;
  close(): Promise<void>;
}

async function startApi(authOptions: StaffAuthServiceOptions = {}): Promise<RunningApi> {
  const tickets = new TicketService(db.models, directory);
  const auth = new StaffAuthService(db.models, directory, authOptions);
  const staff = new StaffService(db.models, tickets, directory);
  const router = createStaffApiRouter({ auth, staff });
  const reportsRouter = createReportsRouter({ auth, reports: new ReportService(db.models, undefined, directory), directory });
  const app = createApp({ connection: db.connection, routers: [['/api', router], ['/api', reportsRouter]] });
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    router,
    reportsRouter,
    auth,
    tickets,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
}
interface TicketJson {
  number: string;
  status: string;
  level: string;
  consumer: { mobile: string };
  place: { district: string; subDivisionId?: string };
  outbox?: unknown;
  duplicateKey?: unknown;
}
/** Every field the staff routes answer with, as JSON; each test reads those its route sends. */
interface ResponseBody {
  token: string;
  expiresAt: string;
  user: Record<string, unknown>;
  error: { code: string; message: string; issues: string[] };
  tickets: TicketJson[];
  nextCursor: string | null;
  ticket: TicketJson & { events: Array<{ type: string }> };
  claimId: string;
  chain: unknown;
}
interface CallResult {
  status: number;
  headers: Headers;
  body: ResponseBody;
}

async function call(api: RunningApi, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined || options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.rawBody ?? JSON.stringify(options.body);
  }
  const response = await fetch(`${api.baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as ResponseBody };
}

const roles = ['agent', 'supervisor', 'je', 'sdo', 'jeElsewhere'] as const;
type Role = (typeof roles)[number];
const accounts: Record<Role, { username: string; password: string; role: 'agent' | 'officer' | 'supervisor'; officerId?: string; actorId: string }> = {
  agent: { username: 'asha', password: 'asha-password-1', role: 'agent', actorId: 'asha' },
  supervisor: { username: 'meera', password: 'meera-password-1', role: 'supervisor', actorId: 'meera' },
  // The JE of Gomti Nagar, where ticketIn() registers its complaints.
  je: { username: 'pradeep', password: 'pradeep-password', role: 'officer', officerId: 'je-gomti-nagar-1', actorId: 'je-gomti-nagar-1' },
  // Gomti Nagar's SDO: the area includes those tickets, but they sit at the JE's level.
  sdo: { username: 'irfan', password: 'irfan-password-1', role: 'officer', officerId: 'sdo-gomti-nagar', actorId: 'sdo-gomti-nagar' },
  jeElsewhere: { username: 'vikas', password: 'vikas-password-1', role: 'officer', officerId: 'je-vibhuti-khand-1', actorId: 'je-vibhuti-khand-1' },
};

let api: RunningApi;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  api = await startApi();
  for (const role of roles) {
    const { username, password, role: staffRole, officerId } = accounts[role];
    await api.auth.createUser({ username, password, role: staffRole, officerId }, operator);
    const login = await call(api, 'POST', '/api/auth/login', { body: { username, password } });
    expect(login.status).toBe(200);
    tokens[role] = login.body.token;
  }
});

afterAll(async () => {
  await api?.close();
});

async function assignedTicket(): Promise<string> {
  return (await ticketIn(api.tickets, 'assigned')).ticket._id;
}

async function history(number: string): Promise<TicketRecord> {
  return api.tickets.get(number);
}

/** Every route the router registered, as OpenAPI spells paths. */
function registeredRoutes(router: Router): Array<{ method: string; path: string }> {
  return router.stack.flatMap((layer) => {
    if (!layer.route) return [];
    const methods = Object.keys((layer.route as unknown as { methods: Record<string, boolean> }).methods);
    const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
    return methods.map((method) => ({ method, path }));
  });
}

describe('logging in and out', () => {
  it('returns a token, its expiry and who logged in', async () => {
    const result = await call(api, 'POST', '/api/auth/login', { body: { username: 'Pradeep', password: 'pradeep-password' } });
    expect(result.status).toBe(200);
    expect(result.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(result.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 11 * 3600_000);
    expect(result.body.user).toEqual({ username: 'pradeep', role: 'officer', name: 'Pradeep Srivastava (Demo)' });
  });

  it('answers a wrong password and an unknown user with the same 401', async () => {
    const wrong = await call(api, 'POST', '/api/auth/login', { body: { username: 'meera', password: 'not-her-password' } });
    const unknown = await call(api, 'POST', '/api/auth/login', { body: { username: 'nobody', password: 'not-her-password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('answers the 6th failed login within 15 minutes with 429 and Retry-After', async () => {
    const limitedApi = await startApi();
    try {
      await limitedApi.auth.createUser({ username: 'ratelimited', password: 'the-right-password', role: 'agent' }, operator);
      for (let attempt = 1; attempt <= 5; attempt++) {
        const failure = await call(limitedApi, 'POST', '/api/auth/login', { body: { username: 'ratelimited', password: `wrong-password-${attempt}` } });
        expect(failure.status).toBe(401);
      }
      const sixth = await call(limitedApi, 'POST', '/api/auth/login', { body: { username: 'ratelimited', password: 'the-right-password' } });
      expect(sixth.status).toBe(429);
      expect(sixth.body.error.code).toBe('too_many_attempts');
      expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    } finally {
      await limitedApi.close();
    }
  });

  it('ends a session at logout: the token then gets 401', async () => {
    const { body } = await call(api, 'POST', '/api/auth/login', { body: { username: 'asha', password: 'asha-password-1' } });
    expect((await call(api, 'GET', '/api/tickets', { token: body.token })).status).toBe(200);
    expect((await call(api, 'POST', '/api/auth/logout', { token: body.token })).status).toBe(204);
    const after = await call(api, 'GET', '/api/tickets', { token: body.token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthenticated');
    expect(after.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('refuses an expired token', async () => {
    let offsetMs = 0;
    const clockApi = await startApi({ now: () => new Date(Date.now() + offsetMs) });
    try {
      const { body } = await call(clockApi, 'POST', '/api/auth/login', { body: { username: 'asha', password: 'asha-password-1' } });
      expect((await call(clockApi, 'GET', '/api/tickets', { token: body.token })).status).toBe(200);
      offsetMs = 12 * 3600_000 + 1_000;
      expect((await call(clockApi, 'GET', '/api/tickets', { token: body.token })).status).toBe(401);
    } finally {
      await clockApi.close();
    }
  });

  it('stops a disabled user\'s token on their very next request', async () => {
    await api.auth.createUser({ username: 'leaving', password: 'leaving-password', role: 'agent' }, operator);
    const { body } = await call(api, 'POST', '/api/auth/login', { body: { username: 'leaving', password: 'leaving-password' } });
    expect((await call(api, 'GET', '/api/tickets', { token: body.token })).status).toBe(200);
    const disabled = await call(api, 'POST', '/api/users/leaving/disable', { token: tokens.supervisor });
    expect(disabled.status).toBe(200);
    expect(disabled.body.user).toMatchObject({ username: 'leaving', disabled: true });
    expect((await call(api, 'GET', '/api/tickets', { token: body.token })).status).toBe(401);
  });
});

describe('permissions, checked on the server for every route', () => {
  it('refuses every staff route without a valid token (401) and records nothing', async () => {
    const number = await assignedTicket();
    const before = await history(number);
    const publicRoutes = new Set(['post /auth/login', 'get /openapi.json']);
    const routes = [...registeredRoutes(api.router), ...registeredRoutes(api.reportsRouter)].filter(({ method, path }) => !publicRoutes.has(`${method} ${path}`));
    expect(routes.length).toBeGreaterThanOrEqual(11);
    for (const { method, path } of routes) {
      const url = `/api${path.replace('{number}', number).replace('{username}', 'asha')}`;
      for (const token of [undefined, 'forged-token', 'A'.repeat(43)]) {
        const body = method === 'get' ? undefined : { status: 'closed', note: 'done' };
        const result = await call(api, method.toUpperCase(), url, { token, body });
        expect(result.status, `${method} ${url} with ${token ?? 'no token'}`).toBe(401);
      }
    }
    expect((await history(number)).eventCount).toBe(before.eventCount);
  });

  type Expectations = Record<Role, number>;
  const ticketRoutes: Array<{ name: string; method: string; suffix: string; body?: unknown; expected: Expectations }> = [
    { name: 'read', method: 'GET', suffix: '', expected: { agent: 200, supervisor: 200, je: 200, sdo: 200, jeElsewhere: 404 } },
    { name: 'assign', method: 'POST', suffix: '/assign', body: { note: 'Reassigned by place' }, expected: { agent: 200, supervisor: 200, je: 200, sdo: 403, jeElsewhere: 404 } },
    { name: 'progress', method: 'POST', suffix: '/progress', body: { note: 'Lineman on the way' }, expected: { agent: 200, supervisor: 200, je: 200, sdo: 403, jeElsewhere: 404 } },
    { name: 'resolution', method: 'POST', suffix: '/resolution', body: { note: 'Fuse replaced' }, expected: { agent: 200, supervisor: 200, je: 200, sdo: 403, jeElsewhere: 404 } },
    { name: 'close', method: 'POST', suffix: '/close', body: {}, expected: { agent: 403, supervisor: 403, je: 403, sdo: 403, jeElsewhere: 404 } },
    { name: 'set status', method: 'POST', suffix: '/status', body: { status: 'closed' }, expected: { agent: 403, supervisor: 403, je: 403, sdo: 403, jeElsewhere: 404 } },
    { name: 'patch status', method: 'PATCH', suffix: '', body: { status: 'closed' }, expected: { agent: 403, supervisor: 403, je: 403, sdo: 403, jeElsewhere: 404 } },
  ];

  for (const route of ticketRoutes) {
    for (const role of roles) {
      const expected = route.expected[role];
      it(`${route.name}: ${role} → ${expected}`, async () => {
        const number = await assignedTicket();
        const before = await history(number);
        const result = await call(api, route.method, `/api/tickets/${number}${route.suffix}`, { token: tokens[role], body: route.body });
        expect(result.status, JSON.stringify(result.body)).toBe(expected);
        const after = await history(number);
        const written = after.events.slice(before.events.length);
        if (route.method === 'GET' || expected === 404 || (expected === 403 && !['close', 'set status', 'patch status'].includes(route.name))) {
          expect(written).toEqual([]);
        } else {
          // Whatever was written is attributed to the caller, officers under their directory id.
          expect(written.length).toBeGreaterThan(0);
          for (const event of written) expect(event.actor).toMatchObject({ role: accounts[role].role, id: accounts[role].actorId });
        }
      });
    }
  }

  it('lists tickets for everyone, an officer only those of their area', async () => {
    const number = await assignedTicket();
    for (const role of roles) {
      const result = await call(api, 'GET', '/api/tickets?limit=100', { token: tokens[role] });
      expect(result.status).toBe(200);
      const numbers = result.body.tickets.map((ticket: { number: string }) => ticket.number);
      expect(numbers.includes(number), role).toBe(role !== 'jeElsewhere');
      if (role === 'jeElsewhere' || role === 'je') {
        for (const ticket of result.body.tickets) expect(directory.subDivisionIdsUnder(accounts[role].officerId!)).toContain(ticket.place.subDivisionId);
      }
    }
  });

  const userRoutes: Array<{ name: string; call: (token: string, index: number) => Promise<CallResult>; expected: Expectations }> = [
    {
      name: 'create a user',
      call: (token, index) => call(api, 'POST', '/api/users', { token, body: { username: `new-agent-${index}`, password: 'new-agent-password', role: 'agent' } }),
      expected: { agent: 403, supervisor: 201, je: 403, sdo: 403, jeElsewhere: 403 },
    },
    {
      name: 'disable a user',
      call: async (token, index) => {
        await api.auth.createUser({ username: `to-disable-${index}`, password: 'to-disable-password', role: 'agent' }, operator);
        return call(api, 'POST', `/api/users/to-disable-${index}/disable`, { token });
      },
      expected: { agent: 403, supervisor: 200, je: 403, sdo: 403, jeElsewhere: 403 },
    },
  ];
  let userIndex = 0;
  for (const route of userRoutes) {
    for (const role of roles) {
      it(`${route.name}: ${role} → ${route.expected[role]}`, async () => {
        userIndex += 1;
        const result = await route.call(tokens[role], userIndex);
        expect(result.status, JSON.stringify(result.body)).toBe(route.expected[role]);
      });
    }
  }

  it('lets an officer hand a ticket only to an officer who serves its place', async () => {
    const number = await assignedTicket();
    const elsewhere = await call(api, 'POST', `/api/tickets/${number}/assign`, { token: tokens.je, body: { officerId: 'je-chowk-1' } });
    expect(elsewhere.status).toBe(403);
    const upTheLadder = await call(api, 'POST', `/api/tickets/${number}/assign`, { token: tokens.je, body: { officerId: 'sdo-gomti-nagar' } });
    expect(upTheLadder.status).toBe(200);
    expect(upTheLadder.body.ticket).toMatchObject({ level: 'SDO', officer: { id: 'sdo-gomti-nagar' } });
    // Now at the SDO's level: the SDO may act, the JE may not.
    expect((await call(api, 'POST', `/api/tickets/${number}/progress`, { token: tokens.je, body: { note: 'still on it' } })).status).toBe(403);
    expect((await call(api, 'POST', `/api/tickets/${number}/progress`, { token: tokens.sdo, body: { note: 'taking over' } })).status).toBe(200);
  });
});

describe('nobody closes a ticket through the API', () => {
  const shapes = [
    { name: 'POST /close', method: 'POST', suffix: '/close', body: { note: 'Resolved as per JE' } },
    { name: 'PATCH status: closed', method: 'PATCH', suffix: '', body: { status: 'closed' } },
    { name: 'POST /status closed', method: 'POST', suffix: '/status', body: { status: 'closed' } },
  ];
  for (const shape of shapes) {
    it(`${shape.name} is refused with 403, says how to proceed, and is recorded with the caller as actor`, async () => {
      const { ticket } = await ticketIn(api.tickets, 'awaiting_confirmation');
      const before = await history(ticket._id);
      const result = await call(api, shape.method, `/api/tickets/${ticket._id}${shape.suffix}`, { token: tokens.je, body: shape.body });
      expect(result.status).toBe(403);
      expect(result.body.error.code).toBe('closure_not_permitted');
      expect(result.body.error.message).toMatch(/consumer answering "yes"/);
      expect(result.body.error.message).toMatch(/resolution claim/);

      const after = await history(ticket._id);
      expect(after.status).toBe('awaiting_confirmation');
      expect(after.closure).toBeUndefined();
      expect(after.events).toHaveLength(before.events.length + 1);
      expect(after.events.at(-1)).toMatchObject({ type: 'ticket.closure_refused', channel: 'api', actor: { role: 'officer', id: 'je-gomti-nagar-1' } });
      expect((await api.tickets.verify(ticket._id)).ok).toBe(true);
    });
  }

  it('refuses any status in a PATCH body, even with other fields, and writes what was asked', async () => {
    const number = await assignedTicket();
    const result = await call(api, 'PATCH', `/api/tickets/${number}`, { token: tokens.agent, body: { status: 'resolved', closedBy: 'asha', $set: { status: 'closed' } } });
    expect(result.status).toBe(403);
    const last = (await history(number)).events.at(-1)!;
    expect(last).toMatchObject({ type: 'ticket.closure_refused', actor: { role: 'agent', id: 'asha' } });
    expect(last.evidence?.note).toContain('"resolved"');
  });

  it('answers a PATCH without a status with 400 and records nothing', async () => {
    const number = await assignedTicket();
    const before = await history(number);
    const result = await call(api, 'PATCH', `/api/tickets/${number}`, { token: tokens.agent, body: { description: 'changed' } });
    expect(result.status).toBe(400);
    expect((await history(number)).eventCount).toBe(before.eventCount);
  });

  it('lets field staff claim a resolution: the ticket awaits the consumer, claimed by the caller', async () => {
    const number = await assignedTicket();
    const result = await call(api, 'POST', `/api/tickets/${number}/resolution`, {
      token: tokens.je,
      body: { note: 'Jumper replaced at the pole', evidence: { photoRef: 'photos/pole-17.jpg', meterReadingKwh: 10432.5 } },
    });
    expect(result.status).toBe(200);
    expect(result.body.claimId).toMatch(/^clm_/);
    expect(result.body.ticket).toMatchObject({ number, status: 'awaiting_confirmation', claim: { id: result.body.claimId, by: { role: 'officer', id: 'je-gomti-nagar-1' } } });
    const stored = await history(number);
    expect(stored.status).toBe('awaiting_confirmation');
    expect(stored.claim?.by).toMatchObject({ role: 'officer', id: 'je-gomti-nagar-1' });
    expect(stored.events.at(-1)).toMatchObject({
      type: 'ticket.resolution_claimed',
      claimId: result.body.claimId,
      evidence: { note: 'Jumper replaced at the pole', photoRef: 'photos/pole-17.jpg', meterReadingKwh: 10432.5 },
    });
  });

  it('starts the work with the first progress note and records later ones as progress', async () => {
    const number = await assignedTicket();
    const first = await call(api, 'POST', `/api/tickets/${number}/progress`, { token: tokens.agent, body: { note: 'JE says the lineman left' } });
    expect(first.body.ticket.status).toBe('in_progress');
    await call(api, 'POST', `/api/tickets/${number}/progress`, { token: tokens.agent, body: { note: 'Cable fault found' } });
    expect((await history(number)).events.slice(-2).map((event) => event.type)).toEqual(['ticket.work_started', 'ticket.progress_noted']);
  });

  it('shows one ticket with its history and a sound chain', async () => {
    const number = await assignedTicket();
    const result = await call(api, 'GET', `/api/tickets/${number.toLowerCase()}`, { token: tokens.sdo });
    expect(result.status).toBe(200);
    expect(result.body.ticket.number).toBe(number);
    expect(result.body.ticket.events.map((event: { type: string }) => event.type)).toEqual(['ticket.registered', 'ticket.assigned']);
    expect(result.body.ticket.outbox).toEqual(expect.any(Array));
    expect(result.body.ticket.duplicateKey).toBeUndefined();
    expect(result.body.chain).toEqual({ ok: true, events: 2 });
  });
});

describe('the phone filter', () => {
  it('finds the same tickets however the mobile is written, only that consumer\'s, without scanning', async () => {
    const consumer = newConsumer();
    const other = newConsumer();
    const mine = [
      (await api.tickets.register(complaintFor(consumer), consumer.actor)).ticket._id,
      (await api.tickets.register(complaintFor(consumer, { category: 'meter', description: 'Meter jal gaya' }), consumer.actor)).ticket._id,
    ].sort().reverse();
    await api.tickets.register(complaintFor(other), other.actor);

    const mobile = consumer.mobile;
    const forms = [mobile, `+91 ${mobile.slice(0, 5)} ${mobile.slice(5)}`, `0${mobile}`, `${mobile.slice(0, 5)} ${mobile.slice(5)}`, `+91-${mobile}`];
    const queries: Array<{ collection: string; filter: unknown }> = [];
    db.connection.set('debug', (collection: string, _method: string, filter: unknown) => queries.push({ collection, filter }));
    try {
      for (const form of forms) {
        const result = await call(api, 'GET', `/api/tickets?phone=${encodeURIComponent(form)}`, { token: tokens.agent });
        expect(result.status, form).toBe(200);
        expect(result.body.tickets.map((ticket: { number: string }) => ticket.number), form).toEqual(mine);
        for (const ticket of result.body.tickets) expect(ticket.consumer.mobile).toBe(mobile);
      }
    } finally {
      db.connection.set('debug', false);
    }
    const ticketQueries = queries.filter((query) => query.collection === 'tickets');
    expect(ticketQueries.length).toBeGreaterThan(0);
    // Authentication included: one session and one user read per request, all of them exact `_id` matches,
    // which the embedded server answers from its index.
    expect(queries.filter((query) => query.collection === 'staff_sessions')).toHaveLength(forms.length);
    expect(queries.filter((query) => query.collection === 'staff_users')).toHaveLength(forms.length);
    for (const query of queries) expect(Object.keys(query.filter as object), query.collection).toEqual(['_id']);
  });

  it('pages, filters further, keeps officers to their area and refuses a number that is not a mobile', async () => {
    const consumer = newConsumer();
    const numbers = [
      (await api.tickets.register(complaintFor(consumer), consumer.actor)).ticket._id,
      (await api.tickets.register(complaintFor(consumer, { category: 'bill', description: 'Bill zyada aaya' }), consumer.actor)).ticket._id,
    ].sort().reverse();
    const first = await call(api, 'GET', `/api/tickets?phone=${consumer.mobile}&limit=1`, { token: tokens.supervisor });
    expect(first.body.tickets.map((ticket: { number: string }) => ticket.number)).toEqual([numbers[0]]);
    const second = await call(api, 'GET', `/api/tickets?phone=${consumer.mobile}&limit=1&cursor=${first.body.nextCursor}`, { token: tokens.supervisor });
    expect(second.body.tickets.map((ticket: { number: string }) => ticket.number)).toEqual([numbers[1]]);
    expect(second.body.nextCursor).toBeNull();

    const bills = await call(api, 'GET', `/api/tickets?phone=${consumer.mobile}&category=bill`, { token: tokens.agent });
    expect(bills.body.tickets).toHaveLength(1);
    expect((await call(api, 'GET', `/api/tickets?phone=${consumer.mobile}`, { token: tokens.jeElsewhere })).body.tickets).toEqual([]);
    expect((await call(api, 'GET', `/api/tickets?phone=${consumer.mobile}`, { token: tokens.je })).body.tickets).toHaveLength(2);
    expect((await call(api, 'GET', '/api/tickets?phone=12345', { token: tokens.agent })).status).toBe(400);
  });

  it('filters by status, category and district without a phone', async () => {
    const number = await assignedTicket();
    const result = await call(api, 'GET', '/api/tickets?status=assigned&category=supply&district=lucknow&limit=100', { token: tokens.agent });
    expect(result.status).toBe(200);
    expect(result.body.tickets.map((ticket: { number: string }) => ticket.number)).toContain(number);
    for (const ticket of result.body.tickets) expect(ticket).toMatchObject({ status: 'assigned', category: 'supply', place: { district: 'Lucknow' } });
    for (const ticket of result.body.tickets) expect(ticket.outbox).toBeUndefined();
  });
});

// Issue 13 item 5: an open emergency is at the top of every staff list (officers' included), once.
describe('emergencies in the ticket list', () => {
  it('puts open emergencies first on the first page, above newer tickets, and never repeats them further down', async () => {
    const consumer = newConsumer();
    const { ticket: urgent } = await api.tickets.register(complaintFor(consumer, { description: 'live wire fallen on the road', emergency: true }), consumer.actor);
    const newer = [await assignedTicket(), await assignedTicket(), await assignedTicket()];
    for (const role of ['agent', 'je', 'sdo'] as const) {
      const first = await call(api, 'GET', '/api/tickets?limit=2', { token: tokens[role] });
      expect(first.status).toBe(200);
      expect(first.body.tickets[0]).toMatchObject({ number: urgent._id, emergency: true });
      expect(first.body.tickets.slice(1).map((ticket) => ticket.number)).toEqual([newer[2], newer[1]]);
      const second = await call(api, 'GET', `/api/tickets?limit=2&cursor=${first.body.nextCursor}`, { token: tokens[role] });
      expect(second.body.tickets.map((ticket) => ticket.number)).not.toContain(urgent._id);
      expect(second.body.tickets[0]?.number).toBe(newer[0]);
    }
    // An officer of another area does not see it at all.
    const elsewhere = await call(api, 'GET', '/api/tickets?limit=100', { token: tokens.jeElsewhere });
    expect(elsewhere.body.tickets.map((ticket) => ticket.number)).not.toContain(urgent._id);
    // The same consumer's list by phone: the emergency first there too.
    await api.tickets.register(complaintFor(consumer, { category: 'bill', description: 'bill too high' }), consumer.actor);
    const byPhone = await call(api, 'GET', `/api/tickets?phone=${consumer.mobile}`, { token: tokens.agent });
    expect(byPhone.body.tickets.map((ticket) => ticket.number)[0]).toBe(urgent._id);
    expect(byPhone.body.tickets).toHaveLength(2);
  });
});

describe('bad input is refused at the edge', () => {
  it('answers malformed JSON with 400 in the usual error shape', async () => {
    const number = await assignedTicket();
    const result = await call(api, 'POST', `/api/tickets/${number}/progress`, { token: tokens.agent, rawBody: '{"note": "unterminated' });
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ error: { code: 'malformed_json', message: expect.any(String) } });
    const login = await call(api, 'POST', '/api/auth/login', { rawBody: '{username:' });
    expect(login.status).toBe(400);
    expect(login.body.error.code).toBe('malformed_json');
  });

  it('lists unknown keys, $-keys included, and changes nothing', async () => {
    const number = await assignedTicket();
    const before = await history(number);
    const unknown = await call(api, 'POST', `/api/tickets/${number}/progress`, { token: tokens.agent, body: { note: 'ok', urgency: 'high' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('invalid_input');
    expect(unknown.body.error.issues.join(' ')).toContain('"urgency"');

    const dollar = await call(api, 'POST', `/api/tickets/${number}/resolution`, { token: tokens.agent, body: { note: 'ok', $set: { status: 'closed' } } });
    expect(dollar.status).toBe(400);
    expect(dollar.body.error.issues.join(' ')).toContain('"$set"');

    const operatorValue = await call(api, 'POST', `/api/tickets/${number}/assign`, { token: tokens.agent, body: { officerId: { $ne: null } } });
    expect(operatorValue.status).toBe(400);

    const nestedEvidence = await call(api, 'POST', `/api/tickets/${number}/resolution`, { token: tokens.agent, body: { note: 'ok', evidence: { $where: '1' } } });
    expect(nestedEvidence.status).toBe(400);

    const loginOperator = await call(api, 'POST', '/api/auth/login', { body: { username: { $gt: '' }, password: 'x' } });
    expect(loginOperator.status).toBe(400);

    for (const query of ['status[$ne]=closed', 'status=closed&status=assigned', 'sort=-createdAt', 'limit=1000']) {
      const result = await call(api, 'GET', `/api/tickets?${query}`, { token: tokens.agent });
      expect(result.status, query).toBe(400);
    }
    expect((await history(number)).eventCount).toBe(before.eventCount);
  });

  it('refuses a body over 64 kB with 413', async () => {
    const number = await assignedTicket();
    const result = await call(api, 'POST', `/api/tickets/${number}/progress`, { token: tokens.agent, body: { note: 'x'.repeat(70_000) } });
    expect(result.status).toBe(413);
  });
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1, describes every registered route (and nothing else), and every reference resolves', async () => {
    const result = await call(api, 'GET', '/api/openapi.json');
    expect(result.status).toBe(200);
    const document = result.body as unknown as { openapi: string; paths: Record<string, Record<string, { responses: object }>>; components: { schemas: Record<string, unknown> } };
    expect(document.openapi).toBe('3.1.0');

    // The agent console's and the callback queue's routers share the /api prefix (server/helpline.ts) and this document.
    const consoleRouters = [
      createHandoffStreamRouter({ auth: api.auth, hub: new HandoffStreamHub(new LiveHandoffService(db.models), api.auth, handoffVersionReader(db.models)) }),
      createAgentTicketsRouter({
        auth: api.auth,
        handoffTickets: new HandoffTicketService(db.models, api.tickets),
        evidence: new EvidenceService(db.models, new StaffService(db.models, api.tickets, directory)),
      }),
      // The callback queue's router is mounted at /api beside this one and documented in the same document.
      createCallbacksRouter({ auth: api.auth, callbacks: new CallbackService(db.models, api.tickets) }),
      // Planned shutdowns, likewise.
      createShutdownsRouter({ auth: api.auth, shutdowns: new ShutdownService(db.models, directory) }),
      // Area incidents: mounted at /api beside this one (server/helpline.ts), documented in the same document.
      createIncidentsRouter({ auth: api.auth, incidents: new IncidentService(db.models, directory, new TicketService(db.models, directory), { log: () => {} }) }),
      // The officer page's routes (worklist, start work, reassignment request) share /api and this document too.
      createOfficerApiRouter({ auth: api.auth, staff: new StaffService(db.models, api.tickets, directory), desk: new OfficerDeskService(db.models, directory) }),
    ];
    const registered = [api.router, api.reportsRouter, ...consoleRouters].flatMap(registeredRoutes).map(({ method, path }) => `${method} ${path}`).sort();
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .sort();
    expect(documented).toEqual(registered);
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations)) expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
    }

    const references = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]!);
    expect(references.length).toBeGreaterThan(10);
    for (const name of references) expect(document.components.schemas, name).toHaveProperty(name);
  });
});
