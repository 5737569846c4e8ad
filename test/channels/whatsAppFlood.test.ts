// Issue 11 item 6 on the WhatsApp (linked phone) door of the whole helpline: messages per sender per minute and
// registrations per identity per day are limited with a polite reply in the consumer's language, and every message
// under the limit is processed. Both failed on main (no limits: every message got a turn, every complaint a ticket).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WhatsAppWebAdapter } from '../../bot/adapters/whatsAppWebAdapter.js';
import { texts } from '../../dialogs/texts.js';
import type { ChannelPlugin } from '../../server/helpline.js';
import { noQrRenderer } from '../../server/whatsappWeb/qrRendering.js';
import { createWhatsAppWebChannel } from '../../server/whatsappWeb/whatsAppWebChannel.js';
import { Directory } from '../../services/directory.js';
import { eventually, FakeWhatsAppWebClients, ManualScheduler } from '../support/fakeWhatsAppWebClient.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('whatsapp_flood');
const hi = texts.hi;
const clients = new FakeWhatsAppWebClients();
let served: ServedHelpline | undefined;
let adapter: WhatsAppWebAdapter;

beforeAll(async () => {
  const whatsAppWeb = createWhatsAppWebChannel({
    dataPath: '/tmp/santushti-test-never-written',
    clientFactory: clients.factory,
    schedule: new ManualScheduler().schedule,
    watchdogIntervalMs: 0,
    qrRenderer: noQrRenderer,
  });
  let channel: ChannelPlugin | undefined;
  served = await serveHelpline(db, Directory.loadDefault(), {
    channels: [(context) => (channel = whatsAppWeb(context))],
    abuseLimits: { whatsAppMessagesPerSender: { points: 6, durationMs: 60_000 }, registrationsPerIdentity: { points: 1, durationMs: 86_400_000 } },
  });
  adapter = channel!.adapter as WhatsAppWebAdapter;
  await eventually(() => expect(clients.created).toHaveLength(1));
  clients.current.link();
}, 60_000);

afterAll(async () => {
  await served?.close();
});

function consumer(digits: string) {
  const chatId = `${digits}@c.us`;
  let read = 0;
  return {
    async say(text: string): Promise<string[]> {
      clients.current.receive({ from: chatId, body: text });
      await adapter.idle();
      const all = clients.textsTo(chatId);
      const fresh = all.slice(read);
      read = all.length;
      return fresh;
    },
  };
}

it('example "WhatsApp messages per sender per minute are not limited": past the limit one polite reply, the rest not processed; the ones before all answered', { timeout: 60_000 }, async () => {
  const flooder = consumer('919876500011');
  const answers: string[][] = [];
  for (let index = 0; index < 10; index++) answers.push(await flooder.say(`बिजली नहीं है ${index}`));
  // The first six were processed: each got the bot's answer.
  for (const answer of answers.slice(0, 6)) expect(answer.length).toBeGreaterThan(0);
  expect(answers[0]!.join('\n')).not.toContain(hi.tooManyMessages);
  // The seventh: exactly one polite reply, in Hindi (the consumer's language); the rest: nothing processed, nothing sent.
  expect(answers[6]).toEqual([hi.tooManyMessages]);
  for (const answer of answers.slice(7)) expect(answer).toEqual([]);
  // Another sender is not affected.
  expect((await consumer('919876500012').say('बिजली नहीं है')).length).toBeGreaterThan(0);
});

it('example "registrations per identity per day are not limited": the second complaint of the day is refused politely and nothing is registered', { timeout: 60_000 }, async () => {
  const asha = consumer('919876500021');
  await asha.say('गोमती नगर में 5 घंटे से बिजली नहीं है');
  await asha.say('1');
  const [registered] = await asha.say('1');
  const first = /UP-\d{6}-\d{5}/.exec(registered ?? '')?.[0];
  expect(first).toBeDefined();

  await asha.say('गोमती नगर में मीटर जल गया है, धुआँ निकल रहा है');
  await asha.say('1');
  const refused = await asha.say('1');
  expect(refused).toContain(hi.tooManyRegistrations);
  const tickets = await db.models.tickets.find({ 'consumer.channelUserId': '919876500021' }, { _id: 1 }).lean();
  expect(tickets.map((ticket) => ticket._id)).toEqual([first]);
});
