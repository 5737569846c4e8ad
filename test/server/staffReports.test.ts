// The report routes over real HTTP on the real embedded database: supervisors only, answered from the rollups.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { createStaffApiRouter } from '../../server/staffApi/staffApiRouter.js';
import { Directory } from '../../services/directory.js';
import { NotificationService } from '../../services/notificationService.js';
import { ReportService } from '../../services/reportService.js';
import { StaffAuthService } from '../../services/staffAuthService.js';
import { StaffService } from '../../services/staffService.js';
import { TicketService } from '../../services/ticketService.js';
import { ticketIn } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('staff_reports');
const directory = Directory.loadDefault();
const operator = { role: 'system', id: 'test-operator' } as const;
const accounts = {
  agent: { username: 'asha', password: 'asha-password-1', role: 'agent' },
  supervisor: { username: 'meera', password: 'meera-password-1', role: 'supervisor' },
  officer: { username: 'pradeep', password: 'pradeep-password', role: 'officer', officerId: 'je-gomti-nagar-1' },
} as const;
const tokens = {} as Record<keyof typeof accounts, string>;
let baseUrl = '';
let server: Server;

async function get(path: string, token?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  const tickets = new TicketService(db.models, directory);
  const reports = new ReportService(db.models);
  const auth = new StaffAuthService(db.models, directory);
  const app = createApp({ connection: db.connection, routers: [['/api', createStaffApiRouter({ auth, staff: new StaffService(db.models, tickets, directory, reports) })]] });
  server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const [name, account] of Object.entries(accounts)) {
    await auth.createUser(account, operator);
    tokens[name as keyof typeof accounts] = (await auth.login({ username: account.username, password: account.password }, '127.0.0.1')).token;
  }
  // Two open tickets at the Gomti Nagar JE, one reopened at the SDO after a "no", one closed after a "yes".
  const notifications = new NotificationService(db.models, { notifyConsumer: async () => 'delivered' }, { log: () => {}, reports });
  const made = await Promise.all([
    ticketIn(tickets, 'assigned'),
    ticketIn(tickets, 'in_progress'),
    ticketIn(tickets, 'reopened'),
    ticketIn(tickets, 'closed'),
  ]);
  for (const { ticket } of made) await notifications.drainTicket(ticket._id);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

describe('GET /api/reports/*', () => {
  for (const path of ['/api/reports/hotspots', '/api/reports/satisfaction']) {
    it(`${path}: 401 without a session, 403 for an agent or an officer`, async () => {
      expect((await get(path)).status).toBe(401);
      expect((await get(path, 'not-a-token')).status).toBe(401);
      const agent = await get(path, tokens.agent);
      expect(agent.status).toBe(403);
      expect(agent.body.error.code).toBeTypeOf('string');
      expect((await get(path, tokens.officer)).status).toBe(403);
    });
  }

  it('hotspots by officer for a supervisor: sorted by open tickets', async () => {
    const result = await get('/api/reports/hotspots?by=officer&limit=5', tokens.supervisor);
    expect(result.status).toBe(200);
    expect(result.body.by).toBe('officer');
    expect(result.body.rows.map((row: { key: string; open: number; rejected: number }) => [row.key, row.open, row.rejected])).toEqual([
      ['je-gomti-nagar-1', 2, 1],
      ['sdo-gomti-nagar', 1, 0],
    ]);
    const byLocality = await get('/api/reports/hotspots?by=locality', tokens.supervisor);
    expect(byLocality.body.rows).toMatchObject([{ key: 'Lucknow/Gomti Nagar', label: 'Gomti Nagar', open: 3, rejected: 1 }]);
  });

  it('the satisfaction register for a supervisor', async () => {
    const result = await get('/api/reports/satisfaction?by=officer', tokens.supervisor);
    expect(result.status).toBe(200);
    expect(result.body.rows).toMatchObject([{ key: 'je-gomti-nagar-1', claims: 2, rejected: 1, consumerConfirmed: 1, rejectedRate: 0.5 }]);
  });

  it('refuses an unknown dimension or field with 400', async () => {
    expect((await get('/api/reports/hotspots?by=feeder', tokens.supervisor)).status).toBe(400);
    expect((await get('/api/reports/satisfaction?by=locality', tokens.supervisor)).status).toBe(400);
    expect((await get('/api/reports/hotspots?limit=0', tokens.supervisor)).status).toBe(400);
  });

  it('both routes are in the OpenAPI document', async () => {
    const document = (await get('/api/openapi.json')).body;
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/reports/hotspots', '/reports/satisfaction']));
    expect(document.paths['/reports/hotspots'].get.responses).toHaveProperty('403');
  });
});
