// Scale-out, the background half: two complete helplines (as two processes would run them: each its own database
// connection, adapters, outbox worker and timers) on one database, racing for the same work on purpose. The outbox
// delivers each owed message once, and a due reminder or time-limit escalation happens once, whichever wins.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { connectModels } from '../../db/database.js';
import { texts } from '../../dialogs/texts.js';
import type { TicketRecord } from '../../models/ticketTypes.js';
import { DEFAULT_SLA_LIMITS_MS } from '../../services/slaPolicy.js';
import { TicketService } from '../../services/ticketService.js';
import { DirectLineTestClient } from '../support/directLineClient.js';
import { consumerMobile, directLineSecret, directory, registerComplaint, startHelplineOn, type InProcessHelpline } from '../support/reliabilityHarness.js';
import { recordCase } from '../support/reliabilityReport.js';
import { complaintFor, newConsumer, officer } from '../support/ticketFixtures.js';

const hi = texts.hi;
const dbName = `santushti_test_scale_workers_${randomBytes(3).toString('hex')}`;
const hour = 3_600_000;
let clock = Date.now();
const now = () => new Date(clock);
let replicas: InProcessHelpline[];
let service: TicketService;

beforeAll(async () => {
  const uri = inject('mongoUri');
  // The workers are driven by hand below; their own intervals are too far apart to fire during the test.
  const options = { now, sweepIntervalMs: 10 * 60_000, satisfactionReminderDelaysMs: [hour], satisfactionUnconfirmedAfterMs: 10 * hour };
  replicas = await Promise.all([startHelplineOn(uri, dbName, options), startHelplineOn(uri, dbName, options)]);
  // Writes from a third party with no outbox worker of its own: effects wait for the replicas.
  service = new TicketService(replicas[0]!.models, directory, { now });
}, 60_000);

afterAll(async () => {
  // Stop both replicas (their workers may still be retrying a delivery) before the database goes: dropping it under a
  // running worker failed the file with "Map … is closed" from a late retry.
  await Promise.all((replicas ?? []).map((replica) => replica.close()));
  const { connection } = await connectModels(inject('mongoUri'), dbName);
  await connection.dropDatabase();
  await connection.close();
});

const eventsOf = async (ticketNumber: string, type: string) =>
  (await service.get(ticketNumber)).events.filter((event) => event.type === type).length;

it('delivers each owed message once and sends each due reminder once when two replicas race for them', async () => {
  const consumers = [0, 1, 2];
  const clients = await Promise.all(consumers.map(() => DirectLineTestClient.start(() => replicas[0]!.baseUrl, directLineSecret)));
  const numbers = await Promise.all(clients.map((client, index) => registerComplaint(client, consumerMobile(800 + index))));

  // The officer claims each ticket fixed; both replicas then sweep and drain the same tickets at the same moment.
  for (const number of numbers) await service.claimResolution(number, officer, { note: 'फ़्यूज़ बदला' });
  await Promise.all(replicas.flatMap((replica) => [replica.helpline.notifications.checkDue(), ...numbers.map((number) => replica.helpline.notifications.drainTicket(number))]));
  await Promise.all(replicas.map((replica) => replica.helpline.notifications.checkDue()));

  // An hour of silence later, both replicas' satisfaction timers check at once, three times over.
  clock += hour + 1_000;
  for (let round = 0; round < 3; round++) await Promise.all(replicas.map((replica) => replica.helpline.timers.checkDue()));
  await Promise.all(replicas.flatMap((replica) => numbers.map((number) => replica.helpline.notifications.drainTicket(number))));

  const perTicket = await Promise.all(
    numbers.map(async (number, index) => {
      const client = clients[index]!;
      await client.poll();
      const botSaid = client.botTexts();
      const ticket: TicketRecord = await service.get(number);
      return {
        questionsDelivered: botSaid.filter((text) => text === hi.satisfactionQuestion(number, 'JE', officer.name, 'फ़्यूज़ बदला')).length,
        claimShownEvents: await eventsOf(number, 'ticket.claim_shown'),
        remindersRecorded: await eventsOf(number, 'ticket.confirmation_requested'),
        remindersDelivered: botSaid.filter((text) => text.includes(number) && text.startsWith(hi.satisfactionReminder(number).slice(0, 12))).length,
        outboxLeft: ticket.outbox?.length ?? 0,
      };
    }),
  );
  const passed = perTicket.every(
    (ticket) =>
      ticket.questionsDelivered === 1 && ticket.claimShownEvents === 1 && ticket.remindersRecorded === 1 && ticket.remindersDelivered === 1 && ticket.outboxLeft === 0,
  );
  recordCase('scale-out: outbox and satisfaction reminders with two replicas racing', {
    scenario:
      'Two complete helplines (separate connections, adapters, outbox workers, timers) on one database. Three web chat consumers register; the officer claims each ticket fixed from outside both; both replicas sweep and drain the same tickets at once; an hour later both satisfaction timers check at once, three rounds.',
    expected: 'Per ticket: the satisfaction question delivered once, one claim_shown event, one reminder recorded (and delivered once), nothing left in the outbox.',
    observed: { perTicket },
    passed,
  });
  for (const ticket of perTicket) {
    expect(ticket).toMatchObject({ questionsDelivered: 1, claimShownEvents: 1, remindersRecorded: 1, remindersDelivered: 1, outboxLeft: 0 });
  }
}, 60_000);

it('escalates a ticket whose time limit ran out once when two replicas check at the same moment', async () => {
  const numbers: string[] = [];
  for (let index = 0; index < 3; index++) {
    const consumer = newConsumer();
    numbers.push((await service.register(complaintFor(consumer), consumer.actor)).ticket._id);
  }
  clock += DEFAULT_SLA_LIMITS_MS.supply + 1_000;
  for (let round = 0; round < 3; round++) await Promise.all(replicas.map((replica) => replica.helpline.slaTimers.checkDue()));
  const escalations = await Promise.all(numbers.map((number) => eventsOf(number, 'ticket.escalated')));
  const levels = await Promise.all(numbers.map(async (number) => (await service.get(number)).level));
  recordCase('scale-out: SLA escalation with two replicas racing', {
    scenario: 'Two replicas on one database; three supply tickets pass their time limit; both replicas\' SLA timers check at the same moment, three rounds.',
    expected: 'Each ticket escalated exactly once (JE → SDO), not twice.',
    observed: { escalationsPerTicket: escalations, levels },
    passed: escalations.every((count) => count === 1) && levels.every((level) => level === 'SDO'),
  });
  expect(escalations).toEqual([1, 1, 1]);
  expect(levels).toEqual(['SDO', 'SDO', 'SDO']);
}, 30_000);
