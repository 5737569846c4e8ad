// Issue 13 "Done when" (incidents): a storm of consumers through web chat (Direct Line) and WhatsApp (the fake
// whatsapp-web.js client) into ONE incident; an ETA update reaches each consumer once; a restore asks each; and mixed
// yes / no / silence give closed / escalated (detached) / unconfirmed tickets, every chain verifying — the tickets'
// (TicketService.verify) and the incident's. On the old code there were no incidents: seven separate tickets, nobody
// told anything, and a restoration meant claiming each ticket by hand. One web chat consumer writes Hinglish and is told
// everything (the outage, the ETA, the question) in Hinglish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WhatsAppWebAdapter } from '../../bot/adapters/whatsAppWebAdapter.js';
import { texts } from '../../dialogs/texts.js';
import { wholeDocument } from '../../models/index.js';
import type { TicketRecord } from '../../models/ticketTypes.js';
import type { ChannelPlugin, Helpline } from '../../server/helpline.js';
import { noQrRenderer } from '../../server/whatsappWeb/qrRendering.js';
import { createWhatsAppWebChannel } from '../../server/whatsappWeb/whatsAppWebChannel.js';
import { Directory } from '../../services/directory.js';
import { DirectLineTestClient } from '../support/directLineClient.js';
import { eventually, FakeWhatsAppWebClients, ManualScheduler } from '../support/fakeWhatsAppWebClient.js';
import { staffApiCaller, type StaffApiCall } from '../support/staffApiClient.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('incident_storm');
const directory = Directory.loadDefault();
const hi = texts.hi;
const directLineSecret = 'incident-storm-directline-secret-0123456789';
const clients = new FakeWhatsAppWebClients();
const clock = new ManualScheduler();
let served: ServedHelpline | undefined;
let helpline: Helpline;
let channel: ChannelPlugin;
let call: StaffApiCall;
let officerToken = '';

beforeAll(async () => {
  const whatsAppWeb = createWhatsAppWebChannel({
    dataPath: '/tmp/santushti-test-never-written',
    clientFactory: clients.factory,
    schedule: clock.schedule,
    watchdogIntervalMs: 0,
    qrRenderer: noQrRenderer,
  });
  served = await serveHelpline(db, directory, {
    channels: [(context) => (channel = whatsAppWeb(context))],
    directLineSecret,
    incidentThreshold: 5,
    incidentWindowMs: 30 * 60_000,
    // No reminders: silence after the question goes straight to unconfirmed, after this long.
    satisfactionReminderDelaysMs: [],
    satisfactionUnconfirmedAfterMs: 25_000,
  });
  helpline = served.helpline;
  call = staffApiCaller(served.baseUrl);
  await eventually(() => expect(clients.created).toHaveLength(1));
  clients.current.link();
  const account = { username: 'je-storm', password: 'je-storm-password-123', role: 'officer' as const, officerId: 'je-gomti-nagar-1' };
  await helpline.staffAuth.createUser(account, { role: 'system', id: 'test-operator' });
  officerToken = (await helpline.staffAuth.login({ username: account.username, password: account.password }, '127.0.0.1')).token;
});

afterAll(async () => {
  await served?.close();
});

interface StormConsumer {
  name: string;
  /** The language the consumer writes in, and is answered in. */
  language: 'hi' | 'hl';
  number?: string;
  /** Every bot message this consumer has received so far. */
  received(): Promise<string[]>;
  /** Says something; resolves when the bot has answered it. */
  say(text: string, expected?: string): Promise<void>;
  register(): Promise<string>;
}

/** A web chat consumer; `language` 'hl' writes Hinglish (in Latin letters) and must be answered in Hinglish throughout. */
function webConsumer(index: number, language: 'hi' | 'hl' = 'hi'): StormConsumer {
  let client: DirectLineTestClient | undefined;
  const mobile = `98765${String(40_000 + index).padStart(5, '0')}`;
  const consumer: StormConsumer = {
    name: `web-${index}`,
    language,
    async received() {
      await client!.poll();
      return client!.botTexts();
    },
    async say(text, expected = '') {
      await client!.turn(text, expected);
    },
    async register() {
      client = await DirectLineTestClient.start(() => served!.baseUrl, directLineSecret);
      const hinglish = language === 'hl';
      await client.turn(hinglish ? 'vinay khand mein 3 ghante se bijli nahi hai' : 'विनय खंड में 3 घंटे से बिजली नहीं है', texts[language].askAccount);
      await client.turn(hinglish ? 'skip' : 'छोड़ें', texts[language].askMobile);
      await client.turn(mobile, hinglish ? mobile : `• मोबाइल: ${mobile}`);
      const registered = await client.turn(hinglish ? 'haan' : 'हाँ', 'UP-');
      consumer.number = /UP-\d{6}-\d{5}/.exec(registered.text ?? '')![0];
      return consumer.number;
    },
  };
  return consumer;
}

function whatsAppConsumer(index: number): StormConsumer {
  const chatId = `9198765${String(50_000 + index).padStart(5, '0')}@c.us`;
  const adapter = () => channel.adapter as WhatsAppWebAdapter;
  const consumer: StormConsumer = {
    name: `whatsapp-${index}`,
    language: 'hi',
    async received() {
      return clients.textsTo(chatId);
    },
    async say(text) {
      clients.current.receive({ from: chatId, body: text });
      await adapter().idle();
    },
    async register() {
      await consumer.say('विनय खंड में 3 घंटे से बिजली नहीं है');
      await consumer.say('1'); // "छोड़ें": no account number at hand
      await consumer.say('1'); // "हाँ" to the summary
      const registered = clients.textsTo(chatId).find((text) => /UP-\d{6}-\d{5}/.test(text));
      consumer.number = /UP-\d{6}-\d{5}/.exec(registered ?? '')![0];
      return consumer.number;
    },
  };
  return consumer;
}

async function ticket(number: string): Promise<TicketRecord> {
  return (await db.models.tickets.findById(number, wholeDocument).lean<TicketRecord>())!;
}

// What each consumer is told, in their own language: the update's first words, the outage being known, the question.
const updatePrefix = (consumer: StormConsumer) => (consumer.language === 'hl' ? `Shikayat ${consumer.number} — nayi jaankari:` : `शिकायत ${consumer.number} — नई जानकारी:`);
const outageKnown = (consumer: StormConsumer) => (consumer.language === 'hl' ? 'bijli katauti ki jaankari' : 'बिजली कटौती की जानकारी');
const etaNote = 'फीडर पर टीम काम कर रही है';
const restoreNote = 'फीडर चालू, सप्लाई बहाल';
const question = (consumer: StormConsumer) => (consumer.language === 'hl' ? 'Kya aapki samasya hal ho gayi?' : 'क्या आपकी समस्या हल हो गई?');

describe('an outage storm over web chat and WhatsApp', () => {
  it('one incident, one ETA message each, a question each on restore, and yes / no / silence decided per consumer', { timeout: 240_000 }, async () => {
    // web-3 writes Hinglish: every message it gets must be in Hinglish too.
    const web = [webConsumer(0), webConsumer(1), webConsumer(2), webConsumer(3, 'hl')];
    const whatsApp = [0, 1, 2].map(whatsAppConsumer);
    const everyone = [...web, ...whatsApp];

    // The storm: web chat consumers all at once, WhatsApp consumers one after another alongside.
    const numbers = await Promise.all([
      ...web.map((consumer) => consumer.register()),
      (async () => {
        const out = [];
        for (const consumer of whatsApp) out.push(await consumer.register());
        return out;
      })(),
    ]);
    expect(numbers.flat()).toHaveLength(7);

    // ONE incident for Vinay Khand, owned by its JE, every ticket linked to it. (A web chat reply with the ticket number
    // is sent before that turn counts the complaint into the incident: wait for the turns to finish.)
    await eventually(async () => expect((await call('GET', '/incidents?status=open', officerToken)).body.incidents[0]?.reportCount).toBe(7), 30_000);
    const listed = await call('GET', '/incidents?status=open', officerToken);
    expect(listed.status).toBe(200);
    expect(listed.body.incidents).toHaveLength(1);
    const incidentId: string = listed.body.incidents[0]._id;
    expect(listed.body.incidents[0]).toMatchObject({ place: { locality: 'Vinay Khand' }, owner: { id: 'je-gomti-nagar-1' }, openedHow: 'threshold', reportCount: 7 });
    for (const consumer of everyone) expect((await ticket(consumer.number!)).incidentId).toBe(incidentId);
    // Those who wrote once the incident was known were told at once (in Hindi); the first four made it known.
    await eventually(async () => {
      const toldAtOnce = [];
      for (const consumer of everyone) if ((await consumer.received()).some((text) => text.includes(outageKnown(consumer)))) toldAtOnce.push(consumer.name);
      expect(toldAtOnce).toHaveLength(3);
    }, 30_000);

    // The JE's ETA through the staff API reaches each consumer once, on their own channel.
    const eta = await call('POST', `/incidents/${incidentId}/eta`, officerToken, { etaAt: new Date(Date.now() + 3 * 3_600_000).toISOString(), note: etaNote });
    expect(eta.status).toBe(200);
    for (const consumer of everyone) {
      await eventually(async () => expect((await consumer.received()).filter((text) => text.startsWith(updatePrefix(consumer)))).toHaveLength(1), 30_000);
    }
    // Delivered, nothing left owed; a repeated fan-out tells nobody twice.
    expect(await helpline.incidents.broadcast(incidentId)).toBe(0);
    for (const consumer of everyone) {
      await eventually(async () => expect((await ticket(consumer.number!)).outbox ?? []).toEqual([]), 30_000);
      expect((await consumer.received()).filter((text) => text.startsWith(updatePrefix(consumer)))).toHaveLength(1);
    }

    // Restored: nobody's ticket closes on the officer's word; each consumer is asked.
    const restored = await call('POST', `/incidents/${incidentId}/restore`, officerToken, { note: restoreNote });
    expect(restored.status).toBe(200);
    expect(restored.body.asked).toBe(7);
    for (const consumer of everyone) {
      await eventually(async () => expect((await consumer.received()).some((text) => text.includes(question(consumer)))).toBe(true), 30_000);
      await eventually(async () => expect((await ticket(consumer.number!)).claim?.shownAt).toBeDefined(), 30_000);
      expect((await ticket(consumer.number!)).status).toBe('awaiting_confirmation');
    }

    // Mixed answers: yes, no, and silence, on both channels.
    await web[0]!.say('हाँ', hi.closedThanks(web[0]!.number!));
    await web[1]!.say('नहीं', web[1]!.number!);
    await whatsApp[0]!.say('1');
    await whatsApp[1]!.say('2');

    for (const consumer of [web[0]!, whatsApp[0]!]) {
      expect(await ticket(consumer.number!)).toMatchObject({ status: 'closed', closure: { provenance: 'consumer_confirmed' } });
    }
    for (const consumer of [web[1]!, whatsApp[1]!]) {
      const rejected = await ticket(consumer.number!);
      expect(rejected).toMatchObject({ status: 'reopened', level: 'SDO', officer: { id: 'sdo-gomti-nagar' } });
      expect(rejected.incidentId).toBeUndefined();
    }
    const silent = [web[2]!, web[3]!, whatsApp[2]!];
    for (const consumer of silent) {
      await eventually(async () => expect((await ticket(consumer.number!)).status).toBe('unconfirmed'), 60_000);
    }

    // The Hinglish writer was answered in Hinglish throughout: after the welcome (sent before anyone wrote), nothing in
    // Devanagari except the officers' own notes, which are quoted as they wrote them.
    const [welcome, ...answers] = await web[3]!.received();
    expect(welcome).toBe(hi.welcome);
    const quoted = [etaNote, restoreNote];
    expect(answers.map((text) => quoted.reduce((rest, note) => rest.replace(note, ''), text)).filter((text) => /[\u0900-\u097F]/.test(text))).toEqual([]);
    expect(answers.filter((text) => text.startsWith(updatePrefix(web[3]!)))).toHaveLength(1);

    // Every chain verifies: each ticket's, and the incident's (which records the two who left it).
    for (const consumer of everyone) expect(await helpline.tickets.verify(consumer.number!)).toMatchObject({ ok: true });
    const detail = await call('GET', `/incidents/${incidentId}`, officerToken);
    expect(detail.status).toBe(200);
    expect(detail.body.chain).toMatchObject({ ok: true });
    expect(detail.body.incident.status).toBe('restored');
    const detached = detail.body.incident.events.filter((event: { type: string }) => event.type === 'incident.ticket_detached').map((event: { data: { ticketNumber: string } }) => event.data.ticketNumber);
    expect(detached.sort()).toEqual([web[1]!.number!, whatsApp[1]!.number!].sort());
    expect(detail.body.tickets.map((summary: { number: string }) => summary.number).sort()).toEqual(
      [web[0], web[2], web[3], whatsApp[0], whatsApp[2]].map((consumer) => consumer!.number!).sort(),
    );
    expect(await helpline.incidents.verify(incidentId)).toMatchObject({ ok: true });
    expect(await db.models.incidents.countDocuments({})).toBe(1);
  });
});
