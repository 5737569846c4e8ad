// What the bot says, as it reaches the Graph API (a fake one on loopback) on the real database: text, reply buttons,
// lists and numbered options and how each maps back; the 24-hour window and its templates; 131047, rate limits and
// server errors; idempotent proactive sends.
import { MessageFactory, type Activity, type ConversationReference, type TurnContext } from 'botbuilder';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { conversationIdFor, WhatsAppCloudAdapter, type BotLogic } from '../../bot/adapters/whatsAppCloudAdapter.js';
import { WhatsAppCloudApiError, WhatsAppCloudGraphApi } from '../../bot/adapters/whatsAppCloudGraphApi.js';
import { fitText, planSessionMessages, templateParameter, webhookPayloadSchema } from '../../bot/adapters/whatsAppCloudMessages.js';
import { texts } from '../../dialogs/texts.js';
import {
  buttonReply,
  FakeGraphApi,
  listReply,
  messageWebhook,
  newWamid,
  statusUpdate,
  templateButtonReply,
  textMessage,
} from '../support/fakeGraphApi.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { storedWhatsAppMessage } from '../support/whatsAppStored.js';

const db = useTestDatabase('wa_cloud_sending');
const phoneNumberId = '109876543211';
const accessToken = 'test-access-token-abcdefghijklmnop';
const templates = { statusUpdate: 'santushti_status_update', satisfactionQuestion: 'santushti_satisfaction', language: 'hi' };
const hour = 3_600_000;

let graph: FakeGraphApi;
let clockOffsetMs = 0;
const now = () => new Date(Date.now() + clockOffsetMs);
const log: string[] = [];
const seen: Array<Partial<Activity>> = [];
/** What the bot answers; each test sets its own. */
let answer: (context: TurnContext) => Promise<void> = async () => undefined;
const bot: BotLogic = async (context) => {
  if (context.activity.type === 'message') seen.push({ ...context.activity });
  await answer(context);
};

function newAdapter(retry: { maxAttempts?: number; baseDelayMs?: number; maxRetryAfterMs?: number } = {}): WhatsAppCloudAdapter {
  return new WhatsAppCloudAdapter(db.models, {
    graph: new WhatsAppCloudGraphApi({ apiBase: graph.apiBase, phoneNumberId, accessToken, baseDelayMs: 5, maxAttempts: 3, ...retry, log: (line) => log.push(line) }),
    phoneNumberId,
    templates,
    now,
    log: (line) => log.push(line),
    sendWaitMs: 500,
  });
}

let adapter: WhatsAppCloudAdapter;
let senderCounter = 0;
function newSender(): string {
  senderCounter += 1;
  return `9197${String(Date.now() % 1e4).padStart(4, '0')}${String(senderCounter).padStart(4, '0')}`;
}

/** The consumer writes (through the adapter, as the webhook would hand it over); resolves once the turn is done. */
async function consumerSends(message: Record<string, unknown>, on: WhatsAppCloudAdapter = adapter): Promise<void> {
  await on.receiveWebhook(webhookPayloadSchema.parse(messageWebhook(phoneNumberId, [message])), bot);
  await on.idle();
}

function referenceFor(sender: string): Partial<ConversationReference> {
  return { channelId: 'whatsapp-cloud', conversation: { id: conversationIdFor(sender) } as ConversationReference['conversation'], user: { id: sender, name: '' }, serviceUrl: 'urn:test' };
}

/** A proactive message as the consumer notifier sends it: with an idempotency key. */
async function notify(sender: string, activity: Partial<Activity> | string, idempotencyKey?: string, on: WhatsAppCloudAdapter = adapter): Promise<void> {
  await on.continueConversationAsync('', referenceFor(sender), async (context) => {
    const outgoing: Partial<Activity> = typeof activity === 'string' ? MessageFactory.text(activity) : { ...activity };
    if (idempotencyKey) outgoing.channelData = { idempotencyKey };
    await context.sendActivity(outgoing);
  });
}

beforeAll(async () => {
  graph = await FakeGraphApi.start();
  adapter = newAdapter();
});
afterEach(() => {
  clockOffsetMs = 0;
  graph.failAlways(undefined);
  answer = async () => undefined;
});
afterAll(async () => {
  await adapter?.stop();
  await graph?.close();
});

describe('session messages', () => {
  it('sends text to the sender with the bearer token, at {apiBase}/{phoneNumberId}/messages', async () => {
    const sender = newSender();
    answer = async (context) => {
      await context.sendActivity('नमस्ते 🙏 Hello');
      await context.sendActivities([{ type: 'typing' }, { type: 'trace', name: 'debug' }]);
    };
    await consumerSends(textMessage(sender, 'hi'));
    const [reply, ...rest] = graph.accepted(sender);
    expect(rest).toEqual([]);
    expect(reply).toMatchObject({ path: `/v21.0/${phoneNumberId}/messages`, authorization: `Bearer ${accessToken}`, kind: 'text', text: 'नमस्ते 🙏 Hello' });
    expect(reply!.body).toMatchObject({ messaging_product: 'whatsapp', to: sender, type: 'text' });
    // The token never reaches the logs.
    expect(log.join('\n')).not.toContain(accessToken);
  });

  it('offers yes/no as reply buttons; a tap reads as the choice, with the reply id in value', async () => {
    const sender = newSender();
    answer = async (context) => {
      if (context.activity.text === 'ask') await context.sendActivity(MessageFactory.suggestedActions(texts.hi.yesNoChoices, texts.hi.satisfactionQuestion('UP-261128-00042', 'JE', 'Pradeep', 'fuse badla')));
    };
    await consumerSends(textMessage(sender, 'ask'));
    const [question] = graph.accepted(sender);
    expect(question).toMatchObject({ kind: 'buttons', choices: ['हाँ', 'नहीं'], choiceIds: ['choice:हाँ', 'choice:नहीं'] });
    expect(question!.text).toContain('UP-261128-00042');

    const tap = buttonReply(sender, { id: 'choice:नहीं', title: 'नहीं' });
    await consumerSends(tap);
    expect(seen.find((activity) => activity.id === tap.id)).toMatchObject({ text: 'नहीं', value: { replyId: 'choice:नहीं', replyTitle: 'नहीं', via: 'button_reply' } });
  });

  it('offers more than three choices as a list, shortening long titles safely and keeping the whole text', async () => {
    const sender = newSender();
    answer = async (context) => {
      if (context.activity.text === 'categories') await context.sendActivity(MessageFactory.suggestedActions(texts.hi.categoryChoices, texts.hi.askCategory));
    };
    await consumerSends(textMessage(sender, 'categories'));
    const [list] = graph.accepted(sender);
    expect(list?.kind).toBe('list');
    expect(list!.choices).toHaveLength(texts.hi.categoryChoices.length);
    for (const [index, title] of list!.choices.entries()) {
      const full = texts.hi.categoryChoices[index]!;
      expect(title.length).toBeLessThanOrEqual(24);
      if (full.length > 24) {
        expect(title.endsWith('…')).toBe(true);
        expect(full.startsWith(title.slice(0, -1))).toBe(true);
        expect(list!.descriptions[index]).toBe(full);
      } else {
        expect(title).toBe(full);
      }
    }
    const supply = texts.hi.categoryChoices[0]!;
    expect(supply.length).toBeGreaterThan(24);
    const pick = listReply(sender, { id: list!.choiceIds[0]!, title: list!.choices[0]! });
    await consumerSends(pick);
    expect(seen.find((activity) => activity.id === pick.id)?.text).toBe(supply);
  });

  it('falls back to numbered lines beyond ten choices, and "2" (or "२") maps back until other choices are offered', async () => {
    const sender = newSender();
    const choices = Array.from({ length: 12 }, (_, index) => `Option number ${index + 1}`);
    answer = async (context) => {
      if (context.activity.text === 'many') await context.sendActivity(MessageFactory.suggestedActions(choices, 'Pick one'));
      else await context.sendActivity(`You said ${context.activity.text ?? ''}`);
    };
    await consumerSends(textMessage(sender, 'many'));
    const [numbered] = graph.accepted(sender);
    expect(numbered?.kind).toBe('text');
    expect(numbered!.text).toContain('1. Option number 1\n2. Option number 2');
    expect(numbered!.text).toContain('12. Option number 12');

    const two = textMessage(sender, '2');
    await consumerSends(two);
    expect(seen.find((activity) => activity.id === two.id)).toMatchObject({ text: 'Option number 2', value: { typed: '2', via: 'numbered_choice' } });
    // The bot's answer offered nothing: a later "२" is just what it says.
    const devanagariTwo = textMessage(sender, '२');
    await consumerSends(devanagariTwo);
    expect(seen.find((activity) => activity.id === devanagariTwo.id)?.text).toBe('२');

    await consumerSends(textMessage(sender, 'many'));
    const devanagari = textMessage(sender, '१२');
    await consumerSends(devanagari);
    expect(seen.find((activity) => activity.id === devanagari.id)?.text).toBe('Option number 12');
  });

  it('sends a text longer than an interactive body first, and the buttons with its closing line', async () => {
    const sender = newSender();
    const description = 'तार टूटा है '.repeat(120);
    const summary = texts.hi.summary({ category: 'supply', description, mobile: '9876543210', locality: 'गोमती नगर', district: 'लखनऊ' });
    expect(summary.length).toBeGreaterThan(1024);
    answer = async (context) => {
      await context.sendActivity(MessageFactory.suggestedActions(texts.hi.yesNoChoices, summary));
    };
    await consumerSends(textMessage(sender, 'summary'));
    const messages = graph.accepted(sender);
    expect(messages.map((message) => message.kind)).toEqual(['text', 'buttons']);
    expect(`${messages[0]!.text}\n${messages[1]!.text}`).toBe(summary);
    expect(messages[1]!.text.length).toBeLessThanOrEqual(1024);
  });

  it('never cuts through a grapheme when shortening', () => {
    const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    const graphemesOf = (text: string) => [...segmenter.segment(text)].map(({ segment }) => segment);
    for (const max of [5, 8, 12, 20]) {
      const full = 'किसी व्यक्ति से बात करें';
      const short = fitText(full, max);
      expect(short.length).toBeLessThanOrEqual(max);
      expect(short.endsWith('…')).toBe(true);
      // What is kept is whole graphemes of the original: no matra or virama torn from its consonant.
      const kept = graphemesOf(short.slice(0, -1));
      expect(graphemesOf(full).slice(0, kept.length)).toEqual(kept);
    }
    const emoji = fitText('🙏🙏🙏🙏🙏🙏', 6);
    expect(emoji).toBe('🙏🙏…');
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(emoji)).toBe(false);
    expect(planSessionMessages('', []).messages).toEqual([]);
  });
});

describe('the 24-hour window', () => {
  it('sends a status update outside the window as the statusUpdate template, its text as the parameter', async () => {
    const sender = newSender();
    await consumerSends(textMessage(sender, 'hello'));
    clockOffsetMs = 25 * hour;
    const update = 'शिकायत UP-261128-00042: काम शुरू हो गया है।\nजल्द ठीक होगा।';
    await notify(sender, update, 'UP-261128-00042:3:consumer.notify:0');
    const [template] = graph.accepted(sender).slice(-1);
    expect(template).toMatchObject({ kind: 'template', templateName: templates.statusUpdate, text: 'शिकायत UP-261128-00042: काम शुरू हो गया है। जल्द ठीक होगा।' });
    expect(template!.body).toMatchObject({ template: { language: { code: 'hi' } } });
    expect(template!.text).not.toMatch(/\n|\t| {4}/);
  });

  it('sends the satisfaction question outside the window as its template with yes/no quick replies that map back', async () => {
    const sender = newSender();
    await consumerSends(textMessage(sender, 'hello'));
    clockOffsetMs = 30 * hour;
    const question = texts.hi.satisfactionQuestion('UP-261128-00043', 'JE', 'Pradeep', 'फ्यूज बदला');
    await notify(sender, MessageFactory.suggestedActions(texts.hi.yesNoChoices, question), 'UP-261128-00043:5:consumer.notify:0');
    const [template] = graph.accepted(sender).slice(-1);
    expect(template).toMatchObject({ kind: 'template', templateName: templates.satisfactionQuestion, choiceIds: ['choice:हाँ', 'choice:नहीं'] });
    expect(template!.text).toContain('UP-261128-00043');

    // The consumer taps the template's "हाँ / Yes": the bot reads "हाँ", and the window is open again.
    const tap = templateButtonReply(sender, { payload: 'choice:हाँ', text: 'हाँ / Yes' }, { timestamp: String(Math.floor(now().getTime() / 1000)) });
    answer = async (context) => {
      if (context.activity.id === tap.id) await context.sendActivity('धन्यवाद');
    };
    await consumerSends(tap);
    expect(seen.find((activity) => activity.id === tap.id)?.text).toBe('हाँ');
    expect(graph.accepted(sender).at(-1)).toMatchObject({ kind: 'text', text: 'धन्यवाद' });
  });

  it('resends as a template when the Graph API answers 131047, and stays on templates until the consumer writes', async () => {
    const sender = newSender();
    await consumerSends(textMessage(sender, 'hello'));
    graph.failNext({ status: 400, code: 131047, message: 'Re-engagement message' });
    const before = graph.requests.length;
    await notify(sender, 'Complaint UP-261128-00044: assigned to the JE.', 'UP-261128-00044:2:consumer.notify:0');
    const attempts = graph.requests.slice(before);
    expect(attempts.map((request) => [request.status, request.kind])).toEqual([
      [400, 'text'],
      [200, 'template'],
    ]);
    await notify(sender, 'Complaint UP-261128-00044: work started.', 'UP-261128-00044:3:consumer.notify:0');
    expect(graph.requests.at(-1)).toMatchObject({ status: 200, kind: 'template' });
  });

  it('sends the template when Meta reports, after accepting it, that a message failed outside the window', async () => {
    const sender = newSender();
    await consumerSends(textMessage(sender, 'hello'));
    await notify(sender, 'Complaint UP-261128-00045: work started.', 'UP-261128-00045:2:consumer.notify:0');
    const [sent] = graph.accepted(sender).slice(-1);
    const failed = statusUpdate(sent!.wamid!, 'failed', sender, { errors: [{ code: 131047, title: 'Re-engagement message' }] });
    const payload = webhookPayloadSchema.parse(messageWebhook(phoneNumberId, [], [failed]));
    await adapter.receiveWebhook(payload, bot);
    const [template] = await graph.waitForMessages(1, { to: sender, after: graph.accepted(sender).length });
    expect(template).toMatchObject({ kind: 'template', templateName: templates.statusUpdate, text: 'Complaint UP-261128-00045: work started.' });
    // The same failure reported again sends nothing more.
    const count = graph.accepted(sender).length;
    await adapter.receiveWebhook(payload, bot);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await adapter.idle();
    expect(graph.accepted(sender)).toHaveLength(count);
  });

  it('leaves a failed delivery of an unknown message recorded without sending anything', async () => {
    const unknown = newWamid();
    const payload = webhookPayloadSchema.parse(messageWebhook(phoneNumberId, [], [statusUpdate(unknown, 'failed', '919999999999', { errors: [{ code: 131047, title: 'Re-engagement message' }] })]));
    const before = graph.requests.length;
    await adapter.receiveWebhook(payload, bot);
    await adapter.idle();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(graph.requests.length).toBe(before);
  });
});

describe('Graph API errors', () => {
  it('waits out a 429 with Retry-After and then sends', async () => {
    const sender = newSender();
    await consumerSends(textMessage(sender, 'hello'));
    graph.failNext({ status: 429, code: 130429, retryAfter: '1' });
    const before = graph.requests.length;
    await notify(sender, 'after the rate limit', 'rate-limit-test:0');
    const attempts = graph.requests.slice(before);
    expect(attempts.map((request) => request.status)).toEqual([429, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('backs off and retries rate-limit codes (4, 80007, 130429, 131056) and server errors, a bounded number of times', async () => {
    const sender = newSender();
    await consumerSends(textMessage(sender, 'hello'));
    graph.failNext({ status: 400, code: 131056 }, { status: 400, code: 80007 });
    const before = graph.requests.length;
    await notify(sender, 'after two rate limits');
    expect(graph.requests.slice(before).map((request) => request.status)).toEqual([400, 400, 200]);

    graph.failAlways({ status: 500 });
    const failedBefore = graph.requests.length;
    const failure = await notify(sender, 'never arrives', 'server-error-test:0').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WhatsAppCloudApiError);
    expect((failure as WhatsAppCloudApiError).status).toBe(500);
    expect(graph.requests.length - failedBefore).toBe(3);

    // The outbox's later retry goes through, once.
    graph.failAlways(undefined);
    await notify(sender, 'never arrives', 'server-error-test:0');
    await notify(sender, 'never arrives', 'server-error-test:0');
    expect(graph.accepted(sender).filter((message) => message.text === 'never arrives')).toHaveLength(1);
  });

  it('does not wait out a Retry-After longer than the bound: it fails and leaves the retry to the caller', async () => {
    const sender = newSender();
    const impatient = newAdapter({ maxRetryAfterMs: 500 });
    await consumerSends(textMessage(sender, 'hello'), impatient);
    graph.failNext({ status: 429, retryAfter: '3600' });
    const failure = await notify(sender, 'later', undefined, impatient).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'WhatsAppCloudApiError', status: 429 });
    await impatient.stop();
  });

  it('fails clearly on any other 4xx, at once, without crashing the process; a consumer turn gets the apology path', async () => {
    const sender = newSender();
    await consumerSends(textMessage(sender, 'hello'));
    graph.failNext({ status: 400, code: 100, message: 'Invalid parameter' });
    const before = graph.requests.length;
    const failure = await notify(sender, 'bad request').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WhatsAppCloudApiError);
    expect(failure).toMatchObject({ status: 400, code: 100 });
    expect(graph.requests.length - before).toBe(1);

    // In the consumer's own turn the failure reaches onTurnError, and the message still counts as processed.
    const turnErrors: string[] = [];
    adapter.onTurnError = async (_context, error) => {
      turnErrors.push(error.message);
    };
    answer = async (context) => {
      await context.sendActivity('will be refused');
    };
    graph.failNext({ status: 403, code: 10, message: 'Permission denied' });
    const message = textMessage(sender, 'trigger');
    await consumerSends(message);
    expect(turnErrors).toEqual([expect.stringContaining('Graph API 403 (code 10)')]);
    expect((await storedWhatsAppMessage(db.models, sender, message.id as string))?.processed).toBe(true);
    adapter.onTurnError = undefined as unknown as typeof adapter.onTurnError;
  });
});

describe('idempotent proactive sends', () => {
  it('sends an activity with an idempotency key once, however often it is delivered, also by another adapter', async () => {
    const sender = newSender();
    await consumerSends(textMessage(sender, 'hello'));
    const key = 'UP-261128-00046:4:consumer.notify:0';
    await Promise.all([notify(sender, 'Assigned to the JE.', key), notify(sender, 'Assigned to the JE.', key)]);
    const other = newAdapter();
    await notify(sender, 'Assigned to the JE.', key, other);
    await other.stop();
    expect(graph.accepted(sender).filter((message) => message.text === 'Assigned to the JE.')).toHaveLength(1);
    const outbound = await db.models.whatsAppCloudOutbound.findById(graph.accepted(sender).at(-1)!.wamid).lean();
    expect(outbound).toMatchObject({ idempotencyKey: key, to: sender, kind: 'text' });
  });

  it('a proactive turn waits for the consumer\'s running turn, so their messages never interleave', async () => {
    const sender = newSender();
    answer = async (context) => {
      if (context.activity.text !== 'slow') return;
      await context.sendActivity('first half');
      await new Promise((resolve) => setTimeout(resolve, 200));
      await context.sendActivity('second half');
    };
    const turn = consumerSends(textMessage(sender, 'slow'));
    await graph.waitForMessages(1, { to: sender });
    await notify(sender, 'proactive', 'interleave-test:0');
    await turn;
    expect(graph.accepted(sender).map((message) => message.text)).toEqual(['first half', 'second half', 'proactive']);
  });
});

describe('template parameters', () => {
  it('joins lines and collapses whitespace, as Meta requires', () => {
    expect(templateParameter('Line one\nline two.\n\n  Line   three')).toBe('Line one · line two. Line three');
    expect(templateParameter('x'.repeat(2000)).length).toBeLessThanOrEqual(900);
  });
});
