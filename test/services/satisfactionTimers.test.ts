// Silence after "is it solved?": reminders at the configured waits, then unconfirmed — never closed.
import { beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../services/directory.js';
import { SatisfactionTimers } from '../../services/satisfactionTimers.js';
import { TicketService } from '../../services/ticketService.js';
import { officer, ticketIn } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('timers');
const hour = 3_600_000;
let clock = Date.now();
let tickets: TicketService;
let timers: SatisfactionTimers;

beforeAll(() => {
  tickets = new TicketService(db.models, Directory.loadDefault(), { now: () => new Date(clock) });
  timers = new SatisfactionTimers(db.models, tickets, { reminderDelaysMs: [4 * hour, 20 * hour], unconfirmedAfterMs: 24 * hour, now: () => new Date(clock), log: () => {} });
});

describe('SatisfactionTimers', () => {
  it('reminds twice at the configured waits, then marks the ticket unconfirmed (not closed)', async () => {
    const { ticket } = await ticketIn(tickets, 'awaiting_confirmation');
    const remindersOf = async () => (await tickets.get(ticket._id)).claim?.remindersSent;

    clock += 3 * hour;
    await timers.checkDue();
    expect(await remindersOf()).toBe(0);

    clock += 1 * hour + 1;
    await timers.checkDue();
    expect(await remindersOf()).toBe(1);
    await timers.checkDue();
    expect(await remindersOf()).toBe(1);

    clock += 20 * hour;
    await timers.checkDue();
    expect(await remindersOf()).toBe(2);

    clock += 23 * hour;
    await timers.checkDue();
    expect((await tickets.get(ticket._id)).status).toBe('awaiting_confirmation');

    clock += 1 * hour + 1;
    await timers.checkDue();
    const final = await tickets.get(ticket._id);
    expect(final.status).toBe('unconfirmed');
    expect(final.closure).toBeUndefined();
    expect(final.events.filter((event) => event.actor.id === 'satisfaction-timer').map((event) => event.type)).toEqual([
      'ticket.confirmation_requested',
      'ticket.confirmation_requested',
      'ticket.unconfirmed',
    ]);
  });

  it('leaves a claim that was never shown to the consumer alone', async () => {
    const { ticket } = await ticketIn(tickets, 'in_progress');
    await tickets.claimResolution(ticket._id, officer, { note: 'done' });
    clock += 100 * hour;
    await timers.checkDue();
    expect((await tickets.get(ticket._id)).claim?.remindersSent).toBe(0);
  });

  it('does not read a waiting ticket again until its wait is over (the watch entry carries the due time)', async () => {
    const { ticket } = await ticketIn(tickets, 'awaiting_confirmation');
    await timers.checkDue();
    const reads: string[] = [];
    const client = db.connection.getClient();
    const record = (event: { commandName: string; command: Record<string, unknown> }) => {
      if (event.commandName === 'find' && event.command.find === 'tickets') reads.push(JSON.stringify(event.command.filter));
    };
    client.on('commandStarted', record);
    await timers.checkDue();
    expect(reads.filter((filter) => filter.includes(ticket._id))).toEqual([]);
    clock += 4 * hour;
    await timers.checkDue();
    client.off('commandStarted', record);
    expect(reads.filter((filter) => filter.includes(ticket._id)).length).toBeGreaterThan(0);
    expect((await tickets.get(ticket._id)).claim?.remindersSent).toBe(1);
  });
});
