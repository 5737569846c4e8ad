// A client whose POST was stored but whose answer never arrived (a dropped connection, a proxy timeout) sends the same
// activity again, with the same clientActivityID, as Web Chat's resend does. The message must count once: one stored
// copy, one turn, and at the confirmation step one ticket, not two.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { texts } from '../../dialogs/texts.js';
import { DirectLineTestClient } from '../support/directLineClient.js';
import { consumerMobile, directLineSecret, startHelplineOn, type InProcessHelpline } from '../support/reliabilityHarness.js';
import { recordCase } from '../support/reliabilityReport.js';

const hi = texts.hi;
let running: InProcessHelpline;

beforeAll(async () => {
  running = await startHelplineOn(inject('mongoUri'), `santushti_test_retried_post_${process.pid}`);
});

afterAll(async () => {
  await running?.connection.dropDatabase();
  await running?.close();
});

it('stores and answers a resent activity once, and registers one ticket when the "yes" is resent', async () => {
  const client = await DirectLineTestClient.start(() => running.baseUrl, directLineSecret);
  const mobile = consumerMobile(900);
  await client.waitForBot((activity) => activity.text === hi.welcome);
  // The complaint: sent, then resent twice at once.
  const complaintId = await client.say('गोमती नगर में 5 घंटे से बिजली नहीं है', 'complaint-1');
  const resentIds = await Promise.all([client.say('गोमती नगर में 5 घंटे से बिजली नहीं है', 'complaint-1'), client.say('गोमती नगर में 5 घंटे से बिजली नहीं है', 'complaint-1')]);
  await client.waitForBot((activity) => activity.text === hi.askAccount);
  await client.turn('छोड़ें', hi.askMobile);
  await client.turn(mobile, `• मोबाइल: ${mobile}`);
  const yesIds = await Promise.all([client.say('हाँ', 'yes-1'), client.say('हाँ', 'yes-1')]);
  await client.waitForBot((activity) => (activity.text ?? '').includes('शिकायत संख्या'));
  await sleep(500);
  await client.poll();

  const userMessages = client.seen.filter((activity) => activity.from?.role === 'user');
  const observed = {
    complaintIds: [complaintId, ...resentIds],
    yesIds,
    userMessagesStored: userMessages.length,
    accountQuestionsAsked: client.botTexts().filter((text) => text === hi.askAccount).length,
    registeredReplies: client.botTexts().filter((text) => text.includes('शिकायत संख्या')).length,
    ticketsForConsumer: await running.models.tickets.countDocuments({ 'consumer.mobile': mobile }),
  };
  const passed =
    new Set(observed.complaintIds).size === 1 &&
    new Set(yesIds).size === 1 &&
    observed.userMessagesStored === 4 &&
    observed.accountQuestionsAsked === 1 &&
    observed.registeredReplies === 1 &&
    observed.ticketsForConsumer === 1;
  recordCase('retried POST of the same activity', {
    scenario: 'A web chat client resends activities with the same clientActivityID, as after a lost answer: the complaint once more and then twice at once, and the final "yes" twice at once.',
    expected: 'Every resend answered 200 with the first one\'s id; each message stored once and answered once; one ticket.',
    observed,
    passed,
  });
  expect(new Set(observed.complaintIds).size).toBe(1);
  expect(new Set(yesIds).size).toBe(1);
  expect(observed).toMatchObject({ userMessagesStored: 4, accountQuestionsAsked: 1, registeredReplies: 1, ticketsForConsumer: 1 });
});
