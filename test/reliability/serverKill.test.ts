// The server process (server/main.ts, as `npm start` runs it) is killed with SIGKILL in the middle of a consumer's
// conversation and started again on the same address and database. The consumer's page keeps its token, conversation
// id and watermark: the conversation goes on from the same dialog step, a message acknowledged just before the kill
// is still answered, and a message the tickets owed the consumer when the process died is delivered once.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { connectModels } from '../../db/database.js';
import { texts } from '../../dialogs/texts.js';
import type { Models } from '../../models/index.js';
import type { StaffActor } from '../../models/ticketTypes.js';
import { TicketService } from '../../services/ticketService.js';
import { DirectLineTestClient } from '../support/directLineClient.js';
import { consumerMobile, directLineSecret, directory, ticketNumberPattern, webChatCookieSecret } from '../support/reliabilityHarness.js';
import { recordCase } from '../support/reliabilityReport.js';
import { freePort, ServerProcess } from '../support/serverProcess.js';
import type { Connection } from 'mongoose';

const hi = texts.hi;
const dbName = `santushti_test_server_kill_${randomBytes(3).toString('hex')}`;
const je: StaffActor = { role: 'officer', id: 'je-gomti-nagar-1', name: directory.officerById('je-gomti-nagar-1')?.name ?? 'JE' };
let server: ServerProcess;
let connection: Connection;
let models: Models;

beforeAll(async () => {
  const mongoUri = inject('mongoUri');
  ({ connection, models } = await connectModels(mongoUri, dbName));
  server = new ServerProcess({
    mongoUri,
    dbName,
    port: await freePort(),
    env: { DIRECTLINE_SECRET: directLineSecret, WEBCHAT_COOKIE_SECRET: webChatCookieSecret, SATISFACTION_REMINDERS: '4h,20h' },
  });
  await server.start();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await connection?.dropDatabase();
  await connection?.close();
});

it('resumes a conversation at the same dialog step after SIGKILL, between turns and between a POST and its reply', async () => {
  const client = await DirectLineTestClient.start(() => server.baseUrl, directLineSecret);
  const mobile = consumerMobile(500);
  await client.waitForBot((activity) => activity.text === hi.welcome);
  await client.turn('गोमती नगर में 5 घंटे से बिजली नहीं है', hi.askAccount);
  await client.turn('छोड़ें', hi.askMobile);

  // Kill 1: between turns. The same page (token, conversation id, watermark) carries on with the next answer.
  await server.kill();
  const watermarkAtKill = client.watermark;
  await server.start();
  const summary = await client.turn(mobile, `• मोबाइल: ${mobile}`);

  // Kill 2: the "yes" is acknowledged (200), and the process dies before (or while) its turn runs.
  const before = client.seen.length;
  await client.say('हाँ');
  await server.kill();
  const pendingAtKill = (await models.directLineConversations.findById(client.conversationId, { pendingTurn: 1 }).lean())?.pendingTurn;
  await server.start();
  const registered = await client.waitForBot((activity) => client.seen.indexOf(activity) >= before && (activity.text ?? '').includes('शिकायत संख्या'), 40_000);
  const ticketNumber = ticketNumberPattern.exec(registered.text ?? '')![0];
  const finishedAfterRestart = server.output.some((line) => line.includes('was left unfinished; finishing it now'));

  const tickets = await models.tickets.find({ 'consumer.mobile': mobile }, { _id: 1 }).lean();
  const botSaid = client.botTexts();
  const observed = {
    watermarkAtFirstKill: watermarkAtKill,
    dialogStepAfterFirstRestart: summary.text?.split('\n')[0],
    turnPendingWhenKilled: Boolean(pendingAtKill),
    unfinishedTurnFinishedByRestartedServer: finishedAfterRestart,
    ticketsForConsumer: tickets.length,
    registeredRepliesSeen: botSaid.filter((text) => text.includes('शिकायत संख्या')).length,
    welcomesSeen: botSaid.filter((text) => text === hi.welcome).length,
    apologiesSeen: botSaid.filter((text) => text.includes('गड़बड़')).length,
  };
  const passed =
    observed.ticketsForConsumer === 1 && observed.registeredRepliesSeen === 1 && observed.welcomesSeen === 1 && observed.apologiesSeen === 0;
  recordCase('server killed mid-conversation and restarted', {
    scenario:
      'A web chat consumer is registering a complaint against server/main.ts (a child process). SIGKILL between two turns, restart on the same port; then SIGKILL right after the consumer\'s "yes" was acknowledged (200), restart again. The page keeps its token, conversation id and watermark.',
    expected: 'The dialog continues from the same step (the summary after the mobile number, no new welcome); the acknowledged "yes" is answered after the restart; exactly one ticket; no apology.',
    observed,
    passed,
  });
  expect(observed).toMatchObject({ ticketsForConsumer: 1, registeredRepliesSeen: 1, welcomesSeen: 1, apologiesSeen: 0 });
  expect(ticketNumber).toMatch(ticketNumberPattern);

  // Kill 3: a message the ticket owes the consumer is queued while no server runs (as if the process had written the
  // change and died before delivering it). The restarted server delivers it, once.
  await server.kill();
  const ticketService = new TicketService(models, directory);
  await ticketService.claimResolution(ticketNumber, je, { note: 'फ़्यूज़ बदल दिया' });
  const owedAtKill = (await models.tickets.findById(ticketNumber, { outbox: 1 }).lean())?.outbox?.length ?? 0;
  await server.start();
  const question = hi.satisfactionQuestion(ticketNumber, 'JE', je.name, 'फ़्यूज़ बदल दिया');
  await client.waitForBot((activity) => activity.text === question, 30_000);
  await client.turn('हाँ', hi.closedThanks(ticketNumber));
  const closed = await ticketService.get(ticketNumber);
  const questionsSeen = client.botTexts().filter((text) => text === question).length;
  const outbox = {
    effectsOwedWhileDown: owedAtKill,
    satisfactionQuestionsDelivered: questionsSeen,
    statusAfterConsumerYes: closed.status,
    chainVerifies: (await ticketService.verify(ticketNumber)).ok,
  };
  recordCase('outbox effect owed at a server kill is delivered once after restart', {
    scenario: 'With the server killed, the JE claims the ticket resolved (the effect is written to the ticket\'s outbox, nobody delivers it). The server starts again.',
    expected: 'The satisfaction question reaches the consumer\'s web chat exactly once; their "yes" closes the ticket; the event chain verifies.',
    observed: outbox,
    passed: owedAtKill > 0 && questionsSeen === 1 && closed.status === 'closed' && outbox.chainVerifies,
  });
  expect(outbox).toMatchObject({ satisfactionQuestionsDelivered: 1, statusAfterConsumerYes: 'closed', chainVerifies: true });
  expect(owedAtKill).toBeGreaterThan(0);
}, 120_000);
