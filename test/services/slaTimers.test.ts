// Time limits per owner: a breach climbs one level and tells the new officer; the clock restarts with every new owner,
// stops while the consumer is being asked, and ends at the CE. Real database, injected clock.
import { beforeAll, describe, expect, it } from 'vitest';
import { TICKET_CATEGORIES, type TicketCategory, type TicketRecord } from '../../models/ticketTypes.js';
import { Directory } from '../../services/directory.js';
import { NotificationService, type ConsumerNotifier } from '../../services/notificationService.js';
import { DEFAULT_SLA_LIMITS_MS, formatLimit } from '../../services/slaPolicy.js';
import { SlaTimers } from '../../services/slaTimers.js';
import { TicketService } from '../../services/ticketService.js';
import { needsAttention } from '../../services/ticketWatch.js';
import { complaintFor, newConsumer, officer, ticketIn } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('sla');
const hour = 3_600_000;
const quiet = () => {};
let clock = Date.now();
const now = () => new Date(clock);
let tickets: TicketService;
let timers: SlaTimers;

beforeAll(() => {
  tickets = new TicketService(db.models, Directory.loadDefault(), { now });
  timers = new SlaTimers(db.models, tickets, { now, log: quiet });
});

async function registered(category: TicketCategory = 'supply') {
  const consumer = newConsumer();
  const { ticket } = await tickets.register(complaintFor(consumer, { category }), consumer.actor);
  return { ticket, consumer: consumer.actor };
}

const slaEscalations = (ticket: TicketRecord) =>
  ticket.events.filter((event) => event.type === 'ticket.escalated' && event.actor.id === 'sla-timer');

const alwaysDelivers: ConsumerNotifier = { notifyConsumer: async () => 'delivered' };

describe('SlaTimers', () => {
  it.each(TICKET_CATEGORIES)('%s escalates at its default limit, not before, and tells the new owner', async (category) => {
    const limit = DEFAULT_SLA_LIMITS_MS[category];
    const { ticket } = await registered(category);
    expect(ticket.level).toBe('JE');

    clock += limit - 1;
    await timers.checkDue();
    expect((await tickets.get(ticket._id)).level).toBe('JE');

    clock += 1;
    await timers.checkDue();
    const escalated = await tickets.get(ticket._id);
    expect(escalated).toMatchObject({ level: 'SDO', status: 'assigned', officer: { level: 'SDO' } });
    const [breach, ...more] = slaEscalations(escalated);
    expect(more).toEqual([]);
    expect(breach).toMatchObject({ channel: 'system', level: 'SDO', officerId: escalated.officer?.id, data: { fromLevel: 'JE' } });
    expect(breach?.evidence?.note).toBe(`Time limit for ${category.replace('_', ' ')} (${formatLimit(limit)}) exceeded`);
    expect(escalated.outbox.filter((effect) => effect.eventSeq === breach?.seq && effect.kind !== 'report.update').map((effect) => effect.kind).sort()).toEqual([
      'consumer.notify',
      'officer.notify',
    ]);
  });

  it('gives the new owner a full period after an escalation', async () => {
    const { ticket } = await registered('supply');
    clock += 4 * hour;
    await timers.checkDue();
    expect((await tickets.get(ticket._id)).level).toBe('SDO');

    clock += 4 * hour - 1;
    await timers.checkDue();
    expect((await tickets.get(ticket._id)).level).toBe('SDO');

    clock += 1;
    await timers.checkDue();
    expect((await tickets.get(ticket._id)).level).toBe('XEN');
  });

  it('restarts the clock when the consumer rejects the resolution, and stops it while they are being asked', async () => {
    const { ticket, consumer } = await registered('supply');
    clock += 3 * hour;
    const { claimId } = await tickets.claimResolution(ticket._id, officer, { note: 'Fuse replaced' });
    await tickets.recordClaimShown(ticket._id, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
    clock += 10 * hour;
    await timers.checkDue();
    expect((await tickets.get(ticket._id)).status).toBe('awaiting_confirmation');

    await tickets.answerResolution(ticket._id, consumer, { claimId, answer: 'no' });
    expect(await tickets.get(ticket._id)).toMatchObject({ status: 'reopened', level: 'SDO' });

    clock += 4 * hour - 1;
    await timers.checkDue();
    expect(await tickets.get(ticket._id)).toMatchObject({ status: 'reopened', level: 'SDO' });

    clock += 1;
    await timers.checkDue();
    const escalated = await tickets.get(ticket._id);
    expect(escalated).toMatchObject({ status: 'assigned', level: 'XEN' });
    expect(slaEscalations(escalated)).toHaveLength(1);
  });

  it('never escalates a ticket whose consumer is being asked, or one waiting for a callback', async () => {
    const { ticket: awaiting } = await ticketIn(tickets, 'awaiting_confirmation');
    const { ticket: unconfirmed } = await ticketIn(tickets, 'unconfirmed');
    clock += 60 * 24 * hour;
    await timers.checkDue();
    for (const number of [awaiting._id, unconfirmed._id]) {
      const ticket = await tickets.get(number);
      expect(ticket.level).toBe('JE');
      expect(slaEscalations(ticket)).toEqual([]);
    }
  });

  it('stops at the CE: a breach there records nothing and the ticket may leave the watch list', async () => {
    const { ticket } = await registered('supply');
    for (const level of ['SDO', 'XEN', 'SE', 'CE']) {
      clock += 4 * hour;
      await timers.checkDue();
      expect((await tickets.get(ticket._id)).level).toBe(level);
    }
    const atTop = await tickets.get(ticket._id);
    clock += 100 * hour;
    await timers.checkDue();
    const later = await tickets.get(ticket._id);
    expect(later.eventCount).toBe(atTop.eventCount);
    expect(later.rev).toBe(atTop.rev);
    expect(needsAttention({ ...later, outbox: [] })).toBe(false);
  });

  it('a ticket still on the watch list after a restart escalates under a new instance', async () => {
    const beforeRestart = new SlaTimers(db.models, tickets, { now, log: quiet, checkIntervalMs: 60_000 });
    beforeRestart.start();
    const { ticket } = await registered('transformer');
    await beforeRestart.stop();

    clock += 24 * hour;
    expect(await db.models.ticketWatch.findById(ticket._id).lean()).not.toBeNull();
    const afterRestart = new SlaTimers(db.models, tickets, { now, log: quiet });
    await afterRestart.checkDue();
    expect((await tickets.get(ticket._id)).level).toBe('SDO');
  });

  it('two processes checking the same breach at once escalate it one level, not two', async () => {
    const { ticket } = await registered('supply');
    clock += 4 * hour;
    const processes = [1, 2, 3].map(() => new SlaTimers(db.models, tickets, { now, log: quiet }));
    await Promise.all(processes.map((process) => process.checkDue()));
    const escalated = await tickets.get(ticket._id);
    expect(escalated.level).toBe('SDO');
    expect(slaEscalations(escalated)).toHaveLength(1);
  });

  it('counts from the history for tickets written before ownerSince was kept', async () => {
    const { ticket } = await registered('supply');
    await db.models.tickets.updateOne({ _id: ticket._id }, { $unset: { ownerSince: 1 } });
    clock += 4 * hour - 1;
    await timers.checkDue();
    expect((await tickets.get(ticket._id)).level).toBe('JE');
    clock += 1;
    await timers.checkDue();
    expect((await tickets.get(ticket._id)).level).toBe('SDO');
  });

  it('reads tickets only by _id; the one collection scanned is the watch list', async () => {
    await registered('supply');
    clock += 4 * hour;
    const commands: string[] = [];
    const client = db.connection.getClient();
    const record = (event: { commandName: string; command: Record<string, unknown> }) => {
      if (event.commandName === 'find') commands.push(`${String(event.command.find)}:${JSON.stringify(event.command.filter)}`);
    };
    client.on('commandStarted', record);
    await timers.checkDue();
    client.off('commandStarted', record);
    const ticketReads = commands.filter((entry) => entry.startsWith('tickets:'));
    expect(ticketReads.length).toBeGreaterThan(0);
    // By one `_id`, or a batch's exact ids with `$in` (an index hit too, like the outbox sweep's).
    for (const command of ticketReads) expect(command).toMatch(/^tickets:\{"_id":("UP-[^"]+"|\{"\$in":\["UP-[^"]+"(,"UP-[^"]+")*\]\})\}$/);
  });

  it('the notification sweep keeps watching tickets whose clock runs, and releases the rest', async () => {
    const { ticket: running } = await ticketIn(tickets, 'in_progress');
    const { ticket: closed } = await ticketIn(tickets, 'closed');
    const sweeper = new NotificationService(db.models, alwaysDelivers, { now, log: quiet });
    await sweeper.checkDue();
    const watched = (await db.models.ticketWatch.find({}).lean()).map((entry) => entry._id);
    expect(watched).toContain(running._id);
    expect(watched).not.toContain(closed._id);
  });
});

// Issue 13 item 5: an emergency has one short limit whatever its category (EMERGENCY_SLA, default 1 h).
describe('SlaTimers on emergencies', () => {
  it('escalates an emergency after one hour by default, not at its category\'s limit', async () => {
    const consumer = newConsumer();
    const { ticket } = await tickets.register(complaintFor(consumer, { category: 'transformer', emergency: true }), consumer.actor);
    expect(ticket.emergency).toBe(true);
    clock += hour - 1;
    await timers.checkDue();
    expect((await tickets.get(ticket._id)).level).toBe('JE');
    clock += 1;
    await timers.checkDue();
    const escalated = await tickets.get(ticket._id);
    expect(escalated.level).toBe('SDO');
    expect(slaEscalations(escalated)[0]?.evidence?.note).toBe('Time limit for an emergency (1 h) exceeded');
  });

  it('takes the configured limit (EMERGENCY_SLA) instead', async () => {
    const shortTimers = new SlaTimers(db.models, tickets, { now, log: quiet, emergencyLimitMs: 15 * 60_000 });
    const consumer = newConsumer();
    const { ticket } = await tickets.register(complaintFor(consumer, { emergency: true }), consumer.actor);
    clock += 15 * 60_000;
    await shortTimers.checkDue();
    expect((await tickets.get(ticket._id)).level).toBe('SDO');
  });
});
