// The outbox on the real database: every owed message is delivered once, in order, retried when a channel fails,
// and nothing is lost when the process that queued it is gone.
import { beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../services/directory.js';
import { NotificationService, type ConsumerNotification, type ConsumerNotifier } from '../../services/notificationService.js';
import { TicketService } from '../../services/ticketService.js';
import { officer, slaTimer, ticketIn } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('notifications');
let tickets: TicketService;

beforeAll(() => {
  tickets = new TicketService(db.models, Directory.loadDefault());
});

/** Stands in for the channels (bot/): records what it was asked to say, and can be told to fail. */
class RecordingNotifier implements ConsumerNotifier {
  readonly delivered: ConsumerNotification[] = [];
  failuresLeft = 0;
  unreachable = false;
  servedElsewhere = false;
  async notifyConsumer(notification: ConsumerNotification) {
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new Error('channel down');
    }
    if (this.unreachable) return 'unreachable' as const;
    if (this.servedElsewhere) return 'elsewhere' as const;
    this.delivered.push(notification);
    return 'delivered' as const;
  }
}

const quiet = () => {};

describe('NotificationService', () => {
  it('delivers a transition\'s consumer and officer effects and removes them from the ticket', async () => {
    const notifier = new RecordingNotifier();
    const service = new NotificationService(db.models, notifier, { log: quiet });
    const { ticket } = await ticketIn(tickets, 'assigned');
    await tickets.escalate(ticket._id, slaTimer, { note: 'Time limit breached' });
    await service.drainTicket(ticket._id);

    expect(notifier.delivered.map((notification) => notification.event.type)).toEqual(['ticket.escalated']);
    expect(notifier.delivered[0]!.idempotencyKey).toBe(`${ticket._id}:2:consumer.notify`);
    const inbox = await db.models.officerNotifications.find({ ticketNumber: ticket._id }).lean();
    expect(inbox.map((item) => [item.officerId, item.eventType])).toEqual([
      ['je-gomti-nagar-1', 'ticket.assigned'],
      ['sdo-gomti-nagar', 'ticket.escalated'],
    ]);
    expect((await tickets.get(ticket._id)).outbox).toEqual([]);
  });

  it('wakes on its own when the ticket service queues an effect', async () => {
    const notifier = new RecordingNotifier();
    let service: NotificationService | undefined;
    const waking = new TicketService(db.models, Directory.loadDefault(), { onEffectsQueued: (number) => service?.wake(number) });
    service = new NotificationService(db.models, notifier, { log: quiet });
    const { ticket } = await ticketIn(waking, 'in_progress');
    await waking.claimResolution(ticket._id, officer, { note: 'Fuse replaced' });
    await expect.poll(() => notifier.delivered.map((notification) => notification.event.type)).toContain('ticket.resolution_claimed');
    await service.stop();
  });

  it('retries a failing channel with backoff, keeps the consumer\'s messages in order, then delivers once', async () => {
    const notifier = new RecordingNotifier();
    let clock = Date.now();
    const service = new NotificationService(db.models, notifier, { log: quiet, now: () => new Date(clock) });
    const { ticket } = await ticketIn(tickets, 'assigned');
    await tickets.startWork(ticket._id, officer);
    await tickets.escalate(ticket._id, slaTimer, { note: 'late' });

    notifier.failuresLeft = 1;
    await service.drainTicket(ticket._id);
    expect(notifier.delivered).toEqual([]);
    const waiting = (await tickets.get(ticket._id)).outbox.filter((effect) => effect.kind === 'consumer.notify');
    expect(waiting.map((effect) => effect.attempts)).toEqual([1, 0]);
    expect(waiting[0]!.lastError).toContain('channel down');

    await service.drainTicket(ticket._id);
    expect(notifier.delivered).toEqual([]);

    clock += 60_000;
    await service.drainTicket(ticket._id);
    await service.drainTicket(ticket._id);
    expect(notifier.delivered.map((notification) => notification.event.type)).toEqual(['ticket.work_started', 'ticket.escalated']);
    expect((await tickets.get(ticket._id)).outbox).toEqual([]);
  });

  it('gives up on a consumer no channel can reach, and keeps the effect visible for staff', async () => {
    const notifier = new RecordingNotifier();
    notifier.unreachable = true;
    const service = new NotificationService(db.models, notifier, { log: quiet });
    const { ticket } = await ticketIn(tickets, 'assigned');
    await tickets.startWork(ticket._id, officer);
    await service.drainTicket(ticket._id);
    const [effect] = (await tickets.get(ticket._id)).outbox.filter((candidate) => candidate.kind === 'consumer.notify');
    expect(effect!.failedAt).toBeInstanceOf(Date);
    expect(effect!.lastError).toContain('no channel');
  });

  it('after a "restart", the sweep finds and delivers what an earlier process queued', async () => {
    const { ticket } = await ticketIn(tickets, 'assigned');
    await tickets.startWork(ticket._id, officer, { note: 'queued before the restart' });
    const notifier = new RecordingNotifier();
    const afterRestart = new NotificationService(db.models, notifier, { log: quiet });
    await afterRestart.checkDue();
    expect(notifier.delivered.some((notification) => notification.ticket._id === ticket._id && notification.event.type === 'ticket.work_started')).toBe(true);
  });

  it('concurrent drains of one ticket deliver each effect once', async () => {
    const notifier = new RecordingNotifier();
    const service = new NotificationService(db.models, notifier, { log: quiet });
    const { ticket } = await ticketIn(tickets, 'assigned');
    await tickets.startWork(ticket._id, officer);
    await Promise.all([service.drainTicket(ticket._id), service.drainTicket(ticket._id), service.drainTicket(ticket._id)]);
    expect(notifier.delivered.filter((notification) => notification.ticket._id === ticket._id)).toHaveLength(1);
  });

  it('the sweep reads only the watch list, and stops watching tickets with nothing left to do', async () => {
    const notifier = new RecordingNotifier();
    const service = new NotificationService(db.models, notifier, { log: quiet });
    const { ticket: idle } = await ticketIn(tickets, 'closed');
    const { ticket: awaiting } = await ticketIn(tickets, 'awaiting_confirmation');
    const watched = async () => (await db.models.ticketWatch.find({}).lean()).map((entry) => entry._id);
    expect(await watched()).toEqual(expect.arrayContaining([idle._id, awaiting._id]));

    const commands: string[] = [];
    const client = db.connection.getClient();
    const record = (event: { commandName: string; command: Record<string, unknown> }) => {
      if (event.commandName === 'find') commands.push(`${String(event.command.find)}:${JSON.stringify(event.command.filter)}`);
    };
    client.on('commandStarted', record);
    await service.checkDue();
    client.off('commandStarted', record);

    // Tickets are only ever read by _id (one, or a batch's exact ids with $in: an index hit too); the one collection
    // scanned is the watch list.
    for (const command of commands.filter((entry) => entry.startsWith('tickets:'))) {
      expect(command).toMatch(/^tickets:\{"_id":("UP-[\d-]+"|\{"\$in":\["UP-[\d-]+"(,"UP-[\d-]+")*\]\})\}$/);
    }
    expect(await watched()).not.toContain(idle._id);
    expect(await watched()).toContain(awaiting._id);
  });

  it('leaves a message for the process that serves the consumer\'s channel, and gives up only after the grace period', async () => {
    const notifier = new RecordingNotifier();
    notifier.servedElsewhere = true;
    let clock = Date.now();
    const service = new NotificationService(db.models, notifier, { log: quiet, now: () => new Date(clock), elsewhereGraceMs: 60_000 });
    const { ticket } = await ticketIn(tickets, 'assigned');
    await tickets.startWork(ticket._id, officer);
    await service.drainTicket(ticket._id);
    const waiting = (await tickets.get(ticket._id)).outbox.find((effect) => effect.kind === 'consumer.notify');
    expect(waiting).toMatchObject({ attempts: 0 });
    expect(waiting?.failedAt).toBeUndefined();

    clock += 61_000;
    await service.drainTicket(ticket._id);
    const given = (await tickets.get(ticket._id)).outbox.find((effect) => effect.kind === 'consumer.notify');
    expect(given?.failedAt).toBeInstanceOf(Date);
    expect(given?.lastError).toContain('no running process');
  });
});
