// The report routes over real HTTP on the real embedded database: who may read what, JSON and CSV (Hindi headers,
// quoting, formula-injection escaping), and the OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffActor } from '../../models/ticketTypes.js';
import { reportAccounts as accounts, startReportsServer, type ReportsServer } from '../support/reportsServer.js';
import { ticketIn } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('staff_reports');
const tokens = {} as Record<keyof typeof accounts, string>;
/** A claimant whose name a spreadsheet would run as a formula. */
const mischievous: StaffActor = { role: 'agent', id: 'agent-eve', name: '=HYPERLINK("http://evil.example","click")' };
let reports: ReportsServer;
let baseUrl = '';
let gomtiNagarTicket = '';
let aliganjTicket = '';

async function get(path: string, token?: string): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const response = await fetch(`${baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json');
  return { status: response.status, body: json && text ? JSON.parse(text) : undefined, text, headers: response.headers };
}

beforeAll(async () => {
  reports = await startReportsServer(db);
  baseUrl = reports.baseUrl;
  for (const [name, account] of Object.entries(accounts)) {
    tokens[name as keyof typeof accounts] = (await reports.auth.login({ username: account.username, password: account.password }, '127.0.0.1')).token;
  }
  // Gomti Nagar: one closed by the consumer's "yes", one open. Aliganj: closed, claimed by the mischievous agent.
  const closed = await ticketIn(reports.tickets, 'closed');
  const open = await ticketIn(reports.tickets, 'assigned');
  gomtiNagarTicket = closed.ticket._id;
  aliganjTicket = await reports.closeWithClaimant('Aliganj', mischievous, 'bill');
  for (const number of [closed.ticket._id, open.ticket._id, aliganjTicket]) await reports.notifications.drainTicket(number);
});

afterAll(async () => {
  await reports?.close();
});

describe('GET /api/reports/*', () => {
  for (const path of ['/api/reports/hotspots', '/api/reports/satisfaction-register', '/api/reports/satisfaction-register?format=csv']) {
    it(`${path}: 401 without a session, 403 for an agent`, async () => {
      const anonymous = await get(path);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await get(path, 'not-a-token')).status).toBe(401);
      const agent = await get(path, tokens.agent);
      expect(agent.status).toBe(403);
      expect(agent.body.error.code).toBeTypeOf('string');
    });
  }

  it('hotspots: a supervisor sees every locality, an officer only those of their own area', async () => {
    const all = await get('/api/reports/hotspots?by=locality', tokens.supervisor);
    expect(all.status).toBe(200);
    expect(all.body.rows.map((row: { label: string; complaints: number; open: number; consumerConfirmed: number }) => [row.label, row.complaints, row.open, row.consumerConfirmed])).toEqual([
      ['Gomti Nagar', 2, 1, 1],
      ['Aliganj', 1, 0, 1],
    ]);
    const own = await get('/api/reports/hotspots?by=locality', tokens.officer);
    expect(own.status).toBe(200);
    expect(own.body.rows.map((row: { label: string }) => row.label)).toEqual(['Gomti Nagar']);
  });

  it('hotspots as CSV in Hindi: BOM, Hindi headers and place names, every cell quoted', async () => {
    const csv = await get('/api/reports/hotspots?by=locality&format=csv&lang=hi', tokens.supervisor);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="hotspots-locality-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"$/);
    const raw = new Uint8Array(await (await fetch(`${baseUrl}/api/reports/hotspots?by=locality&format=csv&lang=hi`, { headers: { authorization: `Bearer ${tokens.supervisor}` } })).arrayBuffer());
    expect([...raw.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]!.startsWith('"स्थान / अधिकारी","जिला","शिकायतें","अभी खुली"')).toBe(true);
    expect(lines[1]!.startsWith('"गोमती नगर","Lucknow","2","1",')).toBe(true);
    expect(lines.at(-1)).toBe('');
  });

  it('the register as JSON: every closure for a supervisor, the own area for an officer', async () => {
    const all = await get('/api/reports/satisfaction-register', tokens.supervisor);
    expect(all.status).toBe(200);
    expect(new Set(all.body.entries.map((entry: { ticket: string }) => entry.ticket))).toEqual(new Set([gomtiNagarTicket, aliganjTicket]));
    expect(all.body.nextCursor).toBeNull();
    const own = await get('/api/reports/satisfaction-register', tokens.officer);
    expect(own.body.entries.map((entry: { ticket: string; provenance: string }) => [entry.ticket, entry.provenance])).toEqual([[gomtiNagarTicket, 'consumer_confirmed']]);
  });

  it('the register as CSV: Hindi headers, and a formula-looking cell made inert', async () => {
    const csv = await get('/api/reports/satisfaction-register?format=csv&lang=hi&category=bill', tokens.supervisor);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toMatch(/satisfaction-register-.*\.csv/);
    const [header, line, end, ...rest] = csv.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(header).toBe('"टिकट","श्रेणी","जिला","उपखंड","मोहल्ला","पुष्टि","दावा किसने किया","दावे का समय (IST)","पुष्टि किसने की","बंद होने का समय (IST)","माध्यम"');
    expect(line).toContain(`"${aliganjTicket}","बिल","लखनऊ",`);
    expect(line).toContain(`"उपभोक्ता द्वारा पुष्टि","'=HYPERLINK(""http://evil.example"",""click"") (agent-eve)",`);
    expect(line).toContain('"उपभोक्ता"');
    expect(line).toMatch(/"\d{4}-\d{2}-\d{2} \d{2}:\d{2}","webchat"$/);
    expect([end, rest]).toEqual(['', []]);

    const english = await get('/api/reports/satisfaction-register?format=csv', tokens.officer);
    const englishLines = english.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(englishLines[0]).toBe('"Ticket","Category","District","Sub-division","Locality","Confirmation","Claimed by","Claimed at (IST)","Confirmed by","Closed at (IST)","Channel"');
    expect(englishLines.slice(1, -1).map((row) => row.split(',')[0])).toEqual([`"${gomtiNagarTicket}"`]);
    expect(englishLines[1]).toContain('"consumer-confirmed","JE Gomti Nagar (je-gomti-nagar-1)"');
  });

  it('refuses unknown dimensions, fields, bad days and limits with 400', async () => {
    for (const query of ['by=zone', 'limit=0', 'from=2026-13-01', 'from=2026-11-10&to=2026-11-01', 'colour=red', 'format=xml']) {
      expect((await get(`/api/reports/hotspots?${query}`, tokens.supervisor)).status, query).toBe(400);
    }
    expect((await get('/api/reports/satisfaction-register?cursor=nonsense', tokens.supervisor)).status).toBe(400);
    expect((await get('/api/reports/satisfaction-register?format=csv&from=2020-01-01', tokens.supervisor)).status).toBe(400);
  });

  it('both routes are in the OpenAPI document', async () => {
    const document = (await get('/api/openapi.json')).body;
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/reports/hotspots', '/reports/satisfaction-register']));
    expect(document.paths['/reports/hotspots'].get.responses).toHaveProperty('403');
    expect(document.paths['/reports/hotspots'].get.description).toMatch(/open: of those complaints/);
    expect(document.components.schemas).toHaveProperty('SatisfactionRegister');
  });
});
