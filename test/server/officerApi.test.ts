// The officer page's API over real HTTP on the real embedded database: an officer's own worklist comes from the officer
// queue document (kept by every handover), ordered by time limit, with counts; escalated tickets move to the next
// level's list at once; start work / reassignment follow the staff API's rules; nobody closes a ticket through it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Helpline } from '../../server/helpline.js';
import { Directory } from '../../services/directory.js';
import { complaintFor, newConsumer } from '../support/ticketFixtures.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { staffApiCaller, type StaffApiCall } from '../support/staffApiClient.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('officer_api');
const directory = Directory.loadDefault();
const operator = { role: 'system', id: 'test-operator' } as const;

let served: ServedHelpline;
let helpline: Helpline;
let call: StaffApiCall;
const tokens: Record<string, string> = {};

async function account(username: string, role: 'officer' | 'agent', officerId?: string): Promise<string> {
  const password = `${username}-test-password`;
  await helpline.staffAuth.createUser({ username, password, role, officerId, name: officerId ? undefined : username }, operator);
  return (await helpline.staffAuth.login({ username, password }, '127.0.0.1')).token;
}

beforeAll(async () => {
  served = await serveHelpline(db, directory);
  helpline = served.helpline;
  call = staffApiCaller(served.baseUrl);
  tokens.je = await account('je-gn', 'officer', 'je-gomti-nagar-1');
  tokens.sdo = await account('sdo-gn', 'officer', 'sdo-gomti-nagar');
  tokens.agent = await account('asha', 'agent');
});

afterAll(async () => {
  await served?.close();
});

async function register(category: 'supply' | 'bill' = 'supply') {
  const consumer = newConsumer();
  const { ticket } = await helpline.tickets.register(complaintFor(consumer, { category }), consumer.actor);
  return { number: ticket._id, consumer: consumer.actor };
}

describe('GET /api/officer/queue', () => {
  it("lists the officer's own open tickets, soonest time limit first, with counts; the queue is one document keyed by officer id", async () => {
    const bill = await register('bill'); // 7 days
    const supply = await register('supply'); // 4 hours
    const response = await call('GET', '/officer/queue', tokens.je);
    expect(response.status).toBe(200);
    const numbers = response.body.tickets.map((ticket: { number: string }) => ticket.number);
    expect(numbers.indexOf(supply.number)).toBeLessThan(numbers.indexOf(bill.number));
    expect(response.body.officer).toMatchObject({ id: 'je-gomti-nagar-1', level: 'JE' });
    expect(response.body.counts).toMatchObject({ total: numbers.length, overdue: 0, emergencies: 0 });
    expect(response.body.incidents).toEqual([]);
    const entry = response.body.tickets.find((ticket: { number: string }) => ticket.number === supply.number);
    expect(Date.parse(entry.dueAt) - Date.parse(entry.ownerSince)).toBe(4 * 3_600_000);
    const queue = await db.models.officerQueues.findById('je-gomti-nagar-1', { _consistentSnapshot: 0 }).lean();
    expect(queue?.ticketNumbers).toEqual(expect.arrayContaining([bill.number, supply.number]));
  });

  it('an escalated ticket leaves the JE list and is on the SDO list at once (the "no" puts it on the SDO\'s page)', async () => {
    const { number, consumer } = await register();
    expect((await call('POST', `/tickets/${number}/start`, tokens.je, { note: 'Lineman on the way' })).body.ticket.status).toBe('in_progress');
    const claim = await call('POST', `/tickets/${number}/resolution`, tokens.je, { note: 'Fuse replaced' });
    expect(claim.status).toBe(200);
    await helpline.tickets.recordClaimShown(number, claim.body.claimId, { role: 'system', id: 'delivery' }, 'webchat');
    await helpline.tickets.answerResolution(number, consumer, { claimId: claim.body.claimId, answer: 'no' });

    const je = await call('GET', '/officer/queue', tokens.je);
    expect(je.body.tickets.map((ticket: { number: string }) => ticket.number)).not.toContain(number);
    const sdo = await call('GET', '/officer/queue', tokens.sdo);
    expect(sdo.body.tickets).toContainEqual(expect.objectContaining({ number, status: 'reopened', level: 'SDO' }));
    const jeQueue = await db.models.officerQueues.findById('je-gomti-nagar-1', { _consistentSnapshot: 0 }).lean();
    expect(jeQueue?.ticketNumbers).not.toContain(number);
  });

  it('a ticket the consumer closed leaves the list', async () => {
    const { number, consumer } = await register();
    const claim = await call('POST', `/tickets/${number}/resolution`, tokens.je, { note: 'Fixed' });
    await helpline.tickets.recordClaimShown(number, claim.body.claimId, { role: 'system', id: 'delivery' }, 'webchat');
    await helpline.tickets.answerResolution(number, consumer, { claimId: claim.body.claimId, answer: 'yes' });
    const je = await call('GET', '/officer/queue', tokens.je);
    expect(je.body.tickets.map((ticket: { number: string }) => ticket.number)).not.toContain(number);
  });

  it('is for officers only, and for a valid session only', async () => {
    expect((await call('GET', '/officer/queue', tokens.agent)).status).toBe(403);
    expect((await call('GET', '/officer/queue')).status).toBe(401);
    expect((await call('GET', '/officer/queue', 'not-a-token')).status).toBe(401);
  });
});

describe('officer actions', () => {
  it('reassignment request is recorded in the history and leaves the ticket with its owner', async () => {
    const { number } = await register();
    const response = await call('POST', `/tickets/${number}/reassignment-request`, tokens.je, { note: 'This pole belongs to the next feeder' });
    expect(response.status).toBe(200);
    const ticket = await helpline.tickets.get(number);
    expect(ticket.officer?.id).toBe('je-gomti-nagar-1');
    expect(ticket.events.at(-1)).toMatchObject({ type: 'ticket.reassignment_requested', actor: { role: 'officer', id: 'je-gomti-nagar-1' }, evidence: { note: 'This pole belongs to the next feeder' } });
    expect((await helpline.tickets.verify(number)).ok).toBe(true);
    expect((await call('POST', `/tickets/${number}/reassignment-request`, tokens.je, { note: '' })).status).toBe(400);
    expect((await call('POST', `/tickets/${number}/reassignment-request`, tokens.je, { note: { $gt: '' } })).status).toBe(400);
  });

  it('an officer above the ticket\'s level can read it but cannot start it; no closure through any door', async () => {
    const { number } = await register();
    expect((await call('POST', `/tickets/${number}/start`, tokens.sdo, {})).status).toBe(403);
    expect((await call('POST', `/tickets/${number}/start`, tokens.je, { status: 'closed' })).status).toBe(400);
    expect((await call('POST', `/tickets/${number}/close`, tokens.je, {})).status).toBe(403);
    expect((await helpline.tickets.get(number)).status).toBe('assigned');
  });
});

describe('the /officer page', () => {
  it('is served with a strict policy, an installable manifest and a service worker allowed to serve /officer', async () => {
    const page = await fetch(`${served.baseUrl}/officer`);
    expect(page.status).toBe(200);
    const policy = page.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "script-src 'self'", "worker-src 'self'", "manifest-src 'self'", "frame-ancestors 'none'"]) expect(policy).toContain(directive);
    expect(policy).not.toContain('unsafe');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).toContain('capture="environment"');
    expect(html).not.toMatch(/<script>|\son\w+=/);

    const worker = await fetch(`${served.baseUrl}/officer/sw.js`);
    expect(worker.headers.get('service-worker-allowed')).toBe('/officer');
    expect(worker.headers.get('content-type')).toMatch(/^text\/javascript/);
    const manifest = await fetch(`${served.baseUrl}/officer/manifest.webmanifest`);
    expect(manifest.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
    expect(await manifest.json()).toMatchObject({ start_url: '/officer', scope: '/officer', display: 'standalone' });
  });
});
