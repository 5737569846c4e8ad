// Whole conversations through the WhatsApp Cloud door of the REAL helpline (createHelpline, as `npm start` assembles
// it) on the test database: webhooks signed like Meta's go in over HTTP, the bot's messages come out at a fake Graph
// API on loopback. A Hinglish complaint is registered, a redelivered confirmation makes no second ticket, a "no" tapped
// on the reply buttons escalates it, and only the consumer's own "haan" closes it. A consumer who registered on web
// chat finds their ticket from WhatsApp (the same number) and answers its question; another number cannot.
import type { ChannelAccount, ConversationAccount, TurnContext } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWebChatUserId, type ActivityJson } from '../../bot/adapters/directLineAdapter.js';
import type { WhatsAppCloudAdapter } from '../../bot/adapters/whatsAppCloudAdapter.js';
import { texts } from '../../dialogs/texts.js';
import type { StaffActor, TicketRecord } from '../../models/ticketTypes.js';
import type { ChannelFactory, ChannelPlugin, Helpline } from '../../server/helpline.js';
import { ConfigError } from '../../server/config.js';
import { createWhatsAppCloudChannel, whatsAppCloudOptionsFromEnv } from '../../server/whatsappCloud/whatsAppCloudChannel.js';
import { Directory } from '../../services/directory.js';
import { buttonReply, FakeGraphApi, messageWebhook, postWebhook, type GraphRequest } from '../support/fakeGraphApi.js';
import { WhatsAppCloudUser } from '../support/whatsAppCloudUser.js';
import { agentDesk, staffApiCaller } from '../support/staffApiClient.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('wa_cloud_helpline');
const directory = Directory.loadDefault();
const appSecret = 'helpline-app-secret-0123456789abcdef';
const phoneNumberId = '109876543212';
const templates = { statusUpdate: 'santushti_status_update', satisfactionQuestion: 'santushti_satisfaction', language: 'hi' };
// These consumers write Hinglish, and are answered in Hinglish (Latin letters).
const hl = texts.hl;

const je: StaffActor = { role: 'officer', id: 'je-gomti-nagar-1', name: directory.officerById('je-gomti-nagar-1')?.name ?? 'JE' };
const sdo: StaffActor = { role: 'officer', id: 'sdo-gomti-nagar', name: directory.officerById('sdo-gomti-nagar')?.name ?? 'SDO' };

let graph: FakeGraphApi;
let helpline: Helpline;
let served: ServedHelpline | undefined;
let webhookUrl: string;
let cloud: ChannelPlugin;
let serverLog: string[] = [];

function cloudAdapter(): WhatsAppCloudAdapter {
  return cloud.adapter as WhatsAppCloudAdapter;
}

/** One WhatsApp user of this helpline's Cloud door (test/support/whatsAppCloudUser.ts). */
class WhatsAppUser extends WhatsAppCloudUser {
  constructor(number: string) {
    super({ webhookUrl, appSecret, phoneNumberId, graph, idle: () => cloudAdapter().idle() }, number);
  }
}

const textsOf = (messages: GraphRequest[]) => messages.map((message) => message.text);

beforeAll(async () => {
  graph = await FakeGraphApi.start();
  const factory = createWhatsAppCloudChannel({
    appSecret,
    verifyToken: 'helpline-verify-token-0123456789',
    accessToken: 'helpline-access-token-abcdefghijklmnop',
    phoneNumberId,
    apiBase: graph.apiBase,
    templates,
    retry: { baseDelayMs: 5 },
  });
  const capture: ChannelFactory = (context) => {
    cloud = factory(context);
    return cloud;
  };
  served = await serveHelpline(db, directory, {
    channels: [capture],
    directLineSecret: 'wa-cloud-directline-secret-0123456789abcdefghij',
    webChatCookieSecret: 'wa-cloud-webchat-cookie-secret-9876543210zyx',
  });
  helpline = served.helpline;
  serverLog = served.log;
  webhookUrl = `${served.baseUrl}/webhooks/whatsapp`;
});

afterAll(async () => {
  await served?.close();
  await graph?.close();
});

async function ticket(number: string): Promise<TicketRecord> {
  return helpline.tickets.get(number);
}

describe('the helpline over WhatsApp Cloud', () => {
  it(
    'registers a Hinglish complaint, escalates on a tapped "no", and closes only on the consumer\'s own "haan"',
    { timeout: 90_000 },
    async ({ onTestFailed }) => {
      onTestFailed(() => console.log(`[wa-cloud] server log:\n${serverLog.join('\n')}\n[wa-cloud] graph:\n${JSON.stringify(graph.requests.map((request) => [request.to, request.kind, request.text, request.choices]), null, 1)}`));
      const asha = new WhatsAppUser('919811122233');

      // ── The complaint, in Hinglish: what, since when and where are in the first message; only the rest is asked.
      const first = await asha.say('Gomti Nagar mein 5 ghante se light nahi aa rahi hai');
      expect(textsOf(first)).toEqual([hl.askAccount]);
      expect(first[0]).toMatchObject({ kind: 'buttons', choices: [hl.skipWords[0]] });

      const summary = await asha.tap(first[0]!, hl.skipWords[0]!);
      expect(summary).toHaveLength(1);
      expect(summary[0]).toMatchObject({ kind: 'buttons', choices: hl.yesNoChoices });
      // The WhatsApp number is a verified mobile: the bot never asked for it.
      expect(summary[0]!.text).toContain('9811122233');

      // ── The confirmation, delivered three times by Meta (twice at once, once later): one ticket, one answer.
      const confirm = buttonReply(asha.number, { id: summary[0]!.choiceIds[0]!, title: summary[0]!.choices[0]! });
      const deliveries = await Promise.all([1, 2].map(() => postWebhook(webhookUrl, appSecret, messageWebhook(phoneNumberId, [confirm]))));
      expect(deliveries.map((delivery) => delivery.status)).toEqual([200, 200]);
      await cloudAdapter().idle();
      const registered = await asha.send(confirm);
      expect(registered).toHaveLength(1);
      const ticketNumber = /UP-\d{6}-\d{5}/.exec(registered[0]!.text)?.[0];
      expect(ticketNumber).toBeDefined();
      const number = ticketNumber!;
      expect(registered[0]!.text).toBe(hl.registered(number, 'JE', je.name));
      const index = await db.models.consumerIndex.findById(`channel:whatsapp:${asha.number}`).lean();
      expect(index?.ticketNumbers).toEqual([number]);

      // ── The JE claims it fixed: the question arrives on its own, as yes/no reply buttons.
      const jeNote = 'Feeder ka fuse badal diya, supply chalu hai';
      const firstClaim = await helpline.tickets.claimResolution(number, je, { note: jeNote });
      const [firstQuestion, ...noMore] = await asha.receive(1);
      expect(noMore).toEqual([]);
      expect(firstQuestion).toMatchObject({ kind: 'buttons', text: hl.satisfactionQuestion(number, 'JE', je.name, jeNote), choices: hl.yesNoChoices });
      await expect.poll(async () => (await ticket(number)).claim?.shownAt, { timeout: 10_000 }).toBeDefined();

      // ── "Nahi" tapped: reopened, and now with the SDO, by name.
      const rejected = await asha.tap(firstQuestion!, hl.yesNoChoices[1]!);
      expect(textsOf(rejected)).toEqual([hl.reopened(number, 'SDO', sdo.name)]);
      expect(rejected[0]!.text).toContain(sdo.name);
      expect(await ticket(number)).toMatchObject({ status: 'reopened', level: 'SDO', officer: { id: 'sdo-gomti-nagar' } });

      // ── The SDO claims it fixed; the second question; a typed "haan" closes it.
      const sdoNote = 'Transformer ka cable badla, 2 ghante se bijli theek hai';
      const secondClaim = await helpline.tickets.claimResolution(number, sdo, { note: sdoNote });
      const [secondQuestion] = await asha.receive(1);
      expect(secondQuestion).toMatchObject({ kind: 'buttons', text: hl.satisfactionQuestion(number, 'SDO', sdo.name, sdoNote) });
      await expect.poll(async () => (await ticket(number)).claim?.shownAt, { timeout: 10_000 }).toBeDefined();
      const closing = await asha.say('haan');
      expect(textsOf(closing)).toEqual([hl.closedThanks(number)]);

      // ── The ticket: closed on the consumer's own word, by the WhatsApp identity that registered it.
      const closed = await ticket(number);
      expect(closed.status).toBe('closed');
      expect(closed.closure).toMatchObject({ provenance: 'consumer_confirmed', claimId: secondClaim.claimId, by: { role: 'consumer' } });
      expect(closed.consumer).toMatchObject({ channel: 'whatsapp', channelUserId: asha.number, mobile: '9811122233' });
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
      expect(closed.events[4]).toMatchObject({ actor: { role: 'consumer' }, claimId: firstClaim.claimId });
      expect(closed.events[7]).toMatchObject({ actor: { role: 'consumer', id: `whatsapp:${asha.number}` }, claimId: secondClaim.claimId });
      expect((await helpline.tickets.verify(number)).ok).toBe(true);
      await expect.poll(async () => (await ticket(number)).outbox ?? [], { timeout: 10_000 }).toEqual([]);

      // Nothing else reached the consumer, and every message went out once.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(asha.unread()).toEqual([]);
      expect(graph.accepted(asha.number).filter((message) => message.text.includes('Shikayat sankhya'))).toHaveLength(1);
      // Logs never carry the whole number.
      expect(serverLog.join('\n')).not.toContain(asha.number);
    },
  );

  it(
    'a web chat ticket is not borrowed from WhatsApp: neither another number nor the typed mobile (unverified) sees it or answers; the web chat consumer does',
    { timeout: 90_000 },
    async ({ onTestFailed }) => {
      onTestFailed(() => console.log(`[wa-cloud] server log:\n${serverLog.join('\n')}`));
      // ── On web chat, through the helpline's own web chat adapter and bot.
      const logic = (context: TurnContext) => helpline.bot.run(context);
      const userId = newWebChatUserId();
      const opened = await helpline.webChat.openConversationForUser(userId, logic, 'hi-IN');
      await opened.turnCompleted;
      const webSay = async (text: string) => {
        const processed = await helpline.webChat.processActivity(
          { type: 'message', from: { id: userId, name: '', role: 'user' } as ChannelAccount, conversation: { id: opened.conversationId } as ConversationAccount, text },
          logic,
        );
        await processed.turnCompleted;
      };
      await webSay('आलमबाग में मीटर जल गया है');
      await webSay('छोड़ें');
      await webSay('9876543210');
      await webSay('हाँ');
      const transcript: ActivityJson[] = (await helpline.webChat.transcript(opened.conversationId)) ?? [];
      const botTexts = transcript.filter((activity) => activity.from?.id === 'santushti-bot').map((activity) => activity.text ?? '');
      const number = botTexts.map((text) => /UP-\d{6}-\d{5}/.exec(text)?.[0]).find(Boolean);
      expect(number, botTexts.join('\n---\n')).toBeDefined();
      const ticketNumber = number!;
      expect((await ticket(ticketNumber)).consumer).toMatchObject({ channel: 'webchat', channelUserId: userId, mobile: '9876543210' });

      // The officer of that ticket claims it fixed; the question is shown on web chat.
      const registered = await ticket(ticketNumber);
      const officer: StaffActor = { role: 'officer', id: registered.officer!.id, name: registered.officer!.name };
      const claim = await helpline.tickets.claimResolution(ticketNumber, officer, { note: 'Naya meter laga diya' });
      await expect.poll(async () => (await ticket(ticketNumber)).claim?.shownAt, { timeout: 10_000 }).toBeDefined();

      // ── Someone else on WhatsApp sees nothing and cannot answer.
      const stranger = new WhatsAppUser('919812345670');
      const strangerList = await stranger.say('meri shikayatein');
      expect(textsOf(strangerList).join('\n')).not.toContain(ticketNumber);
      expect(textsOf(strangerList)).toContain(hl.noComplaints);
      const strangerStatus = await stranger.say(`${ticketNumber} ki sthiti`);
      expect(textsOf(strangerStatus).join('\n')).toContain(hl.ticketNotFound(ticketNumber));
      await stranger.say('haan');
      expect((await ticket(ticketNumber)).status).toBe('awaiting_confirmation');

      // ── The typed mobile's WhatsApp (issue 11, example 1): a contact detail until verified, not the consumer. It never
      // saw the question, so its "haan" closes nothing, and it is not shown the ticket.
      const typedMobile = new WhatsAppUser('919876543210');
      const list = await typedMobile.say('meri shikayatein');
      expect(textsOf(list).join('\n')).not.toContain(ticketNumber);
      await typedMobile.say('haan');
      expect((await ticket(ticketNumber)).status).toBe('awaiting_confirmation');

      // ── The web chat consumer, to whom the question was shown, answers it.
      await webSay('हाँ');
      const closed = await ticket(ticketNumber);
      expect(closed.status).toBe('closed');
      expect(closed.closure).toMatchObject({ provenance: 'consumer_confirmed', claimId: claim.claimId });
      expect(closed.events.at(-1)).toMatchObject({ type: 'ticket.confirmed', actor: { role: 'consumer', id: `webchat:${userId}` } });
    },
  );
});

describe('a person over WhatsApp Cloud (the live handoff)', () => {
  it('asks in Hinglish, is queued honestly, an agent accepts and replies through the staff API, completes, and the bot resumes', { timeout: 60_000 }, async () => {
    const call = staffApiCaller(webhookUrl.replace('/webhooks/whatsapp', ''));
    const desk = await agentDesk(call, helpline.staffAuth, { username: 'asha-cloud', password: 'asha-cloud-password', name: 'Asha Verma' });
    const ravi = new WhatsAppUser('919811199988');

    const [queued, ...more] = await ravi.say('kisi insaan se baat karni hai');
    expect(more).toEqual([]);
    expect(queued!.text.startsWith(hl.handoffQueued({ position: 99, officeHours: '', callbackAfterMinutes: 5 }).split('99')[0]!)).toBe(true);
    const id = await desk.handoffOf('9811199988');

    expect((await call('POST', `/handoffs/${id}/accept`, desk.token, {})).body).toEqual({ delivered: true });
    expect(textsOf(await ravi.receive(1))).toEqual([hl.handoffAccepted('Asha')]);
    // The bot is silent while the agent owns the chat; the consumer's words reach the agent.
    expect(await ravi.say('mera bill galat aaya hai, 5000 rupaye')).toEqual([]);
    const messages = (await call('GET', `/handoffs/${id}`, desk.token)).body.handoff.messages as Array<{ from: string; text: string }>;
    expect(messages.at(-1)).toMatchObject({ from: 'consumer', text: 'mera bill galat aaya hai, 5000 rupaye' });

    expect((await call('POST', `/handoffs/${id}/messages`, desk.token, { text: 'Namaste, main Asha. Apna khata sankhya bataiye.' })).body).toEqual({ delivered: true });
    expect(textsOf(await ravi.receive(1))).toEqual(['Namaste, main Asha. Apna khata sankhya bataiye.']);
    expect((await call('POST', `/handoffs/${id}/complete`, desk.token, {})).body).toEqual({ delivered: true });
    const [completed] = await ravi.receive(1);
    expect(completed).toMatchObject({ text: hl.handoffCompleted, choices: hl.menuChoices });
    expect(textsOf(await ravi.say('namaste'))).toEqual([hl.welcome]);
  });
});

describe('wiring', () => {
  it('reports the channel under /healthz and answers the verification handshake on the helpline', async () => {
    const origin = webhookUrl.replace('/webhooks/whatsapp', '');
    // The channel's details (phone number id, counters) are for a supervisor only (issue 11 item 7).
    await helpline.staffAuth.createUser({ username: 'health-supervisor', password: 'health-supervisor-password', role: 'supervisor', name: 'S' }, { role: 'system', id: 'test-operator' });
    const { token } = await helpline.staffAuth.login({ username: 'health-supervisor', password: 'health-supervisor-password' }, '127.0.0.1');
    expect(await (await fetch(`${origin}/healthz`)).json()).toEqual({ status: 'ok' });
    const health = (await (await fetch(`${origin}/healthz`, { headers: { authorization: `Bearer ${token}` } })).json()) as { channels: Record<string, Record<string, unknown>> };
    expect(health.channels['whatsapp-cloud']).toMatchObject({ phoneNumberId, processing: true });
    const handshake = await fetch(`${webhookUrl}?hub.mode=subscribe&hub.verify_token=helpline-verify-token-0123456789&hub.challenge=42`);
    expect(await handshake.text()).toBe('42');
  });

  it('reads the WHATSAPP_CLOUD_* variables, names every bad one, and stays closed when none is set', () => {
    expect(whatsAppCloudOptionsFromEnv({ PATH: '/usr/bin' })).toBeUndefined();
    const options = whatsAppCloudOptionsFromEnv({
      WHATSAPP_CLOUD_APP_SECRET: 'app-secret-0123456789abcdef',
      WHATSAPP_CLOUD_VERIFY_TOKEN: 'verify-token-0123456789',
      WHATSAPP_CLOUD_ACCESS_TOKEN: 'EAAG-access-token-0123456789',
      WHATSAPP_CLOUD_PHONE_NUMBER_ID: '109876543210',
      WHATSAPP_CLOUD_TEMPLATE_STATUS_UPDATE: 'santushti_status_update',
      WHATSAPP_CLOUD_TEMPLATE_SATISFACTION: 'santushti_satisfaction',
    });
    expect(options).toMatchObject({
      phoneNumberId: '109876543210',
      apiBase: 'https://graph.facebook.com/v21.0',
      templates: { statusUpdate: 'santushti_status_update', satisfactionQuestion: 'santushti_satisfaction', language: 'hi' },
    });
    let error: unknown;
    try {
      whatsAppCloudOptionsFromEnv({ WHATSAPP_CLOUD_APP_SECRET: 'short', WHATSAPP_CLOUD_PHONE_NUMBER_ID: '+91 98765' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['APP_SECRET', 'VERIFY_TOKEN', 'ACCESS_TOKEN', 'PHONE_NUMBER_ID', 'TEMPLATE_STATUS_UPDATE', 'TEMPLATE_SATISFACTION']) {
      expect(message).toContain(`WHATSAPP_CLOUD_${name}`);
    }
    expect(message).not.toContain('short');
  });
});
