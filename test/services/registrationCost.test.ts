// What registering a complaint costs the database, counted command by command on the real (embedded) server — the
// ticket service's registration, the incident check the dialog makes after it, and the outbox delivering what the new
// ticket owes (the officer's inbox and alert, the report cells) — and the guarantees the cheaper path keeps: every
// effect delivered once, nothing lost when the registering process dies before delivering.
import type { Connection } from 'mongoose';
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
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('registration_cost');
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
function helplineLike(options: { claim?: () => OutboxClaim | undefined; deliver?: (ticket: TicketRecord) => void } = {}) {
  let notifications: NotificationService | undefined;
  // The officers' WhatsApp alerts as the Cloud API would receive them.
  const sent: string[] = [];
  const alerts = new OfficerAlertService(db.models, { log: quiet, whatsApp: { sendOfficerAlert: async (to, text) => void sent.push(`${to}:${text}`) } });
  const drain: RegistrationDrain = {
    claim: options.claim ?? (() => notifications?.claimRegistration()),
    deliver: options.deliver ?? ((ticket) => notifications?.deliverRegistered(ticket)),
  };
  const tickets = new TicketService(db.models, directory, { onEffectsQueued: (number) => notifications?.wake(number), registrationDrain: drain });
  notifications = new NotificationService(db.models, alwaysDelivers, { log: quiet, officerAlerts: alerts, reports: new ReportService(db.models, () => new Date(), directory) });
  const incidents = new IncidentService(db.models, directory, tickets, { log: quiet, threshold: 1_000 });
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

async function stored(number: string): Promise<TicketRecord> {
  return (await db.models.tickets.findById(number).lean<TicketRecord>())!;
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
    const dying = helplineLike({ claim: () => ({ owner: 'dead-process', expiresAt: new Date(Date.now() + 400) }), deliver: () => {} });
    const number = await dying.register('Aliganj');
    expect((await stored(number)).outboxClaim?.owner).toBe('dead-process');

    const survivor = helplineLike();
    stopping.push(survivor.notifications);
    // While the claim stands, the other process leaves the outbox alone …
    await survivor.notifications.drainTicket(number);
    expect((await stored(number)).outbox.map((effect) => effect.kind).sort()).toEqual(['officer.notify', 'report.update', 'report.update']);
    expect(survivor.sent).toEqual([]);
    // … and once it has expired, delivers it (its own retry, or the sweep) and clears the claim.
    await expect.poll(async () => (await stored(number)).outbox, { timeout: 5_000, interval: 100 }).toEqual([]);
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
