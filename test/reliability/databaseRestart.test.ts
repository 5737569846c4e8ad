// The database stops (cleanly, or killed) in the middle of a load and comes back 2 s later on the same store file and
// port. The helpline keeps running throughout: every consumer message is either accepted (and answered) or refused
// with a retryable 503 that the client retries; every consumer ends up with exactly one ticket; the outbox drains;
// /healthz says degraded while the database is away and ok afterwards, without restarting the server.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TicketRecord } from '../../models/ticketTypes.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DirectLineTestClient, newPostOutcomes } from '../support/directLineClient.js';
import { recordCase } from '../support/reliabilityReport.js';
import { consumerMobile, directLineSecret, registerComplaint, RestartableDatabase, startHelplineOn, type InProcessHelpline } from '../support/reliabilityHarness.js';

const consumersPerRun = 6;
const database = new RestartableDatabase();
let running: InProcessHelpline;

beforeAll(async () => {
  await database.start();
  running = await startHelplineOn(database.uri, 'reliability_db_restart');
});

afterAll(async () => {
  await running?.close();
  await database.dispose();
});

/** Polls /healthz until stopped; records each distinct answer in order. */
function watchHealth(baseUrl: string): { statuses: number[]; stop: () => Promise<void> } {
  const statuses: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const status = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(3_000) }).then((response) => response.status, () => 0);
      if (statuses.at(-1) !== status) statuses.push(status);
      await sleep(100);
    }
  })();
  return {
    statuses,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

async function outboxesDrained(mobiles: string[], timeoutMs: number): Promise<number> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const tickets = await running.models.tickets.find({}, { outbox: 1, 'consumer.mobile': 1 }).lean<TicketRecord[]>();
    const owed = tickets.filter((ticket) => mobiles.includes(ticket.consumer.mobile!)).reduce((sum, ticket) => sum + (ticket.outbox?.filter((effect) => !effect.failedAt).length ?? 0), 0);
    if (owed === 0 || Date.now() > giveUpAt) return owed;
    await sleep(200);
  }
}

async function outageDuringLoad(how: 'stop' | 'kill', firstConsumer: number) {
  const outcomes = newPostOutcomes();
  const health = watchHealth(running.baseUrl);
  const mobiles = Array.from({ length: consumersPerRun }, (_, index) => consumerMobile(firstConsumer + index));
  const conversations = mobiles.map(async (mobile, index) => {
    await sleep(index * 150);
    const client = await DirectLineTestClient.start(() => running.baseUrl, directLineSecret, outcomes);
    return { mobile, ticket: await registerComplaint(client, mobile), client };
  });
  // Mid-load: some consumers are half-way through their complaint, others have not started.
  await sleep(700);
  await database.stop(how);
  await sleep(2_000);
  await database.start();
  const settled = await Promise.allSettled(conversations);
  const finished = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failures = settled.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
  const owed = await outboxesDrained(mobiles, 20_000);
  await sleep(300);
  await health.stop();

  const tickets = await running.models.tickets.find({}, { 'consumer.mobile': 1 }).lean<TicketRecord[]>();
  const ticketsPerMobile = mobiles.map((mobile) => tickets.filter((ticket) => ticket.consumer.mobile === mobile).length);
  const apologies = finished.reduce((sum, { client }) => sum + client.botTexts().filter((text) => text.includes('गड़बड़')).length, 0);
  const observed = {
    consumers: consumersPerRun,
    conversationsCompleted: finished.length,
    failures,
    posts: outcomes,
    ticketsPerConsumer: ticketsPerMobile,
    ticketNumbersReported: finished.map(({ ticket }) => ticket),
    outboxEffectsStillOwed: owed,
    healthStatusesInOrder: health.statuses,
    turnErrorApologies: apologies,
  };
  const passed =
    failures.length === 0 &&
    outcomes.unexpected.length === 0 &&
    ticketsPerMobile.every((count) => count === 1) &&
    owed === 0 &&
    apologies === 0 &&
    health.statuses.includes(503) &&
    health.statuses.at(-1) === 200;
  recordCase(`database ${how === 'kill' ? 'killed (SIGKILL)' : 'stopped cleanly'} and restarted mid-load`, {
    scenario: `${consumersPerRun} web chat consumers register complaints over Direct Line; 0.7 s in, the embedded database is ${how === 'kill' ? 'killed with SIGKILL' : 'stopped cleanly'}, and 2 s later started again on the same store file and port, while the helpline keeps running.`,
    expected: 'Every POST answered 200 or a retryable 5xx (retried with the same clientActivityID); every conversation completes with no "something went wrong" apology (a turn hit by the outage is run again); exactly one ticket per consumer; the outbox drains; /healthz goes 503 then 200 without a server restart.',
    observed,
    passed,
  });
  return observed;
}

function expectSurvived(observed: Awaited<ReturnType<typeof outageDuringLoad>>): void {
  expect(observed.failures).toEqual([]);
  expect(observed.posts.unexpected).toEqual([]);
  expect(observed.ticketsPerConsumer).toEqual(Array(consumersPerRun).fill(1));
  expect(observed.outboxEffectsStillOwed).toBe(0);
  expect(observed.turnErrorApologies).toBe(0);
  expect(observed.healthStatusesInOrder).toContain(503);
  expect(observed.healthStatusesInOrder.at(-1)).toBe(200);
}

it('survives the database stopping cleanly mid-load', async () => {
  expectSurvived(await outageDuringLoad('stop', 0));
}, 60_000);

it('survives the database being killed mid-load', async () => {
  expectSurvived(await outageDuringLoad('kill', 100));
}, 60_000);
