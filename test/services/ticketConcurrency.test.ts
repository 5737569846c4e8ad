// Many writers at once on the real database: the outcome must be one some serial order could produce.
import { trusted } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConsumerActor, TicketRecord, TicketStatus } from '../../models/ticketTypes.js';
import { Directory } from '../../services/directory.js';
import { DomainError } from '../../services/errors.js';
import { ALLOWED_FROM } from '../../services/ticketLifecycle.js';
import { TicketService } from '../../services/ticketService.js';
import { agent, complaintFor, newConsumer, officer, slaTimer, supervisor, ticketIn } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('concurrency');
let service: TicketService;

beforeAll(() => {
  service = new TicketService(db.models, Directory.loadDefault());
});

/** The WhatsApp sender whose number is this mobile: proven by WhatsApp, but not the ticket's consumer unless verified. */
function whatsAppOf(mobile: string): ConsumerActor {
  return { role: 'consumer', channel: 'whatsapp', channelUserId: `91${mobile}`, verifiedMobile: mobile };
}

/** Which action each status-changing event stands for, to check its `from` against the rules. */
const actionOfEvent: Partial<Record<string, keyof typeof ALLOWED_FROM>> = {
  'ticket.assigned': 'assign',
  'ticket.work_started': 'startWork',
  'ticket.resolution_claimed': 'claimResolution',
  'ticket.unconfirmed': 'markUnconfirmed',
  'ticket.confirmed': 'answerResolution',
  'ticket.rejected': 'answerResolution',
  'ticket.reopened': 'reopen',
  'ticket.escalated': 'escalate',
};

/**
 * Replays the history as a serial execution: every state change starts where the previous one ended and is
 * allowed from there, every closure answers the claim then pending, after it was shown, from the owner.
 */
function assertSerialisable(ticket: TicketRecord, owner: ConsumerActor) {
  let status: TicketStatus | undefined;
  let pendingClaim: { id: string; shown: boolean } | undefined;
  let confirmations = 0;
  for (const event of ticket.events) {
    if (event.to !== undefined) {
      if (status !== undefined) {
        expect(event.from, `event ${event.seq} ${event.type}`).toBe(status);
        const action = actionOfEvent[event.type];
        if (action) expect(ALLOWED_FROM[action] as readonly string[]).toContain(status);
      }
      status = event.to;
    }
    switch (event.type) {
      case 'ticket.resolution_claimed':
        pendingClaim = { id: event.claimId!, shown: false };
        break;
      case 'ticket.claim_shown':
        expect(event.claimId).toBe(pendingClaim?.id);
        pendingClaim!.shown = true;
        break;
      case 'ticket.confirmed':
        confirmations += 1;
        expect(event.claimId).toBe(pendingClaim?.id);
        expect(pendingClaim?.shown).toBe(true);
        expect(event.actor).toEqual({ role: 'consumer', id: `${owner.channel}:${owner.channelUserId}` });
        break;
      case 'ticket.rejected':
        if (event.actor.role === 'consumer') expect(event.actor).toEqual({ role: 'consumer', id: `${owner.channel}:${owner.channelUserId}` });
        pendingClaim = undefined;
        break;
      case 'ticket.reopened':
        pendingClaim = undefined;
        break;
      default:
        break;
    }
  }
  expect(status).toBe(ticket.status);
  expect(confirmations).toBe(ticket.status === 'closed' ? 1 : 0);
  if (ticket.status === 'closed') expect(ticket.closure?.provenance).toBe('consumer_confirmed');
  // One successful write per revision, and the head agrees with the history.
  expect(ticket.eventCount).toBe(ticket.events.length);
}

describe('racing writers on one ticket', () => {
  it('consumer yes/no, repeated claims, shows, reopen, escalation and closure attempts: a serial outcome, a valid chain', async () => {
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      const { ticket, consumer } = await ticketIn(service, 'awaiting_confirmation');
      const number = ticket._id;
      const currentClaim = async () => (await service.get(number)).claim;
      const operations: Array<() => Promise<unknown>> = [];
      for (let index = 0; index < 8; index++) {
        operations.push(async () => {
          const claim = await currentClaim();
          return service.answerResolution(number, consumer, { claimId: claim?.id ?? 'clm_none', answer: index % 2 === 0 ? 'yes' : 'no' });
        });
        operations.push(() => service.claimResolution(number, officer, { note: `claim ${index}` }));
        operations.push(async () => {
          const claim = await currentClaim();
          return service.recordClaimShown(number, claim?.id ?? 'clm_none', { role: 'system', id: 'delivery' }, 'webchat');
        });
        operations.push(() => service.reopen(number, supervisor, { note: `reopen ${index}` }));
        operations.push(() => service.escalate(number, slaTimer, { note: `breach ${index}` }));
        operations.push(() => service.startWork(number, officer));
        operations.push(() => service.requestClosure(number, agent, { note: 'close it' }));
        // Issue 11: the WhatsApp account of the mobile the consumer typed, answering too — refused, never closes.
        operations.push(async () => {
          const claim = await currentClaim();
          return service.answerResolution(number, whatsAppOf(ticket.consumer.mobile!), { claimId: claim?.id ?? 'clm_none', answer: index % 2 === 0 ? 'yes' : 'no' });
        });
      }
      const results = await Promise.allSettled(operations.map((operation) => operation()));
      for (const result of results) {
        // Losing is fine, but only by a domain rule — never by a crash or a swallowed database error.
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(DomainError);
      }
      const succeeded = results.filter((result) => result.status === 'fulfilled').length;
      expect(succeeded).toBeGreaterThan(0);

      const final = await service.get(number);
      expect(await service.verify(number)).toEqual({ ok: true, events: final.events.length });
      assertSerialisable(final, consumer);
    }
  });

  it('issue 11: an agent-typed mobile — the agent\'s WhatsApp yes racing the consumer\'s answers never closes the ticket', async () => {
    for (let round = 0; round < 3; round++) {
      const consumer = newConsumer();
      const agentMobile = `97${String(Date.now()).slice(-4)}${String(round).padStart(4, '0')}`;
      const { ticket } = await service.register(complaintFor({ actor: consumer.actor, mobile: agentMobile }), agent, 'console');
      const { claimId } = await service.claimResolution(ticket._id, officer, { note: 'Restored' });
      await service.recordClaimShown(ticket._id, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
      const results = await Promise.allSettled([
        ...Array.from({ length: 10 }, () => service.answerResolution(ticket._id, whatsAppOf(agentMobile), { claimId, answer: 'yes' })),
        service.answerResolution(ticket._id, consumer.actor, { claimId, answer: round === 0 ? 'no' : 'yes' }),
      ]);
      expect(results.slice(0, 10).every((result) => result.status === 'rejected' && result.reason instanceof DomainError)).toBe(true);
      expect(results[10]!.status).toBe('fulfilled');
      const final = await service.get(ticket._id);
      expect(final.status).toBe(round === 0 ? 'reopened' : 'closed');
      assertSerialisable(final, consumer.actor);
      expect((await service.verify(ticket._id)).ok).toBe(true);
    }
  });

  it('100 concurrent progress notes: every one lands, in one unbroken chain', async () => {
    const { ticket } = await ticketIn(service, 'in_progress');
    await Promise.all(Array.from({ length: 100 }, (_, index) => service.noteProgress(ticket._id, officer, { note: `note ${index}` })));
    const final = await service.get(ticket._id);
    const notes = final.events.filter((event) => event.type === 'ticket.progress_noted').map((event) => event.evidence?.note);
    expect(new Set(notes).size).toBe(100);
    expect(final.rev).toBe(ticket.rev + 100);
    expect((await service.verify(ticket._id)).ok).toBe(true);
  });

  it('a consumer answering yes and no at the same moment: exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const { ticket, consumer, claimId } = await ticketIn(service, 'awaiting_confirmation');
      const results = await Promise.allSettled([
        service.answerResolution(ticket._id, consumer, { claimId: claimId!, answer: 'yes' }),
        service.answerResolution(ticket._id, consumer, { claimId: claimId!, answer: 'no' }),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const final = await service.get(ticket._id);
      expect(['closed', 'reopened']).toContain(final.status);
      assertSerialisable(final, consumer);
    }
  });
});

describe('racing registrations', () => {
  it('200 concurrent registrations by different consumers get 200 distinct numbers', async () => {
    const consumers = Array.from({ length: 200 }, () => newConsumer());
    const results = await Promise.all(consumers.map((consumer) => service.register(complaintFor(consumer), consumer.actor)));
    const numbers = results.map((result) => result.ticket._id);
    expect(new Set(numbers).size).toBe(200);
    expect(results.every((result) => !result.duplicate)).toBe(true);
    const stored = await db.models.tickets.countDocuments({ _id: trusted({ $in: numbers }) });
    expect(stored).toBe(200);
  });

  it('the same complaint sent 30 times at once makes one ticket; the rest get it back', async () => {
    const consumer = newConsumer();
    const input = complaintFor(consumer, { category: 'meter', consumer: { ...complaintFor(consumer).consumer, accountNumber: '4455667788' } });
    const results = await Promise.all(Array.from({ length: 30 }, () => service.register(input, consumer.actor)));
    const numbers = new Set(results.map((result) => result.ticket._id));
    expect(numbers.size).toBe(1);
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
  });
});

describe('the duplicate guard keeps tickets private', () => {
  it('a neighbour with the same account number gets a ticket of their own, not the other consumer\'s', async () => {
    const first = newConsumer();
    const neighbour = newConsumer();
    const withAccount = (consumer: ReturnType<typeof newConsumer>) =>
      complaintFor(consumer, { category: 'bill', consumer: { ...complaintFor(consumer).consumer, accountNumber: '5566778899' } });
    const a = await service.register(withAccount(first), first.actor);
    const b = await service.register(withAccount(neighbour), neighbour.actor);
    const again = await service.register(withAccount(first), first.actor);
    expect(b.duplicate).toBe(false);
    expect(b.ticket._id).not.toBe(a.ticket._id);
    expect(again).toMatchObject({ duplicate: true, ticket: { _id: a.ticket._id } });
  });
});
