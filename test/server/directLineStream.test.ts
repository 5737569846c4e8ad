// The Direct Line WebSocket stream (server/directLine/directLineStream.ts, issue 15 item 3) against the real helpline
// on 127.0.0.1 and the real database: the official directlinejs client in its default WebSocket mode holds a whole
// complaint conversation; replies stored by another process reach the stream; the token rules; one stream per
// conversation; reconnecting with the watermark; the limits.
//
// Issue 15 "Done when": "botframework-directlinejs in its default WebSocket mode holds a whole conversation in a test"
// — on the old code the conversation answers carried no streamUrl and no stream was served, so the first test fails
// there (directlinejs cannot open its WebSocket and never sees the welcome).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  channelAccount,
  conversationAccount,
  DirectLineAdapter,
  DirectLineConversationStore,
  type ActivityJson,
} from '../../bot/adapters/directLineAdapter.js';
import { DirectLineTokenService } from '../../server/directLine/tokenService.js';
import { streamCloseCodes } from '../../server/directLine/directLineStream.js';
import { Directory } from '../../services/directory.js';
import { connectDirectLineJs } from '../support/directLineJs.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('directline_stream');
const directory = Directory.loadDefault();
const secret = 'e2e-directline-secret-0123456789abcdefghij';
const ticketNumberPattern = /UP-\d{6}-\d{5,}/;

let first: ServedHelpline;
let second: ServedHelpline;
let limited: ServedHelpline;

beforeAll(async () => {
  // Two processes' worth of helpline on one database (as two `npm start`s behind one address would be), the first
  // behind a trusted proxy on loopback so X-Forwarded-Proto counts.
  first = await serveHelpline(db, directory, { trustProxy: ['loopback'], directLineStream: { pollIntervalMs: 100 } });
  second = await serveHelpline(db, directory, { directLineStream: { pollIntervalMs: 100 } });
  limited = await serveHelpline(db, directory, { directLineStream: { maxStreamsPerAddress: 2, heartbeatMs: 100, idleTimeoutMs: 400 } });
});

afterAll(async () => {
  for (const served of [first, second, limited]) await served?.close();
});

interface Started {
  conversationId: string;
  token: string;
  expires_in: number;
  streamUrl?: string;
}

async function call(served: ServedHelpline, method: string, path: string, bearer: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${served.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as unknown };
}

async function startConversation(served: ServedHelpline, userId = `dl_stream${randomBytes(4).toString('hex')}`): Promise<Started & { userId: string }> {
  const started = await call(served, 'POST', '/v3/directline/tokens/generate', secret, { user: { id: userId } });
  expect(started.status).toBe(200);
  return { ...(started.body as Started), userId };
}

async function post(served: ServedHelpline, started: Started, text: string): Promise<string> {
  const posted = await call(served, 'POST', `/v3/directline/conversations/${started.conversationId}/activities`, started.token, {
    type: 'message',
    text,
    from: { id: 'ignored' },
    locale: 'hi-IN',
  });
  expect(posted.status).toBe(200);
  return (posted.body as { id: string }).id;
}

interface OpenedStream {
  socket: WebSocket;
  frames: Array<{ activities: ActivityJson[]; watermark: string }>;
  heartbeats: number;
  closed: Promise<{ code: number; reason: string }>;
  activities(): ActivityJson[];
  waitFor(match: (activity: ActivityJson) => boolean, timeoutMs?: number): Promise<ActivityJson>;
}

/** A raw WebSocket client; resolves with the open stream, or with the HTTP status the upgrade was refused with. */
function openStream(url: string, options: { headers?: Record<string, string>; autoPong?: boolean } = {}): Promise<OpenedStream | { refused: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: options.headers, autoPong: options.autoPong ?? true });
    const frames: OpenedStream['frames'] = [];
    let heartbeats = 0;
    const waiters = new Set<() => void>();
    socket.on('message', (data) => {
      const text = data.toString();
      if (text === '') heartbeats += 1;
      else frames.push(JSON.parse(text) as OpenedStream['frames'][number]);
      for (const wake of waiters) wake();
    });
    const closed = new Promise<{ code: number; reason: string }>((resolveClosed) => socket.on('close', (code, reason) => resolveClosed({ code, reason: reason.toString() })));
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ refused: response.statusCode ?? 0, body }));
    });
    socket.on('error', (error) => {
      if (socket.readyState !== WebSocket.CLOSED) reject(error);
    });
    socket.on('open', () => {
      const stream: OpenedStream = {
        socket,
        frames,
        get heartbeats() {
          return heartbeats;
        },
        closed,
        activities: () => frames.flatMap((frame) => frame.activities),
        waitFor(match, timeoutMs = 10_000) {
          return new Promise((resolveFound, rejectFound) => {
            const check = () => {
              const found = stream.activities().find(match);
              if (!found) return;
              waiters.delete(check);
              clearTimeout(timer);
              resolveFound(found);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              rejectFound(new Error(`nothing matching on the stream within ${timeoutMs} ms (had ${stream.activities().map((activity) => activity.text ?? activity.type).join(' | ')})`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
      };
      resolve(stream);
    });
  });
}

async function mustOpen(url: string, options?: Parameters<typeof openStream>[1]): Promise<OpenedStream> {
  const opened = await openStream(url, options);
  if ('refused' in opened) throw new Error(`the stream was refused with ${opened.refused}: ${opened.body}`);
  return opened;
}

const isBotMessage = (activity: { from?: { role?: string }; type?: string }) => activity.from?.role === 'bot' && activity.type === 'message';

describe('botframework-directlinejs in its default WebSocket mode', () => {
  it('holds a whole complaint conversation over the stream, without polling (issue 15: Done when)', async () => {
    const { token, userId, conversationId } = await startConversation(first);
    const client = connectDirectLineJs({ domain: `${first.baseUrl}/v3/directline`, token, userId });
    try {
      const welcome = await client.waitFor(isBotMessage);
      expect(welcome.text).toBeTruthy();
      expect((first.helpline as any).directLineStream.connections).toBeGreaterThanOrEqual(1);

      const mobile = `9${String(Date.now()).slice(-9)}`;
      const script = ['gomti nagar mein 3 ghante se bijli nahi hai', 'skip', mobile, 'haan'];
      let last = '';
      for (const text of script) {
        const from = client.activities.length;
        const id = await client.say(text);
        // The consumer's own message comes back on the stream (Web Chat marks it sent that way), then the reply.
        await client.waitFor((activity) => activity.id === id && activity.text === text, 15_000, from);
        const reply = await client.waitFor((activity) => isBotMessage(activity) && activity.replyToId === id, 15_000, from);
        last = reply.text ?? '';
      }
      expect(last).toMatch(ticketNumberPattern);
      // Every activity of the conversation reached the client exactly once, in order.
      const ids = client.activities.map((activity) => activity.id);
      expect(new Set(ids).size).toBe(ids.length);
      const transcript = (await first.helpline.webChat.transcript(conversationId, { includeTyping: true }))!.map((activity) => activity.id);
      expect(ids).toEqual(transcript);
      // It never polled: the only GETs were the start (POST) and its stream.
      expect(client.requests.filter((request) => request.includes('/activities?'))).toEqual([]);
    } finally {
      client.end();
    }
  });
});

describe('the stream URL', () => {
  it('comes with tokens/generate, POST /conversations and the reconnect GET, as ws:// or wss:// as the request came', async () => {
    const generated = await startConversation(first);
    expect(generated.streamUrl).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${first.port}/v3/directline/conversations/${generated.conversationId}/stream\\?t=`));

    const byToken = await call(first, 'POST', '/v3/directline/conversations', generated.token, {});
    expect(byToken.status).toBe(201);
    expect((byToken.body as Started).streamUrl).toContain(`/conversations/${generated.conversationId}/stream?t=`);

    const bySecret = await call(first, 'POST', '/v3/directline/conversations', secret, {});
    const created = bySecret.body as Started;
    // The secret never goes into a URL: the stream URL carries the conversation's token.
    expect(created.streamUrl).not.toContain(secret);
    expect(new URL(created.streamUrl!).searchParams.get('t')).toBe(created.token);

    const reconnect = await call(first, 'GET', `/v3/directline/conversations/${generated.conversationId}?watermark=3`, generated.token);
    const reconnected = reconnect.body as Started;
    expect(new URL(reconnected.streamUrl!).searchParams.get('watermark')).toBe('3');
    expect(new URL(reconnected.streamUrl!).searchParams.get('t')).toBe(reconnected.token);

    // Behind a trusted proxy (TRUST_PROXY) that terminated HTTPS: wss:// on the proxy's host.
    const proxied = await call(first, 'POST', '/v3/directline/conversations', generated.token, {}, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'chat.example.in' });
    expect((proxied.body as Started).streamUrl).toMatch(/^wss:\/\/chat\.example\.in\/v3\/directline\/conversations\//);
    // The same headers from an untrusted peer change nothing.
    const untrusted = await call(second, 'POST', '/v3/directline/conversations', (await startConversation(second)).token, {}, { 'x-forwarded-proto': 'https' });
    expect((untrusted.body as Started).streamUrl).toMatch(/^ws:\/\/127\.0\.0\.1:/);
  });
});

describe('the stream is fed from the database', () => {
  it('delivers replies stored by another process, and activities another adapter stores directly', async () => {
    const started = await startConversation(first);
    const stream = await mustOpen(started.streamUrl!);
    try {
      await stream.waitFor(isBotMessage);
      // The message goes to the second process; its bot turn stores the reply there; the first process's stream sees it.
      const id = await post(second, started, 'gomti nagar mein bijli nahi hai');
      const reply = await stream.waitFor((activity) => isBotMessage(activity) && activity.replyToId === id);
      expect(reply.text).toBeTruthy();

      // A third writer with no stream of its own: a proactive message stored straight through another adapter.
      const outsider = new DirectLineAdapter(db.models, { log: () => undefined });
      await outsider.continueConversationAsync(
        '',
        { conversation: conversationAccount(started.conversationId), user: channelAccount(started.userId, 'user'), channelId: 'webchat' },
        async (context) => {
          await context.sendActivity('Your complaint was updated (from another process).');
        },
      );
      await stream.waitFor((activity) => activity.text === 'Your complaint was updated (from another process).');
      const watermarks = stream.frames.map((frame) => Number(frame.watermark));
      expect(watermarks).toEqual([...watermarks].sort((a, b) => a - b));
    } finally {
      stream.socket.close();
    }
  });

  it('finishes a turn that a dead process left pending, for a client that only listens to the stream', async () => {
    const started = await startConversation(first);
    const stream = await mustOpen(started.streamUrl!);
    try {
      await stream.waitFor(isBotMessage);
      // Another process stored the consumer's message (and acknowledged it), marked its turn pending, and died.
      const dead = new DirectLineConversationStore(db.models);
      // (The take stores the message and marks the turn pending in one command; this "process" never finishes it.)
      const taken = await dead.take(started.conversationId, {
        ttlMs: 50,
        waitMs: 5_000,
        incoming: {
          build: (_id, timestamp) => ({
            type: 'message',
            text: 'gomti nagar mein bijli nahi hai',
            locale: 'hi-IN',
            channelId: 'webchat',
            from: channelAccount(started.userId, 'user'),
            recipient: channelAccount('santushti-bot', 'bot', 'Santushti'),
            conversation: conversationAccount(started.conversationId),
            timestamp,
          }),
        },
      });
      if (taken.kind !== 'taken' || !taken.stored) throw new Error('the dead process did not store the message');
      const stored = taken.stored;
      await stream.waitFor((activity) => activity.id === stored.id);
      // Its lease is long gone.
      await db.models.directLineConversations.updateOne({ _id: started.conversationId }, { $set: { 'pendingTurn.since': new Date(Date.now() - 60_000) } });
      // Nothing new is stored, so only the stream's own re-read of a pending conversation can bring the reply.
      const reply = await stream.waitFor((activity) => isBotMessage(activity) && activity.replyToId === stored.id, 15_000);
      expect(reply.text).toBeTruthy();
    } finally {
      stream.socket.close();
    }
  });

  it('asks the database once per tick for all its streams, not once per stream', async () => {
    const streams = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const started = await startConversation(second);
        return mustOpen(started.streamUrl!);
      }),
    );
    try {
      const hub = (second.helpline as any).directLineStream;
      const before = hub.headQueries;
      await sleep(1_000);
      const ticks = hub.headQueries - before;
      // 100 ms interval: about 10 ticks in a second, whatever the number of streams (6 here; 60 if it were per stream).
      expect(ticks).toBeGreaterThan(3);
      expect(ticks).toBeLessThanOrEqual(12);
    } finally {
      for (const stream of streams) stream.socket.close();
    }
  });
});

describe('token rules and limits', () => {
  it('refuses a missing, forged, expired or other conversation\'s token, a bad watermark and unknown conversations', async () => {
    const mine = await startConversation(first);
    const other = await startConversation(first);
    const base = `ws://127.0.0.1:${first.port}/v3/directline/conversations`;
    const refused = async (url: string, headers?: Record<string, string>) => {
      const opened = await openStream(url, { headers });
      if (!('refused' in opened)) {
        opened.socket.close();
        return { status: 101, code: '' };
      }
      return { status: opened.refused, code: (JSON.parse(opened.body) as { error: { code: string } }).error.code };
    };
    expect(await refused(`${base}/${mine.conversationId}/stream`)).toEqual({ status: 401, code: 'MissingAuthorization' });
    expect(await refused(`${base}/${mine.conversationId}/stream?t=${other.token}`)).toEqual({ status: 403, code: 'WrongConversation' });
    expect(await refused(`${base}/${mine.conversationId}/stream?t=${mine.token.slice(0, -3)}abc`)).toEqual({ status: 403, code: 'InvalidToken' });
    const expired = new DirectLineTokenService(secret, { clock: () => Date.now() - 2 * 3600_000 }).issue({ conversationId: mine.conversationId, userId: mine.userId });
    expect(await refused(`${base}/${mine.conversationId}/stream?t=${expired.token}`)).toEqual({ status: 403, code: 'TokenExpired' });
    expect(await refused(`${base}/${mine.conversationId}/stream?watermark=abc&t=${mine.token}`)).toEqual({ status: 400, code: 'BadArgument' });
    // The secret only in the Authorization header (never in a URL); then an unknown conversation is 404.
    expect(await refused(`${base}/${mine.conversationId}/stream?t=${secret}`)).toEqual({ status: 403, code: 'InvalidToken' });
    expect(await refused(`${base}/NoSuchConversation1/stream`, { authorization: `Bearer ${secret}` })).toEqual({ status: 404, code: 'ConversationNotFound' });
    expect(await refused(`${base}/${mine.conversationId}/stream`, { authorization: `Bearer ${secret}` })).toEqual({ status: 101, code: '' });
    expect(await refused(`ws://127.0.0.1:${first.port}/somewhere-else`)).toEqual({ status: 404, code: 'NotFound' });
  });

  it('keeps one stream per conversation: a newer one replaces the older, which is closed as a collision', async () => {
    const started = await startConversation(first);
    const older = await mustOpen(started.streamUrl!);
    await older.waitFor(isBotMessage);
    const newer = await mustOpen(started.streamUrl!);
    expect(await older.closed).toEqual({ code: streamCloseCodes.collision, reason: 'collision' });
    const id = await post(first, started, 'hello');
    await newer.waitFor((activity) => isBotMessage(activity) && activity.replyToId === id);
    newer.socket.close();
  });

  it('resends what was missed when the client reconnects with its watermark', async () => {
    const started = await startConversation(first);
    const stream = await mustOpen(started.streamUrl!);
    await stream.waitFor(isBotMessage);
    const seen = stream.activities().map((activity) => activity.id);
    const watermark = stream.frames.at(-1)!.watermark;
    stream.socket.close();
    await stream.closed;

    // While no stream is open, the consumer's message (posted by the page) is answered and stored.
    const id = await post(first, started, 'gomti nagar mein bijli nahi hai');
    await first.helpline.webChat.idle(started.conversationId);

    const reconnect = await call(first, 'GET', `/v3/directline/conversations/${started.conversationId}?watermark=${watermark}`, started.token);
    expect(reconnect.status).toBe(200);
    const resumed = await mustOpen((reconnect.body as Started).streamUrl!);
    const reply = await resumed.waitFor((activity) => isBotMessage(activity) && activity.replyToId === id);
    expect(reply.text).toBeTruthy();
    const resent = resumed.activities().map((activity) => activity.id);
    // Exactly what came after the watermark: nothing seen before, the consumer's own message first.
    expect(resent.filter((activityId) => seen.includes(activityId))).toEqual([]);
    expect(resent[0]).toBe(id);
    resumed.socket.close();
  });

  it('sends heartbeats, closes a stream that stops answering, and limits streams per address', async () => {
    const one = await startConversation(limited);
    const two = await startConversation(limited);
    const three = await startConversation(limited);
    const answering = await mustOpen(one.streamUrl!);
    const silent = await mustOpen(two.streamUrl!, { autoPong: false });
    // Two are open from this address: a third is refused with 429.
    const refused = await openStream(three.streamUrl!);
    expect('refused' in refused && refused.refused).toBe(429);

    expect(await silent.closed).toEqual({ code: streamCloseCodes.idle, reason: 'idle' });
    // The one that answers pings stays open and got empty heartbeat frames.
    await sleep(300);
    expect(answering.socket.readyState).toBe(WebSocket.OPEN);
    expect(answering.heartbeats).toBeGreaterThan(0);
    // The silent one's place is free again.
    const third = await mustOpen(three.streamUrl!);
    answering.socket.close();
    third.socket.close();
  });

  it('closes its streams when the server closes, so shutdown is not held open by them', async () => {
    const own = await serveHelpline(db, directory);
    const started = await startConversation(own);
    const stream = await mustOpen(started.streamUrl!);
    await stream.waitFor(isBotMessage);
    const began = Date.now();
    await own.close();
    expect(await stream.closed).toEqual({ code: streamCloseCodes.shutdown, reason: 'server stopping' });
    expect(Date.now() - began).toBeLessThan(5_000);
  });

  it('closes a client that sends more than a keep-alive (max payload)', async () => {
    const started = await startConversation(first);
    const stream = await mustOpen(started.streamUrl!);
    stream.socket.send('x'.repeat(10_000));
    expect((await stream.closed).code).toBe(1009);
  });
});
