// Many people acting on the same tickets at the same moment, through the ticket service and through the staff API over
// HTTP: consumers answering yes and no (to the current claim and to stale ones), officers claiming again, supervisors
// reopening, escalating, recording callback answers (their own claims and others'), timers reminding and giving up,
// staff trying to close. Afterwards the one invariant holds on every ticket and every event chain verifies.
// (test/services/ticketConcurrency.test.ts checks serial replay on one ticket; this is the wide, mixed version.)
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../db/database.js';
import type { ConsumerActor, StaffActor, TicketRecord } from '../../models/ticketTypes.js';
import { createHelpline, type Helpline } from '../../server/helpline.js';
import { consumerActorId } from '../../services/consumerIdentity.js';
import { verifyChain } from '../../services/eventChain.js';
import { directLineSecret, directory, webChatCookieSecret } from '../support/reliabilityHarness.js';
import { recordCase } from '../support/reliabilityReport.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { complaintFor, newConsumer, otherSupervisor, slaTimer, supervisor } from '../support/ticketFixtures.js';

const db = useTestDatabase('reliability_concurrency');
const ticketsRaced = 8;
const rounds = 5;
const je: StaffActor = { role: 'officer', id: 'je-gomti-nagar-1', name: 'JE' };
const staffLogins = {
  je: { username: 'je-racer', password: 'je-racer-password-123', role: 'officer' as const, officerId: je.id },
  meera: { username: supervisor.id, password: 'meera-racer-password-123', role: 'supervisor' as const },
};
let helpline: Helpline;
let server: Server;
let baseUrl: string;
const bearer: Record<keyof typeof staffLogins, string> = { je: '', meera: '' };

beforeAll(async () => {
  const database: Database = { connection: db.connection, models: db.models, close: async () => {} };
  helpline = createHelpline(database, directory, {
    directLineSecret,
    webChatCookieSecret,
    staffSessionTtlMs: 60 * 60_000,
    satisfactionReminderDelaysMs: [60 * 60_000],
    satisfactionUnconfirmedAfterMs: 2 * 60 * 60_000,
    log: () => undefined,
  });
  server = helpline.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const [key, login] of Object.entries(staffLogins) as Array<[keyof typeof staffLogins, (typeof staffLogins)['je']]>) {
    await helpline.staffAuth.createUser(login, { role: 'system', id: 'reliability-test' });
    const response = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: login.username, password: login.password }),
    });
    bearer[key] = ((await response.json()) as { token: string }).token;
  }
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await helpline?.stop();
});

async function api(as: keyof typeof staffLogins, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${baseUrl}/api${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer[as]}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

/** What the one invariant allows a closed ticket to be; a list of what is wrong with this one (empty when fine). */
function invariantViolations(ticket: TicketRecord, owner: ConsumerActor): string[] {
  const problems: string[] = [];
  const confirmations = ticket.events.filter((event) => event.type === 'ticket.confirmed');
  if ((ticket.status === 'closed') !== (confirmations.length === 1)) problems.push(`status ${ticket.status} with ${confirmations.length} confirmations`);
  if (confirmations.length > 1) problems.push('confirmed more than once');
  if (ticket.status !== 'closed') return problems;
  const closure = ticket.closure;
  if (!closure) return [...problems, 'closed without a closure record'];
  const claimer = ticket.events.find((event) => event.type === 'ticket.resolution_claimed' && event.claimId === closure.claimId)?.actor;
  const shown = ticket.events.some((event) => event.type === 'ticket.claim_shown' && event.claimId === closure.claimId);
  if (closure.provenance === 'consumer_confirmed') {
    if (closure.by.role !== 'consumer' || closure.by.id !== consumerActorId(owner)) problems.push(`consumer-confirmed by ${closure.by.role}:${closure.by.id}`);
    if (!shown) problems.push('consumer confirmed a claim never shown');
  } else if (closure.by.role !== 'supervisor' || closure.by.id === claimer?.id) {
    problems.push(`callback-confirmed by ${closure.by.role}:${closure.by.id}, claim made by ${claimer?.id}`);
  }
  return problems;
}

it('keeps the invariant and every chain under many concurrent yes/no/claim/reopen/escalate/callback actions', async () => {
  const { tickets: service } = helpline;
  const raced = await Promise.all(
    Array.from({ length: ticketsRaced }, async () => {
      const consumer = newConsumer();
      const { ticket } = await service.register(complaintFor(consumer), consumer.actor);
      // Issue 11: the WhatsApp account of the mobile the consumer typed is proven by WhatsApp, but is not the consumer.
      const typedMobileOnWhatsApp: ConsumerActor = { role: 'consumer', channel: 'whatsapp', channelUserId: `91${consumer.mobile}`, verifiedMobile: consumer.mobile };
      return { number: ticket._id, owner: consumer.actor, stranger: newConsumer().actor, typedMobileOnWhatsApp };
    }),
  );
  // Issue 11: a ticket an agent opened for a consumer with the agent's own mobile; the agent's WhatsApp answers in every round.
  const agentMobile = '9811100043';
  const agentTypedOwner = newConsumer().actor;
  const agentTyped = {
    number: (await service.register(complaintFor({ actor: agentTypedOwner, mobile: agentMobile }), { role: 'agent', id: 'agent-asha' }, 'console')).ticket._id,
    whatsApp: { role: 'consumer', channel: 'whatsapp', channelUserId: `91${agentMobile}`, verifiedMobile: agentMobile } as ConsumerActor,
  };
  const agentTypedClaim = (await service.claimResolution(agentTyped.number, je, { note: 'Restored' })).claimId;
  await service.recordClaimShown(agentTyped.number, agentTypedClaim, { role: 'system', id: 'webchat-delivery' }, 'webchat');
  const outcomes: Record<string, number> = {};
  const count = (label: string) => (outcomes[label] = (outcomes[label] ?? 0) + 1);
  const attempt = async (label: string, action: () => Promise<unknown>) => {
    try {
      const result = await action();
      count(typeof result === 'number' ? `${label}: HTTP ${result}` : `${label}: done`);
    } catch (error) {
      count(`${label}: ${(error as { code?: string }).code ?? (error as Error).name}`);
    }
  };

  for (let round = 0; round < rounds; round++) {
    // Each actor acts on what they last saw: claims read now, possibly stale by the time they land.
    const seen = await Promise.all(raced.map(async ({ number }) => (await service.get(number)).claim?.id ?? 'no-claim'));
    await Promise.all(
      raced.flatMap(({ number, owner, stranger, typedMobileOnWhatsApp }, index) => {
        const claimId = seen[index]!;
        const level = async () => (await service.get(number)).level;
        // Half the tickets also get the supervisors' moves (callback answers, reopen, escalation), which would
        // otherwise nearly always beat the consumer to the answer; on the other half the consumer's own yes can win.
        const supervised = index % 2 === 0;
        return [
          ...(supervised
            ? [
                // Meera may or may not have made the pending claim: refused when she did, allowed when she did not.
                attempt('supervisor Meera callback yes', () => service.recordCallbackAnswer(number, supervisor, { claimId, answer: 'yes' })),
                attempt('other supervisor callback yes', () => service.recordCallbackAnswer(number, otherSupervisor, { claimId, answer: 'yes' })),
                attempt('supervisor reopens', () => service.reopen(number, supervisor, { note: 'Not fixed per lineman' })),
                attempt('supervisor escalates', async () => ((await level()) === 'CE' ? 'top' : service.escalate(number, supervisor, { note: 'Taking too long' }))),
              ]
            : []),
          attempt('officer claims (API)', () => api('je', `/tickets/${number}/resolution`, { note: `Fixed, round ${round}` })),
          attempt('supervisor claims', () => service.claimResolution(number, supervisor, { note: `Checked on site, round ${round}` })),
          attempt('claim shown', () => service.recordClaimShown(number, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat')),
          attempt('consumer yes', () => service.answerResolution(number, owner, { claimId, answer: 'yes' })),
          attempt('consumer no', () => service.answerResolution(number, owner, { claimId, answer: 'no' })),
          attempt('stranger yes', () => service.answerResolution(number, stranger, { claimId, answer: 'yes' })),
          attempt('stranger WhatsApp yes (typed mobile)', () => service.answerResolution(number, typedMobileOnWhatsApp, { claimId, answer: 'yes' })),
          ...(index === 1 ? [attempt('agent-typed mobile WhatsApp yes', () => service.answerResolution(agentTyped.number, agentTyped.whatsApp, { claimId: agentTypedClaim, answer: 'yes' }))] : []),
          attempt('timer reminds', () => service.requestConfirmationAgain(number, slaTimer)),
          attempt('timer gives up', () => service.markUnconfirmed(number, slaTimer)),
          attempt('supervisor closes (API)', () => api('meera', `/tickets/${number}/close`, { note: 'closing it' })),
          attempt('officer sets status closed (API)', () => api('je', `/tickets/${number}/status`, { status: 'closed' })),
        ];
      }),
    );
  }

  const finals = await Promise.all(raced.map(({ number }) => service.get(number)));
  const agentTypedFinal = await service.get(agentTyped.number);
  const violations = finals.flatMap((ticket, index) => invariantViolations(ticket, raced[index]!.owner).map((problem) => `${ticket._id}: ${problem}`));
  const chains = finals.map((ticket) => verifyChain(ticket));
  const observed = {
    tickets: ticketsRaced,
    rounds,
    actionsAttempted: Object.values(outcomes).reduce((sum, value) => sum + value, 0),
    outcomes,
    finalStatuses: finals.map((ticket) => ticket.status),
    closures: finals.map((ticket) => ticket.closure?.provenance ?? null),
    eventsPerTicket: finals.map((ticket) => ticket.events.length),
    chainsVerified: chains.filter((verdict) => verdict.ok).length,
    invariantViolations: violations,
  };
  recordCase('concurrent actions on the same tickets', {
    scenario: `${ticketsRaced} tickets; ${rounds} rounds in which 12 actors per ticket (16 on every other ticket) act at the same moment on what they last read: consumer yes/no, a stranger's yes, a yes from the WhatsApp of the mobile the consumer typed, a yes (once per round) from the WhatsApp of a mobile an agent typed on another ticket, claim shown, officer claims over the staff API, supervisor claims, callback yes by a supervisor who may have made the claim and by another, reopen, escalate, timer reminder and give-up, closure attempts over the API.`,
    expected: 'No ticket closed except by its own consumer\'s yes to a shown claim (never by a WhatsApp account that only matches a typed mobile), or a callback yes recorded by a supervisor who did not make that claim; at most one confirmation; every event chain verifies; no request fails with a 5xx.',
    observed,
    passed: violations.length === 0 && chains.every((verdict) => verdict.ok) && !Object.keys(outcomes).some((label) => /HTTP 5\d\d/.test(label)),
  });
  expect(violations).toEqual([]);
  // Issue 11: neither borrowed identity ever closed anything.
  expect(outcomes['stranger WhatsApp yes (typed mobile): done']).toBeUndefined();
  expect(outcomes['agent-typed mobile WhatsApp yes: done']).toBeUndefined();
  expect(agentTypedFinal.status).toBe('awaiting_confirmation');
  expect(chains.map((verdict) => verdict.ok)).toEqual(Array(ticketsRaced).fill(true));
  expect(Object.keys(outcomes).filter((label) => /HTTP 5\d\d|: Error$|TypeError/.test(label))).toEqual([]);
  // The race did exercise both ways a ticket may close, and the refusals.
  expect(outcomes['consumer yes: done'] ?? 0).toBeGreaterThan(0);
  // Another supervisor's callback yes was raced every round; whether it wins one depends on timing now that more
  // racers (the borrowed identities) share each round, so here it must only have been tried and answered cleanly —
  // that it closes a ticket as callback_confirmed is proven deterministically in test/services/closureInvariant.test.ts.
  const otherSupervisorTries = Object.entries(outcomes).filter(([label]) => label.startsWith('other supervisor callback yes: '));
  expect(otherSupervisorTries.reduce((sum, [, count]) => sum + count, 0)).toBeGreaterThan(0);
  expect(otherSupervisorTries.map(([label]) => label).filter((label) => !/: (done|invalid_transition|stale_claim|concurrent_update|closure_not_permitted)$/.test(label))).toEqual([]);
  // Likewise the claimant's own callback yes: refused (closure_not_permitted) when her claim stands, but with more
  // racers she may only ever meet other people's claims in a run; the refusal is proven in closureInvariant.test.ts.
  const claimantTries = Object.entries(outcomes).filter(([label]) => label.startsWith('supervisor Meera callback yes: '));
  expect(claimantTries.reduce((sum, [, count]) => sum + count, 0)).toBeGreaterThan(0);
  expect(claimantTries.map(([label]) => label).filter((label) => !/: (done|invalid_transition|stale_claim|concurrent_update|closure_not_permitted)$/.test(label))).toEqual([]);
}, 60_000);
