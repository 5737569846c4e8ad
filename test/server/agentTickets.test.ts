// The agent console's ticket panel over real HTTP on the real embedded database: tickets opened for a live
// handoff's consumer (in the consumer's name, by the agent), that consumer's tickets, and evidence files named in
// progress notes and resolution claims — with who may do what, the duplicate guard, and what an upload must be.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { createAgentTicketsRouter } from '../../server/staffApi/agentTicketsRouter.js';
import { createStaffApiRouter } from '../../server/staffApi/staffApiRouter.js';
import { staffOpenApiDocument } from '../../server/staffApi/openApiDocument.js';
import { Directory } from '../../services/directory.js';
import { EVIDENCE_MAX_BYTES, EvidenceService, safeFilename } from '../../services/evidenceService.js';
import { HandoffTicketService } from '../../services/handoffTicketService.js';
import { LiveHandoffService } from '../../services/liveHandoffService.js';
import { StaffAuthService } from '../../services/staffAuthService.js';
import { StaffService } from '../../services/staffService.js';
import { TicketService } from '../../services/ticketService.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('agent_tickets');
const directory = Directory.loadDefault();
const operator = { role: 'system', id: 'test-operator' } as const;

let server: Server;
let baseUrl: string;
let auth: StaffAuthService;
let tickets: TicketService;
let handoffs: LiveHandoffService;
const tokens: Record<string, string> = {};
let consumerCount = 0;

const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really the rest of a png')]);
const pdf = Buffer.from('%PDF-1.4\n% meter test report\n');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
async function call(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; headers: Headers; bytes: Buffer }> {
  const sent: Record<string, string> = { ...headers };
  if (token) sent.authorization = `Bearer ${token}`;
  let payload: Uint8Array | string | undefined;
  if (Buffer.isBuffer(body)) payload = new Uint8Array(body);
  else if (body !== undefined) {
    sent['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(`${baseUrl}/api${path}`, { method, headers: sent, body: payload });
  const bytes = Buffer.from(await response.arrayBuffer());
  const isJson = response.headers.get('content-type')?.startsWith('application/json');
  return { status: response.status, body: isJson && bytes.length ? JSON.parse(bytes.toString('utf8')) : undefined, headers: response.headers, bytes };
}

/** A consumer waiting in the queue, with a mobile of their own (the duplicate guard keys on it); accepted by `agent` when given. */
async function handoff(agent?: string): Promise<{ id: string; channelUserId: string; mobile: string }> {
  consumerCount += 1;
  const channelUserId = `dl_ticket_panel_${consumerCount}_${Date.now()}`;
  const mobile = `98${String(Date.now()).slice(-4)}${String(consumerCount).padStart(4, '0')}`;
  const started = await handoffs.start({
    consumer: { role: 'consumer', channel: 'webchat', channelUserId },
    reason: 'asked',
    lastText: 'बात करनी है',
    language: 'hi',
    transcript: [],
  });
  const id = started.active.handoffId;
  if (agent) await handoffs.accept(await auth.authenticate(tokens[agent]), id);
  return { id, channelUserId, mobile };
}

const form = (mobile: string, overrides: Record<string, unknown> = {}) => ({
  category: 'supply',
  description: 'पूरी गली में 5 घंटे से बिजली नहीं है',
  place: { district: 'Lucknow', locality: 'Gomti Nagar' },
  mobile: `+91 ${mobile.slice(0, 5)} ${mobile.slice(5)}`,
  ...overrides,
});

beforeAll(async () => {
  auth = new StaffAuthService(db.models, directory);
  tickets = new TicketService(db.models, directory);
  handoffs = new LiveHandoffService(db.models);
  const staff = new StaffService(db.models, tickets, directory);
  const app = createApp({
    connection: db.connection,
    routers: [
      ['/api', createStaffApiRouter({ auth, staff })],
      ['/api', createAgentTicketsRouter({ auth, handoffTickets: new HandoffTicketService(db.models, tickets), evidence: new EvidenceService(db.models, staff) })],
    ],
  });
  server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const account of [
    { username: 'asha', password: 'asha-password-1', role: 'agent' as const, name: 'Asha Verma' },
    { username: 'ravi', password: 'ravi-password-1', role: 'agent' as const, name: 'Ravi Kumar' },
    { username: 'meera', password: 'meera-password-1', role: 'supervisor' as const, name: 'Meera Singh' },
    { username: 'pradeep', password: 'pradeep-password', role: 'officer' as const, officerId: 'je-gomti-nagar-1' },
    { username: 'vikas', password: 'vikas-password-1', role: 'officer' as const, officerId: 'je-indira-nagar-1' },
  ]) {
    await auth.createUser(account, operator);
    tokens[account.username] = (await auth.login({ username: account.username, password: account.password }, '127.0.0.1')).token;
  }
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

describe('opening a ticket for the handoff\'s consumer', () => {
  it('registers it in the consumer\'s name (from the handoff), with the agent as actor, on the console channel', async () => {
    const { id, channelUserId, mobile } = await handoff('asha');
    const opened = await call('POST', `/handoffs/${id}/tickets`, tokens.asha, form(mobile));
    expect(opened.status).toBe(201);
    expect(opened.body.duplicate).toBe(false);
    expect(opened.body.ticket).toMatchObject({
      status: 'assigned',
      consumer: { channel: 'webchat', channelUserId, mobile, language: 'hi' },
      place: { subDivisionId: 'sd-gomti-nagar' },
    });
    const stored = await tickets.get(opened.body.ticket.number);
    expect(stored.events[0]).toMatchObject({ type: 'ticket.registered', actor: { role: 'agent', id: 'asha', name: 'Asha Verma' }, channel: 'console' });
    // The consumer finds it among their own complaints.
    const theirs = await tickets.listForConsumer({ role: 'consumer', channel: 'webchat', channelUserId });
    expect(theirs.map((ticket) => ticket._id)).toEqual([opened.body.ticket.number]);

    const listed = await call('GET', `/handoffs/${id}/tickets`, tokens.ravi);
    expect(listed.status).toBe(200);
    expect(listed.body.tickets.map((ticket: { number: string }) => ticket.number)).toEqual([opened.body.ticket.number]);
  });

  it('returns the consumer\'s open ticket for the same complaint instead of a second one (200, duplicate)', async () => {
    const { id, mobile } = await handoff('asha');
    const first = await call('POST', `/handoffs/${id}/tickets`, tokens.asha, form(mobile));
    const again = await call('POST', `/handoffs/${id}/tickets`, tokens.asha, form(mobile, { description: 'फिर से: बिजली नहीं है' }));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, ticket: { number: first.body.ticket.number } });
    expect((await call('GET', `/handoffs/${id}/tickets`, tokens.asha)).body.tickets).toHaveLength(1);
  });

  it('takes the consumer from the handoff only: a consumer in the body is refused', async () => {
    const { id, mobile } = await handoff('asha');
    const smuggled = await call('POST', `/handoffs/${id}/tickets`, tokens.asha, form(mobile, { consumer: { channel: 'webchat', channelUserId: 'someone-else' } }));
    expect(smuggled.status).toBe(400);
    expect(smuggled.body.error.issues.join(' ')).toMatch(/consumer/);
    const badMobile = await call('POST', `/handoffs/${id}/tickets`, tokens.asha, form(mobile, { mobile: '12345' }));
    expect(badMobile.status).toBe(400);
  });

  // The authorisation matrix rows for the panel's routes.
  it.each([
    ['no token', 401, 401, undefined, 'asha'],
    ['an officer', 403, 403, 'pradeep', 'asha'],
    ['an agent who did not accept it', 403, 200, 'ravi', 'asha'],
    ['an agent, before anyone accepted it', 403, 200, 'ravi', undefined],
    ['the accepting agent', 201, 200, 'asha', 'asha'],
    ['a supervisor', 201, 200, 'meera', 'asha'],
  ] as const)('%s: open %i, list %i', async (_who, openStatus, listStatus, caller, acceptedBy) => {
    const { id, mobile } = await handoff(acceptedBy);
    expect((await call('POST', `/handoffs/${id}/tickets`, caller && tokens[caller], form(mobile))).status).toBe(openStatus);
    expect((await call('GET', `/handoffs/${id}/tickets`, caller && tokens[caller])).status).toBe(listStatus);
  });

  it('an unknown or malformed handoff is 404', async () => {
    expect((await call('GET', '/handoffs/handoff_0000000000000000/tickets', tokens.asha)).status).toBe(404);
    expect((await call('POST', '/handoffs/..%2F..%2Fetc/tickets', tokens.asha, form('9876543210'))).status).toBe(404);
  });
});

describe('evidence files', () => {
  async function ticketFor(agent = 'asha'): Promise<string> {
    const { id, mobile } = await handoff(agent);
    return (await call('POST', `/handoffs/${id}/tickets`, tokens[agent], form(mobile, { category: 'meter', description: 'मीटर तेज़ चल रहा है' }))).body.ticket.number;
  }

  it('stores a PNG and serves it back as an attachment, with its type and nosniff', async () => {
    const number = await ticketFor();
    const uploaded = await call('POST', `/tickets/${number}/evidence`, tokens.asha, png, { 'content-type': 'image/png', 'x-evidence-filename': encodeURIComponent('खंभा फोटो.png') });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.evidence).toMatchObject({ ticketNumber: number, contentType: 'image/png', filename: 'खंभा फोटो.png', size: png.length, uploadedBy: { role: 'agent', id: 'asha' } });
    expect(uploaded.body.evidence.id).toMatch(/^evidence_[0-9a-f]{16}$/);

    const served = await call('GET', `/evidence/${uploaded.body.evidence.id}`, tokens.meera);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(png)).toBe(true);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-disposition')).toBe(`attachment; filename="____ ____.png"; filename*=UTF-8''${encodeURIComponent('खंभा फोटो.png')}`);
  });

  it('checks the bytes against the declared type, and keeps only JPEG, PNG and PDF', async () => {
    const number = await ticketFor();
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    expect((await call('POST', `/tickets/${number}/evidence`, tokens.asha, html, { 'content-type': 'image/png' })).status).toBe(415);
    expect((await call('POST', `/tickets/${number}/evidence`, tokens.asha, html, { 'content-type': 'text/html' })).status).toBe(415);
    expect((await call('POST', `/tickets/${number}/evidence`, tokens.asha, png, { 'content-type': 'application/pdf' })).status).toBe(415);
    expect((await call('POST', `/tickets/${number}/evidence`, tokens.asha, Buffer.alloc(0), { 'content-type': 'image/png' })).status).toBe(400);
    const stored = await call('POST', `/tickets/${number}/evidence`, tokens.asha, pdf, { 'content-type': 'application/pdf' });
    expect(stored.status).toBe(201);
    expect(stored.body.evidence.filename).toBe('evidence.pdf');
  });

  it('refuses more than 2 MB (413)', async () => {
    const number = await ticketFor();
    const big = Buffer.concat([png, Buffer.alloc(EVIDENCE_MAX_BYTES)]);
    const response = await call('POST', `/tickets/${number}/evidence`, tokens.asha, big, { 'content-type': 'image/png' });
    expect(response.status).toBe(413);
    const exactly = Buffer.concat([png, Buffer.alloc(EVIDENCE_MAX_BYTES - png.length)]);
    expect((await call('POST', `/tickets/${number}/evidence`, tokens.asha, exactly, { 'content-type': 'image/png' })).status).toBe(201);
  });

  it('a path-like or hostile file name becomes a harmless display name', async () => {
    expect(safeFilename('../../etc/passwd', 'image/png')).toBe('passwd.png');
    expect(safeFilename('..\\..\\windows\\win.ini', 'application/pdf')).toBe('win.pdf');
    expect(safeFilename('"><img src=x onerror=alert(1)>.jpg', 'image/jpeg')).toBe('img srcx onerroralert1.jpg');
    expect(safeFilename('report.pdf\r\nSet-Cookie: a=b', 'application/pdf')).toBe('report.pdfSet-Cookie ab.pdf');
    expect(safeFilename('.htaccess', 'image/png')).toBe('htaccess.png');
    expect(safeFilename(undefined, 'image/jpeg')).toBe('evidence.jpg');
    const number = await ticketFor();
    const uploaded = await call('POST', `/tickets/${number}/evidence`, tokens.asha, png, { 'content-type': 'image/png', 'x-evidence-filename': '..%2F..%2Fserver%2Fmain.ts' });
    expect(uploaded.body.evidence.filename).toBe('main.png');
    const served = await call('GET', `/evidence/${uploaded.body.evidence.id}`, tokens.asha);
    expect(served.headers.get('content-disposition')).toBe(`attachment; filename="main.png"; filename*=UTF-8''main.png`);
  });

  it('follows the ticket\'s rules: officers in their area only, nobody without a session', async () => {
    const number = await ticketFor();
    const anonymous = await call('POST', `/tickets/${number}/evidence`, undefined, png, { 'content-type': 'image/png' });
    expect(anonymous.status).toBe(401);
    expect((await call('POST', `/tickets/${number}/evidence`, tokens.vikas, png, { 'content-type': 'image/png' })).status).toBe(404);
    const byOfficer = await call('POST', `/tickets/${number}/evidence`, tokens.pradeep, png, { 'content-type': 'image/png' });
    expect(byOfficer.status).toBe(201);
    const id = byOfficer.body.evidence.id;
    expect((await call('GET', `/evidence/${id}`, tokens.ravi)).status).toBe(200);
    expect((await call('GET', `/evidence/${id}`, tokens.vikas)).status).toBe(404);
    expect((await call('GET', `/evidence/${id}`)).status).toBe(401);
    expect((await call('GET', '/evidence/evidence_0000000000000000', tokens.meera)).status).toBe(404);
    expect((await call('GET', '/evidence/..%2F..%2Fetc%2Fpasswd', tokens.meera)).status).toBe(404);
  });

  it('a progress note and a resolution claim name the files; the history records them and its chain still verifies', async () => {
    const number = await ticketFor();
    const photo = (await call('POST', `/tickets/${number}/evidence`, tokens.asha, png, { 'content-type': 'image/png' })).body.evidence.id;
    const report = (await call('POST', `/tickets/${number}/evidence`, tokens.asha, pdf, { 'content-type': 'application/pdf' })).body.evidence.id;
    const progress = await call('POST', `/tickets/${number}/progress`, tokens.asha, { note: 'JE ने मीटर जाँचा', evidence: { files: [report] } });
    expect(progress.status).toBe(200);
    const claim = await call('POST', `/tickets/${number}/resolution`, tokens.asha, { note: 'अधिकारी के अनुसार मीटर बदल दिया गया', evidence: { files: [photo] } });
    expect(claim.status).toBe(200);
    expect(claim.body.ticket.status).toBe('awaiting_confirmation');

    const detail = await call('GET', `/tickets/${number}`, tokens.meera);
    expect(detail.body.chain.ok).toBe(true);
    const events = detail.body.ticket.events;
    expect(events.find((event: { type: string }) => event.type === 'ticket.work_started').evidence).toEqual({ note: 'JE ने मीटर जाँचा', files: [report] });
    expect(events.find((event: { type: string }) => event.type === 'ticket.resolution_claimed')).toMatchObject({
      actor: { role: 'agent', id: 'asha' },
      evidence: { note: 'अधिकारी के अनुसार मीटर बदल दिया गया', files: [photo] },
    });
  });

  it('a note may name only files of its own ticket', async () => {
    const number = await ticketFor();
    const other = await ticketFor();
    const elsewhere = (await call('POST', `/tickets/${other}/evidence`, tokens.asha, png, { 'content-type': 'image/png' })).body.evidence.id;
    const response = await call('POST', `/tickets/${number}/progress`, tokens.asha, { note: 'photo', evidence: { files: [elsewhere] } });
    expect(response.status).toBe(400);
    expect(response.body.error.issues).toEqual([`evidence.files: ${elsewhere} is not a file uploaded for ticket ${number}`]);
    const unknown = await call('POST', `/tickets/${number}/progress`, tokens.asha, { note: 'photo', evidence: { files: ['evidence_0000000000000000'] } });
    expect(unknown.status).toBe(400);
    const malformed = await call('POST', `/tickets/${number}/progress`, tokens.asha, { note: 'photo', evidence: { files: ['../x'] } });
    expect(malformed.status).toBe(400);
    expect((await tickets.get(number)).events.map((event) => event.type)).toEqual(['ticket.registered', 'ticket.assigned']);
  });
});

it('the OpenAPI document lists the panel\'s routes and the stream', () => {
  const paths = staffOpenApiDocument.paths as Record<string, Record<string, unknown>>;
  expect(Object.keys(paths['/handoffs/{id}/tickets']!)).toEqual(['get', 'post']);
  expect(paths['/tickets/{number}/evidence']!.post).toBeDefined();
  expect(paths['/evidence/{id}']!.get).toBeDefined();
  expect(paths['/handoffs/stream']!.get).toBeDefined();
});
