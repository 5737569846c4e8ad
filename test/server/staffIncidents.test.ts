// The incidents routes of the staff API over real HTTP (127.0.0.1) on the real database: no token, no access; agents
// read; officers act only in their own area (elsewhere an incident is "not found"); supervisors everywhere; bad input
// is refused at the edge with nothing written; and no route closes a ticket.
import type { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { createIncidentsRouter } from '../../server/staffApi/incidentsRouter.js';
import { Directory } from '../../services/directory.js';
import { IncidentService } from '../../services/incidentService.js';
import { StaffAuthService } from '../../services/staffAuthService.js';
import { TicketService } from '../../services/ticketService.js';
import { listenOnLoopback, type StaffApiCall } from '../support/staffApiClient.js';
import { complaintFor, newConsumer } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';
import type { Server } from 'node:http';

const db = useTestDatabase('staff_incidents');
const directory = Directory.loadDefault();
let server: Server;
let call: StaffApiCall;
let router: Router;
let tickets: TicketService;
let incidents: IncidentService;
const tokens: Record<'agent' | 'supervisor' | 'je' | 'jeElsewhere', string> = { agent: '', supervisor: '', je: '', jeElsewhere: '' };

beforeAll(async () => {
  tickets = new TicketService(db.models, directory);
  incidents = new IncidentService(db.models, directory, tickets, { threshold: 3, log: () => {} });
  const auth = new StaffAuthService(db.models, directory);
  router = createIncidentsRouter({ auth, incidents });
  ({ server, call } = await listenOnLoopback(createApp({ connection: db.connection, routers: [['/api', router]] })));
  const operator = { role: 'system', id: 'test-operator' } as const;
  const accounts = {
    agent: { username: 'inc-agent', role: 'agent' as const },
    supervisor: { username: 'inc-supervisor', role: 'supervisor' as const },
    je: { username: 'inc-je', role: 'officer' as const, officerId: 'je-indira-nagar-1' },
    jeElsewhere: { username: 'inc-je-elsewhere', role: 'officer' as const, officerId: 'je-aliganj-1' },
  };
  for (const [key, account] of Object.entries(accounts) as Array<[keyof typeof tokens, (typeof accounts)[keyof typeof accounts]]>) {
    await auth.createUser({ ...account, password: `${account.username}-password` }, operator);
    tokens[key] = (await auth.login({ username: account.username, password: `${account.username}-password` }, '127.0.0.1')).token;
  }
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

async function stormIn(locality: string, count: number): Promise<{ incidentId: string; numbers: string[] }> {
  const numbers: string[] = [];
  let incidentId = '';
  for (let i = 0; i < count; i++) {
    const consumer = newConsumer();
    const { ticket } = await tickets.register(complaintFor(consumer, { place: { district: 'Lucknow', locality } }), consumer.actor);
    numbers.push(ticket._id);
    incidentId = (await incidents.recordComplaint(ticket))?.incidentId ?? incidentId;
  }
  return { incidentId, numbers };
}

describe('incidents in the staff API', () => {
  it('every incidents route refuses a missing or forged token (401)', async () => {
    const { incidentId, numbers } = await stormIn('Bhootnath', 3);
    const routes = router.stack.flatMap((layer) =>
      layer.route ? Object.keys((layer.route as unknown as { methods: Record<string, boolean> }).methods).map((method) => ({ method, path: layer.route!.path })) : [],
    );
    expect(routes.length).toBe(8);
    for (const { method, path } of routes) {
      const url = path.replace(':id', incidentId).replace(':number', numbers[0]!);
      for (const token of [undefined, 'forged-token']) {
        const result = await call(method.toUpperCase(), url, token, method === 'get' ? undefined : { note: 'x' });
        expect(result.status, `${method} ${url}`).toBe(401);
      }
    }
    expect((await incidents.get(incidentId)).eventCount).toBe(1);
  });

  it('agents read; officers act in their own area only; supervisors everywhere; bad input is a 400 that writes nothing', async () => {
    const { incidentId, numbers } = await stormIn('Lekhraj Market', 3);
    expect((await call('GET', '/incidents', tokens.agent)).body.incidents.map((incident: { _id: string }) => incident._id)).toContain(incidentId);
    const detail = await call('GET', `/incidents/${incidentId}`, tokens.agent);
    expect(detail.status).toBe(200);
    expect(detail.body.chain).toMatchObject({ ok: true });
    expect(detail.body.tickets.map((ticket: { number: string }) => ticket.number).sort()).toEqual([...numbers].sort());
    expect(detail.body.tickets[0]).not.toHaveProperty('outbox');
    expect((await call('POST', `/incidents/${incidentId}/eta`, tokens.agent, { etaAt: new Date().toISOString() })).status).toBe(403);

    expect((await call('GET', `/incidents/${incidentId}`, tokens.jeElsewhere)).status).toBe(404);
    expect((await call('POST', `/incidents/${incidentId}/restore`, tokens.jeElsewhere, {})).status).toBe(404);
    expect((await call('GET', '/incidents', tokens.jeElsewhere)).body.incidents.map((incident: { _id: string }) => incident._id)).not.toContain(incidentId);
    expect((await call('POST', '/incidents', tokens.jeElsewhere, { locality: 'Faizabad Road' })).status).toBe(403);

    for (const body of [{ etaAt: 'soon' }, { etaAt: new Date().toISOString(), extra: 1 }, { etaAt: { $gt: '' } }, {}]) {
      expect((await call('POST', `/incidents/${incidentId}/eta`, tokens.je, body)).status).toBe(400);
    }
    expect((await call('GET', '/incidents/INC-999999-999', tokens.supervisor)).status).toBe(404);
    expect((await call('GET', '/incidents/not-an-id', tokens.supervisor)).status).toBe(400);
    expect((await incidents.get(incidentId)).eventCount).toBe(1);

    const progress = await call('POST', `/incidents/${incidentId}/progress`, tokens.je, { note: 'Crew at the transformer', status: 'crew_assigned' });
    expect(progress.status).toBe(200);
    expect(progress.body.incident.status).toBe('crew_assigned');
    const opened = await call('POST', '/incidents', tokens.supervisor, { locality: 'Faizabad Road', transformer: 'T-14' });
    expect(opened.status).toBe(201);
    expect(opened.body.incident).toMatchObject({ openedHow: 'staff', place: { locality: 'Faizabad Road', transformer: 'T-14' }, owner: { id: 'je-indira-nagar-1' } });
    expect((await call('POST', '/incidents', tokens.je, { locality: 'Faizabad Road' })).status).toBe(409);

    const merged = await call('POST', `/incidents/${incidentId}/merge`, tokens.je, { from: opened.body.incident._id });
    expect(merged.status).toBe(200);
    const detached = await call('POST', `/incidents/${incidentId}/tickets/${numbers[0]}/detach`, tokens.supervisor, { note: 'Meter fault' });
    expect(detached.status).toBe(200);
    expect((await tickets.get(numbers[0]!)).incidentId).toBeUndefined();

    const restored = await call('POST', `/incidents/${incidentId}/restore`, tokens.je, { note: 'Transformer replaced' });
    expect(restored.status).toBe(200);
    expect(restored.body.asked).toBe(2);
    // Restoration asks; it closes nothing.
    for (const number of numbers) expect((await tickets.get(number)).status).not.toBe('closed');
    expect((await call('POST', `/incidents/${incidentId}/eta`, tokens.je, { etaAt: new Date().toISOString() })).status).toBe(409);
    expect((await call('GET', `/incidents/${incidentId}`, tokens.je)).body.chain).toMatchObject({ ok: true });
  });
});
