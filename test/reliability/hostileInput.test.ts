// The hostile-input corpus (hostileCorpus.ts) against the whole helpline as `npm start` assembles it — web chat,
// WhatsApp Cloud (a fake Graph API on loopback), WhatsApp Web (a fake client), the staff API — on a real database.
// Every row goes out as raw bytes; after each one the answer must be the row's, in the error shape and without a stack
// trace or an echo of the payload, and the process must still answer /healthz, with no "$…"/dotted key or NUL in any
// document, no polluted prototype, and no collection changed that the row did not name. Each row is written to
// test-artifacts/reliability/ by recordCase.
import { once } from 'node:events';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Models } from '../../models/index.js';
import { DirectLineTokenService } from '../../server/directLine/tokenService.js';
import { LiveHandoffService } from '../../services/liveHandoffService.js';
import type { Helpline } from '../../server/helpline.js';
import { noQrRenderer } from '../../server/whatsappWeb/qrRendering.js';
import { createWhatsAppWebChannel } from '../../server/whatsappWeb/whatsAppWebChannel.js';
import { FakeWhatsAppWebClients, ManualScheduler } from '../support/fakeWhatsAppWebClient.js';
import { recordCase, reliabilityReportDirectory } from '../support/reliabilityReport.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { loopbackSecrets, startLoopbackHelpline, type LoopbackHelpline } from './helplineOnLoopback.js';
import { hostileCorpus, type CorpusContext, type HostileCase, type Probe, type RawRequest, type RawResponse } from './hostileCorpus.js';

const db = useTestDatabase('hostile_input');
const directLineSecret = loopbackSecrets.directLine;
const whatsApp = loopbackSecrets.whatsApp;
const operator = { role: 'system', id: 'hostile-test' } as const;

let loopback: LoopbackHelpline;
let helpline: Helpline;
let port: number;
let context: CorpusContext;
const processFailures: unknown[] = [];
const recordFailure = (error: unknown) => processFailures.push(error);
let countsAfterLastRow: Record<string, number> | undefined;
const prototypeKeysAtStart = Object.getOwnPropertyNames(Object.prototype).sort();

/** Sends exactly these bytes (path unnormalised, body as given or streamed) and reads the whole answer. */
function send(raw: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...raw.headers };
    if (raw.body !== undefined) headers['content-length'] = Buffer.byteLength(raw.body);
    const outgoing = httpRequest({ host: '127.0.0.1', port, method: raw.method, path: raw.path, headers, agent: false });
    let answered = false;
    outgoing.on('response', (incoming) => {
      answered = true;
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text, json });
      });
    });
    // The server may answer (413) and close before a streamed body is finished: that is its right.
    outgoing.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (raw.streamBytes === undefined) {
      outgoing.end(raw.body);
      return;
    }
    void (async () => {
      const chunk = Buffer.alloc(64 * 1024, 'a');
      outgoing.write('{"text":"');
      for (let sent = 0; sent < raw.streamBytes! && !answered && !outgoing.destroyed; sent += chunk.length) {
        if (!outgoing.write(chunk)) await once(outgoing, 'drain');
      }
      if (!outgoing.destroyed) outgoing.end('"}');
    })().catch(() => undefined);
  });
}

async function healthStatus(): Promise<number> {
  return (await send({ method: 'GET', path: '/healthz' })).status;
}

const probe: Probe = {
  get models() {
    return db.models;
  },
  async settle() {
    if (context) await helpline.notifications.drainTicket(context.tickets.ofConsumerA);
    await helpline.webChat.idle();
    await loopback.cloud.idle();
  },
  async storedActivities(conversationId) {
    return (await helpline.webChat.transcript(conversationId, { includeTyping: true })) ?? [];
  },
  async botTextsIn(conversationId) {
    return (await this.storedActivities(conversationId))
      .filter((activity) => activity.type === 'message' && activity.from?.role === 'bot')
      .map((activity) => activity.text ?? '');
  },
};

async function collectionCounts(): Promise<Record<string, number>> {
  const entries = await Promise.all(Object.entries(db.models as Models).map(async ([name, model]) => [name, await model.collection.countDocuments()] as const));
  return Object.fromEntries(entries);
}

/** Every "$…" or dotted key and every NUL in every stored document, as "collection: path". */
async function storedHostileContent(): Promise<string[]> {
  const found: string[] = [];
  const walk = (value: unknown, where: string) => {
    if (typeof value === 'string') {
      if (value.includes('\u0000')) found.push(`${where}: NUL`);
      return;
    }
    if (typeof value !== 'object' || value === null || value instanceof Date || Buffer.isBuffer(value)) return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, `${where}[${index}]`));
      return;
    }
    if ((value as { _bsontype?: string })._bsontype) return;
    for (const [key, item] of Object.entries(value)) {
      if (key.startsWith('$') || key.includes('.')) found.push(`${where}.${key}`);
      walk(item, `${where}.${key}`);
    }
  };
  await Promise.all(
    Object.entries(db.models as Models).map(async ([name, model]) => {
      for (const document of await model.collection.find({}).toArray()) walk(document, `${name}/${String(document._id)}`);
    }),
  );
  return found.sort();
}

beforeAll(async () => {
  // Rows are numbered: a previous run's files would outlive rows that moved.
  for (const file of existsSync(reliabilityReportDirectory) ? readdirSync(reliabilityReportDirectory) : []) {
    if (file.startsWith('hostile-')) rmSync(join(reliabilityReportDirectory, file));
  }
  process.on('uncaughtException', recordFailure);
  process.on('unhandledRejection', recordFailure);
  const webFactory = createWhatsAppWebChannel({
    dataPath: '/tmp/santushti-test-never-written',
    clientFactory: new FakeWhatsAppWebClients().factory,
    schedule: new ManualScheduler().schedule,
    watchdogIntervalMs: 0,
    qrRenderer: noQrRenderer,
  });
  loopback = await startLoopbackHelpline(db, { channels: [webFactory] });
  ({ helpline, port } = loopback);

  // Two web chat consumers, A and B, each with a conversation and a token.
  const startConversation = async (userId: string) => {
    const response = await send({
      method: 'POST',
      path: '/v3/directline/tokens/generate',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${directLineSecret}` },
      body: JSON.stringify({ user: { id: userId } }),
    });
    expect(response.status).toBe(200);
    return response.json as { conversationId: string; token: string };
  };
  const userA = 'hostile-consumer-a';
  const a = await startConversation(userA);
  const b = await startConversation('hostile-consumer-b');
  const expiredToken = new DirectLineTokenService(directLineSecret, { clock: () => Date.now() - 2 * 60 * 60_000 }).issue({ conversationId: a.conversationId, userId: userA }).token;

  const descriptionOfA = 'Transformer se dhuan nikal raha hai, Gomti Nagar sector 4';
  const { ticket } = await helpline.tickets.register(
    {
      category: 'supply',
      description: descriptionOfA,
      consumer: { channel: 'webchat', channelUserId: userA, mobile: '9876501234' },
      place: { district: 'Lucknow', locality: 'Gomti Nagar' },
    },
    { role: 'consumer', channel: 'webchat', channelUserId: userA },
  );

  // Issue 11: a second ticket of A's, its resolution question shown to A's web chat (not to any WhatsApp).
  const awaitingOfA = (
    await helpline.tickets.register(
      {
        category: 'meter',
        description: 'Meter jal gaya hai',
        consumer: { channel: 'webchat', channelUserId: userA, mobile: '9876501234' },
        place: { district: 'Lucknow', locality: 'Gomti Nagar' },
      },
      { role: 'consumer', channel: 'webchat', channelUserId: userA },
    )
  ).ticket._id;
  const shownClaim = await helpline.tickets.claimResolution(awaitingOfA, { role: 'officer', id: 'je-gomti-nagar-1', name: 'JE' }, { note: 'Naya meter laga diya' });
  await helpline.tickets.recordClaimShown(awaitingOfA, shownClaim.claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');

  const login = async (username: string, role: 'supervisor' | 'officer' | 'agent', officerId?: string) => {
    const password = `${username}-password-0123`;
    await helpline.staffAuth.createUser({ username, password, role, officerId }, operator);
    const response = await send({ method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    expect(response.status).toBe(200);
    return (response.json as { token: string }).token;
  };
  const supervisor = await login('hostile-supervisor', 'supervisor');
  const agent = await login('hostile-agent', 'agent');
  const officer = await login('hostile-officer', 'officer', 'je-aishbagh-1');
  const revoked = await login('hostile-revoked', 'agent');
  expect((await send({ method: 'POST', path: '/api/auth/logout', headers: { authorization: `Bearer ${revoked}` } })).status).toBe(204);
  const expired = await login('hostile-expired', 'agent');
  await db.models.staffSessions.updateOne({ username: 'hostile-expired' }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
  const disabled = await login('hostile-disabled', 'agent');
  await helpline.staffAuth.disableUser('hostile-disabled', await helpline.staffAuth.authenticate(supervisor));

  // One consumer waiting for an agent, and one who chose a callback instead.
  const waitingFor = (channelUserId: string) =>
    new LiveHandoffService(db.models).start({ consumer: { role: 'consumer', channel: 'webchat', channelUserId }, reason: 'asked', lastText: 'baat karni hai', language: 'hi', transcript: [] });
  const waiting = (await waitingFor('hostile-consumer-waiting')).active.handoffId;
  const calledBack = (await waitingFor('hostile-consumer-callback')).active.handoffId;
  await helpline.callbacks.enqueueHandoff({ handoffId: calledBack, channel: 'webchat', channelUserId: 'hostile-consumer-callback', mobile: '9876501299', language: 'hi' });

  context = {
    directLine: { secret: directLineSecret, tokenA: a.token, conversationA: a.conversationId, userA, tokenB: b.token, conversationB: b.conversationId, expiredToken },
    staff: { supervisor, agent, officer, revoked, expired, disabled },
    whatsApp,
    tickets: { ofConsumerA: ticket._id, descriptionOfA, awaitingOfA, mobileOfA: '9876501234' },
    handoffs: { waiting },
    callbacks: { waiting: `handoff:${calledBack}` },
  };
  await probe.settle();
}, 60_000);

afterAll(async () => {
  await loopback?.stop();
  process.off('uncaughtException', recordFailure);
  process.off('unhandledRejection', recordFailure);
});

const stackTrace = /\n\s+at\s|node_modules|\.ts:\d+|\.js:\d+/;
const echoedMarkup = /<script|onerror=/i;

function describeRequest(row: HostileCase, raw: RawRequest): string {
  const body = raw.streamBytes !== undefined ? `${raw.streamBytes} streamed bytes` : raw.body === undefined ? 'no body' : `${Buffer.byteLength(raw.body)}-byte body`;
  return `${row.entryPoint}: ${raw.method} ${raw.path.slice(0, 160)} (${body})`;
}

/** Runs one row: the request, the answer's checks, the post-conditions; returns what was seen. */
async function runRow(row: HostileCase): Promise<Record<string, unknown>> {
  const before = countsAfterLastRow ?? (await collectionCounts());
  countsAfterLastRow = undefined;
  for (let index = 0; index < (row.floodBefore ?? 0); index++) await send(row.request(context));
  const response = await send(row.request(context));
  const observed: Record<string, unknown> = {
    status: response.status,
    contentType: response.headers['content-type'],
    body: response.text.slice(0, 300),
  };
  expect(response.status, response.text.slice(0, 300)).toBe(row.expect.status);
  const type = row.expect.type ?? 'json';
  const contentType = String(response.headers['content-type'] ?? '');
  expect(contentType).toMatch(type === 'json' ? /^application\/json/ : type === 'html' ? /^text\/html/ : /^text\/plain/);
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.text).not.toMatch(stackTrace);
  if (response.status >= 400) {
    const error = (response.json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    expect(typeof error?.message).toBe('string');
    expect(error?.code).toBe(row.expect.code);
    expect(response.text).not.toMatch(echoedMarkup);
    observed.code = error?.code;
  }
  if (row.verify) observed.verified = await row.verify(context, response, probe);
  await probe.settle();

  const after = await collectionCounts();
  const allowed = row.mayChange === '*' ? Object.keys(after) : (row.mayChange ?? []);
  const changed = Object.keys(after).filter((name) => after[name] !== before[name]);
  observed.changedCollections = changed;
  expect(changed.filter((name) => !allowed.includes(name)), 'collections changed that the row did not name').toEqual([]);

  const health = await healthStatus();
  observed.healthz = health;
  expect(health).toBe(200);
  const stored = await storedHostileContent();
  observed.hostileContentStored = stored;
  expect(stored).toEqual([]);
  const polluted = ({} as Record<string, unknown>).polluted;
  observed.prototypePolluted = polluted !== undefined || Object.getOwnPropertyNames(Object.prototype).sort().join() !== prototypeKeysAtStart.join();
  expect(observed.prototypePolluted).toBe(false);
  expect(processFailures).toEqual([]);
  // Nothing moves between rows (no background sweeps), so this row's "after" is the next row's "before".
  countsAfterLastRow = after;
  return observed;
}

describe('the hostile-input corpus', () => {
  hostileCorpus.forEach((row, index) => {
    const caseName = `hostile ${String(index + 1).padStart(3, '0')} ${row.name}`;
    it(row.name, { timeout: 30_000 }, async () => {
      const raw = row.request(context);
      const expected = `${row.expect.status}${row.expect.code ? ` ${row.expect.code}` : ''}; health 200; nothing stored beyond ${JSON.stringify(row.mayChange ?? [])}; no "$"/dotted keys or NULs stored; no prototype pollution`;
      let observed: Record<string, unknown> = {};
      try {
        observed = await runRow(row);
        recordCase(caseName, { scenario: describeRequest(row, raw), expected, observed, passed: true });
      } catch (error) {
        recordCase(caseName, { scenario: describeRequest(row, raw), expected, observed: { ...observed, failure: String(error).slice(0, 500) }, passed: false });
        throw error;
      }
    });
  });
});

describe('headers too large for the HTTP parser', () => {
  it('a 64 kB header is refused by Node before any route runs, and the server carries on', async () => {
    const response = await send({ method: 'GET', path: '/api/tickets', headers: { authorization: `Bearer ${'A'.repeat(64 * 1024)}` } }).catch((error: unknown) => ({
      status: 0,
      text: String(error),
    }));
    const observed = { status: response.status, healthAfter: await healthStatus() };
    const passed = observed.status === 431 && observed.healthAfter === 200;
    recordCase('hostile oversized header', {
      scenario: 'staff-api: GET /api/tickets with a 64 kB Authorization header',
      expected: "431 from Node's HTTP parser (no JSON body: no route runs); health 200 after",
      observed,
      passed,
    });
    expect(observed).toEqual({ status: 431, healthAfter: 200 });
  });
});

describe('a body that never ends', () => {
  it('holds only its own connection: the server keeps answering, and nothing is stored when the client gives up', { timeout: 30_000 }, async () => {
    const before = await collectionCounts();
    const outgoing = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/auth/login',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      agent: false,
    });
    outgoing.on('error', () => undefined);
    outgoing.write('{"username":"hostile-supervisor","password":"');
    outgoing.flushHeaders();
    const healthWhileHanging = await healthStatus();
    const loginWhileHanging = await send({
      method: 'POST',
      path: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'nobody-at-all', password: 'wrong-password-0123' }),
    });
    outgoing.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await collectionCounts();
    const observed = {
      healthWhileHanging,
      otherRequestWhileHanging: loginWhileHanging.status,
      countsUnchanged: JSON.stringify(before) === JSON.stringify(after),
      healthAfter: await healthStatus(),
      serverRequestTimeoutMs: loopback.server.requestTimeout,
      serverHeadersTimeoutMs: loopback.server.headersTimeout,
    };
    const passed = observed.healthWhileHanging === 200 && observed.otherRequestWhileHanging === 401 && observed.countsUnchanged && observed.healthAfter === 200;
    recordCase('hostile chunked body with no end', {
      scenario: 'staff-api: POST /api/auth/login, chunked, half a JSON body and then nothing until the client gives up',
      expected: 'other requests answered meanwhile; nothing stored; health 200 after; node closes such a request after requestTimeout',
      observed,
      passed,
    });
    expect(observed).toMatchObject({ healthWhileHanging: 200, otherRequestWhileHanging: 401, countsUnchanged: true, healthAfter: 200 });
    expect(loopback.server.requestTimeout).toBeGreaterThan(0);
  });
});
