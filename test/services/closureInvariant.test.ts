// The one invariant: only the ticket's own consumer, answering the claim they were shown, closes a ticket
// (and, for callbacks, a supervisor who did not make the claim — recorded as callback-confirmed).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Actor, ConsumerActor } from '../../models/ticketTypes.js';
import { Directory } from '../../services/directory.js';
import { ClosureNotPermittedError, NotTicketOwnerError, StaleClaimError } from '../../services/errors.js';
import { RejectionWindowClosedError } from '../../services/ticketLifecycle.js';
import { TicketService } from '../../services/ticketService.js';
import { agent, complaintFor, newConsumer, officer, otherSupervisor, slaTimer, supervisor, ticketIn } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('closure');
let service: TicketService;

beforeAll(() => {
  service = new TicketService(db.models, Directory.loadDefault());
});

async function expectRefusedAndRecorded(number: string, attempt: () => Promise<unknown>, errorClass: new (...args: never[]) => Error, actorRole: string) {
  const before = await service.get(number);
  const error = await attempt().catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(errorClass);
  expect((error as Error).message.length).toBeGreaterThan(20);
  const after = await service.get(number);
  expect(after.status).toBe(before.status);
  expect(after.closure).toBeUndefined();
  const last = after.events.at(-1)!;
  expect(last.type).toBe('ticket.closure_refused');
  expect(last.actor.role).toBe(actorRole);
  expect(after.events).toHaveLength(before.events.length + 1);
  expect((await service.verify(number)).ok).toBe(true);
}

describe('nobody but the consumer closes a ticket', () => {
  const nonConsumers: Array<[string, Actor]> = [
    ['an agent', agent],
    ['the officer who claimed it', officer],
    ['a supervisor', supervisor],
    ['a timer', slaTimer],
  ];

  for (const [who, actor] of nonConsumers) {
    it(`${who} answering "yes" on the consumer's behalf is refused and recorded`, async () => {
      const { ticket, claimId } = await ticketIn(service, 'awaiting_confirmation');
      await expectRefusedAndRecorded(
        ticket._id,
        () => service.answerResolution(ticket._id, actor, { claimId: claimId!, answer: 'yes' }),
        ClosureNotPermittedError,
        actor.role,
      );
    });

    it(`${who} asking to close outright is refused and recorded, whatever the status`, async () => {
      for (const status of ['in_progress', 'awaiting_confirmation', 'unconfirmed'] as const) {
        const { ticket } = await ticketIn(service, status);
        await expectRefusedAndRecorded(ticket._id, () => service.requestClosure(ticket._id, actor, { note: 'Resolved as per JE' }), ClosureNotPermittedError, actor.role);
      }
    });
  }

  it('another consumer cannot answer, even with the right claim id', async () => {
    const { ticket, claimId } = await ticketIn(service, 'awaiting_confirmation');
    const stranger = newConsumer().actor;
    await expectRefusedAndRecorded(ticket._id, () => service.answerResolution(ticket._id, stranger, { claimId: claimId!, answer: 'yes' }), NotTicketOwnerError, 'consumer');
    await expectRefusedAndRecorded(ticket._id, () => service.answerResolution(ticket._id, stranger, { claimId: claimId!, answer: 'no' }), NotTicketOwnerError, 'consumer');
  });

  it('the same user id on another channel is not the same consumer', async () => {
    const { ticket, consumer, claimId } = await ticketIn(service, 'awaiting_confirmation');
    const impostor: ConsumerActor = { role: 'consumer', channel: 'whatsapp', channelUserId: consumer.channelUserId };
    await expect(service.answerResolution(ticket._id, impostor, { claimId: claimId!, answer: 'yes' })).rejects.toBeInstanceOf(NotTicketOwnerError);
  });

  it('a WhatsApp sender whose number is the ticket\'s typed mobile is NOT the same consumer (issue 11, example 1): no link, no answer', async () => {
    const web = newConsumer();
    const { ticket } = await service.register(complaintFor(web), web.actor);
    const { claimId } = await service.claimResolution(ticket._id, officer, { note: 'Meter replaced' });
    await service.recordClaimShown(ticket._id, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
    const onWhatsApp: ConsumerActor = { role: 'consumer', channel: 'whatsapp', channelUserId: `91${web.mobile}`, verifiedMobile: web.mobile };
    await expectRefusedAndRecorded(ticket._id, () => service.answerResolution(ticket._id, onWhatsApp, { claimId, answer: 'yes' }), NotTicketOwnerError, 'consumer');
  });

  it('issue 11 races: a stranger\'s WhatsApp yes (the typed mobile) and an agent-typed mobile\'s WhatsApp yes, 20 at once, close nothing', async () => {
    const web = newConsumer();
    const typed = await service.register(complaintFor(web), web.actor);
    const agentMobile = '9811100042';
    const byAgent = await service.register(complaintFor({ actor: newConsumer().actor, mobile: agentMobile }), agent, 'console');
    const cases = [
      { number: typed.ticket._id, whatsApp: web.mobile },
      { number: byAgent.ticket._id, whatsApp: agentMobile },
    ];
    for (const { number, whatsApp } of cases) {
      const { claimId } = await service.claimResolution(number, officer, { note: 'Restored' });
      await service.recordClaimShown(number, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
      const borrowed: ConsumerActor = { role: 'consumer', channel: 'whatsapp', channelUserId: `91${whatsApp}`, verifiedMobile: whatsApp };
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => service.answerResolution(number, borrowed, { claimId, answer: 'yes' })));
      expect(results.every((result) => result.status === 'rejected' && result.reason instanceof NotTicketOwnerError)).toBe(true);
      const after = await service.get(number);
      expect(after.status).toBe('awaiting_confirmation');
      expect(after.events.filter((event) => event.type === 'ticket.closure_refused')).toHaveLength(20);
      expect((await service.verify(number)).ok).toBe(true);
    }
  });

  it('an answer to an earlier claim, or to a claim never shown, does not close', async () => {
    const { ticket, consumer, claimId } = await ticketIn(service, 'awaiting_confirmation');
    await service.answerResolution(ticket._id, consumer, { claimId: claimId!, answer: 'no' });
    const next = await service.claimResolution(ticket._id, officer, { note: 'Fixed again' });
    await expect(service.answerResolution(ticket._id, consumer, { claimId: claimId!, answer: 'yes' })).rejects.toBeInstanceOf(StaleClaimError);
    await expect(service.answerResolution(ticket._id, consumer, { claimId: next.claimId, answer: 'yes' })).rejects.toThrow(/not been shown/);
    expect((await service.get(ticket._id)).status).toBe('awaiting_confirmation');
  });

  it('a closed ticket cannot be answered again', async () => {
    const { ticket, consumer } = await ticketIn(service, 'closed');
    const full = await service.get(ticket._id);
    await expect(service.answerResolution(ticket._id, consumer, { claimId: full.closure!.claimId, answer: 'no' })).rejects.toThrow(/is closed/);
  });
});

describe('callback confirmation (a supervisor records the consumer\'s answer from a phone call)', () => {
  it('is refused to the supervisor who made the claim, and to non-supervisors', async () => {
    const consumer = newConsumer();
    const { ticket } = await service.register(complaintFor(consumer), consumer.actor);
    const { claimId } = await service.claimResolution(ticket._id, supervisor, { note: 'Confirmed with JE on phone' });
    await expectRefusedAndRecorded(ticket._id, () => service.recordCallbackAnswer(ticket._id, supervisor, { claimId, answer: 'yes' }), ClosureNotPermittedError, 'supervisor');
    await expectRefusedAndRecorded(ticket._id, () => service.recordCallbackAnswer(ticket._id, agent, { claimId, answer: 'yes' }), ClosureNotPermittedError, 'agent');
  });

  it('closes as callback-confirmed, never as consumer-confirmed, when another supervisor records it', async () => {
    const { ticket, claimId } = await ticketIn(service, 'unconfirmed');
    const closed = await service.recordCallbackAnswer(ticket._id, otherSupervisor, { claimId: claimId!, answer: 'yes', note: 'Called 11:05, consumer confirms supply restored' });
    expect(closed.closure).toMatchObject({ provenance: 'callback_confirmed', by: { role: 'supervisor', id: otherSupervisor.id } });
    const last = (await service.get(ticket._id)).events.at(-1)!;
    expect(last).toMatchObject({ type: 'ticket.confirmed', channel: 'phone', data: { provenance: 'callback_confirmed' } });
  });
});

describe('undoing a closure: only the consumer, only a callback-confirmed one, only within its window', () => {
  const windowMs = 7 * 86_400_000;
  let clock = new Date('2026-12-01T06:00:00Z');
  const timed = () => new TicketService(db.models, Directory.loadDefault(), { now: () => clock, callbackRejectWindowMs: windowMs });

  async function closedOnCallback() {
    const { ticket, consumer, claimId } = await ticketIn(service, 'unconfirmed');
    const closed = await timed().recordCallbackAnswer(ticket._id, otherSupervisor, { claimId: claimId!, answer: 'yes', note: 'Called, consumer says fixed' });
    expect(closed.closure?.rejectableUntil).toEqual(new Date(clock.getTime() + windowMs));
    return { number: ticket._id, consumer };
  }

  it('staff, timers and other consumers cannot reopen it; nothing changes', async () => {
    const { number } = await closedOnCallback();
    for (const actor of [agent, officer, supervisor, otherSupervisor, slaTimer] as Actor[]) {
      await expect(timed().rejectCallbackClosure(number, actor)).rejects.toBeInstanceOf(ClosureNotPermittedError);
    }
    await expect(timed().rejectCallbackClosure(number, newConsumer().actor)).rejects.toBeInstanceOf(NotTicketOwnerError);
    expect((await service.get(number)).status).toBe('closed');
  });

  it('its consumer within the window: reopened one level up, as a new event on the chain', async () => {
    const { number, consumer } = await closedOnCallback();
    clock = new Date(clock.getTime() + windowMs - 60_000);
    const reopened = await timed().rejectCallbackClosure(number, consumer);
    expect(reopened).toMatchObject({ status: 'reopened', level: 'SDO' });
    const full = await service.get(number);
    expect(full.closure).toBeUndefined();
    expect(full.events.at(-1)).toMatchObject({ type: 'ticket.rejected', from: 'closed', to: 'reopened', data: { provenance: 'callback_confirmed', afterClosure: true } });
    expect((await service.verify(number)).ok).toBe(true);
  });

  it('after the window, and for a consumer-confirmed closure at any time, it stays closed', async () => {
    const { number, consumer } = await closedOnCallback();
    clock = new Date(clock.getTime() + windowMs + 1_000);
    await expect(timed().rejectCallbackClosure(number, consumer)).rejects.toBeInstanceOf(RejectionWindowClosedError);
    const confirmed = await ticketIn(service, 'closed');
    await expect(timed().rejectCallbackClosure(confirmed.ticket._id, confirmed.consumer)).rejects.toThrow(/final/);
    expect((await service.get(number)).status).toBe('closed');
    expect((await service.get(confirmed.ticket._id)).status).toBe('closed');
  });
});
