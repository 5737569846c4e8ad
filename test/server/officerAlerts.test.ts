// Issue 14 item 2 — officer notifications, over real HTTP on the real embedded database: a new assignment, an
// escalation, an emergency and a rejected claim reach the officer by Web Push (encrypted for the browser's own keys and
// signed with the helpline's VAPID key, received here by a fake push service on 127.0.0.1 and decrypted as a browser
// would) and by a WhatsApp template (at the fake Graph API) to the number the officer gave. A retried delivery does not
// repeat what already went out; a gone subscription is dropped. Whatever an officer's number sends on WhatsApp is not
// taken as a consumer's message or answer.
import { createDecipheriv, createECDH, createHmac, randomBytes, type ECDH } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WhatsAppCloudAdapter } from '../../bot/adapters/whatsAppCloudAdapter.js';
import { texts } from '../../dialogs/texts.js';
import type { ChannelFactory, ChannelPlugin, Helpline } from '../../server/helpline.js';
import { loadOrCreateVapidKeys } from '../../server/vapidKeys.js';
import { createWhatsAppCloudChannel } from '../../server/whatsappCloud/whatsAppCloudChannel.js';
import { channelIdentityKey } from '../../services/consumerIdentity.js';
import { Directory } from '../../services/directory.js';
import type { OfficerPushPayload } from '../../services/officerAlertService.js';
import { FakeGraphApi, messageWebhook, postWebhook, textMessage } from '../support/fakeGraphApi.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { staffApiCaller, type StaffApiCall } from '../support/staffApiClient.js';
import { complaintFor, newConsumer, slaTimer } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('officer_alerts');
const directory = Directory.loadDefault();
const operator = { role: 'system', id: 'test-operator' } as const;
const appSecret = 'alerts-app-secret-0123456789abcdef';
const phoneNumberId = '109876543299';
const officerTemplate = 'santushti_officer_alert';
const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:helpline@example.test' };
const jeWhatsApp = '919450011122';

// ── A push service on loopback, as FCM or Mozilla's would be reached ─────────────────────────────────────────────
interface PushDelivery {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}
const pushed: PushDelivery[] = [];
/** Status to answer per path (once each), default 201. */
const scripted = new Map<string, number[]>();
let pushServer: Server;
let pushBase: string;

/** A browser's subscription: its own P-256 key pair and auth secret, as PushManager.subscribe makes them. */
interface Browser {
  endpoint: string;
  ecdh: ECDH;
  auth: Buffer;
}
function newBrowser(name: string): Browser {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { endpoint: `${pushBase}/push/${name}-${randomBytes(4).toString('hex')}`, ecdh, auth: randomBytes(16) };
}
const subscriptionOf = (browser: Browser) => ({
  endpoint: browser.endpoint,
  expirationTime: null,
  keys: { p256dh: browser.ecdh.getPublicKey().toString('base64url'), auth: browser.auth.toString('base64url') },
});

/** RFC 8291 / RFC 8188 (aes128gcm), as the browser decrypts a push message with its private key and auth secret. */
function decrypt(browser: Browser, body: Buffer): OfficerPushPayload {
  const salt = body.subarray(0, 16);
  const idLength = body[20]!;
  const serverKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();
  const ecdhSecret = browser.ecdh.computeSecret(serverKey);
  const prkKey = hmac(browser.auth, ecdhSecret);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), browser.ecdh.getPublicKey(), serverKey, Buffer.from([1])]);
  const ikm = hmac(prkKey, keyInfo);
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01', 'latin1')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01', 'latin1')).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  const end = padded.lastIndexOf(2);
  return JSON.parse(padded.subarray(0, end).toString('utf8')) as OfficerPushPayload;
}

async function pushesTo(browser: Browser, count: number): Promise<OfficerPushPayload[]> {
  const path = new URL(browser.endpoint).pathname;
  await expect.poll(() => pushed.filter((delivery) => delivery.path === path).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(count);
  return pushed.filter((delivery) => delivery.path === path).map((delivery) => decrypt(browser, delivery.body));
}

// ── The helpline, with a WhatsApp Cloud door that has an officer template ───────────────────────────────────────
let served: ServedHelpline;
let helpline: Helpline;
let call: StaffApiCall;
let graph: FakeGraphApi;
let cloud: ChannelPlugin;
const tokens: Record<string, string> = {};
const browsers: Record<string, Browser> = {};

async function account(username: string, role: 'officer' | 'agent', officerId?: string): Promise<string> {
  const password = `${username}-test-password`;
  await helpline.staffAuth.createUser({ username, password, role, officerId, name: officerId ? undefined : username }, operator);
  return (await helpline.staffAuth.login({ username, password }, '127.0.0.1')).token;
}

beforeAll(async () => {
  pushServer = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      const status = scripted.get(path)?.shift() ?? 201;
      if (status < 300) pushed.push({ path, headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(status).end();
    });
  });
  pushServer.listen(0, '127.0.0.1');
  await once(pushServer, 'listening');
  pushBase = `http://127.0.0.1:${(pushServer.address() as AddressInfo).port}`;

  graph = await FakeGraphApi.start();
  const factory = createWhatsAppCloudChannel({
    appSecret,
    verifyToken: 'alerts-verify-token-0123456789',
    accessToken: 'alerts-access-token-abcdefghijklmnop',
    phoneNumberId,
    apiBase: graph.apiBase,
    templates: { statusUpdate: 'santushti_status_update', satisfactionQuestion: 'santushti_satisfaction', language: 'hi' },
    officerAlertTemplate: officerTemplate,
    retry: { baseDelayMs: 5 },
  });
  const capture: ChannelFactory = (context) => {
    cloud = factory(context);
    return cloud;
  };
  served = await serveHelpline(db, directory, { channels: [capture], officerAlerts: { vapid, allowLoopbackHttpEndpoints: true } });
  helpline = served.helpline;
  call = staffApiCaller(served.baseUrl);
  tokens.je = await account('je-gn', 'officer', 'je-gomti-nagar-1');
  tokens.sdo = await account('sdo-gn', 'officer', 'sdo-gomti-nagar');
  tokens.agent = await account('asha', 'agent');
  browsers.je = newBrowser('je');
  browsers.sdo = newBrowser('sdo');
});

afterAll(async () => {
  await served?.close();
  await graph?.close();
  pushServer?.closeAllConnections();
  await new Promise((resolve) => pushServer?.close(resolve));
});

async function register(options: { emergency?: true } = {}) {
  const consumer = newConsumer();
  const { ticket } = await helpline.tickets.register(complaintFor(consumer, options.emergency ? { emergency: true, description: 'Taar toot kar gali mein gira hai, chingari nikal rahi hai' } : {}), consumer.actor);
  return { number: ticket._id, consumer: consumer.actor };
}

describe('setting up alerts on /officer', () => {
  it('the VAPID keys are generated once into the data folder (mode 0600) and reused after a restart', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'santushti-vapid-'));
    const first = loadOrCreateVapidKeys(dataDir);
    expect(first.created).toBe(true);
    expect(statSync(join(dataDir, 'vapid.json')).mode & 0o777).toBe(0o600);
    const again = loadOrCreateVapidKeys(dataDir);
    expect(again).toEqual({ keys: first.keys, created: false });
    expect(Buffer.from(first.keys.publicKey, 'base64url')).toHaveLength(65);
  });

  it('"notify me" stores the browser\'s subscription; the WhatsApp number is the officer\'s own; officers only', async () => {
    const before = await call('GET', '/officer/alerts', tokens.je);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ push: { available: true, publicKey: vapid.publicKey, subscriptions: 0 }, whatsApp: { available: true, number: null } });

    expect((await call('POST', '/officer/alerts/push', tokens.je, subscriptionOf(browsers.je!))).body.push.subscriptions).toBe(1);
    // The same browser again replaces its subscription rather than adding one.
    expect((await call('POST', '/officer/alerts/push', tokens.je, subscriptionOf(browsers.je!))).body.push.subscriptions).toBe(1);
    expect((await call('POST', '/officer/alerts/push', tokens.sdo, subscriptionOf(browsers.sdo!))).status).toBe(200);
    const whatsApp = await call('PUT', '/officer/alerts/whatsapp', tokens.je, { number: '+91 94500 11122' });
    expect(whatsApp.body.whatsApp).toEqual({ available: true, number: '+91********22' });

    // Bad input: 400, nothing stored.
    expect((await call('PUT', '/officer/alerts/whatsapp', tokens.je, { number: '12345' })).status).toBe(400);
    expect((await call('POST', '/officer/alerts/push', tokens.je, { ...subscriptionOf(browsers.je!), endpoint: { $gt: '' } })).status).toBe(400);
    expect((await call('POST', '/officer/alerts/push', tokens.je, { ...subscriptionOf(browsers.je!), keys: { p256dh: 'short', auth: 'x' } })).status).toBe(400);
    // The server posts to the endpoint: only browsers' push services are accepted, never a host of its own network.
    for (const endpoint of ['http://10.0.0.5/push/x', 'https://10.0.0.5/push/x', 'https://intranet.example/push', 'https://fcm.googleapis.com.evil.example/x', 'https://fcm.googleapis.com:8443/x']) {
      expect((await call('POST', '/officer/alerts/push', tokens.je, { ...subscriptionOf(browsers.je!), endpoint })).status, endpoint).toBe(400);
    }
    const chrome = await call('POST', '/officer/alerts/push', tokens.sdo, { ...subscriptionOf(newBrowser('chrome')), endpoint: 'https://fcm.googleapis.com/fcm/send/abc123' });
    expect(chrome.body.push.subscriptions).toBe(2);
    expect((await call('DELETE', '/officer/alerts/push', tokens.sdo, { endpoint: 'https://fcm.googleapis.com/fcm/send/abc123' })).body.push.subscriptions).toBe(1);
    // Officers only; a session only.
    expect((await call('GET', '/officer/alerts', tokens.agent)).status).toBe(403);
    expect((await call('POST', '/officer/alerts/push', undefined, subscriptionOf(browsers.je!))).status).toBe(401);
    const stored = await db.models.officerAlertSettings.findById('je-gomti-nagar-1', { subscriptions: 1, whatsApp: 1 }).lean();
    expect(stored?.subscriptions.map((subscription) => subscription.endpoint)).toEqual([browsers.je!.endpoint]);
    expect(stored?.whatsApp).toBe(jeWhatsApp);
  });
});

describe('alerts reach the officer (issue 14 item 2)', () => {
  it('a new assignment: Web Push, encrypted for the JE\'s browser and signed with our VAPID key, and a WhatsApp template', async () => {
    const { number } = await register();
    const payloads = await pushesTo(browsers.je!, 1);
    expect(payloads.find((payload) => payload.ticketNumber === number)).toMatchObject({ eventType: 'ticket.assigned', emergency: false, url: '/officer', title: `Santushti · ${number}` });
    expect(payloads.find((payload) => payload.ticketNumber === number)?.body).toContain('assigned to you');
    const delivery = pushed.find((entry) => decrypt(browsers.je!, entry.body).ticketNumber === number)!;
    expect(delivery.headers['content-encoding']).toBe('aes128gcm');
    expect(String(delivery.headers.authorization)).toMatch(new RegExp(`^vapid t=[\\w-]+\\.[\\w-]+\\.[\\w-]+, k=${vapid.publicKey}$`));
    expect(delivery.body.includes(Buffer.from(number))).toBe(false); // the push service cannot read it

    await graph.waitForMessages(1, { to: jeWhatsApp });
    const template = graph.accepted(jeWhatsApp).find((message) => message.text.includes(number));
    expect(template).toMatchObject({ kind: 'template', templateName: officerTemplate });
    expect(template?.text).toContain('assigned to you');
    await expect.poll(async () => db.models.officerNotifications.findOne({ ticketNumber: number, officerId: 'je-gomti-nagar-1' }, { pushedAt: 1, whatsAppSentAt: 1 }).lean(), { timeout: 10_000 }).toMatchObject({
      pushedAt: expect.any(Date),
      whatsAppSentAt: expect.any(Date),
    });
  });

  it('an emergency reaches the SDO at once, marked urgent', async () => {
    const { number } = await register({ emergency: true });
    await expect.poll(async () => (await pushesTo(browsers.sdo!, 1)).some((payload) => payload.ticketNumber === number), { timeout: 15_000 }).toBe(true);
    const emergency = (await pushesTo(browsers.sdo!, 1)).find((payload) => payload.ticketNumber === number)!;
    expect(emergency).toMatchObject({ emergency: true, eventType: 'ticket.registered' });
    expect(emergency.title).toMatch(/^⚠ /);
    expect(emergency.body).toContain('EMERGENCY');
    const delivery = pushed.find((entry) => entry.path === new URL(browsers.sdo!.endpoint).pathname && decrypt(browsers.sdo!, entry.body).ticketNumber === number)!;
    expect(delivery.headers.urgency).toBe('high');
  });

  it('"the consumer said no": the rejected claim reaches the SDO it now belongs to', async () => {
    const { number, consumer } = await register();
    const claim = await call('POST', `/tickets/${number}/resolution`, tokens.je, { note: 'Fuse replaced' });
    await helpline.tickets.recordClaimShown(number, claim.body.claimId, { role: 'system', id: 'delivery' }, 'webchat');
    await helpline.tickets.answerResolution(number, consumer, { claimId: claim.body.claimId, answer: 'no' });
    await expect.poll(async () => (await pushesTo(browsers.sdo!, 1)).find((payload) => payload.ticketNumber === number)?.eventType, { timeout: 15_000 }).toBe('ticket.rejected');
    const rejected = (await pushesTo(browsers.sdo!, 1)).find((payload) => payload.ticketNumber === number)!;
    expect(rejected.body).toContain('the consumer said the problem is NOT solved');
  });

  it('an escalation (time limit) reaches the next level', async () => {
    const { number } = await register();
    await helpline.tickets.escalate(number, slaTimer, { note: 'Time limit passed' });
    await expect.poll(async () => (await pushesTo(browsers.sdo!, 1)).find((payload) => payload.ticketNumber === number)?.eventType, { timeout: 15_000 }).toBe('ticket.escalated');
  });

  it('a push service failure is retried without repeating the WhatsApp alert; a gone subscription is dropped', async () => {
    const path = new URL(browsers.je!.endpoint).pathname;
    scripted.set(path, [503]);
    const { number } = await register();
    // The first push failed (503); the outbox tries again and the browser gets it once.
    await expect.poll(async () => (await pushesTo(browsers.je!, 1)).filter((payload) => payload.ticketNumber === number).length, { timeout: 20_000 }).toBe(1);
    await graph.waitForMessages(1, { to: jeWhatsApp });
    await expect.poll(async () => db.models.officerNotifications.findOne({ ticketNumber: number, officerId: 'je-gomti-nagar-1' }, { pushedAt: 1 }).lean(), { timeout: 10_000 }).toMatchObject({ pushedAt: expect.any(Date) });
    expect(graph.accepted(jeWhatsApp).filter((message) => message.text.includes(number))).toHaveLength(1);

    // The browser unsubscribed at the push service: 410, and the subscription is removed.
    scripted.set(path, [410]);
    await register();
    await expect.poll(async () => (await db.models.officerAlertSettings.findById('je-gomti-nagar-1', { subscriptions: 1 }).lean())?.subscriptions.length, { timeout: 15_000 }).toBe(0);
  });
});

describe("an officer's WhatsApp number is not a consumer", () => {
  it('a complaint or a "haan" sent from it starts nothing and answers nothing; the officer is told where to work', async () => {
    const waiting = await register();
    const claim = await call('POST', `/tickets/${waiting.number}/resolution`, tokens.je, { note: 'Fixed' });
    expect(claim.status).toBe(200);
    const before = graph.accepted(jeWhatsApp).length;
    const conversationsBefore = await db.models.botState.countDocuments({});
    for (const text of ['Gomti Nagar mein 5 ghante se light nahi aa rahi hai', 'haan']) {
      const response = await postWebhook(`${served.baseUrl}/webhooks/whatsapp`, appSecret, messageWebhook(phoneNumberId, [textMessage(jeWhatsApp, text)]));
      expect(response.status).toBe(200);
      await (cloud.adapter as WhatsAppCloudAdapter).idle();
    }
    const replies = graph.accepted(jeWhatsApp).slice(before).filter((message) => message.kind !== 'template');
    const notices = [texts.hi.officerNumberNotice, texts.en.officerNumberNotice, texts.hl.officerNumberNotice];
    expect(replies).toHaveLength(2);
    for (const reply of replies) expect(notices).toContain(reply.text);
    // No ticket, no consumer record, no conversation state for that number; the waiting ticket is untouched.
    expect(await db.models.tickets.countDocuments({ 'consumer.channelUserId': jeWhatsApp })).toBe(0);
    expect(await db.models.consumerIndex.findById(channelIdentityKey('whatsapp', jeWhatsApp), { _id: 1 }).lean()).toBeNull();
    expect(await db.models.botState.countDocuments({})).toBe(conversationsBefore);
    expect((await helpline.tickets.get(waiting.number)).status).toBe('awaiting_confirmation');
    expect(served.log.some((line) => line.includes("officer's alert number was not taken"))).toBe(true);
    expect(served.log.join('\n')).not.toContain(jeWhatsApp);
  });
});
