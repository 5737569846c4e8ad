// Issue 11 item 6–7 on the whole helpline (createHelpline on the real database, served on 127.0.0.1): web chat sessions
// per address, messages per conversation, TRUST_PROXY, the identity cookie behind an HTTPS proxy, "forget me", and
// what /healthz tells the public. Each test names the "Done when" example it covers; each failed on main.
import { afterEach, expect, it } from 'vitest';
import { DirectLineAdapter } from '../../bot/adapters/directLineAdapter.js';
import { Directory } from '../../services/directory.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('abuse_limits_http');
const directory = Directory.loadDefault();
const directLineSecret = 'e2e-directline-secret-0123456789abcdefghij';
let served: ServedHelpline | undefined;

afterEach(async () => {
  await served?.close();
  served = undefined;
  // Each test counts from zero.
  await db.connection.collection('rate_limits').deleteMany({});
});

function openSession(baseUrl: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}/webchat/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
}

function cookieOf(response: Response): string {
  const header = response.headers.get('set-cookie') ?? '';
  return header.split(';')[0]!;
}

it('example "100 web chat sessions in 3.4 s from one address all succeed": they do not — 429 with Retry-After past the limit', { timeout: 120_000 }, async () => {
  served = await serveHelpline(db, directory);
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let index = 0; index < 100; index++) {
    const response = await openSession(served.baseUrl);
    statuses.push(response.status);
    if (response.status === 429) retryAfter ??= response.headers.get('retry-after');
    await response.body?.cancel();
  }
  expect(statuses.filter((status) => status === 200)).toHaveLength(30);
  expect(statuses.filter((status) => status === 429)).toHaveLength(70);
  expect(Number(retryAfter)).toBeGreaterThan(0);
  // Direct Line's own conversation creation (with the secret) counts against the same address.
  const direct = await fetch(`${served.baseUrl}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${directLineSecret}` } });
  expect(direct.status).toBe(429);
  expect(direct.headers.get('retry-after')).toMatch(/^\d+$/);
});

it('with TRUST_PROXY the X-Forwarded-For address is counted; without it every forwarded address is the proxy', async () => {
  served = await serveHelpline(db, directory, { trustProxy: true, abuseLimits: { webChatSessionsPerAddress: { points: 2, durationMs: 3_600_000 } } });
  for (let index = 0; index < 3; index++) await (await openSession(served.baseUrl, { 'x-forwarded-for': '203.0.113.7' })).body?.cancel();
  expect((await openSession(served.baseUrl, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(429);
  // Another consumer behind the same proxy is not refused.
  expect((await openSession(served.baseUrl, { 'x-forwarded-for': '198.51.100.20' })).status).toBe(200);
  await served.close();

  served = await serveHelpline(db, directory, { abuseLimits: { webChatSessionsPerAddress: { points: 2, durationMs: 3_600_000 } } });
  await db.connection.collection('rate_limits').deleteMany({});
  for (let index = 0; index < 2; index++) await (await openSession(served.baseUrl, { 'x-forwarded-for': `192.0.2.${index}` })).body?.cancel();
  // Not trusted: a forged header does not buy a fresh allowance.
  expect((await openSession(served.baseUrl, { 'x-forwarded-for': '192.0.2.99' })).status).toBe(429);
});

it('example "messages per conversation per minute are not limited": past the limit 429, and every accepted message gets its bot turn', async () => {
  served = await serveHelpline(db, directory, { abuseLimits: { messagesPerConversation: { points: 5, durationMs: 60_000 } } });
  const session = (await (await openSession(served.baseUrl)).json()) as { conversationId: string; token: string };
  const post = (text: string, index: number) =>
    fetch(`${served!.baseUrl}/v3/directline/conversations/${session.conversationId}/activities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text, from: { id: 'x' }, channelData: { clientActivityID: `flood-${index}` } }),
    });
  const answers = [];
  for (let index = 0; index < 9; index++) answers.push(await post(`hello ${index}`, index));
  const accepted = answers.filter((answer) => answer.status === 200);
  const refused = answers.filter((answer) => answer.status === 429);
  expect(accepted).toHaveLength(5);
  expect(refused).toHaveLength(4);
  expect(refused[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
  const acceptedIds = await Promise.all(accepted.map(async (answer) => ((await answer.json()) as { id: string }).id));
  await served.helpline.webChat.idle();
  // Nothing accepted then lost: each accepted message is stored and its turn finished (no pending turn left).
  const conversation = await db.models.directLineConversations.findById(session.conversationId, { pendingTurn: 1, head: 1 }).lean();
  expect(conversation?.pendingTurn).toBeUndefined();
  // Read as a client reads them (the recent ones live in the conversation document, older ones in the collection).
  const transcriptIds = new Set(((await served.helpline.webChat.transcript(session.conversationId)) ?? []).map((activity) => activity.id));
  const stored = acceptedIds.filter((id) => transcriptIds.has(id));
  expect(stored).toHaveLength(5);
});

it('example "behind an HTTPS proxy the cookie never gets Secure": with TRUST_PROXY and X-Forwarded-Proto https it is Secure and __Host- prefixed', async () => {
  served = await serveHelpline(db, directory, { trustProxy: 'loopback' as unknown as string[] });
  const overHttps = await openSession(served.baseUrl, { 'x-forwarded-proto': 'https' });
  const setCookie = overHttps.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(/^__Host-santushti_webchat_user=/);
  expect(setCookie).toMatch(/;\s*Secure/i);
  expect(setCookie).toMatch(/;\s*Path=\//i);
  expect(setCookie).not.toMatch(/Domain=/i);
  // A lifetime well short of the old year.
  const maxAge = Number(/Max-Age=(\d+)/i.exec(setCookie)?.[1]);
  expect(maxAge).toBeLessThanOrEqual(90 * 86_400);
  // The returning consumer (cookie sent back over HTTPS) keeps the identity.
  const first = (await overHttps.json()) as { userId: string };
  const again = (await (await openSession(served.baseUrl, { 'x-forwarded-proto': 'https', cookie: cookieOf(overHttps) })).json()) as { userId: string };
  expect(again.userId).toBe(first.userId);
  // Plain HTTP keeps the unprefixed, non-Secure cookie (a browser would refuse a Secure one there).
  const overHttp = (await openSession(served.baseUrl)).headers.get('set-cookie') ?? '';
  expect(overHttp).toMatch(/^santushti_webchat_user=/);
  expect(overHttp).not.toMatch(/Secure/i);
});

it('example "forget me": the identity ends on the server, and the old cookie no longer brings it back', async () => {
  served = await serveHelpline(db, directory);
  const opened = await openSession(served.baseUrl);
  const cookie = cookieOf(opened);
  const { userId } = (await opened.json()) as { userId: string };
  const same = (await (await openSession(served.baseUrl, { cookie })).json()) as { userId: string };
  expect(same.userId).toBe(userId);

  const forget = await fetch(`${served.baseUrl}/webchat/forget`, { method: 'POST', headers: { cookie } });
  expect(forget.status).toBe(200);
  expect(await forget.json()).toEqual({ forgotten: true });
  expect(forget.headers.get('set-cookie')).toMatch(/santushti_webchat_user=;.*Expires=Thu, 01 Jan 1970/i);

  // A copy of the old cookie (another tab, someone who saved it) gets a new, empty identity.
  const after = (await (await openSession(served.baseUrl, { cookie })).json()) as { userId: string };
  expect(after.userId).not.toBe(userId);
  // A cross-site forget is refused.
  const crossSite = await fetch(`${served.baseUrl}/webchat/forget`, { method: 'POST', headers: { cookie, 'sec-fetch-site': 'cross-site' } });
  expect(crossSite.status).toBe(403);
});

it('example "/healthz shows the WhatsApp phone number id and counters to anyone": the public sees only up/degraded, a supervisor the details', { timeout: 60_000 }, async () => {
  served = await serveHelpline(db, directory, {
    channels: [() => ({ channelIds: ['probe'], adapter: new DirectLineAdapter(db.models), health: () => ({ phoneNumberId: '123456789012345', received: 42 }) })],
  });
  const anonymous = await fetch(`${served.baseUrl}/healthz`);
  expect(anonymous.status).toBe(200);
  const publicText = await anonymous.text();
  expect(JSON.parse(publicText)).toEqual({ status: 'ok' });
  expect(publicText).not.toContain('123456789012345');

  const operator = { role: 'system', id: 'test-operator' } as const;
  await served.helpline.staffAuth.createUser({ username: 'health-super', password: 'health-super-password', role: 'supervisor', name: 'S' }, operator);
  await served.helpline.staffAuth.createUser({ username: 'health-agent', password: 'health-agent-password', role: 'agent', name: 'A' }, operator);
  const supervisor = await served.helpline.staffAuth.login({ username: 'health-super', password: 'health-super-password' }, '127.0.0.1');
  const agent = await served.helpline.staffAuth.login({ username: 'health-agent', password: 'health-agent-password' }, '127.0.0.1');
  const detailed = (await (await fetch(`${served.baseUrl}/healthz`, { headers: { authorization: `Bearer ${supervisor.token}` } })).json()) as Record<string, unknown>;
  expect(detailed).toMatchObject({ status: 'ok', database: 'ok', channels: { probe: { phoneNumberId: '123456789012345', received: 42 } } });
  const asAgent = (await (await fetch(`${served.baseUrl}/healthz`, { headers: { authorization: `Bearer ${agent.token}` } })).json()) as Record<string, unknown>;
  expect(asAgent).toEqual({ status: 'ok' });
  const badToken = await fetch(`${served.baseUrl}/healthz`, { headers: { authorization: 'Bearer not-a-token' } });
  expect(await badToken.json()).toEqual({ status: 'ok' });
});

it('idle web chat conversations expire with their activities and the user\'s pointer (the sweep); a live one stays', async () => {
  served = await serveHelpline(db, directory, { conversationIdleExpiryMs: 3_600_000 });
  const idle = (await (await openSession(served.baseUrl)).json()) as { conversationId: string; userId: string };
  const live = (await (await openSession(served.baseUrl)).json()) as { conversationId: string; userId: string };
  await served.helpline.webChat.idle();
  const idleHead = (await db.models.directLineConversations.findById(idle.conversationId, { head: 1 }).lean())!.head;
  expect(idleHead).toBeGreaterThan(0);
  await db.models.directLineConversations.updateOne({ _id: idle.conversationId }, { $set: { updatedAt: new Date(Date.now() - 2 * 3_600_000) } });

  await served.helpline.expiry.checkDue();

  expect(await db.models.directLineConversations.findById(idle.conversationId, { _id: 1 }).lean()).toBeNull();
  expect(await db.models.directLineUsers.findById(idle.userId, { _id: 1 }).lean()).toBeNull();
  expect(await db.models.directLineActivities.countDocuments({ conversationId: idle.conversationId })).toBe(0);
  expect(await served.helpline.webChat.transcript(idle.conversationId)).toBeNull();
  expect(await db.models.directLineConversations.findById(live.conversationId, { _id: 1 }).lean()).not.toBeNull();
  expect(((await served.helpline.webChat.transcript(live.conversationId)) ?? []).length).toBeGreaterThan(0);
});
