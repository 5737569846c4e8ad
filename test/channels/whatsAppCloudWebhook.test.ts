// The WhatsApp Cloud webhook over real HTTP on the real database, with a fake Graph API on loopback: the handshake,
// signatures over the exact bytes, what is refused and what is only acknowledged, exactly one processing per wamid,
// per-sender order, delivery statuses that never move back, and messages stored before a restart processed after it.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Activity, TurnContext } from 'botbuilder';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppCloudAdapter, type BotLogic } from '../../bot/adapters/whatsAppCloudAdapter.js';
import { WhatsAppCloudGraphApi } from '../../bot/adapters/whatsAppCloudGraphApi.js';
import { onlyTextUnderstood } from '../../bot/adapters/whatsAppCloudMessages.js';
import { outboundStatusRank } from '../../models/whatsAppCloudModels.js';
import { createApp } from '../../server/app.js';
import { createWhatsAppCloudWebhookRouter } from '../../server/whatsappCloud/webhookRouter.js';
import {
  FakeGraphApi,
  mediaMessage,
  messageWebhook,
  metaJson,
  newWamid,
  postWebhook,
  signatureFor,
  statusUpdate,
  textMessage,
} from '../support/fakeGraphApi.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { storedWhatsAppMessage, storedWhatsAppMessages } from '../support/whatsAppStored.js';
import { seenHash } from '../../bot/adapters/whatsAppConversationStore.js';

const db = useTestDatabase('wa_cloud_webhook');
const appSecret = 'test-app-secret-0123456789abcdef';
const verifyToken = 'test-verify-token-0123456789';
const phoneNumberId = '109876543210';
const templates = { statusUpdate: 'santushti_status_update', satisfactionQuestion: 'santushti_satisfaction', language: 'hi' };

let graph: FakeGraphApi;
const seen: Array<Partial<Activity>> = [];
const log: string[] = [];

/** Echoes what it reads; "slow" takes a while first, so later messages from the same sender must wait their turn. */
const echoBot: BotLogic = async (context: TurnContext) => {
  if (context.activity.type !== 'message') return;
  seen.push({ ...context.activity });
  const text = context.activity.text ?? '';
  if (text.startsWith('slow')) await new Promise((resolve) => setTimeout(resolve, 150));
  await context.sendActivity(`Echo: ${text}`);
};

interface RunningServer {
  url: string;
  adapter: WhatsAppCloudAdapter;
  close(): Promise<void>;
}
const servers: RunningServer[] = [];

function newAdapter(): WhatsAppCloudAdapter {
  const adapter = new WhatsAppCloudAdapter(db.models, {
    graph: new WhatsAppCloudGraphApi({ apiBase: graph.apiBase, phoneNumberId, accessToken: 'test-access-token-abcdefghijklmnop', baseDelayMs: 5, log: (line) => log.push(line) }),
    phoneNumberId,
    templates,
    log: (line) => log.push(line),
  });
  adapter.onTurnError = async (context) => {
    await context.sendActivity('Sorry, something went wrong.');
  };
  return adapter;
}

async function startServer(adapter: WhatsAppCloudAdapter = newAdapter(), logic: BotLogic = echoBot): Promise<RunningServer> {
  const app = createApp({
    connection: db.connection,
    routers: [['/webhooks/whatsapp', createWhatsAppCloudWebhookRouter({ adapter, logic, appSecret, verifyToken, log: (line) => log.push(line) })]],
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const running: RunningServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/whatsapp`,
    adapter,
    async close() {
      await adapter.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(running);
  return running;
}

let main: RunningServer;
let senderCounter = 0;
/** A sender of this test's own, so tests never read each other's replies. */
function newSender(): string {
  senderCounter += 1;
  return `9198${String(Date.now() % 1e4).padStart(4, '0')}${String(senderCounter).padStart(4, '0')}`;
}

beforeAll(async () => {
  graph = await FakeGraphApi.start();
  main = await startServer();
});
afterEach(() => {
  graph.failAlways(undefined);
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await graph?.close();
});

async function inboundCount(wamid: string): Promise<number> {
  return (await storedWhatsAppMessages(db.models)).filter((message) => message.id === wamid).length;
}

/** The sender's conversation document (models/whatsAppConversationModel.ts), if any. */
function conversationOf(sender: string) {
  return db.models.whatsAppConversations.findById(`whatsapp-cloud:${sender}`, { pending: 1, inbox: 1, lastInboundAt: 1 }).lean();
}

describe('the verification handshake', () => {
  it('answers the challenge as plain text when the mode and token match', async () => {
    const response = await fetch(`${main.url}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=1158201444`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('1158201444');
  });

  it('refuses a wrong token, a wrong mode, or missing parameters with 403', async () => {
    const attempts = [
      `?hub.mode=subscribe&hub.verify_token=not-the-token&hub.challenge=1`,
      `?hub.mode=subscribe&hub.verify_token=${verifyToken}x&hub.challenge=1`,
      `?hub.mode=unsubscribe&hub.verify_token=${verifyToken}&hub.challenge=1`,
      `?hub.mode=subscribe&hub.challenge=1`,
      '',
    ];
    for (const query of attempts) {
      const response = await fetch(`${main.url}${query}`);
      expect(response.status, query).toBe(403);
      expect(await response.text()).not.toContain('1');
    }
  });
});

describe('signatures over the raw body', () => {
  it('accepts Devanagari and emoji as Meta sends them (escaped) and as UTF-8, and a re-serialised body would not match', async () => {
    const sender = newSender();
    const text = 'गोमती नगर में बिजली नहीं है 🙏⚡ — light nahi hai';
    const escaped = metaJson(messageWebhook(phoneNumberId, [textMessage(sender, text)]));
    expect(escaped).toContain('\\u0917');
    expect(escaped).toContain('\\ud83d\\ude4f');

    // What a handler that parsed and re-serialised the JSON would have signed: other bytes, another signature.
    const reserialised = JSON.stringify(JSON.parse(escaped));
    expect(reserialised).not.toBe(escaped);
    expect(signatureFor(appSecret, reserialised)).not.toBe(signatureFor(appSecret, escaped));
    const refused = await postWebhook(main.url, appSecret, escaped, { signature: signatureFor(appSecret, reserialised) });
    expect(refused.status).toBe(401);

    const accepted = await postWebhook(main.url, appSecret, escaped);
    expect(accepted.status).toBe(200);
    const utf8 = await postWebhook(main.url, appSecret, JSON.stringify(messageWebhook(phoneNumberId, [textMessage(sender, `${text} (2)`)])));
    expect(utf8.status).toBe(200);
    await main.adapter.idle();

    const replies = graph.accepted(sender);
    expect(replies.map((reply) => reply.text)).toEqual([`Echo: ${text}`, `Echo: ${text} (2)`]);
  });

  it('refuses a forged or missing signature with 401 and stores nothing', async () => {
    const sender = newSender();
    const message = textMessage(sender, 'forged');
    const body = metaJson(messageWebhook(phoneNumberId, [message]));
    const forged = await postWebhook(main.url, appSecret, body, { signature: signatureFor('not-the-app-secret-at-all', body) });
    const missing = await postWebhook(main.url, appSecret, body, { signature: null });
    const garbage = await postWebhook(main.url, appSecret, body, { signature: 'sha256=zzzz' });
    const tampered = await postWebhook(main.url, appSecret, body.replace('forged', 'forgeD'), { signature: signatureFor(appSecret, body) });
    expect([forged.status, missing.status, garbage.status, tampered.status]).toEqual([401, 401, 401, 401]);
    await main.adapter.idle();
    expect(await inboundCount(message.id as string)).toBe(0);
    // Nothing stored of the sender at all (no conversation, no window opened).
    expect(await conversationOf(sender)).toBeNull();
    expect(graph.accepted(sender)).toEqual([]);
  });
});

describe('what is refused and what is only acknowledged', () => {
  it('answers malformed JSON with 400 and keeps serving', async () => {
    const broken = '{"object":"whatsapp_business_account","entry":[{';
    const response = await postWebhook(main.url, appSecret, broken);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: 'malformed_json' } });

    const sender = newSender();
    const after = await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [textMessage(sender, 'still here')]));
    expect(after.status).toBe(200);
    await main.adapter.idle();
    expect(graph.accepted(sender).map((reply) => reply.text)).toEqual(['Echo: still here']);
  });

  it('refuses a body over 1 MB with 413 and stores nothing', async () => {
    const sender = newSender();
    const message = textMessage(sender, 'x'.repeat(1024 * 1024));
    const response = await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [message]));
    expect(response.status).toBe(413);
    expect(await inboundCount(message.id as string)).toBe(0);
    expect(graph.accepted(sender)).toEqual([]);
  });

  it('acknowledges signed payloads it does not understand with 200, logs them, and stores nothing', async () => {
    const before = log.length;
    const unknown = await postWebhook(main.url, appSecret, { hello: 'world' });
    expect(unknown.status).toBe(200);
    const otherObject = await postWebhook(main.url, appSecret, { object: 'page', entry: [] });
    expect(otherObject.status).toBe(200);

    const sender = newSender();
    const forAnotherNumber = textMessage(sender, 'not for us');
    const otherNumber = await postWebhook(main.url, appSecret, messageWebhook('555000111', [forAnotherNumber]));
    expect(otherNumber.status).toBe(200);
    const badMessage = { from: 'not-digits', id: newWamid(), timestamp: '1700000000', type: 'text', text: { body: 'x' } };
    const odd = await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [badMessage]));
    expect(odd.status).toBe(200);
    expect(JSON.parse(odd.text)).toMatchObject({ received: true, stored: 0, ignored: 1 });

    await main.adapter.idle();
    expect(await inboundCount(forAnotherNumber.id as string)).toBe(0);
    expect(await inboundCount(badMessage.id)).toBe(0);
    expect(log.slice(before).filter((line) => line.includes('ignored')).length).toBeGreaterThanOrEqual(4);
    // Logs carry no message text and no whole phone number.
    expect(log.join('\n')).not.toContain(sender);
  });

  it('answers a sticker or a video with the bilingual "send text, a photo, a PDF, a voice note or a location" line, without running the bot', async () => {
    const sender = newSender();
    const seenBefore = seen.length;
    const response = await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [mediaMessage(sender, 'sticker'), mediaMessage(sender, 'video')]));
    expect(response.status).toBe(200);
    await main.adapter.idle();
    expect(graph.accepted(sender).map((reply) => reply.text)).toEqual([onlyTextUnderstood, onlyTextUnderstood]);
    expect(seen.length).toBe(seenBefore);
  });

  it('hands a photo (as an attachment the bot fetches) and a location (as a Place entity) to the bot (issue 14 item 3)', async () => {
    const sender = newSender();
    const seenBefore = seen.length;
    const photo = mediaMessage(sender, 'image', { mediaId: '5550001', caption: 'meter jal gaya', timestamp: '1764000000' });
    const pin = mediaMessage(sender, 'location', { latitude: 26.85, longitude: 80.99, name: 'Ghar', timestamp: '1764000001' });
    const response = await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [photo, pin]));
    expect(response.status).toBe(200);
    await main.adapter.idle();
    const [image, location] = seen.slice(seenBefore);
    expect(image).toMatchObject({ text: 'meter jal gaya', attachments: [{ contentType: 'image/jpeg', contentUrl: 'whatsapp-cloud-media:5550001' }] });
    expect(location).toMatchObject({ text: '', entities: [{ type: 'Place', geo: { type: 'GeoCoordinates', latitude: 26.85, longitude: 80.99 }, name: 'Ghar' }] });
  });
});

describe('processing', () => {
  it('maps a message to an activity: the sender digits, one conversation per sender, the payload time', async () => {
    const sender = newSender();
    const message = textMessage(sender, 'namaste', { timestamp: '1764000000' });
    await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [message]));
    await main.adapter.idle();
    const activity = seen.find((candidate) => candidate.id === message.id);
    expect(activity).toMatchObject({
      type: 'message',
      channelId: 'whatsapp-cloud',
      from: { id: sender },
      conversation: { id: `whatsapp-cloud:${sender}` },
      text: 'namaste',
    });
    expect(activity?.locale).toBeUndefined();
    expect(new Date(activity!.timestamp!).toISOString()).toBe(new Date(1764000000 * 1000).toISOString());
  });

  it('processes a payload delivered three times (at once, and again later) exactly once', async () => {
    const sender = newSender();
    const message = textMessage(sender, 'only once');
    const payload = messageWebhook(phoneNumberId, [message]);
    const responses = await Promise.all([1, 2, 3].map(() => postWebhook(main.url, appSecret, payload)));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    await main.adapter.idle();
    const again = await postWebhook(main.url, appSecret, payload);
    expect(JSON.parse(again.text)).toMatchObject({ stored: 0, duplicates: 1 });
    await main.adapter.idle();

    expect(graph.accepted(sender).map((reply) => reply.text)).toEqual(['Echo: only once']);
    expect(seen.filter((activity) => activity.id === message.id)).toHaveLength(1);
    const stored = await storedWhatsAppMessage(db.models, sender, message.id as string);
    expect(stored).toMatchObject({ processed: true, from: sender });
    expect((await conversationOf(sender))?.pending).toBe(false);
  });

  it('runs one turn at a time per sender, in order of arrival', async () => {
    const sender = newSender();
    const other = newSender();
    const texts = ['slow 1', 'slow 2', 'slow 3', 'four', 'five'];
    for (const text of texts) {
      const response = await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [textMessage(sender, text)]));
      expect(response.status).toBe(200);
    }
    // Another sender is not held up by the first one's slow turns.
    await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [textMessage(other, 'quick')]));
    await graph.waitForMessages(1, { to: other });
    expect(graph.accepted(sender).length).toBeLessThan(texts.length);
    await main.adapter.idle();
    expect(graph.accepted(sender).map((reply) => reply.text)).toEqual(texts.map((text) => `Echo: ${text}`));
  });

  it('records delivery statuses without ever moving them back: read before delivered ends as read', async () => {
    const sender = newSender();
    await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [textMessage(sender, 'status please')]));
    await main.adapter.idle();
    const [reply] = graph.accepted(sender);
    const wamid = reply!.wamid!;
    expect((await db.models.whatsAppCloudOutbound.findById(wamid).lean())?.statusRank).toBe(outboundStatusRank.accepted);

    await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [], [statusUpdate(wamid, 'read', sender, { timestamp: '1764000300' })]));
    await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [], [statusUpdate(wamid, 'delivered', sender, { timestamp: '1764000200' })]));
    await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [], [statusUpdate(wamid, 'sent', sender, { timestamp: '1764000100' })]));
    const outbound = await db.models.whatsAppCloudOutbound.findById(wamid).lean();
    expect(outbound?.statusRank).toBe(outboundStatusRank.read);
    expect(outbound?.statusAt?.read?.toISOString()).toBe(new Date(1764000300 * 1000).toISOString());
    expect(outbound?.to).toBe(sender);

    // A status can also arrive before our own record of the send; it is kept, and failed stays failed.
    const early = newWamid();
    await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [], [statusUpdate(early, 'failed', sender, { errors: [{ code: 131026, title: 'Receiver incapable' }] })]));
    await postWebhook(main.url, appSecret, messageWebhook(phoneNumberId, [], [statusUpdate(early, 'delivered', sender)]));
    expect(await db.models.whatsAppCloudOutbound.findById(early).lean()).toMatchObject({ statusRank: outboundStatusRank.failed, failure: { code: 131026 } });
  });

  it('after a restart, a new adapter on the same database processes what was stored but not processed', async () => {
    const stopping = await startServer();
    await stopping.adapter.stop();
    const sender = newSender();
    const message = textMessage(sender, 'stored before the restart');
    const response = await postWebhook(stopping.url, appSecret, messageWebhook(phoneNumberId, [message]));
    expect(response.status).toBe(200);
    await stopping.adapter.idle();
    expect(graph.accepted(sender)).toEqual([]);
    expect((await storedWhatsAppMessage(db.models, sender, message.id as string))?.processed).toBe(false);
    expect((await conversationOf(sender))?.pending).toBe(true);

    const restarted = newAdapter();
    await restarted.start(echoBot);
    await restarted.idle();
    await restarted.stop();
    expect(graph.accepted(sender).map((reply) => reply.text)).toEqual(['Echo: stored before the restart']);
    expect((await conversationOf(sender))?.pending).toBe(false);
    expect((await storedWhatsAppMessage(db.models, sender, message.id as string))?.processed).toBe(true);
  });

  it('takes over a message whose process died mid-turn once its claim is stale', async () => {
    const sender = newSender();
    const wamid = newWamid();
    const longAgo = new Date(Date.now() - 60 * 60_000);
    // Stored by a process that took the conversation's turn lease and died: the lease has long expired.
    await db.models.whatsAppConversations.create({
      _id: `whatsapp-cloud:${sender}`,
      version: 3,
      lease: { token: 'a-process-that-died', owner: 'elsewhere:1', expiresAt: new Date(longAgo.getTime() + 10_000) },
      inbox: [{ id: wamid, content: JSON.stringify({ kind: 'text', text: 'interrupted' }), sentAt: longAgo, receivedAt: longAgo }],
      log: [],
      seen: [seenHash(wamid)],
      state: '{}',
      outbox: [],
      seq: 0,
      pending: true,
      lastInboundAt: longAgo,
      createdAt: longAgo,
      updatedAt: longAgo,
    });
    const restarted = newAdapter();
    await restarted.start(echoBot);
    await restarted.idle();
    await restarted.stop();
    // An hour old: still inside the 24-hour window, so a plain text answers it.
    expect(graph.accepted(sender).map((reply) => reply.text)).toEqual(['Echo: interrupted']);
    expect((await conversationOf(sender))?.pending).toBe(false);
  });

  it('answers a database failure while storing with 500, so that Meta delivers it again', async () => {
    const adapter = newAdapter();
    const broken = await startServer(adapter);
    // Storing a message is a write to the sender's conversation document (an insert for a new sender).
    const collection = db.models.whatsAppConversations.collection;
    const original = { insertOne: collection.insertOne, updateOne: collection.updateOne };
    const sender = newSender();
    const message = textMessage(sender, 'database hiccup');
    const unavailable = (() => Promise.reject(new Error('database unavailable'))) as unknown;
    collection.insertOne = unavailable as typeof original.insertOne;
    collection.updateOne = unavailable as typeof original.updateOne;
    try {
      const response = await postWebhook(broken.url, appSecret, messageWebhook(phoneNumberId, [message]));
      expect(response.status).toBe(500);
    } finally {
      Object.assign(collection, original);
    }
    const retried = await postWebhook(broken.url, appSecret, messageWebhook(phoneNumberId, [message]));
    expect(retried.status).toBe(200);
    await adapter.idle();
    expect(graph.accepted(sender).map((reply) => reply.text)).toEqual(['Echo: database hiccup']);
  });
});
