// Direct Line 3.0 over real HTTP on the real database: what Web Chat relies on (tokens, echoes, watermarks, error
// statuses) and what the helpline relies on (identity from the token, order, proactive messages, restarts).
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TurnContext, type Activity } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  channelAccount,
  conversationAccount,
  DirectLineAdapter,
  type ActivityJson,
  type BotLogic,
} from '../../bot/adapters/directLineAdapter.js';
import { createApp } from '../../server/app.js';
import { createDirectLineRouter } from '../../server/directLine/directLineRouter.js';
import { DirectLineTokenService } from '../../server/directLine/tokenService.js';
import { createWebChatPageRouter, webChatUserCookie } from '../../server/directLine/webChatPageRouter.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('directline_router');
const secret = 'test-directline-secret-0123456789abcdef';
const cookieSecret = 'test-cookie-secret-0123456789abcdefghij';
const tokens = new DirectLineTokenService(secret);

/** Echoes messages, welcomes new members, and fails on "boom" (the turn-error handler then apologises). */
const echoBot: BotLogic = async (context) => {
  const { activity } = context;
  if (activity.type === 'conversationUpdate') {
    for (const member of activity.membersAdded ?? []) {
      if (member.id !== activity.recipient.id) await context.sendActivity('Welcome');
    }
    return;
  }
  if (activity.type !== 'message') return;
  if (activity.text === 'boom') throw new Error('the bot tripped');
  await context.sendActivity(`Echo: ${activity.text ?? ''}`);
};

interface RunningServer {
  baseUrl: string;
  adapter: DirectLineAdapter;
  close(): Promise<void>;
}

const servers: RunningServer[] = [];

async function startServer(logic: BotLogic = echoBot): Promise<RunningServer> {
  const adapter = new DirectLineAdapter(db.models);
  adapter.onTurnError = async (context) => {
    await context.sendActivity('Sorry, something went wrong on our side.');
  };
  const app = createApp({
    connection: db.connection,
    routers: [
      ['/v3/directline', createDirectLineRouter({ adapter, tokens, logic })],
      ['/', createWebChatPageRouter({ adapter, tokens, logic, cookieSecret })],
    ],
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const running: RunningServer = {
    baseUrl: `http://127.0.0.1:${port}`,
    adapter,
    async close() {
      await adapter.idle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(running);
  return running;
}

let main: RunningServer;
beforeAll(async () => {
  main = await startServer();
});
afterAll(async () => {
  for (const server of servers) await server.close();
});

interface Reply {
  status: number;
  body: unknown;
  headers: Headers;
}

async function call(
  method: string,
  path: string,
  options: { auth?: string; json?: unknown; rawBody?: string; headers?: Record<string, string>; server?: RunningServer } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) headers.authorization = `Bearer ${options.auth}`;
  let body: string | undefined;
  if (options.json !== undefined) body = JSON.stringify(options.json);
  if (options.rawBody !== undefined) body = options.rawBody;
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${(options.server ?? main).baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

interface Started {
  conversationId: string;
  token: string;
  expires_in: number;
}

async function startConversation(user?: { id?: string; name?: string }): Promise<Started> {
  const reply = await call('POST', '/v3/directline/tokens/generate', { auth: secret, json: user ? { user } : {} });
  expect(reply.status).toBe(200);
  return reply.body as Started;
}

async function poll(conversation: Started, watermark = '', server?: RunningServer): Promise<{ activities: ActivityJson[]; watermark: string }> {
  const reply = await call('GET', `/v3/directline/conversations/${conversation.conversationId}/activities?watermark=${watermark}`, {
    auth: conversation.token,
    server,
  });
  expect(reply.status).toBe(200);
  return reply.body as { activities: ActivityJson[]; watermark: string };
}

async function post(conversation: Started, activity: Record<string, unknown>, server?: RunningServer): Promise<Reply> {
  return call('POST', `/v3/directline/conversations/${conversation.conversationId}/activities`, {
    auth: conversation.token,
    json: activity,
    server,
  });
}

function expectError(reply: Reply, status: number, code?: string): void {
  expect(reply.status).toBe(status);
  const body = reply.body as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code).toBe('string');
  expect(typeof body.error?.message).toBe('string');
  if (code) expect(body.error?.code).toBe(code);
}

function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function settled(server: RunningServer = main): Promise<void> {
  await server.adapter.idle();
}

describe('tokens', () => {
  it('generates a token for a new conversation, with the user id inside for Web Chat', async () => {
    const started = await startConversation({ id: 'consumer-42', name: 'Asha' });
    expect(started.conversationId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(started.expires_in).toBe(1800);
    expect(decodePayload(started.token)).toMatchObject({ conv: started.conversationId, user: 'consumer-42', name: 'Asha' });
  });

  it('answers 401 without credentials and 403 for a wrong secret or a forged, tampered or expired token', async () => {
    const started = await startConversation();
    const path = `/v3/directline/conversations/${started.conversationId}/activities`;

    expectError(await call('GET', path), 401, 'MissingAuthorization');
    expectError(await call('GET', path, { headers: { authorization: `Basic ${started.token}` } }), 401);

    expectError(await call('GET', path, { auth: 'not-the-secret-but-long-enough-0123456789' }), 403, 'InvalidToken');

    const forger = new DirectLineTokenService('another-secret-entirely-0123456789abcdef');
    const forged = forger.issue({ conversationId: started.conversationId, userId: 'consumer-42' }).token;
    expectError(await call('GET', path, { auth: forged }), 403, 'InvalidToken');

    const [header, , signature] = started.token.split('.');
    const payload = { ...decodePayload(started.token), user: 'someone-else' };
    const tampered = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
    expectError(await call('GET', path, { auth: tampered }), 403, 'InvalidToken');

    const algNone = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${started.token.split('.')[1]}.`;
    expectError(await call('GET', path, { auth: algNone }), 403, 'InvalidToken');

    const issuedLongAgo = new DirectLineTokenService(secret, { clock: () => Date.now() - 31 * 60 * 1000 });
    const expired = issuedLongAgo.issue({ conversationId: started.conversationId, userId: 'consumer-42' }).token;
    expectError(await call('GET', path, { auth: expired }), 403, 'TokenExpired');
    expectError(await call('POST', '/v3/directline/tokens/refresh', { auth: expired }), 403, 'TokenExpired');
  });

  it("refuses a token in another conversation, whatever the route", async () => {
    const mine = await startConversation();
    const theirs = await startConversation();
    const base = `/v3/directline/conversations/${theirs.conversationId}`;
    expectError(await call('GET', `${base}/activities`, { auth: mine.token }), 403, 'WrongConversation');
    expectError(await call('POST', `${base}/activities`, { auth: mine.token, json: { type: 'message', text: 'hi' } }), 403);
    expectError(await call('GET', base, { auth: mine.token }), 403);
    expectError(await call('POST', `${base}/upload?userId=x`, { auth: mine.token, rawBody: 'x' }), 403);
  });

  it('answers 404 for a conversation that does not exist', async () => {
    const unknown = 'NoSuchConversation0000';
    expectError(await call('GET', `/v3/directline/conversations/${unknown}/activities`, { auth: secret }), 404, 'ConversationNotFound');
    expectError(await call('GET', `/v3/directline/conversations/${unknown}`, { auth: secret }), 404);
    expectError(await call('POST', `/v3/directline/conversations/${unknown}/activities`, { auth: secret, json: { type: 'message', text: 'hi' } }), 404);
    // A genuine token whose conversation is gone (a replaced database) is "conversation ended", not "reconnect".
    const orphan = tokens.issue({ conversationId: unknown, userId: 'consumer-1' }).token;
    expectError(await call('GET', `/v3/directline/conversations/${unknown}/activities`, { auth: orphan }), 404);
  });

  it('refreshes a token into a new one for the same conversation, and only a token', async () => {
    const started = await startConversation({ id: 'consumer-refresh' });
    const refreshed = await call('POST', '/v3/directline/tokens/refresh', { auth: started.token });
    expect(refreshed.status).toBe(200);
    const body = refreshed.body as Started;
    expect(body.conversationId).toBe(started.conversationId);
    expect(body.expires_in).toBe(1800);
    expect(body.token).not.toBe(started.token);
    expect(decodePayload(body.token)).toMatchObject({ user: 'consumer-refresh' });
    await poll({ ...started, token: body.token });

    expectError(await call('POST', '/v3/directline/tokens/refresh', { auth: secret }), 403);
    expectError(await call('POST', '/v3/directline/tokens/generate', { auth: started.token, json: {} }), 403, 'SecretRequired');
  });

  it('starts and reconnects conversations the way directlinejs does', async () => {
    const started = await startConversation({ id: 'consumer-start' });
    const byToken = await call('POST', '/v3/directline/conversations', { auth: started.token, json: { user: {} } });
    expect(byToken.status).toBe(201);
    expect((byToken.body as Started).conversationId).toBe(started.conversationId);

    const bySecret = await call('POST', '/v3/directline/conversations', { auth: secret, json: { user: { id: 'consumer-backend' } } });
    expect(bySecret.status).toBe(201);
    const created = bySecret.body as Started;
    expect(created.conversationId).not.toBe(started.conversationId);
    expect(decodePayload(created.token)).toMatchObject({ user: 'consumer-backend', conv: created.conversationId });

    const reconnect = await call('GET', `/v3/directline/conversations/${started.conversationId}?watermark=`, { auth: started.token });
    expect(reconnect.status).toBe(200);
    const reconnected = reconnect.body as Started;
    expect(reconnected.conversationId).toBe(started.conversationId);
    expect(reconnected.token).not.toBe(started.token);
    expect(reconnected.expires_in).toBe(1800);

    await settled();
    const welcome = (await poll(started)).activities.filter((activity) => activity.text === 'Welcome');
    expect(welcome).toHaveLength(1);
  });

  it('allows the Web Chat headers across origins', async () => {
    const preflight = await call('OPTIONS', '/v3/directline/conversations/abc/activities', {
      headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const header of ['authorization', 'x-ms-bot-agent', 'content-type']) expect(allowed).toContain(header);

    const refused = await call('GET', '/v3/directline/conversations/abc/activities', { headers: { origin: 'https://example.org' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('activities', () => {
  it("echoes the consumer's activity with its clientActivityID, an id, and the identity from the token", async () => {
    const started = await startConversation({ id: 'consumer-echo', name: 'Ravi' });
    const sent = await post(started, {
      type: 'message',
      text: 'बिजली नहीं है',
      from: { id: 'mallory', name: 'Mallory', role: 'bot' },
      channelData: { clientActivityID: 'client-1' },
      locale: 'hi-IN',
      recipient: { id: 'elsewhere' },
      conversation: { id: 'another-conversation' },
      replyToId: 'forged',
      deliveryMode: 'expectReplies',
    });
    expect(sent.status).toBe(200);
    const { id } = sent.body as { id: string };
    expect(id).toBeTruthy();

    await settled();
    const { activities, watermark } = await poll(started);
    const mine = activities.find((activity) => activity.id === id);
    expect(mine).toMatchObject({
      type: 'message',
      text: 'बिजली नहीं है',
      from: { id: 'consumer-echo', name: 'Ravi', role: 'user' },
      channelData: { clientActivityID: 'client-1' },
      channelId: 'webchat',
      conversation: { id: started.conversationId },
      recipient: { role: 'bot' },
      locale: 'hi-IN',
    });
    expect(mine?.replyToId).toBeUndefined();
    expect(typeof mine?.serviceUrl).toBe('string');
    expect(Number.isNaN(Date.parse(mine?.timestamp ?? ''))).toBe(false);

    const echo = activities.find((activity) => activity.text === 'Echo: बिजली नहीं है');
    expect(echo).toMatchObject({ from: { role: 'bot' }, replyToId: id, channelId: 'webchat', conversation: { id: started.conversationId } });
    expect(echo?.recipient?.id).toBe('consumer-echo');
    expect(activities.indexOf(echo!)).toBeGreaterThan(activities.indexOf(mine!));
    expect(Number(watermark)).toBeGreaterThanOrEqual(2);
    expect((await poll(started, watermark)).activities).toEqual([]);
  });

  it('pages by watermark without missing or repeating anything while the bot keeps sending', async () => {
    const started = await startConversation({ id: 'consumer-stream' });
    await settled();
    const initial = await poll(started);
    const reference = { channelId: 'webchat', conversation: conversationAccount(started.conversationId), user: channelAccount('consumer-stream', 'user') };
    const total = 230;
    const sending = (async () => {
      for (let index = 0; index < total; index++) {
        await main.adapter.continueConversationAsync('', reference, async (context) => {
          await context.sendActivity(`update ${index}`);
        });
      }
    })();

    const seen: ActivityJson[] = [];
    let watermark = initial.watermark;
    let nonEmptyPolls = 0;
    let sendingDone = false;
    void sending.then(() => {
      sendingDone = true;
    });
    for (;;) {
      const finished = sendingDone;
      const page = await poll(started, watermark);
      expect(page.activities.length).toBeLessThanOrEqual(100);
      if (page.activities.length > 0) nonEmptyPolls++;
      seen.push(...page.activities);
      expect(Number(page.watermark)).toBeGreaterThanOrEqual(Number(watermark));
      watermark = page.watermark;
      if (finished && page.activities.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await sending;

    expect(nonEmptyPolls).toBeGreaterThanOrEqual(3);
    expect(new Set(seen.map((activity) => activity.id)).size).toBe(seen.length);
    expect(seen.map((activity) => activity.text)).toEqual(Array.from({ length: total }, (_, index) => `update ${index}`));

    const firstPage = await poll(started, initial.watermark);
    expect(firstPage.activities).toHaveLength(100);
    expect(firstPage.activities[0]?.text).toBe('update 0');
    const secondPage = await poll(started, firstPage.watermark);
    expect(secondPage.activities[0]?.text).toBe('update 100');
  });

  it('treats an empty or missing watermark as the start and refuses one it never gave out', async () => {
    const started = await startConversation();
    await settled();
    const fromEmpty = await poll(started, '');
    const reply = await call('GET', `/v3/directline/conversations/${started.conversationId}/activities`, { auth: started.token });
    expect((reply.body as { activities: ActivityJson[] }).activities).toEqual(fromEmpty.activities);
    const beyond = await poll(started, '999999');
    expect(beyond).toEqual({ activities: [], watermark: fromEmpty.watermark });
    expectError(await call('GET', `/v3/directline/conversations/${started.conversationId}/activities?watermark=abc`, { auth: started.token }), 400);
  });

  it('delivers a proactive message sent later through continueConversationAsync, once per idempotency key', async () => {
    const started = await startConversation({ id: 'consumer-proactive' });
    await post(started, { type: 'message', text: 'my complaint' });
    await settled();
    // What the bot keeps: the reference of the consumer's last activity (its activityId included).
    const { activities } = await poll(started);
    const consumerActivity = activities.find((activity) => activity.text === 'my complaint');
    const reference = TurnContext.getConversationReference(consumerActivity as unknown as Partial<Activity>);
    expect(reference.activityId).toBeTruthy();

    const sendUpdate = () =>
      main.adapter.continueConversationAsync('', reference, async (context) => {
        await context.sendActivity({ type: 'message', text: 'Ticket UP-1 is resolved', channelData: { idempotencyKey: 'ticket-UP-1-event-7' } });
      });
    await Promise.all([sendUpdate(), sendUpdate(), sendUpdate()]);
    await sendUpdate();

    const after = await poll(started);
    const updates = after.activities.filter((activity) => activity.text === 'Ticket UP-1 is resolved');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ from: { role: 'bot' }, conversation: { id: started.conversationId }, channelId: 'webchat' });
    // No replyToId: Web Chat would hold a reply to an activity it does not have for five seconds.
    expect(updates[0]?.replyToId).toBeUndefined();
    expect(updates[0]?.channelData).toBeUndefined();
  });

  it("keeps one conversation's turns in order under 20 concurrent posts", async () => {
    const started = await startConversation({ id: 'consumer-burst' });
    await settled();
    const texts = Array.from({ length: 20 }, (_, index) => `message ${index}`);
    const replies = await Promise.all(texts.map((text) => post(started, { type: 'message', text })));
    for (const reply of replies) expect(reply.status).toBe(200);
    expect(new Set(replies.map((reply) => (reply.body as { id: string }).id)).size).toBe(20);
    await settled();

    const transcript = (await main.adapter.transcript(started.conversationId)) ?? [];
    const conversation = transcript.filter((activity) => activity.text !== 'Welcome');
    expect(conversation).toHaveLength(40);
    for (let index = 0; index < conversation.length; index += 2) {
      const question = conversation[index];
      const answer = conversation[index + 1];
      expect(question?.from?.role).toBe('user');
      expect(answer?.text).toBe(`Echo: ${question?.text ?? ''}`);
      expect(answer?.replyToId).toBe(question?.id);
    }
    expect(new Set(conversation.filter((activity) => activity.from?.role === 'user').map((activity) => activity.text))).toEqual(new Set(texts));
  });

  it('answers {id} for a turn that fails, lets the error handler apologise, and carries on', async () => {
    const started = await startConversation();
    const failed = await post(started, { type: 'message', text: 'boom', channelData: { clientActivityID: 'boom-1' } });
    expect(failed.status).toBe(200);
    expect((failed.body as { id: string }).id).toBeTruthy();
    const next = await post(started, { type: 'message', text: 'still there?' });
    expect(next.status).toBe(200);
    await settled();
    const texts = (await poll(started)).activities.map((activity) => activity.text);
    expect(texts).toEqual(['Welcome', 'boom', 'Sorry, something went wrong on our side.', 'still there?', 'Echo: still there?']);
  });
});

describe('bad input', () => {
  it('answers malformed JSON with 400 and the error shape', async () => {
    const started = await startConversation();
    const reply = await call('POST', `/v3/directline/conversations/${started.conversationId}/activities`, {
      auth: started.token,
      rawBody: '{"type": "message", "text": ',
    });
    expectError(reply, 400, 'malformed_json');
  });

  it('answers an oversized body with 413', async () => {
    const started = await startConversation();
    const reply = await post(started, { type: 'message', text: 'x'.repeat(70 * 1024) });
    expectError(reply, 413);
  });

  it('refuses activities no client should send, with 400', async () => {
    const started = await startConversation();
    expectError(await post(started, { text: 'no type' }), 400, 'BadArgument');
    expectError(await post(started, { type: 'invoke', name: 'adaptiveCard/action' }), 400, 'BadArgument');
    expectError(await post(started, { type: 'event' }), 400, 'BadArgument');
    expectError(await post(started, { type: 'message', text: 'photo', attachments: [{ contentType: 'image/png', contentUrl: 'blob:x' }] }), 400, 'AttachmentsNotSupported');
    expectError(await call('POST', `/v3/directline/conversations/${started.conversationId}/activities`, { auth: started.token, json: [1, 2] }), 400);
  });

  it('cuts a 20,000-character text to 10,000 and says so in channelData', async () => {
    const started = await startConversation();
    const long = 'क'.repeat(5_000) + 'a'.repeat(15_000);
    const reply = await post(started, { type: 'message', text: long, channelData: { clientActivityID: 'long-1', santushti: { forged: true } } });
    expect(reply.status).toBe(200);
    await settled();
    const { activities } = await poll(started);
    const stored = activities.find((activity) => activity.id === (reply.body as { id: string }).id);
    expect(Array.from(stored?.text ?? '')).toHaveLength(10_000);
    expect(stored?.text).toBe(long.slice(0, 10_000));
    expect(stored?.channelData).toEqual({ clientActivityID: 'long-1', santushti: { textTruncatedFrom: 20_000 } });
    const echo = activities.find((activity) => activity.text?.startsWith('Echo: '));
    expect(echo?.text).toBe(`Echo: ${long.slice(0, 10_000)}`);
  });

  it('refuses empty and whitespace-only messages without storing them', async () => {
    const started = await startConversation();
    await settled();
    const before = await poll(started);
    expectError(await post(started, { type: 'message', text: '' }), 400, 'EmptyMessage');
    expectError(await post(started, { type: 'message', text: ' \n\t ' }), 400, 'EmptyMessage');
    expectError(await post(started, { type: 'message' }), 400, 'EmptyMessage');
    // A card button's value is a message even without text.
    expect((await post(started, { type: 'message', value: { choice: 'yes' } })).status).toBe(200);
    await settled();
    const after = await poll(started, before.watermark);
    expect(after.activities.filter((activity) => activity.from?.role === 'user')).toHaveLength(1);
  });

  it('stores HTML and script text verbatim, as text', async () => {
    const started = await startConversation();
    const hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"> & **bold** ${7*7} {{constructor}}';
    const reply = await post(started, { type: 'message', text: hostile, textFormat: 'plain' });
    expect(reply.status).toBe(200);
    await settled();
    const stored = (await poll(started)).activities.find((activity) => activity.id === (reply.body as { id: string }).id);
    expect(stored?.text).toBe(hostile);
    expect(stored?.textFormat).toBe('plain');
  });

  it("acknowledges the consumer's typing without storing it, and refuses uploads politely", async () => {
    const started = await startConversation();
    await settled();
    const before = await poll(started);
    const typing = await post(started, { type: 'typing' });
    expect(typing.status).toBe(200);
    expect((typing.body as { id: string }).id).toBeTruthy();
    expect((await poll(started, before.watermark)).activities).toEqual([]);

    const upload = await call('POST', `/v3/directline/conversations/${started.conversationId}/upload?userId=x`, {
      auth: started.token,
      rawBody: '--b\r\n\r\n--b--',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    });
    expectError(upload, 400, 'UploadNotSupported');
  });
});

describe('restart', () => {
  it('keeps conversations, tokens and watermarks across a new adapter and router on the same database', async () => {
    const first = await startServer();
    const started = (await call('POST', '/v3/directline/tokens/generate', { auth: secret, json: { user: { id: 'consumer-restart' } }, server: first }))
      .body as Started;
    await post(started, { type: 'message', text: 'before restart' }, first);
    await first.adapter.idle();
    const beforeRestart = await poll(started, '', first);
    await first.close();

    const second = await startServer();
    const again = await poll(started, '', second);
    expect(again).toEqual(beforeRestart);
    expect((await post(started, { type: 'message', text: 'after restart' }, second)).status).toBe(200);
    await second.adapter.idle();
    const newer = await poll(started, beforeRestart.watermark, second);
    expect(newer.activities.map((activity) => activity.text)).toEqual(['after restart', 'Echo: after restart']);
    expect(Number(newer.watermark)).toBe(Number(beforeRestart.watermark) + 2);
    const ids = [...again.activities, ...newer.activities].map((activity) => activity.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('web chat page and session', () => {
  it('serves the page with a nonce-based CSP and the security headers', async () => {
    const reply = await call('GET', '/');
    expect(reply.status).toBe(200);
    const csp = reply.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(String(reply.body)).toContain(`nonce="${nonce}"`);
    expect(String(reply.body)).toContain('Santushti — बिजली शिकायत / Electricity complaints');
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await call('GET', '/')).headers.get('content-security-policy')).not.toBe(csp);

    const bundle = await fetch(`${main.baseUrl}/webchat/webchat.js`, { method: 'HEAD' });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
  });

  it('keeps the consumer in a signed httpOnly cookie and resumes their conversation', async () => {
    const first = await call('POST', '/webchat/session', { json: { locale: 'hi-IN' } });
    expect(first.status).toBe(200);
    const session = first.body as Started & { userId: string; directLinePath: string };
    expect(session.directLinePath).toBe('/v3/directline');
    expect(session.userId).toMatch(/^dl_/);
    expect(decodePayload(session.token)).toMatchObject({ user: session.userId, conv: session.conversationId });
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toContain(`${webChatUserCookie}=`);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = setCookie.split(';')[0] ?? '';

    const again = await call('POST', '/webchat/session', { json: {}, headers: { cookie } });
    const resumed = again.body as typeof session;
    expect(resumed.userId).toBe(session.userId);
    expect(resumed.conversationId).toBe(session.conversationId);

    await settled();
    const { activities } = await poll(resumed);
    expect(activities.filter((activity) => activity.text === 'Welcome')).toHaveLength(1);

    const forgedCookie = `${webChatUserCookie}=${session.userId.slice(0, -1)}x.${cookie.split('.').pop() ?? ''}`;
    const stranger = (await call('POST', '/webchat/session', { json: {}, headers: { cookie: forgedCookie } })).body as typeof session;
    expect(stranger.userId).not.toBe(session.userId);
    expect(stranger.conversationId).not.toBe(session.conversationId);

    const crossSite = await call('POST', '/webchat/session', { json: {}, headers: { cookie, 'sec-fetch-site': 'cross-site' } });
    expectError(crossSite, 403);
  });
});
