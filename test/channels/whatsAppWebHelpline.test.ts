// The whatsapp-web.js door in the whole helpline (createHelpline, as `npm start` runs it) on a real database, with a
// fake whatsapp-web.js client standing in for the linked phone: linking by QR, seen only by supervisors; a complaint
// registered in Hindi, a "2" (no) that escalates, a "haan" that closes; and status updates that wait out a disconnect
// in the ticket's outbox and arrive once the phone is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppWebAdapter } from '../../bot/adapters/whatsAppWebAdapter.js';
import { texts } from '../../dialogs/texts.js';
import type { StaffActor, TicketRecord } from '../../models/ticketTypes.js';
import { wholeDocument } from '../../models/index.js';
import type { ChannelPlugin, Helpline } from '../../server/helpline.js';
import { noQrRenderer } from '../../server/whatsappWeb/qrRendering.js';
import { createRealWhatsAppWebClient, createWhatsAppWebChannel } from '../../server/whatsappWeb/whatsAppWebChannel.js';
import { Directory } from '../../services/directory.js';
import { eventually, FakeWhatsAppWebClients, ManualScheduler } from '../support/fakeWhatsAppWebClient.js';
import { agentDesk, staffApiCaller } from '../support/staffApiClient.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('whatsapp_web_helpline');
const directory = Directory.loadDefault();
const hi = texts.hi;
const operator = { role: 'system', id: 'whatsapp-web-test' } as const;
const je: StaffActor = { role: 'officer', id: 'je-gomti-nagar-1', name: directory.officerById('je-gomti-nagar-1')?.name ?? 'JE' };
const sdo: StaffActor = { role: 'officer', id: 'sdo-gomti-nagar', name: directory.officerById('sdo-gomti-nagar')?.name ?? 'SDO' };

const clients = new FakeWhatsAppWebClients();
const clock = new ManualScheduler();
let serverLog: string[] = [];
let helpline: Helpline;
let channel: ChannelPlugin;
let adapter: WhatsAppWebAdapter;
let served: ServedHelpline | undefined;
let baseUrl: string;
const tokens: Record<'supervisor' | 'officer', string> = { supervisor: '', officer: '' };

const processFailures: unknown[] = [];
const recordFailure = (error: unknown) => processFailures.push(error);

beforeAll(async () => {
  process.on('uncaughtException', recordFailure);
  process.on('unhandledRejection', recordFailure);
  const whatsAppWeb = createWhatsAppWebChannel({
    dataPath: '/tmp/santushti-test-never-written',
    clientFactory: clients.factory,
    schedule: clock.schedule,
    watchdogIntervalMs: 0,
    qrRenderer: noQrRenderer,
  });
  served = await serveHelpline(db, directory, {
    channels: [
      (context) => {
        channel = whatsAppWeb(context);
        return channel;
      },
    ],
    directLineSecret: 'whatsapp-web-test-directline-secret-0123456789',
    webChatCookieSecret: 'whatsapp-web-test-cookie-secret-9876543210zyx',
  });
  ({ helpline, baseUrl, log: serverLog } = served);
  adapter = channel.adapter as WhatsAppWebAdapter;

  const accounts = {
    supervisor: { username: 'meera-wa', password: 'meera-whatsapp-password', role: 'supervisor' as const },
    officer: { username: 'pradeep-wa', password: 'pradeep-whatsapp-password', role: 'officer' as const, officerId: 'je-gomti-nagar-1' },
  };
  for (const key of ['supervisor', 'officer'] as const) {
    await helpline.staffAuth.createUser(accounts[key], operator);
    tokens[key] = (await helpline.staffAuth.login({ username: accounts[key].username, password: accounts[key].password }, '127.0.0.1')).token;
  }
});

afterAll(async () => {
  await served?.close();
  process.off('uncaughtException', recordFailure);
  process.off('unhandledRejection', recordFailure);
  expect(processFailures).toEqual([]);
});

async function get(path: string, token?: string): Promise<{ status: number; body: Record<string, unknown>; headers: Headers; text: string }> {
  const response = await fetch(`${baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  if (response.headers.get('content-type')?.includes('json')) body = JSON.parse(text) as Record<string, unknown>;
  return { status: response.status, body, headers: response.headers, text };
}

/** A consumer on WhatsApp: what they type, and what reached their phone. */
function consumer(digits: string) {
  const chatId = `${digits}@c.us`;
  let read = 0;
  const unread = () => {
    const all = clients.textsTo(chatId);
    const fresh = all.slice(read);
    read = all.length;
    return fresh;
  };
  return {
    digits,
    chatId,
    /** Sends a message and returns what the bot answered in that turn. */
    async say(text: string): Promise<string[]> {
      unread();
      clients.current.receive({ from: chatId, body: text });
      await adapter.idle();
      return unread();
    },
    /** Waits for proactive messages (status updates, questions) and returns them. */
    async receive(count = 1): Promise<string[]> {
      return eventually(() => {
        const pending = clients.textsTo(chatId).slice(read);
        expect(pending.length).toBeGreaterThanOrEqual(count);
        return unread();
      }, 15_000);
    },
    unread,
  };
}

const yesNo = `\n\n1. ${hi.yesNoChoices[0]}\n2. ${hi.yesNoChoices[1]}`;

async function ticket(number: string): Promise<TicketRecord> {
  const record = await db.models.tickets.findById(number, wholeDocument).lean<TicketRecord>();
  if (!record) throw new Error(`no ticket ${number}`);
  return record;
}

describe('linking the phone', () => {
  it('prints the QR and shows it only to supervisors; health tells the state but never the QR', async () => {
    await eventually(() => expect(clients.created).toHaveLength(1));
    expect(channel.health?.()).toMatchObject({ state: 'starting' });
    const qr = clients.current.showQr();

    // No QR package is installed: the terminal gets the text, for any QR generator.
    await eventually(() => expect(serverLog.some((line) => line.includes(qr))).toBe(true));
    expect(serverLog.some((line) => line.includes('Linked devices'))).toBe(true);

    const anonymous = await get('/staff/whatsapp-web/qr');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
    expect(anonymous.text).not.toContain(qr);
    const forged = await get('/staff/whatsapp-web/qr', 'A'.repeat(43));
    expect(forged.status).toBe(401);
    const officer = await get('/staff/whatsapp-web/qr', tokens.officer);
    expect(officer.status).toBe(403);
    expect(officer.text).not.toContain(qr);
    expect((await get('/staff/whatsapp-web/status')).status).toBe(401);
    expect((await get('/staff/whatsapp-web/status', tokens.officer)).status).toBe(403);

    const supervisor = await get('/staff/whatsapp-web/qr', tokens.supervisor);
    expect(supervisor.status).toBe(200);
    expect(supervisor.headers.get('cache-control')).toBe('no-store');
    expect(supervisor.body).toMatchObject({ state: 'qr_required', qr: { text: qr }, pairingCode: null });
    const status = await get('/staff/whatsapp-web/status', tokens.supervisor);
    expect(status.body).toMatchObject({ state: 'qr_required', linkingCodeAvailable: true });

    // Channel details are for a supervisor only (issue 11 item 7).
    const health = await get('/healthz', tokens.supervisor);
    expect(health.body).toMatchObject({ channels: { 'whatsapp-web': { state: 'qr_required', linkingCodeAvailable: true } } });
    expect(health.text).not.toContain(qr);

    // The page itself is static (the QR comes only through the authenticated call) and locked down.
    const page = await get('/staff/whatsapp-web/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Linked devices');
    expect(page.text).not.toContain(qr);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await get('/staff/whatsapp-web')).status).toBe(200);

    clients.current.link();
    expect(channel.health?.()).toMatchObject({ state: 'ready', linkingCodeAvailable: false });
    expect((await get('/staff/whatsapp-web/qr', tokens.supervisor)).body).toMatchObject({ state: 'ready', qr: null });
  });
});

describe('a consumer on WhatsApp', () => {
  it('registers a complaint in Hindi, says "2" (no) to the first fix and "haan" to the second: closed on their word', { timeout: 60_000 }, async () => {
    const asha = consumer('919876543210');
    const complaint = 'गोमती नगर में 5 घंटे से बिजली नहीं है';

    // What, since when and where are in the message; the number is the WhatsApp sender's, so only the account is asked.
    expect(await asha.say(complaint)).toEqual([`${hi.askAccount}\n\n1. ${hi.skipWords[0]}`]);
    // "1" was "छोड़ें"; the summary (its wording is the dialogs' business) comes with numbered yes/no.
    const [summary] = await asha.say('1');
    expect(summary).toContain(complaint);
    expect(summary).toContain('9876543210');
    expect(summary?.endsWith(yesNo)).toBe(true);
    const [registered] = await asha.say('1');
    const ticketNumber = /UP-\d{6}-\d{5}/.exec(registered ?? '')?.[0];
    expect(ticketNumber).toBeDefined();
    const number = ticketNumber!;
    expect(registered).toBe(hi.registered(number, 'JE', je.name));
    expect(await ticket(number)).toMatchObject({
      status: 'assigned',
      level: 'JE',
      consumer: { channel: 'whatsapp', channelUserId: '919876543210', mobile: '9876543210' },
    });

    // The JE claims it fixed: the question reaches the phone on its own, with numbered yes/no.
    const jeNote = 'फीडर का फ्यूज बदल दिया, सप्लाई चालू है';
    const firstClaim = await helpline.tickets.claimResolution(number, je, { note: jeNote });
    expect(await asha.receive()).toEqual([`${hi.satisfactionQuestion(number, 'JE', je.name, jeNote)}${yesNo}`]);
    await eventually(async () => expect((await ticket(number)).events.map((event) => event.type)).toContain('ticket.claim_shown'));

    // "2" is "नहीं": reopened, and now with the SDO, by name.
    const [reopened] = await asha.say('2');
    expect(reopened).toBe(hi.reopened(number, 'SDO', sdo.name));
    expect(reopened).toContain(sdo.name);
    expect(await ticket(number)).toMatchObject({ status: 'reopened', level: 'SDO', officer: { id: 'sdo-gomti-nagar' } });

    // The SDO claims it fixed; "haan" closes it.
    const sdoNote = 'ट्रांसफॉर्मर का केबल बदला गया';
    const secondClaim = await helpline.tickets.claimResolution(number, sdo, { note: sdoNote });
    expect(secondClaim.claimId).not.toBe(firstClaim.claimId);
    expect(await asha.receive()).toEqual([`${hi.satisfactionQuestion(number, 'SDO', sdo.name, sdoNote)}${yesNo}`]);
    expect(await asha.say('haan')).toEqual([hi.closedThanks(number)]);

    const closed = await ticket(number);
    expect(closed.status).toBe('closed');
    expect(closed.closure).toMatchObject({ provenance: 'consumer_confirmed', claimId: secondClaim.claimId, by: { role: 'consumer', id: 'whatsapp:919876543210' } });
    expect(closed.events.at(-1)).toMatchObject({ type: 'ticket.confirmed', actor: { role: 'consumer', id: 'whatsapp:919876543210' }, channel: 'whatsapp' });
    expect(closed.events.map((event) => event.type)).toEqual([
      'ticket.registered',
      'ticket.assigned',
      'ticket.resolution_claimed',
      'ticket.claim_shown',
      'ticket.rejected',
      'ticket.resolution_claimed',
      'ticket.claim_shown',
      'ticket.confirmed',
    ]);
    expect((await helpline.tickets.verify(number)).ok).toBe(true);
    await eventually(async () => expect((await ticket(number)).outbox ?? []).toEqual([]));
    // Nothing reached the phone twice, and nothing else arrived.
    expect(asha.unread()).toEqual([]);
  });

  it('status updates sent while the phone is disconnected wait in the outbox and arrive, once and in order, when it is back', { timeout: 60_000 }, async () => {
    const ravi = consumer('919812345678');
    expect(await ravi.say('गोमती नगर में 2 घंटे से बिजली नहीं है')).toEqual([`${hi.askAccount}\n\n1. ${hi.skipWords[0]}`]);
    expect((await ravi.say('1'))[0]).toMatch(/1\. हाँ\n2\. नहीं$/);
    const ticketNumber = /UP-\d{6}-\d{5}/.exec((await ravi.say('1'))[0] ?? '')?.[0] ?? 'no ticket number';
    expect(await ticket(ticketNumber)).toMatchObject({ status: 'assigned', officer: { id: je.id } });

    clients.current.disconnect('NAVIGATION');
    expect(channel.health?.()).toMatchObject({ state: 'disconnected' });
    await helpline.tickets.startWork(ticketNumber, je, { note: 'लाइनमैन रास्ते में है' });
    const claim = await helpline.tickets.claimResolution(ticketNumber, je, { note: 'ट्रांसफॉर्मर ठीक किया' });

    // The first delivery failed loudly and is waiting to be retried; nothing was sent.
    await eventually(async () => {
      const outbox = (await ticket(ticketNumber)).outbox ?? [];
      expect(outbox.length).toBeGreaterThan(0);
      expect(outbox[0]?.attempts).toBeGreaterThanOrEqual(1);
      expect(outbox[0]?.lastError).toContain('not connected');
    });
    expect(ravi.unread()).toEqual([]);

    // The backoff's time comes: a new client, the saved session restores, ready.
    const before = clients.created.length;
    clock.runNext('reconnect');
    await eventually(() => expect(clients.created).toHaveLength(before + 1));
    expect(clients.created[before - 1]!.destroyCalls).toBeGreaterThanOrEqual(1);
    clients.current.link();

    const delivered = await ravi.receive(2);
    expect(delivered).toEqual([hi.update.workStarted(ticketNumber, 'लाइनमैन रास्ते में है'), `${hi.satisfactionQuestion(ticketNumber, 'JE', je.name, 'ट्रांसफॉर्मर ठीक किया')}${yesNo}`]);
    expect(clients.sent.filter((message) => message.chatId === ravi.chatId).slice(-2).every((message) => message.client === before)).toBe(true);
    await eventually(async () => expect((await ticket(ticketNumber)).outbox ?? []).toEqual([]));
    expect((await ticket(ticketNumber)).events.at(-1)).toMatchObject({ type: 'ticket.claim_shown', claimId: claim.claimId });

    // Answering still works on the new client.
    expect(await ravi.say('1')).toEqual([hi.closedThanks(ticketNumber)]);
    expect(ravi.unread()).toEqual([]);
  });
});

describe('a person over WhatsApp through the linked phone (the live handoff)', () => {
  it('asks in Hindi, an agent accepts and replies through the staff API, completes, and the bot resumes', { timeout: 60_000 }, async () => {
    const call = staffApiCaller(baseUrl);
    const desk = await agentDesk(call, helpline.staffAuth, { username: 'asha-web', password: 'asha-web-password', name: 'Asha Verma' });
    const ravi = consumer('919876500011');

    const [queued, ...more] = await ravi.say('किसी व्यक्ति से बात करनी है');
    expect(more).toEqual([]);
    expect(queued!.startsWith(hi.handoffQueued({ position: 99, officeHours: '', callbackAfterMinutes: 5 }).split('99')[0]!)).toBe(true);
    const id = await desk.handoffOf('9876500011');

    expect((await call('POST', `/handoffs/${id}/accept`, desk.token, {})).body).toEqual({ delivered: true });
    expect(await ravi.receive(1)).toEqual([hi.handoffAccepted('Asha')]);
    expect(await ravi.say('मीटर जल गया है')).toEqual([]);
    expect((await call('POST', `/handoffs/${id}/messages`, desk.token, { text: 'नमस्ते, मैं आशा। खाता संख्या बताइए।' })).body).toEqual({ delivered: true });
    expect(await ravi.receive(1)).toEqual(['नमस्ते, मैं आशा। खाता संख्या बताइए।']);
    expect((await call('GET', `/handoffs/${id}`, desk.token)).body.handoff.messages.map((line: { text: string }) => line.text)).toEqual([
      'मीटर जल गया है',
      'नमस्ते, मैं आशा। खाता संख्या बताइए।',
    ]);
    expect((await call('POST', `/handoffs/${id}/complete`, desk.token, {})).body).toEqual({ delivered: true });
    const [completed] = await ravi.receive(1);
    expect(completed!.startsWith(hi.handoffCompleted)).toBe(true);
    const [welcome] = await ravi.say('नमस्ते');
    expect(welcome!.startsWith(hi.welcome)).toBe(true);
  });
});

describe('the production client', () => {
  it('is built lazily from whatsapp-web.js with LocalAuth and Debian\'s Chromium, and building it starts nothing', async () => {
    const client = await createRealWhatsAppWebClient({ dataPath: '/tmp/santushti-never-created', chromiumPath: '/usr/bin/chromium' });
    const { default: whatsAppWeb } = await import('whatsapp-web.js');
    expect(client).toBeInstanceOf(whatsAppWeb.Client);
    const options = (client as unknown as { options: { puppeteer: { executablePath: string; args: string[] }; authStrategy: unknown } }).options;
    expect(options.puppeteer.executablePath).toBe('/usr/bin/chromium');
    expect(options.puppeteer.args).toEqual(expect.arrayContaining(['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']));
    expect(options.authStrategy).toBeInstanceOf(whatsAppWeb.LocalAuth);
    expect((options.authStrategy as { dataPath: string }).dataPath).toBe('/tmp/santushti-never-created');
    // Never initialized: no browser, so destroy() has nothing to close.
    await client.destroy();
  });
});
