// Scale-out: two server processes (server/main.ts) on one database, as a utility would run them behind one address.
// Requests alternate between them, or go to both at once: a web chat conversation served by both keeps its turns one
// at a time and in order (the per-conversation lease), and a WhatsApp Cloud message Meta delivers to both processes is
// handled once. (The outbox and the timers racing across processes: scaleOutWorkers.test.ts.)
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { Connection } from 'mongoose';
import { connectModels } from '../../db/database.js';
import { texts } from '../../dialogs/texts.js';
import type { Models } from '../../models/index.js';
import { DirectLineTestClient, newPostOutcomes, type ActivityJson } from '../support/directLineClient.js';
import { buttonReply, FakeGraphApi, messageWebhook, postWebhook, textMessage, type GraphRequest } from '../support/fakeGraphApi.js';
import { consumerMobile, directLineSecret, registerComplaint, ticketNumberPattern, webChatCookieSecret } from '../support/reliabilityHarness.js';
import { recordCase } from '../support/reliabilityReport.js';
import { freePort, ServerProcess } from '../support/serverProcess.js';

const hl = texts.hl; // the consumer below writes Hinglish, and is answered in it
const dbName = `santushti_test_scale_out_${randomBytes(3).toString('hex')}`;
const appSecret = 'scale-out-app-secret-0123456789abcdef';
const phoneNumberId = '109876543299';
let graph: FakeGraphApi;
let servers: ServerProcess[];
let connection: Connection;
let models: Models;

beforeAll(async () => {
  const mongoUri = inject('mongoUri');
  ({ connection, models } = await connectModels(mongoUri, dbName));
  graph = await FakeGraphApi.start();
  const env = {
    DIRECTLINE_SECRET: directLineSecret,
    WEBCHAT_COOKIE_SECRET: webChatCookieSecret,
    WHATSAPP_CLOUD_APP_SECRET: appSecret,
    WHATSAPP_CLOUD_VERIFY_TOKEN: 'scale-out-verify-token-0123',
    WHATSAPP_CLOUD_ACCESS_TOKEN: 'scale-out-access-token-0123456789',
    WHATSAPP_CLOUD_PHONE_NUMBER_ID: phoneNumberId,
    WHATSAPP_CLOUD_API_BASE: graph.apiBase,
    WHATSAPP_CLOUD_TEMPLATE_STATUS_UPDATE: 'santushti_status_update',
    WHATSAPP_CLOUD_TEMPLATE_SATISFACTION: 'santushti_satisfaction',
  };
  servers = [];
  for (let index = 0; index < 2; index++) servers.push(new ServerProcess({ mongoUri, dbName, port: await freePort(), env }));
  // Both at once, as a deployment starting two replicas does (collections and indexes are created by both).
  await Promise.all(servers.map((server) => server.start()));
}, 90_000);

afterAll(async () => {
  await Promise.all((servers ?? []).map((server) => server.stop()));
  await graph?.close();
  await connection?.dropDatabase();
  await connection?.close();
});

/** Each call gives the next server: every request of the client goes to the other process than the one before. */
function alternating(): () => string {
  let next = 0;
  return () => servers[next++ % servers.length]!.baseUrl;
}

/** Bot replies that answer a message other than the consumer's latest one before them: turns that overlapped. */
function interleavedReplies(transcript: ActivityJson[]): number {
  let latestUserMessage: string | undefined;
  let interleaved = 0;
  for (const activity of transcript) {
    if (activity.from?.role === 'user') latestUserMessage = activity.id;
    else if (activity.replyToId && activity.replyToId !== latestUserMessage) interleaved++;
  }
  return interleaved;
}

it('serves one web chat conversation from both processes: every turn once, one at a time, in order', async () => {
  const outcomes = newPostOutcomes();
  const client = await DirectLineTestClient.start(alternating(), directLineSecret, outcomes);
  const ticketNumber = await registerComplaint(client, consumerMobile(700));

  // A burst: the consumer's messages posted at once, half to each process.
  const burst = ['स्थिति', 'मेरी शिकायत', 'स्थिति बताइए', 'शिकायत की स्थिति', 'status', 'मेरी शिकायत की स्थिति'];
  const ids = await Promise.all(burst.map((text) => client.say(text)));
  const giveUpAt = Date.now() + 30_000;
  const answered = () => ids.filter((id) => client.seen.some((activity) => activity.replyToId === id)).length;
  while (answered() < ids.length && Date.now() < giveUpAt) {
    await client.poll();
    await sleep(100);
  }
  await sleep(500);
  await client.poll();
  const messages = client.seen.filter((activity) => activity.type === 'message');
  const userMessages = messages.filter((activity) => activity.from?.role === 'user');
  const observed = {
    posts: outcomes,
    ticketNumber,
    userMessagesStored: userMessages.length,
    distinctUserMessages: new Set(userMessages.map((activity) => activity.id)).size,
    burstMessagesAnswered: answered(),
    burstSize: ids.length,
    repliesInterleavedWithAnotherTurn: interleavedReplies(messages),
    apologies: client.botTexts().filter((text) => text.includes('गड़बड़')).length,
    ticketsForConsumer: await models.tickets.countDocuments({ 'consumer.mobile': consumerMobile(700) }),
  };
  const passed =
    observed.userMessagesStored === 4 + burst.length &&
    observed.distinctUserMessages === observed.userMessagesStored &&
    observed.burstMessagesAnswered === burst.length &&
    observed.repliesInterleavedWithAnotherTurn === 0 &&
    observed.apologies === 0 &&
    observed.ticketsForConsumer === 1 &&
    outcomes.unexpected.length === 0;
  recordCase('scale-out: one web chat conversation served by two processes', {
    scenario: `Two server/main.ts processes on one database. A consumer registers a complaint with every request (posts and polls) alternating between them, then posts ${burst.length} messages at once, half to each process.`,
    expected: 'Every message stored once and answered once; no reply lands between another turn\'s message and its replies (turns of a conversation run one at a time across processes, in order); no "something went wrong" (no bot-state eTag conflict); one ticket.',
    observed,
    passed,
  });
  expect(observed).toMatchObject({
    userMessagesStored: 4 + burst.length,
    distinctUserMessages: 4 + burst.length,
    burstMessagesAnswered: burst.length,
    repliesInterleavedWithAnotherTurn: 0,
    apologies: 0,
    ticketsForConsumer: 1,
  });
  expect(outcomes.unexpected).toEqual([]);
}, 60_000);

it('handles a WhatsApp Cloud message delivered to both processes once: one answer per message, one ticket', async () => {
  const number = '919811100077';
  const webhooks = servers.map((server) => `${server.baseUrl}/webhooks/whatsapp`);
  const sentBefore = graph.accepted(number).length;
  /** Meta delivers the same message to both processes at the same moment; returns the bot's answer(s) to it. */
  const deliverToBoth = async (message: Record<string, unknown>): Promise<GraphRequest[]> => {
    const before = graph.accepted(number).length;
    const statuses = await Promise.all(webhooks.map((url) => postWebhook(url, appSecret, messageWebhook(phoneNumberId, [message]))));
    expect(statuses.map((status) => status.status)).toEqual([200, 200]);
    const answers = await graph.waitForMessages(1, { to: number, after: before, timeoutMs: 20_000 });
    await sleep(700); // long enough for a duplicate answer to show up
    return graph.accepted(number).slice(before).length > answers.length ? graph.accepted(number).slice(before) : answers;
  };
  const askAccount = await deliverToBoth(textMessage(number, 'Gomti Nagar mein 5 ghante se light nahi aa rahi hai'));
  const skip = askAccount[0]!;
  const summary = await deliverToBoth(buttonReply(number, { id: skip.choiceIds[0]!, title: skip.choices[0]! }));
  const confirm = summary[0]!;
  const registered = await deliverToBoth(buttonReply(number, { id: confirm.choiceIds[0]!, title: confirm.choices[0]! }));
  const answers = [askAccount, summary, registered].map((turn) => turn.length);
  const tickets = await models.tickets.countDocuments({ 'consumer.mobile': number.slice(2) });
  const observed = {
    answersPerMessage: answers,
    askedForAccount: askAccount[0]?.text === hl.askAccount,
    registeredTicket: ticketNumberPattern.exec(registered[0]?.text ?? '')?.[0],
    ticketsForNumber: tickets,
    messagesSentToConsumer: graph.accepted(number).length - sentBefore,
  };
  const passed = answers.every((count) => count === 1) && tickets === 1 && observed.askedForAccount;
  recordCase('scale-out: a WhatsApp Cloud webhook delivered to both processes', {
    scenario: 'Two server/main.ts processes on one database behind one webhook address; Meta delivers each message of a Hinglish registration to both processes at the same moment.',
    expected: 'Each message answered exactly once (the inbound store is keyed by the message id and claimed by one process); one ticket.',
    observed,
    passed,
  });
  expect(answers).toEqual([1, 1, 1]);
  expect(tickets).toBe(1);
  expect(observed.askedForAccount).toBe(true);
}, 60_000);
