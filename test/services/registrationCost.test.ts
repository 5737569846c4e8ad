// What registering a complaint costs the database, counted command by command on the real (embedded) server — the
// ticket service's registration, the incident check the dialog makes after it, and the outbox delivering what the new
// ticket owes (the officer's inbox and alert, the report cells) — and the guarantees the cheaper path keeps: every
// effect delivered once, nothing lost when the registering process dies before delivering.
import { trusted, type Connection } from 'mongoose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OfficerNotificationRecord } from '../../models/officerNotificationModel.js';
import type { OutboxClaim, TicketRecord } from '../../models/ticketTypes.js';
import { Directory } from '../../services/directory.js';
import { IncidentService } from '../../services/incidentService.js';
import { NotificationService, type ConsumerNotifier } from '../../services/notificationService.js';
import { OfficerAlertService } from '../../services/officerAlertService.js';
import { ReportService } from '../../services/reportService.js';
import { TicketService, type RegistrationDrain } from '../../services/ticketService.js';
import { complaintFor, newConsumer, staffPrincipal } from '../support/ticketFixtures.js';
import { useTestDatabase, type TestDatabase } from '../support/testDatabase.js';
import { SatisfactionTimers } from '../../services/satisfactionTimers.js';
import { SlaTimers } from '../../services/slaTimers.js';

const db = useTestDatabase('registration_cost');
/** The background passes' own database: its watch list holds only the tickets registered for them. */
const passesDb = useTestDatabase('registration_passes');
const directory = Directory.loadDefault();
const quiet = () => {};
const alwaysDelivers: ConsumerNotifier = { notifyConsumer: async () => 'delivered' };
const gomtiNagarJe = directory.officerFor('sd-gomti-nagar', 'JE').id;
/** Wants WhatsApp alerts (set below); Gomti Nagar's JE, like most officers, has no alerts set. */
const aliganjJe = directory.officerFor('sd-aliganj', 'JE').id;

/** Every command the client sends while `work` runs, as `<command> <collection>`. */
async function commandsDuring(connection: Connection, work: () => Promise<void>): Promise<string[]> {
  const client = connection.getClient();
  const seen: string[] = [];
  const record = (event: { commandName: string; command: Record<string, unknown> }) => {
    if (['hello', 'ping', 'isMaster', 'endSessions', 'getMore', 'killCursors'].includes(event.commandName)) return;
    seen.push(`${event.commandName} ${String(event.command[event.commandName])}`);
  };
  client.on('commandStarted', record);
  try {
    await work();
  } finally {
    client.off('commandStarted', record);
  }
  return seen;
}

function byCommand(commands: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const command of commands) counts[command] = (counts[command] ?? 0) + 1;
  return counts;
}

/** The helpline's wiring of registration and delivery (server/helpline.ts), on this file's database. */
function helplineLike(options: { claim?: () => OutboxClaim | undefined; deliver?: (ticket: TicketRecord) => void } = {}, database: TestDatabase = db) {
  const { models } = database;
  let notifications: NotificationService | undefined;
  // The officers' WhatsApp alerts as the Cloud API would receive them.
  const sent: string[] = [];
  // Settings kept a minute here (10 s by default), so that a slow machine does not turn the warm count cold.
  const alerts = new OfficerAlertService(models, { log: quiet, settingsCacheMs: 60_000, whatsApp: { sendOfficerAlert: async (to, text) => void sent.push(`${to}:${text}`) } });
  const drain: RegistrationDrain = {
    claim: options.claim ?? (() => notifications?.claimRegistration()),
    deliver: options.deliver ?? ((ticket) => notifications?.deliverRegistered(ticket)),
  };
  const tickets = new TicketService(models, directory, { onEffectsQueued: (number) => notifications?.wake(number), registrationDrain: drain });
  notifications = new NotificationService(models, alwaysDelivers, { log: quiet, officerAlerts: alerts, reports: new ReportService(models, () => new Date(), directory) });
  const incidents = new IncidentService(models, directory, tickets, { log: quiet, threshold: 1_000 });
  /** What the registration dialog does for a supply complaint: register, then count it into its area's incident. */
  const register = async (locality = 'Gomti Nagar') => {
    const consumer = newConsumer();
    const { ticket, duplicate } = await tickets.register(complaintFor(consumer, { place: { district: 'Lucknow', locality } }), consumer.actor);
    expect(duplicate).toBe(false);
    await incidents.recordComplaint(ticket);
    return ticket._id;
  };
  return { tickets, notifications, sent, register };
}

async function stored(number: string, database: TestDatabase = db): Promise<TicketRecord> {
  return (await database.models.tickets.findById(number).lean<TicketRecord>())!;
}

const stopping: NotificationService[] = [];
afterEach(async () => {
  await Promise.all(stopping.splice(0).map((service) => service.stop()));
});

describe('registering a complaint', () => {
  beforeAll(async () => {
    await new OfficerAlertService(db.models, { log: quiet }).setWhatsApp(staffPrincipal('officer', { officerId: aliganjJe }), { number: '9876500011' });
  });

  // Issue 15, "the turn that registers a complaint: from ~30 commands": on main a registration cost 23 commands of its
  // own (incident_areas read three times, a lease inserted and deleted around the outbox, the new ticket read back,
  // two report_cells writes, the officer's inbox entry read back, the alert settings read every time). Now 14.
  it('costs at most 14 database commands once warm: no lease, no read-back of the ticket or the inbox entry, one incident_areas read, one report_cells write', async () => {
    const helpline = helplineLike();
    stopping.push(helpline.notifications);
    // Warm-up: the first complaint of a process catalogues the report buckets and creates the day's cells.
    await helpline.register();
    await helpline.notifications.stop();

    let number = '';
    const commands = await commandsDuring(db.connection, async () => {
      number = await helpline.register();
      await helpline.notifications.stop();
    });
    const counts = byCommand(commands);
    expect(counts, commands.join('\n')).toEqual({
      'find duplicate_guards': 1,
      'findAndModify counters': 1,
      'insert duplicate_guards': 1,
      'findAndModify duplicate_guards': 1,
      'update officer_queues': 1,
      'update consumer_index': 1,
      'update ticket_watch': 1,
      'find shutdown_areas': 1,
      'insert tickets': 1,
      'find incident_areas': 1,
      'findAndModify incident_windows': 1,
      'insert officer_notifications': 1,
      'update report_cells': 1,
      'update tickets': 1,
    });
    expect(commands.length).toBeLessThanOrEqual(14);

    // Everything the ticket owed was delivered, once, and the claim is gone with the delivered effects.
    const ticket = await stored(number);
    expect(ticket.outbox).toEqual([]);
    expect(ticket.outboxClaim).toBeUndefined();
    expect(await db.models.leases.countDocuments({ _id: `outbox:${number}` })).toBe(0);
    const inbox = await db.models.officerNotifications.find({ ticketNumber: number }).lean<OfficerNotificationRecord[]>();
    expect(inbox.map((entry) => [entry.officerId, entry.eventType])).toEqual([[gomtiNagarJe, 'ticket.assigned']]);
    const cells = await db.models.reportCells.find({}, { applied: 1 }).lean<Array<{ _id: string; applied: string[] }>>();
    const places = cells.filter((cell) => cell.applied.includes(`${number}:0:report.update`));
    const officers = cells.filter((cell) => cell.applied.includes(`${number}:1:report.update`));
    // District, division, sub-division and locality, each a day, a block and a month; the JE's three.
    expect(places.map((cell) => cell._id.split(':')[0]).sort()).toEqual([...Array(3).fill('district'), ...Array(3).fill('division'), ...Array(3).fill('locality'), ...Array(3).fill('subDivision')]);
    expect(officers.map((cell) => cell._id)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^officer:${gomtiNagarJe}:`))]));
    expect(officers).toHaveLength(3);
    for (const cell of [...places, ...officers]) expect(cell.applied.filter((id) => id.startsWith(`${number}:`))).toHaveLength(1);
  });

  it('a process that died after writing the ticket blocks nobody for long: another one delivers everything once the claim expires', async () => {
    // The registering process writes its claim and dies before delivering (no deliver at all).
    const dying = helplineLike({ claim: () => ({ owner: 'dead-process', expiresAt: new Date(Date.now() + 5_000) }), deliver: () => {} });
    const number = await dying.register('Aliganj');
    expect((await stored(number)).outboxClaim?.owner).toBe('dead-process');

    const survivor = helplineLike();
    stopping.push(survivor.notifications);
    // While the claim stands, the other process leaves the outbox alone …
    await survivor.notifications.drainTicket(number);
    expect((await stored(number)).outbox.map((effect) => effect.kind).sort()).toEqual(['officer.notify', 'report.update', 'report.update']);
    expect(survivor.sent).toEqual([]);
    // … and once it has expired, delivers it (its own retry, or the sweep) and clears the claim.
    await expect.poll(async () => (await stored(number)).outbox, { timeout: 20_000, interval: 200 }).toEqual([]);
    const ticket = await stored(number);
    expect(ticket.outboxClaim).toBeUndefined();
    expect(await db.models.officerNotifications.countDocuments({ ticketNumber: number })).toBe(1);
    expect(survivor.sent.filter((alert) => alert.includes(number))).toHaveLength(1);
  });

  it('a registration delivering while another process drains the same ticket: each effect, and the officer alert, exactly once', async () => {
    const registering = helplineLike();
    const other = helplineLike();
    stopping.push(registering.notifications, other.notifications);
    const numbers = await Promise.all(Array.from({ length: 6 }, (_, i) => registering.register(i % 2 ? 'Aliganj' : 'Gomti Nagar')));
    // The other process is woken for the same tickets at once (say, its sweep found them on the watch list).
    await Promise.all(numbers.map((number) => other.notifications.drainTicket(number)));
    await registering.notifications.stop();
    await expect.poll(async () => Promise.all(numbers.map(async (number) => (await stored(number)).outbox.length)), { timeout: 5_000, interval: 100 }).toEqual([0, 0, 0, 0, 0, 0]);
    await other.notifications.stop();
    for (const number of numbers) {
      expect(await db.models.officerNotifications.countDocuments({ ticketNumber: number })).toBe(1);
      // Each report effect counted once in each of its cells (12 place cells, 3 of the officer's).
      const cells = await db.models.reportCells.find({}, { applied: 1 }).lean<Array<{ applied: string[] }>>();
      const applications = cells.map((cell) => cell.applied.filter((id) => id.startsWith(`${number}:`))).filter((ids) => ids.length > 0);
      expect(applications).toHaveLength(15);
      for (const ids of applications) expect(ids).toHaveLength(1);
    }
    // Aliganj's JE has WhatsApp alerts: one each for the three Aliganj complaints, whichever process sent it.
    const alerts = [...registering.sent, ...other.sent];
    for (const [index, number] of numbers.entries()) {
      expect(alerts.filter((alert) => alert.includes(number))).toHaveLength(index % 2 ? 1 : 0);
    }
  });
});

describe('the background passes over registered complaints', () => {
  // Issue 15's "background commands per registered complaint" (224 in the conversation bench's count): what the
  // 'after the last reply' window caught were the workers' periodic passes over every ticket the load had registered —
  // on main 5 commands per ticket for the outbox sweep (a lease, two reads, a release, a snooze) and 2 for each
  // timer (a read, a snooze). Now a pass reads its watched tickets a hundred at a time and writes its verdicts at once.
  it('cost a few commands per pass, however many tickets were registered (24 here), and read them only by _id', async () => {
    const helpline = helplineLike({}, passesDb);
    const numbers: string[] = [];
    for (let i = 0; i < 24; i++) numbers.push(await helpline.register(i % 2 ? 'Aliganj' : 'Gomti Nagar'));
    await helpline.notifications.stop();
    const timers = {
      notifications: helpline.notifications,
      sla: new SlaTimers(passesDb.models, helpline.tickets, { log: quiet }),
      satisfaction: new SatisfactionTimers(passesDb.models, helpline.tickets, { reminderDelaysMs: [3_600_000], unconfirmedAfterMs: 86_400_000, log: quiet }),
    };
    for (const [worker, timer] of Object.entries(timers)) {
      const first = await commandsDuring(passesDb.connection, () => timer.checkDue());
      // A timer's pass is also one lease (insert, delete) so that one process at a time runs it.
      expect(first.length, `${worker}: ${first.join(', ')}`).toBeLessThanOrEqual(5);
      expect(first.filter((command) => command === 'find tickets')).toHaveLength(1);
      const next = await commandsDuring(passesDb.connection, () => timer.checkDue());
      expect(next.filter((command) => command.endsWith(' tickets')), `${worker}, next pass`).toEqual([]);
    }
    // Nothing lost: every ticket is still watched (its time limit runs), each worker told when to look again.
    const watched = await passesDb.models.ticketWatch.find({ _id: trusted({ $in: numbers }) }).lean<Array<{ nextCheck?: Record<string, Date> }>>();
    expect(watched).toHaveLength(24);
    for (const entry of watched) expect(Object.keys(entry.nextCheck ?? {}).sort()).toEqual(['notifications', 'satisfaction', 'sla']);
    for (const number of numbers) expect((await stored(number, passesDb)).outbox).toEqual([]);
  });
});

describe('what the cheaper delivery keeps', () => {
  it('a registration\'s two report effects written together are still counted once when delivered again (a crash before the acknowledgement)', async () => {
    const helpline = helplineLike();
    const number = await helpline.register('Aliganj');
    await helpline.notifications.stop();
    const ticket = await stored(number);
    const cellsOf = async () =>
      (await db.models.reportCells.find({}, { counts: 1, applied: 1 }).lean<Array<{ _id: string; counts: unknown; applied: string[] }>>()).filter((cell) =>
        cell.applied.some((id) => id.startsWith(`${number}:`)),
      );
    const before = await cellsOf();
    expect(before).toHaveLength(15);
    // Delivered again by a fresh process (nothing known of the cells): both effects, together.
    const effects = [0, 1].map((seq) => ({ event: ticket.events[seq]!, effectId: `${number}:${seq}:report.update` }));
    await new ReportService(db.models, () => new Date(), directory).applyAll(ticket, effects);
    expect(await cellsOf()).toEqual(before);
  });

  it('officer alert settings: read once per delivery window, a change through this process applies at once, through another within the window', async () => {
    const officerId = 'je-cache-test';
    const principal = staffPrincipal('officer', { officerId });
    const sentBy = { here: [] as string[], elsewhere: [] as string[] };
    const here = new OfficerAlertService(db.models, { log: quiet, whatsApp: { sendOfficerAlert: async (to) => void sentBy.here.push(to) } });
    const elsewhere = new OfficerAlertService(db.models, { log: quiet, settingsCacheMs: 300, whatsApp: { sendOfficerAlert: async (to) => void sentBy.elsewhere.push(to) } });
    const entry = (id: string): OfficerNotificationRecord => ({ _id: id, officerId, ticketNumber: 'UP-261204-09999', eventType: 'ticket.assigned', text: 'UP-261204-09999: assigned to you.', createdAt: new Date() });

    // No settings yet: nothing sent, and the second delivery does not read them again.
    const reads = await commandsDuring(db.connection, async () => {
      await here.deliver(entry('cache-1'), false, {});
      await here.deliver(entry('cache-2'), false, {});
      await elsewhere.deliver(entry('cache-3'), false, {});
    });
    expect(reads.filter((command) => command === 'find officer_alert_settings')).toHaveLength(2);
    expect(sentBy).toEqual({ here: [], elsewhere: [] });

    await here.setWhatsApp(principal, { number: '9876500022' });
    await here.deliver(entry('cache-4'), false, {});
    expect(sentBy.here).toEqual(['919876500022']);
    // Another process sees the new number once its window has passed.
    await new Promise((resolve) => setTimeout(resolve, 350));
    await elsewhere.deliver(entry('cache-5'), false, {});
    expect(sentBy.elsewhere).toEqual(['919876500022']);

    // Stopping alerts through this process stops them here at once.
    await here.setWhatsApp(principal, { number: null });
    await here.deliver(entry('cache-6'), false, {});
    expect(sentBy.here).toEqual(['919876500022']);
  });
});
