// The whatsapp-web.js adapter on the real database with a fake client: what becomes a turn and what does not, each
// message once (also across a restart), one turn at a time per sender, numbered options, idempotent and loud sends,
// delivery receipts, and proactive turns.
import { ActivityTypes, MessageFactory, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppWebAdapter, WhatsAppWebDeliveryError, type BotLogic } from '../../bot/adapters/whatsAppWebAdapter.js';
import { WhatsAppWebNotReadyError } from '../../bot/adapters/whatsAppWebConnection.js';
import { onlyTextUnderstood, resolveNumberedReply, renderWithOptions } from '../../bot/adapters/whatsAppWebMapping.js';
import { wholeDocument } from '../../models/index.js';
import { eventually, FakeWhatsAppWebClients, ManualScheduler } from '../support/fakeWhatsAppWebClient.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('whatsapp_web_adapter');

const processFailures: unknown[] = [];
const recordFailure = (error: unknown) => processFailures.push(error);
beforeAll(() => {
  process.on('uncaughtException', recordFailure);
  process.on('unhandledRejection', recordFailure);
});
afterAll(() => {
  process.off('uncaughtException', recordFailure);
  process.off('unhandledRejection', recordFailure);
  expect(processFailures).toEqual([]);
});

let numberCounter = 0;
/** A fresh consumer: country code 91 and a ten-digit mobile, unique in this run. */
function newConsumer(): { digits: string; chatId: string } {
  numberCounter += 1;
  const digits = `919${String(Date.now() % 1e7).padStart(7, '0')}${String(numberCounter).padStart(2, '0')}`;
  return { digits, chatId: `${digits}@c.us` };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Harness {
  adapter: WhatsAppWebAdapter;
  clients: FakeWhatsAppWebClients;
  clock: ManualScheduler;
  lines: string[];
  turns: Array<Partial<Activity>>;
}

/** An adapter on the test database with a linked fake phone; `logic` defaults to echoing the text. */
async function linkedAdapter(logic?: BotLogic, clients = new FakeWhatsAppWebClients()): Promise<Harness> {
  const clock = new ManualScheduler();
  const lines: string[] = [];
  const turns: Array<Partial<Activity>> = [];
  const echo: BotLogic = async (context) => {
    await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
  };
  const adapter = new WhatsAppWebAdapter({
    models: db.models,
    logic: async (context) => {
      turns.push(context.activity);
      await (logic ?? echo)(context);
    },
    log: (line) => lines.push(line),
    clientFactory: () => clients.factory('/tmp/unused'),
    schedule: clock.schedule,
    watchdogIntervalMs: 0,
  });
  const built = clients.created.length;
  adapter.start();
  await eventually(() => expect(clients.created).toHaveLength(built + 1));
  clients.current.link();
  return { adapter, clients, clock, lines, turns };
}

describe('incoming messages', () => {
  it('become turns with the sender\'s digits, our conversation id and the text; replies go back to the chat', async () => {
    const { adapter, clients, turns } = await linkedAdapter();
    const { digits, chatId } = newConsumer();
    const message = clients.current.receive({ from: chatId, body: '  बिजली नहीं है  ', timestamp: 1_750_000_000 });
    await adapter.idle();

    expect(turns).toHaveLength(1);
    expect(turns[0]).toMatchObject({
      type: ActivityTypes.Message,
      id: message.id._serialized,
      channelId: 'whatsapp-web',
      from: { id: digits, role: 'user' },
      conversation: { id: `whatsapp-web:${digits}` },
      recipient: { id: 'santushti-bot' },
      text: 'बिजली नहीं है',
    });
    expect(turns[0]?.timestamp).toEqual(new Date(1_750_000_000_000));
    expect(clients.sent).toMatchObject([{ chatId, content: 'echo: बिजली नहीं है', options: { linkPreview: false } }]);
    await adapter.stop();
  });

  it('ignores our own messages, status updates, groups, broadcasts and WhatsApp\'s own notices', async () => {
    const { adapter, clients, turns } = await linkedAdapter();
    const { chatId } = newConsumer();
    clients.current.receive({ from: chatId, body: 'sent from the phone itself', fromMe: true });
    clients.current.receive({ from: 'status@broadcast', body: 'my status' });
    clients.current.receive({ from: '919999999999-1600000000@g.us', body: 'group chatter' });
    clients.current.receive({ from: '120363000000000000@newsletter', body: 'channel post' });
    clients.current.receive({ from: chatId, type: 'e2e_notification' });
    clients.current.receive({ from: chatId, type: 'revoked' });
    clients.current.receive({ from: chatId, type: 'chat', body: '   ' });
    await adapter.idle();
    expect(turns).toEqual([]);
    expect(clients.sent).toEqual([]);
    await adapter.stop();
  });

  it('answers a video or a sticker, in both languages, with what can be sent', async () => {
    const { adapter, clients, turns } = await linkedAdapter();
    const { chatId } = newConsumer();
    clients.current.receive({ from: chatId, type: 'video', body: 'tar ka video' });
    clients.current.receive({ from: chatId, type: 'sticker' });
    await adapter.idle();
    expect(turns).toEqual([]);
    expect(clients.textsTo(chatId)).toEqual([onlyTextUnderstood, onlyTextUnderstood]);
    expect(onlyTextUnderstood).toMatch(/फ़ोटो, PDF, वॉइस नोट या लोकेशन[\s\S]*a photo, a PDF, a voice note or a location/);
    await adapter.stop();
  });

  it('hands a photo (caption as text, an attachment fetched only when the bot asks) and a pin (a Place entity) to the bot (issue 14 item 3)', async () => {
    const { adapter, clients, turns } = await linkedAdapter();
    const { chatId } = newConsumer();
    clients.current.receive({ from: chatId, type: 'image', body: 'meter ki photo', media: { mimetype: 'image/jpeg', data: Buffer.from([0xff, 0xd8, 0xff, 0xe0]) } });
    clients.current.receive({ from: chatId, type: 'location', location: { latitude: '26.8500', longitude: 80.99, name: 'Ghar' } });
    await adapter.idle();
    expect(turns[0]).toMatchObject({ text: 'meter ki photo', attachments: [{ contentUrl: expect.stringMatching(/^whatsapp-web-media:/) }] });
    expect(turns[1]).toMatchObject({ text: '', entities: [{ type: 'Place', geo: { latitude: 26.85, longitude: 80.99 }, name: 'Ghar' }] });
    // The echo bot never asked for the bytes: nothing was downloaded.
    expect(clients.current.downloads).toBe(0);
    await adapter.stop();
  });

  it('resolves a linked id (…@lid) to the phone number behind it', async () => {
    const { adapter, clients, turns } = await linkedAdapter();
    const { digits, chatId } = newConsumer();
    clients.current.linkedIds.set('204110328057876@lid', chatId);
    clients.current.receive({ from: '204110328057876@lid', body: 'namaste' });
    clients.current.receive({ from: '999999999999999@lid', body: 'nobody knows me' });
    await adapter.idle();
    expect(turns.map((turn) => turn.from?.id)).toEqual([digits]);
    expect(clients.textsTo(chatId)).toEqual(['echo: namaste']);
    await adapter.stop();
  });

  it('drops a message id seen before, also after a restart on the same database', async () => {
    const { adapter, clients, turns } = await linkedAdapter();
    const { chatId } = newConsumer();
    const id = `false_${chatId}_3EB0DUPLICATE${numberCounter}`;
    clients.current.receive({ from: chatId, body: 'pehli baar', id });
    clients.current.receive({ from: chatId, body: 'pehli baar', id });
    await adapter.idle();
    expect(turns.map((turn) => turn.text)).toEqual(['pehli baar']);
    await adapter.stop();

    // A new process (new adapter, new client) gets the same message again: WhatsApp Web re-delivers after a restart.
    const restarted = await linkedAdapter();
    restarted.clients.current.receive({ from: chatId, body: 'pehli baar', id });
    restarted.clients.current.receive({ from: chatId, body: 'doosri baar' });
    await restarted.adapter.idle();
    expect(restarted.turns.map((turn) => turn.text)).toEqual(['doosri baar']);
    // The id is remembered in the consumer's conversation document (its log of processed messages).
    const document = await db.models.whatsAppConversations.findById(`whatsapp-web:${chatId.split('@')[0]}`, { log: 1 }).lean();
    expect(document?.log?.map((entry) => entry.id)).toContain(id);
    await restarted.adapter.stop();
  });

  it('runs one turn at a time per sender, in arrival order, while different senders go side by side', async () => {
    const events: string[] = [];
    const slowEcho: BotLogic = async (context) => {
      events.push(`start ${context.activity.from.id.slice(-2)} ${context.activity.text ?? ''}`);
      await pause(5 + Math.random() * 20);
      events.push(`end ${context.activity.from.id.slice(-2)} ${context.activity.text ?? ''}`);
      await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
    };
    const { adapter, clients } = await linkedAdapter(slowEcho);
    const first = newConsumer();
    const second = newConsumer();
    for (let index = 0; index < 6; index++) {
      clients.current.receive({ from: first.chatId, body: `a${index}` });
      clients.current.receive({ from: second.chatId, body: `b${index}` });
    }
    await adapter.idle();
    const ofFirst = events.filter((event) => event.includes(` ${first.digits.slice(-2)} `));
    expect(ofFirst).toEqual(Array.from({ length: 6 }, (_, index) => [`start ${first.digits.slice(-2)} a${index}`, `end ${first.digits.slice(-2)} a${index}`]).flat());
    expect(clients.textsTo(first.chatId)).toEqual(Array.from({ length: 6 }, (_, index) => `echo: a${index}`));
    expect(clients.textsTo(second.chatId)).toEqual(Array.from({ length: 6 }, (_, index) => `echo: b${index}`));
    // The two senders interleaved: the second did not wait for all of the first.
    const firstEnd = events.lastIndexOf(`end ${first.digits.slice(-2)} a5`);
    expect(events.findIndex((event) => event.startsWith(`start ${second.digits.slice(-2)}`))).toBeLessThan(firstEnd);
    await adapter.stop();
  });
});

describe('numbered options', () => {
  const askYesNo: BotLogic = async (context) => {
    const text = context.activity.text ?? '';
    if (text === 'sawaal') {
      await context.sendActivity(MessageFactory.suggestedActions(['हाँ', 'नहीं'], 'क्या समस्या हल हो गई?'));
    } else {
      await context.sendActivity(`got: ${text}`);
    }
  };

  it('renders suggested actions as a numbered list and maps "2", "२" back to the option', async () => {
    const { adapter, clients, turns } = await linkedAdapter(askYesNo);
    const { chatId } = newConsumer();
    clients.current.receive({ from: chatId, body: 'sawaal' });
    await adapter.idle();
    expect(clients.textsTo(chatId)).toEqual(['क्या समस्या हल हो गई?\n\n1. हाँ\n2. नहीं']);

    clients.current.receive({ from: chatId, body: '2' });
    await adapter.idle();
    clients.current.receive({ from: chatId, body: 'sawaal' });
    clients.current.receive({ from: chatId, body: ' १. ' });
    clients.current.receive({ from: chatId, body: 'sawaal' });
    clients.current.receive({ from: chatId, body: '3' });
    await adapter.idle();
    expect(turns.map((turn) => turn.text)).toEqual(['sawaal', 'नहीं', 'sawaal', 'हाँ', 'sawaal', '3']);
    await adapter.stop();
  });

  it('forgets the options once the bot replies without any, and keeps them across a restart', async () => {
    const { adapter, clients, turns } = await linkedAdapter(askYesNo);
    const { chatId } = newConsumer();
    clients.current.receive({ from: chatId, body: 'sawaal' });
    await adapter.idle();
    await adapter.stop();

    const restarted = await linkedAdapter(askYesNo);
    restarted.clients.current.receive({ from: chatId, body: '1' });
    await restarted.adapter.idle();
    // That reply ("got: हाँ") offered nothing, so a "1" now is just "1".
    restarted.clients.current.receive({ from: chatId, body: '1' });
    await restarted.adapter.idle();
    expect([...turns, ...restarted.turns].map((turn) => turn.text)).toEqual(['sawaal', 'हाँ', '1']);
    await restarted.adapter.stop();
  });

  it('maps only a bare number with an option behind it', () => {
    expect(resolveNumberedReply('2', ['हाँ', 'नहीं'])).toBe('नहीं');
    expect(resolveNumberedReply('२)', ['हाँ', 'नहीं'])).toBe('नहीं');
    expect(resolveNumberedReply('0', ['हाँ', 'नहीं'])).toBe('0');
    expect(resolveNumberedReply('2 ghante', ['हाँ', 'नहीं'])).toBe('2 ghante');
    expect(resolveNumberedReply('9876543210', ['हाँ', 'नहीं'])).toBe('9876543210');
    expect(renderWithOptions('', [{ title: 'हाँ', value: 'हाँ' }])).toBe('1. हाँ');
  });
});

describe('sending', () => {
  function referenceFor(digits: string): Partial<ConversationReference> {
    return {
      channelId: 'whatsapp-web',
      conversation: { id: `whatsapp-web:${digits}` } as ConversationReference['conversation'],
      user: { id: digits, name: '' },
      bot: { id: 'santushti-bot', name: 'Santushti' },
      serviceUrl: 'urn:santushti:whatsapp-web',
      activityId: 'false_old_message',
    };
  }

  function statusUpdate(text: string, idempotencyKey: string): BotLogic {
    return async (context) => {
      await context.sendActivity({ type: ActivityTypes.Message, text, channelData: { idempotencyKey } });
    };
  }

  it('a proactive message while the phone is not connected throws before any logic runs, and nothing is queued', async () => {
    const { adapter, clients } = await linkedAdapter();
    const { digits, chatId } = newConsumer();
    clients.current.disconnect();
    let ran = false;
    await expect(
      adapter.continueConversationAsync('', referenceFor(digits), async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(WhatsAppWebNotReadyError);
    expect(ran).toBe(false);
    expect(clients.textsTo(chatId)).toEqual([]);
    await adapter.stop();
  });

  it('sends a message with an idempotency key once, also when asked again after a restart', async () => {
    const { adapter, clients } = await linkedAdapter();
    const { digits, chatId } = newConsumer();
    const key = `effect-${digits}:0`;
    await adapter.continueConversationAsync('', referenceFor(digits), statusUpdate('शिकायत पर काम शुरू हो गया है।', key));
    await adapter.continueConversationAsync('', referenceFor(digits), statusUpdate('शिकायत पर काम शुरू हो गया है।', key));
    await adapter.stop();
    const restarted = await linkedAdapter();
    await restarted.adapter.continueConversationAsync('', referenceFor(digits), statusUpdate('शिकायत पर काम शुरू हो गया है।', key));
    expect([...clients.textsTo(chatId), ...restarted.clients.textsTo(chatId)]).toEqual(['शिकायत पर काम शुरू हो गया है।']);
    await restarted.adapter.stop();
  });

  it('a failed send rethrows out of the proactive turn (not swallowed by onTurnError), and the retry sends it', async () => {
    const { adapter, clients } = await linkedAdapter();
    const turnErrors: Error[] = [];
    adapter.onTurnError = async (_context, error) => {
      turnErrors.push(error);
    };
    const { digits, chatId } = newConsumer();
    (clients.current as unknown as { behaviour: { sendFailures: Error[] } }).behaviour.sendFailures.push(new Error('Evaluation failed: t: Chat not found'));
    const key = `effect-${digits}:0`;
    await expect(adapter.continueConversationAsync('', referenceFor(digits), statusUpdate('update', key))).rejects.toBeInstanceOf(WhatsAppWebDeliveryError);
    expect(turnErrors).toEqual([]);
    // The claim was let go at once: the outbox's retry goes out now, not after the claim timeout.
    await adapter.continueConversationAsync('', referenceFor(digits), statusUpdate('update', key));
    expect(clients.textsTo(chatId)).toEqual(['update']);
    await adapter.stop();
  });

  it('a reply that cannot be delivered in a consumer\'s turn is logged, masked, without the apology or a state reset', async () => {
    const { adapter, clients, lines } = await linkedAdapter();
    const turnErrors: Error[] = [];
    adapter.onTurnError = async (_context, error) => {
      turnErrors.push(error);
    };
    const { digits, chatId } = newConsumer();
    (clients.current as unknown as { behaviour: { sendFailures: Error[] } }).behaviour.sendFailures.push(new Error(`Protocol error: Target closed (${chatId})`));
    clients.current.receive({ from: chatId, body: 'hello' });
    await adapter.idle();
    expect(turnErrors).toEqual([]);
    const logged = lines.find((line) => line.includes('was not delivered'));
    expect(logged).toBeDefined();
    expect(lines.join('\n')).not.toContain(digits);
    await adapter.stop();
  });

  it('other errors in a consumer\'s turn still go to onTurnError', async () => {
    const { adapter, clients } = await linkedAdapter(async () => {
      throw new Error('the bot broke');
    });
    const turnErrors: string[] = [];
    adapter.onTurnError = async (context, error) => {
      turnErrors.push(error.message);
      await context.sendActivity('sorry');
    };
    const { chatId } = newConsumer();
    clients.current.receive({ from: chatId, body: 'hello' });
    await adapter.idle();
    expect(turnErrors).toEqual(['the bot broke']);
    expect(clients.textsTo(chatId)).toEqual(['sorry']);
    await adapter.stop();
  });

  it('runs a proactive turn behind the consumer\'s running turn, with an event activity on their conversation', async () => {
    let releaseTurn: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      releaseTurn = resolve;
    });
    const order: string[] = [];
    const { adapter, clients } = await linkedAdapter(async (context) => {
      order.push('turn start');
      await held;
      order.push('turn end');
    });
    const { digits, chatId } = newConsumer();
    clients.current.receive({ from: chatId, body: 'hello' });
    await eventually(() => expect(order).toEqual(['turn start']));
    let proactive: Partial<Activity> | undefined;
    const continued = adapter.continueConversationAsync('', referenceFor(digits), async (context: TurnContext) => {
      proactive = context.activity;
      order.push('proactive');
      await context.sendActivity('update');
    });
    await pause(30);
    releaseTurn();
    await continued;
    expect(order).toEqual(['turn start', 'turn end', 'proactive']);
    expect(proactive).toMatchObject({ type: 'event', name: 'ContinueConversation', channelId: 'whatsapp-web', from: { id: digits }, conversation: { id: `whatsapp-web:${digits}` } });
    expect(clients.textsTo(chatId)).toEqual(['update']);
    await adapter.stop();
  });

  it('refuses a reference of another channel', async () => {
    const { adapter } = await linkedAdapter();
    await expect(adapter.continueConversationAsync('', { ...referenceFor('919876543210'), channelId: 'webchat' }, async () => undefined)).rejects.toThrow(/not "webchat"/);
    await adapter.stop();
  });
});

describe('delivery receipts', () => {
  it('records acks, which only move forward, with the time each level was first reached', async () => {
    const { adapter, clients } = await linkedAdapter();
    const { chatId } = newConsumer();
    clients.current.receive({ from: chatId, body: 'hello' });
    await adapter.idle();
    const messageId = clients.sent.at(-1)!.messageId;
    clients.current.acknowledge(messageId, 1);
    clients.current.acknowledge(messageId, 3);
    clients.current.acknowledge(messageId, 2);
    clients.current.acknowledge(messageId, 7);
    clients.current.acknowledge(`false_${chatId}_NOT_OURS`, 3);
    await eventually(async () => {
      const record = await db.models.whatsAppWebOutbound.findById(messageId, wholeDocument).lean();
      expect(record).toMatchObject({ chat: chatId.replace('@c.us', ''), ack: 3 });
      expect(Object.keys(record?.ackAt ?? {}).sort()).toEqual(['device', 'read', 'server']);
    });
    expect(await db.models.whatsAppWebOutbound.findById(`false_${chatId}_NOT_OURS`, wholeDocument).lean()).toBeNull();
    await adapter.stop();
  });
});
