import { beforeAll, describe, expect, it } from 'vitest';
import { TICKET_STATUSES, type Actor, type TicketStatus } from '../../models/ticketTypes.js';
import { Directory } from '../../services/directory.js';
import { InvalidTransitionError, NotPermittedError } from '../../services/errors.js';
import { ALLOWED_FROM, type TicketAction } from '../../services/ticketLifecycle.js';
import { TicketService } from '../../services/ticketService.js';
import { agent, complaintFor, newConsumer, officer, slaTimer, supervisor, ticketIn } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('lifecycle');
const directory = Directory.loadDefault();
let service: TicketService;

beforeAll(() => {
  service = new TicketService(db.models, directory);
});

describe('registration', () => {
  it('gives a human-readable number, assigns the JE of the place, and starts a verifiable history', async () => {
    const consumer = newConsumer();
    const { ticket, duplicate } = await service.register(
      complaintFor(consumer, { consumer: { channel: 'webchat', channelUserId: consumer.actor.channelUserId, mobile: `+91 ${consumer.mobile}`, accountNumber: '12345 67890' } }),
      consumer.actor,
    );
    expect(duplicate).toBe(false);
    expect(ticket._id).toMatch(/^UP-\d{6}-\d{5}$/);
    expect(ticket.status).toBe('assigned');
    expect(ticket.level).toBe('JE');
    expect(ticket.officer).toEqual({ id: 'je-gomti-nagar-1', name: directory.officerFor('sd-gomti-nagar', 'JE').name, level: 'JE' });
    expect(ticket.place).toMatchObject({ district: 'Lucknow', subDivisionId: 'sd-gomti-nagar', locality: 'Gomti Nagar' });
    expect(ticket.consumer).toMatchObject({ mobile: consumer.mobile, accountNumber: '1234567890' });

    const full = await service.get(ticket._id);
    expect(full.events.map((event) => event.type)).toEqual(['ticket.registered', 'ticket.assigned']);
    expect(full.events[0]!.actor).toEqual({ role: 'consumer', id: `webchat:${consumer.actor.channelUserId}` });
    // The registration reply already tells the consumer who has it; the officer is told through the outbox.
    // (report.update effects, for the report rollups, are not messages: services/reportService.ts.)
    expect(full.outbox.filter((effect) => effect.kind !== 'report.update').map((effect) => effect.kind)).toEqual(['officer.notify']);
    expect(await service.verify(ticket._id)).toEqual({ ok: true, events: 2 });
  });

  it('keeps a complaint whose place is unknown as registered until someone assigns it', async () => {
    const consumer = newConsumer();
    const { ticket } = await service.register(complaintFor(consumer, { place: { district: 'Barabanki', locality: 'Somewhere new' } }), consumer.actor);
    expect(ticket.status).toBe('registered');
    expect(ticket.officer).toBeUndefined();
    await expect(service.assign(ticket._id, agent)).rejects.toThrow(/no known sub-division/);
    const assigned = await service.assign(ticket._id, agent, { officerId: 'sdo-gomti-nagar', note: 'Caller is near Gomti Nagar' });
    expect(assigned.status).toBe('assigned');
    expect(assigned.officer?.id).toBe('sdo-gomti-nagar');
    expect(assigned.level).toBe('SDO');
  });

  it('refuses a consumer registering in someone else\'s name', async () => {
    const consumer = newConsumer();
    const stranger = newConsumer();
    await expect(service.register(complaintFor(consumer), stranger.actor)).rejects.toBeInstanceOf(NotPermittedError);
  });
});

describe('the lifecycle, one valid step at a time', () => {
  it('assigned → in_progress → progress → awaiting_confirmation → (shown, reminded) → unconfirmed → closed by the consumer', async () => {
    const { ticket, consumer } = await ticketIn(service, 'assigned');
    expect((await service.startWork(ticket._id, officer, { note: 'Lineman dispatched' })).status).toBe('in_progress');
    expect((await service.noteProgress(ticket._id, officer, { note: 'Fault found on the LT line', evidence: { photoRef: 'photo://pole-17.jpg' } })).status).toBe(
      'in_progress',
    );
    const { ticket: claimed, claimId } = await service.claimResolution(ticket._id, officer, { note: 'Jumper replaced', evidence: { meterReadingKwh: 10234.5 } });
    expect(claimed.status).toBe('awaiting_confirmation');
    expect(claimed.claim).toMatchObject({ id: claimId, note: 'Jumper replaced', remindersSent: 0, by: { role: 'officer', id: officer.id } });

    const shown = await service.recordClaimShown(ticket._id, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
    expect(shown.claim?.shownOn).toBe('webchat');
    const reminded = await service.requestConfirmationAgain(ticket._id, slaTimer);
    expect(reminded.claim?.remindersSent).toBe(1);
    expect((await service.markUnconfirmed(ticket._id, slaTimer)).status).toBe('unconfirmed');

    const closed = await service.answerResolution(ticket._id, consumer, { claimId, answer: 'yes', note: 'haan ho gaya' });
    expect(closed.status).toBe('closed');
    expect(closed.closure).toMatchObject({ provenance: 'consumer_confirmed', claimId, by: { role: 'consumer' } });
    expect(closed.closedAt).toBeInstanceOf(Date);

    const full = await service.get(ticket._id);
    expect(full.events.map((event) => event.type)).toEqual([
      'ticket.registered',
      'ticket.assigned',
      'ticket.work_started',
      'ticket.progress_noted',
      'ticket.resolution_claimed',
      'ticket.claim_shown',
      'ticket.confirmation_requested',
      'ticket.unconfirmed',
      'ticket.confirmed',
    ]);
    expect(full.events[3]!.evidence).toEqual({ note: 'Fault found on the LT line', photoRef: 'photo://pole-17.jpg' });
    expect(full.events[4]!.evidence).toEqual({ note: 'Jumper replaced', meterReadingKwh: 10234.5 });
    expect((await service.verify(ticket._id)).ok).toBe(true);
  });

  it('a "no" reopens one level up, reassigned to the officer at that level, and the next claim can close it', async () => {
    const { ticket, consumer, claimId } = await ticketIn(service, 'awaiting_confirmation');
    const reopened = await service.answerResolution(ticket._id, consumer, { claimId: claimId!, answer: 'no', note: 'abhi bhi light nahi hai' });
    expect(reopened).toMatchObject({ status: 'reopened', level: 'SDO', officer: { id: 'sdo-gomti-nagar', level: 'SDO' } });
    expect(reopened.claim).toBeUndefined();

    const second = await service.claimResolution(ticket._id, { role: 'officer', id: 'sdo-gomti-nagar' }, { note: 'Transformer fuse replaced' });
    await service.recordClaimShown(ticket._id, second.claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
    const secondNo = await service.answerResolution(ticket._id, consumer, { claimId: second.claimId, answer: 'no' });
    expect(secondNo).toMatchObject({ level: 'XEN', officer: { id: 'xen-gomti-nagar' } });

    const third = await service.claimResolution(ticket._id, { role: 'officer', id: 'xen-gomti-nagar' }, { note: 'Cable replaced' });
    await service.recordClaimShown(ticket._id, third.claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
    expect((await service.answerResolution(ticket._id, consumer, { claimId: third.claimId, answer: 'yes' })).status).toBe('closed');

    const full = await service.get(ticket._id);
    const rejected = full.events.filter((event) => event.type === 'ticket.rejected');
    expect(rejected.map((event) => [event.data?.fromLevel, event.level, event.officerId])).toEqual([
      ['JE', 'SDO', 'sdo-gomti-nagar'],
      ['SDO', 'XEN', 'xen-gomti-nagar'],
    ]);
    // Each rejection is owed to the officer who now owns it; the consumer, who said it, was answered in the chat.
    expect(full.outbox.filter((effect) => effect.eventType === 'ticket.rejected' && effect.kind !== 'report.update').map((effect) => effect.kind)).toEqual([
      'officer.notify',
      'officer.notify',
    ]);
    expect(full.outbox.filter((effect) => effect.eventType === 'ticket.confirmed' && effect.kind !== 'report.update')).toEqual([]);
  });

  it('escalation climbs the ladder to the Chief Engineer and stops there', async () => {
    const { ticket } = await ticketIn(service, 'in_progress');
    const levels: string[] = [];
    for (let step = 0; step < 5; step++) {
      const escalated = await service.escalate(ticket._id, slaTimer, { note: 'Time limit breached' });
      expect(escalated.status).toBe('assigned');
      levels.push(`${escalated.level}:${escalated.officer?.id}`);
    }
    expect(levels).toEqual([
      'SDO:sdo-gomti-nagar',
      'XEN:xen-gomti-nagar',
      `SE:${directory.officerFor('sd-gomti-nagar', 'SE').id}`,
      `CE:${directory.officerFor('sd-gomti-nagar', 'CE').id}`,
      `CE:${directory.officerFor('sd-gomti-nagar', 'CE').id}`,
    ]);
  });

  it('staff can withdraw a claim (reopen at the same level)', async () => {
    const { ticket } = await ticketIn(service, 'unconfirmed');
    const reopened = await service.reopen(ticket._id, supervisor, { note: 'Callback: consumer says still no supply' });
    expect(reopened).toMatchObject({ status: 'reopened', level: 'JE' });
    expect((await service.startWork(ticket._id, officer)).status).toBe('in_progress');
  });
});

describe('invalid transitions', () => {
  const staffAction: Record<Exclude<TicketAction, 'answerResolution' | 'recordClaimShown' | 'rejectCallbackClosure' | 'addConsumerMedia'>, (number: string, actor: Actor) => Promise<unknown>> = {
    assign: (number, actor) => service.assign(number, actor, { officerId: 'je-gomti-nagar-1' }),
    startWork: (number, actor) => service.startWork(number, actor),
    noteProgress: (number, actor) => service.noteProgress(number, actor, { note: 'checking' }),
    claimResolution: (number, actor) => service.claimResolution(number, actor, { note: 'done' }),
    requestConfirmationAgain: (number, actor) => service.requestConfirmationAgain(number, actor),
    markUnconfirmed: (number, actor) => service.markUnconfirmed(number, actor),
    reopen: (number, actor) => service.reopen(number, actor, { note: 'again' }),
    escalate: (number, actor) => service.escalate(number, actor, { note: 'late' }),
    requestReassignment: (number, actor) => service.requestReassignment(number, actor, { note: 'not my area' }),
  };
  const tickets = new Map<TicketStatus, string>();

  beforeAll(async () => {
    for (const status of TICKET_STATUSES) tickets.set(status, (await ticketIn(service, status)).ticket._id);
  });

  for (const [action, run] of Object.entries(staffAction)) {
    const allowed: readonly TicketStatus[] = ALLOWED_FROM[action as TicketAction];
    for (const status of TICKET_STATUSES.filter((candidate) => !allowed.includes(candidate))) {
      it(`${action} from ${status} is refused with a clear message, and nothing changes`, async () => {
        const number = tickets.get(status)!;
        const before = await service.get(number);
        const error = await run(number, supervisor).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(InvalidTransitionError);
        expect((error as Error).message).toContain(`is ${status}`);
        expect((error as Error).message).toContain(action);
        const after = await service.get(number);
        expect(after.rev).toBe(before.rev);
        expect(after.events).toHaveLength(before.events.length);
      });
    }
  }

  it('a consumer cannot act as staff', async () => {
    const { ticket, consumer } = await ticketIn(service, 'assigned');
    await expect(service.claimResolution(ticket._id, consumer, { note: 'I fixed it myself' })).rejects.toBeInstanceOf(NotPermittedError);
    await expect(service.escalate(ticket._id, consumer, { note: 'faster please' })).rejects.toBeInstanceOf(NotPermittedError);
  });

  it('an answer when nothing was claimed is refused', async () => {
    const { ticket, consumer } = await ticketIn(service, 'in_progress');
    await expect(service.answerResolution(ticket._id, consumer, { claimId: 'clm_0000', answer: 'yes' })).rejects.toBeInstanceOf(InvalidTransitionError);
  });
});
