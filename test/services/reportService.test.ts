// Reports on the real database: a scripted set of tickets driven through the TicketService on a controlled clock,
// their `report.update` effects delivered by the NotificationService, and the reports read back — exact rows, date
// and category filters, the median, the register, own-area views, idempotency, and the backfill agreeing with all of it.
import { beforeAll, describe, expect, it } from 'vitest';
import type { StaffActor, TicketRecord } from '../../models/ticketTypes.js';
import { Directory } from '../../services/directory.js';
import { NotPermittedError } from '../../services/errors.js';
import { NotificationService, type ConsumerNotifier } from '../../services/notificationService.js';
import { rebuildReports } from '../../services/reportRebuild.js';
import { binMiddleMinutes, closureBin, medianMinutes, periodsCovering } from '../../services/reportRollups.js';
import { ReportService, type HotspotRow } from '../../services/reportService.js';
import { TicketService } from '../../services/ticketService.js';
import { agent, complaintFor, newConsumer, officer, otherSupervisor, slaTimer, supervisor } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('reports');
const directory = Directory.loadDefault();
const delivery = { role: 'system', id: 'webchat-delivery' } as const;
const alwaysDelivers: ConsumerNotifier = { notifyConsumer: async () => 'delivered' };
const aliganjJe = directory.officerFor('sd-aliganj', 'JE').id;
const gomtiNagarSdo = directory.officerFor('sd-gomti-nagar', 'SDO').id;
const gomtiNagarJeReader = { role: 'officer', officerId: 'je-gomti-nagar-1' };

// 10:30 IST on 10 November; the clock moves as the script says.
let clock = new Date('2026-11-10T05:00:00Z');
const at = (iso: string) => {
  clock = new Date(iso);
};
const hours = (count: number) => {
  clock = new Date(clock.getTime() + count * 3_600_000);
};

let tickets: TicketService;
let reports: ReportService;
let notifications: NotificationService;

const gomtiNagar = { district: 'Lucknow', locality: 'Gomti Nagar' };
const aliganj = { district: 'Lucknow', locality: 'Aliganj' };

async function register(place: { district: string; locality?: string }, category: 'supply' | 'meter' | 'bill' = 'supply') {
  const consumer = newConsumer();
  const { ticket } = await tickets.register(complaintFor(consumer, { place, category }), consumer.actor);
  return { number: ticket._id, consumer: consumer.actor };
}

async function claimAndShow(number: string, by: StaffActor = officer) {
  const { claimId } = await tickets.claimResolution(number, by, { note: 'Fuse replaced at the pole' });
  await tickets.recordClaimShown(number, claimId, delivery, 'webchat');
  return claimId;
}

const zero = { complaints: 0, open: 0, breaches: 0, escalations: 0, reopens: 0, claims: 0, rejected: 0, consumerConfirmed: 0, callbackConfirmed: 0, unconfirmed: 0, plannedShutdown: 0 };
const numbers: string[] = [];

beforeAll(async () => {
  tickets = new TicketService(db.models, directory, { now: () => clock });
  reports = new ReportService(db.models, () => clock, directory);
  notifications = new NotificationService(db.models, alwaysDelivers, { log: () => {}, reports, now: () => clock });

  // 10 Nov. 1: Gomti Nagar, supply: claimed, the consumer says "no" → reopened at the SDO.
  at('2026-11-10T05:00:00Z');
  const rejected = await register(gomtiNagar);
  hours(1);
  const rejectedClaim = await claimAndShow(rejected.number);
  hours(1);
  await tickets.answerResolution(rejected.number, rejected.consumer, { claimId: rejectedClaim, answer: 'no' });
  // 2: Gomti Nagar, supply: claimed, "yes" 3 hours after registration → closed (consumer_confirmed).
  at('2026-11-10T05:00:00Z');
  const confirmed = await register(gomtiNagar);
  hours(1);
  const confirmedClaim = await claimAndShow(confirmed.number);
  hours(2);
  await tickets.answerResolution(confirmed.number, confirmed.consumer, { claimId: confirmedClaim, answer: 'yes' });
  // 3: Gomti Nagar, meter: the time limit breached → escalated to the SDO by the SLA timer.
  at('2026-11-10T05:00:00Z');
  const late = await register(gomtiNagar, 'meter');
  hours(5);
  await tickets.escalate(late.number, slaTimer, { note: 'Time limit for meter exceeded' });
  // 12 Nov. 4: Aliganj, supply: claimed by an agent, no answer → unconfirmed (still open).
  at('2026-11-12T06:00:00Z');
  const silent = await register(aliganj);
  await claimAndShow(silent.number, agent);
  await tickets.markUnconfirmed(silent.number, slaTimer);
  // 5: Aliganj, bill: claimed, unconfirmed, then on 14 Nov (two days after registration) a supervisor's callback "yes".
  at('2026-11-12T06:00:00Z');
  const called = await register(aliganj, 'bill');
  const calledClaim = await claimAndShow(called.number, agent);
  await tickets.markUnconfirmed(called.number, slaTimer);
  at('2026-11-14T06:00:00Z');
  await tickets.recordCallbackAnswer(called.number, otherSupervisor, { claimId: calledClaim, answer: 'yes' });

  numbers.push(rejected.number, confirmed.number, late.number, silent.number, called.number);
  for (const number of numbers) await notifications.drainTicket(number);
});

// No incidents in this script: every complaint is its own fault (test/services/incidentHotspots.test.ts has incidents).
const strip = (rows: HotspotRow[]) =>
  rows.map(({ labelHi: _hindi, faults, incidents, inIncident, ...row }) => {
    expect({ faults, incidents, inIncident }).toEqual({ faults: row.complaints, incidents: 0, inIncident: 0 });
    return row;
  });
const threeHours = Math.round(binMiddleMinutes(closureBin(180)));
const twoDays = Math.round(binMiddleMinutes(closureBin(2 * 24 * 60)));

describe('hotspots from the rollups', () => {
  it('by district over the whole script: every figure exact', async () => {
    const report = await reports.hotspots(supervisor, { by: 'district', from: '2026-11-10', to: '2026-11-14' });
    expect(report).toMatchObject({ by: 'district', from: '2026-11-10', to: '2026-11-14' });
    expect(strip(report.rows)).toEqual([
      {
        key: 'Lucknow',
        label: 'Lucknow',
        complaints: 5,
        open: 3,
        breaches: 1,
        escalations: 1,
        reopens: 1,
        claims: 4,
        rejected: 1,
        consumerConfirmed: 1,
        callbackConfirmed: 1,
        unconfirmed: 2,
        plannedShutdown: 0,
        rejectedRate: 1 / 3,
        medianClosureMinutes: threeHours,
      },
    ]);
    expect(report.rows[0]!.labelHi).toBe('लखनऊ');
  });

  it('filters by IST day: complaints and open by registration day, flows by the day they happened', async () => {
    const firstDay = await reports.hotspots(supervisor, { by: 'district', from: '2026-11-10', to: '2026-11-10' });
    expect(strip(firstDay.rows)).toEqual([
      { ...zero, key: 'Lucknow', label: 'Lucknow', complaints: 3, open: 2, breaches: 1, escalations: 1, reopens: 1, claims: 2, rejected: 1, consumerConfirmed: 1, rejectedRate: 0.5, medianClosureMinutes: threeHours },
    ]);
    const callbackDay = await reports.hotspots(supervisor, { by: 'district', from: '2026-11-14', to: '2026-11-14' });
    expect(strip(callbackDay.rows)).toEqual([{ ...zero, key: 'Lucknow', label: 'Lucknow', callbackConfirmed: 1, rejectedRate: 0, medianClosureMinutes: twoDays }]);
    expect((await reports.hotspots(supervisor, { by: 'district', from: '2026-11-11', to: '2026-11-11' })).rows).toEqual([]);
    // 8–14 November is one whole block of the month (read as the block's cell); 10–14 is read day by day. Same figures.
    const block = await reports.hotspots(supervisor, { by: 'district', from: '2026-11-08', to: '2026-11-14' });
    const days = await reports.hotspots(supervisor, { by: 'district', from: '2026-11-10', to: '2026-11-14' });
    expect(block.rows).toEqual(days.rows);
    expect(block.rows[0]).toMatchObject({ complaints: 5, callbackConfirmed: 1 });
    // 10:30 IST is 05:00 UTC: a day boundary in UTC would have put nothing differently here, but 23:00 UTC would be the next IST day.
    expect((await reports.hotspots(supervisor, { by: 'district', from: '2026-11-15', to: '2026-11-20' })).rows).toEqual([]);
  });

  it('filters by category, and groups by category', async () => {
    const meter = await reports.hotspots(supervisor, { by: 'locality', category: 'meter', from: '2026-11-01', to: '2026-11-30' });
    expect(strip(meter.rows)).toEqual([
      { ...zero, key: 'Lucknow/Gomti Nagar', label: 'Gomti Nagar', district: 'Lucknow', complaints: 1, open: 1, breaches: 1, escalations: 1, rejectedRate: null, medianClosureMinutes: null },
    ]);
    const byCategory = await reports.hotspots(supervisor, { by: 'category', from: '2026-11-01', to: '2026-11-30' });
    expect(byCategory.rows.map((row) => [row.key, row.complaints, row.open, row.callbackConfirmed])).toEqual([
      ['supply', 3, 2, 0],
      ['meter', 1, 1, 0],
      ['bill', 1, 0, 1],
    ]);
  });

  it('by locality, sub-division and division, with Devanagari names from the directory', async () => {
    const range = { from: '2026-11-01', to: '2026-11-30' };
    const byLocality = await reports.hotspots(supervisor, { by: 'locality', ...range });
    expect(byLocality.rows.map((row) => [row.label, row.labelHi, row.district, row.complaints, row.open, row.rejected, row.breaches])).toEqual([
      ['Gomti Nagar', 'गोमती नगर', 'Lucknow', 3, 2, 1, 1],
      ['Aliganj', directory.hindiNameOf('Aliganj'), 'Lucknow', 2, 1, 0, 0],
    ]);
    const bySubDivision = await reports.hotspots(supervisor, { by: 'subdivision', ...range });
    expect(bySubDivision.rows.map((row) => [row.key, row.complaints, row.open])).toEqual([
      ['sd-gomti-nagar', 3, 2],
      ['sd-aliganj', 2, 1],
    ]);
    const divisions = new Map<string, number>();
    for (const [locality, count] of [['Gomti Nagar', 3], ['Aliganj', 2]] as const) {
      const division = directory.resolvePlace({ district: 'Lucknow', locality })!.division;
      divisions.set(division, (divisions.get(division) ?? 0) + count);
    }
    const byDivision = await reports.hotspots(supervisor, { by: 'division', ...range });
    expect(new Map(byDivision.rows.map((row) => [row.label, row.complaints]))).toEqual(divisions);
  });

  it('by officer: tickets handed to them, still open with them, and what happened on their watch', async () => {
    const byOfficer = await reports.hotspots(supervisor, { by: 'officer', from: '2026-11-01', to: '2026-11-30' });
    const figures = byOfficer.rows.map((row) => [row.key, row.complaints, row.open, row.claims, row.rejected, row.breaches, row.consumerConfirmed, row.callbackConfirmed, row.unconfirmed]);
    expect(figures).toEqual([
      ['je-gomti-nagar-1', 3, 0, 2, 1, 1, 1, 0, 0],
      [gomtiNagarSdo, 2, 2, 0, 0, 0, 0, 0, 0],
      [aliganjJe, 2, 1, 2, 0, 0, 0, 1, 2],
    ]);
    expect(byOfficer.rows[0]!.rejectedRate).toBe(0.5);
    expect((await reports.hotspots(supervisor, { by: 'officer', limit: 1, from: '2026-11-01', to: '2026-11-30' })).rows.map((row) => row.key)).toEqual(['je-gomti-nagar-1']);
  });

  it('an officer sees only their own area; an agent nothing', async () => {
    const range = { from: '2026-11-01', to: '2026-11-30' };
    expect((await reports.hotspots(gomtiNagarJeReader, { by: 'locality', ...range })).rows.map((row) => row.label)).toEqual(['Gomti Nagar']);
    // Lucknow's figures include Aliganj, outside this JE's area.
    expect((await reports.hotspots(gomtiNagarJeReader, { by: 'district', ...range })).rows).toEqual([]);
    expect((await reports.hotspots(gomtiNagarJeReader, { by: 'officer', ...range })).rows.map((row) => row.key)).toEqual(['je-gomti-nagar-1', gomtiNagarSdo]);
    expect((await reports.hotspots(gomtiNagarJeReader, { by: 'category', ...range })).rows.map((row) => [row.key, row.complaints])).toEqual([
      ['supply', 2],
      ['meter', 1],
    ]);
    const register = await reports.satisfactionRegister(gomtiNagarJeReader, range);
    expect(register.entries.map((entry) => entry.ticket)).toEqual([numbers[1]]);
    await expect(reports.hotspots(agent, {})).rejects.toBeInstanceOf(NotPermittedError);
    await expect(reports.satisfactionRegister(agent, {})).rejects.toBeInstanceOf(NotPermittedError);
  });

  it('refuses a reversed or over-long range', async () => {
    await expect(reports.hotspots(supervisor, { from: '2026-11-10', to: '2026-11-09' })).rejects.toThrow(/from/);
    await expect(reports.hotspots(supervisor, { from: '2024-01-01', to: '2026-11-09' })).rejects.toThrow(/366/);
    await expect(reports.hotspots(supervisor, { from: '2026-02-30' })).rejects.toThrow(/calendar day/);
  });
});

describe('the satisfaction register', () => {
  it('lists every closure, newest day first, with who claimed, who confirmed, when and how', async () => {
    const register = await reports.satisfactionRegister(supervisor, { from: '2026-11-10', to: '2026-11-14' });
    expect(register.nextCursor).toBeNull();
    expect(register.entries).toEqual([
      {
        ticket: numbers[4],
        category: 'bill',
        district: 'Lucknow',
        subDivision: expect.any(String),
        subDivisionId: 'sd-aliganj',
        locality: 'Aliganj',
        provenance: 'callback_confirmed',
        claimedBy: { role: 'agent', id: agent.id, name: agent.name },
        claimedAt: new Date('2026-11-12T06:00:00Z'),
        confirmedBy: { role: 'supervisor', id: otherSupervisor.id, name: otherSupervisor.name },
        closedAt: new Date('2026-11-14T06:00:00Z'),
        channel: expect.any(String),
      },
      {
        ticket: numbers[1],
        category: 'supply',
        district: 'Lucknow',
        subDivision: expect.any(String),
        subDivisionId: 'sd-gomti-nagar',
        locality: 'Gomti Nagar',
        provenance: 'consumer_confirmed',
        claimedBy: { role: 'officer', id: officer.id, name: officer.name },
        claimedAt: new Date('2026-11-10T06:00:00Z'),
        confirmedBy: { role: 'consumer' },
        closedAt: new Date('2026-11-10T08:00:00Z'),
        channel: 'webchat',
      },
    ]);
  });

  it('pages with a cursor, and filters by category and day', async () => {
    const first = await reports.satisfactionRegister(supervisor, { from: '2026-11-10', to: '2026-11-14', limit: 1 });
    expect(first.entries.map((entry) => entry.ticket)).toEqual([numbers[4]]);
    expect(first.nextCursor).toBe('2026-11-10:0:0');
    const second = await reports.satisfactionRegister(supervisor, { from: '2026-11-10', to: '2026-11-14', limit: 1, cursor: first.nextCursor! });
    expect(second).toMatchObject({ nextCursor: null, entries: [{ ticket: numbers[1] }] });
    expect((await reports.satisfactionRegister(supervisor, { from: '2026-11-01', to: '2026-11-30', category: 'bill' })).entries.map((entry) => entry.ticket)).toEqual([numbers[4]]);
    expect((await reports.satisfactionRegister(supervisor, { from: '2026-11-11', to: '2026-11-13' })).entries).toEqual([]);
  });
});

describe('reading and applying', () => {
  it('reads by exact ids: the small bucket catalogue, then cells by _id $in — never the tickets', async () => {
    const client = db.connection.getClient();
    const commands: Array<{ collection: string; filter: unknown }> = [];
    const record = (event: { commandName: string; command: Record<string, unknown>; databaseName: string }) => {
      if (event.databaseName === db.dbName && event.commandName === 'find') commands.push({ collection: String(event.command.find), filter: event.command.filter });
    };
    client.on('commandStarted', record);
    try {
      await reports.hotspots(supervisor, { by: 'locality', from: '2026-10-01', to: '2026-11-30' });
      await reports.satisfactionRegister(supervisor, { from: '2026-10-01', to: '2026-11-30' });
    } finally {
      client.off('commandStarted', record);
    }
    // October and November are whole months: two cells per locality, one read.
    expect(commands.map((command) => command.collection)).toEqual(['report_buckets', 'report_cells', 'register_days', 'register_pages']);
    for (const command of commands.slice(1)) expect(Object.keys((command.filter as { _id: object })._id)).toEqual(['$in']);
  });

  it('a range is read as the fewest cells: whole months, whole 7-day blocks, then days', () => {
    expect(periodsCovering('2026-08-31', '2026-11-28')).toEqual(['2026-08-31', '2026-09', '2026-10', '2026-11/w1', '2026-11/w2', '2026-11/w3', '2026-11/w4']);
    expect(periodsCovering('2026-11-10', '2026-11-16')).toEqual(['2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16']);
    expect(periodsCovering('2026-02-01', '2026-02-28')).toEqual(['2026-02']);
    expect(periodsCovering('2026-01-29', '2026-02-08')).toEqual(['2026-01/w5', '2026-02/w1', '2026-02-08']);
  });

  it('the median comes from the histogram: the lower middle bin, its geometric middle', () => {
    expect(medianMinutes(new Map())).toBeNull();
    expect(medianMinutes(new Map([[closureBin(180), 3], [closureBin(6000), 2]]))).toBe(binMiddleMinutes(closureBin(180)));
    expect(closureBin(0.5)).toBe(0);
    // Each bin is √2 wide: the middle is within 2^(1/4) of anything in it.
    for (const minutes of [1, 7, 59, 180, 2880, 40_000]) {
      const ratio = binMiddleMinutes(closureBin(minutes)) / minutes;
      expect(ratio).toBeGreaterThanOrEqual(2 ** -0.25 - 1e-9);
      expect(ratio).toBeLessThanOrEqual(2 ** 0.25 + 1e-9);
    }
  });

  it('the backfill rebuilds exactly the documents the live effects made', async () => {
    const snapshot = async () => ({
      // The order a bucket met its sub-divisions in is the order the effects were delivered in, and means nothing.
      buckets: (await db.models.reportBuckets.find({}, { _consistentSnapshot: 0 }).sort({ _id: 1 }).lean()).map((bucket) => ({ ...bucket, subDivisionIds: [...bucket.subDivisionIds].sort() })),
      cells: await db.models.reportCells.find({}, { applied: 0, rev: 0 }).sort({ _id: 1 }).lean(),
      register: (await db.models.registerPages.find({}, { rev: 0 }).sort({ _id: 1 }).lean()).map((page) => ({ ...page, entries: [...page.entries].sort((a, b) => a.ticket.localeCompare(b.ticket)) })),
      days: await db.models.registerDays.find({}, { _consistentSnapshot: 0 }).sort({ _id: 1 }).lean(),
      markers: await db.models.registerTickets.find({}, { _consistentSnapshot: 0 }).sort({ _id: 1 }).lean(),
    });
    const live = await snapshot();
    expect(live.cells.length).toBeGreaterThan(0);
    const counts = await rebuildReports(db.models);
    expect(counts).toMatchObject({ tickets: 5, registerEntries: 2 });
    const rebuilt = await snapshot();
    expect(rebuilt).toEqual(live);
    // And a second run changes nothing.
    await rebuildReports(db.models);
    expect(await snapshot()).toEqual(live);
  });

  it('counts an effect delivered twice once, and adds a closure to the register once', async () => {
    at('2026-11-20T06:00:00Z');
    const { number, consumer } = await register({ district: 'Lucknow', locality: 'Gomti Nagar' }, 'bill');
    const claimId = await claimAndShow(number);
    await tickets.answerResolution(number, consumer, { claimId, answer: 'yes' });
    const ticket = await tickets.get(number);
    for (const effect of ticket.outbox.filter((queued) => queued.kind === 'report.update')) {
      await reports.apply(ticket, ticket.events[effect.eventSeq]!, effect.id);
      await reports.apply(ticket, ticket.events[effect.eventSeq]!, effect.id);
    }
    // The notifier delivers them all again, as after a crash before the effects were removed.
    await notifications.drainTicket(number);
    expect((await tickets.get(number)).outbox).toEqual([]);
    const day = { from: '2026-11-20', to: '2026-11-20' };
    expect((await reports.hotspots(supervisor, { by: 'district', ...day })).rows[0]).toMatchObject({ complaints: 1, open: 0, claims: 1, consumerConfirmed: 1 });
    expect((await reports.satisfactionRegister(supervisor, day)).entries.map((entry) => entry.ticket)).toEqual([number]);
  });

  it('applies concurrent deliveries of one effect once', async () => {
    at('2026-11-21T06:00:00Z');
    const { number, consumer } = await register({ district: 'Lucknow', locality: 'Aliganj' });
    const claimId = await claimAndShow(number);
    await tickets.answerResolution(number, consumer, { claimId, answer: 'yes' });
    const ticket = await tickets.get(number);
    const registered = ticket.events[0]!;
    const confirmed = ticket.events.find((event) => event.type === 'ticket.confirmed')!;
    await Promise.all(Array.from({ length: 8 }, () => reports.apply(ticket, registered, `${number}:0:report.update`)));
    await Promise.all(Array.from({ length: 8 }, () => reports.apply(ticket, confirmed, `${number}:${confirmed.seq}:report.update`)));
    const day = { from: '2026-11-21', to: '2026-11-21' };
    expect((await reports.hotspots(supervisor, { by: 'locality', ...day })).rows[0]).toMatchObject({ complaints: 1, consumerConfirmed: 1 });
    expect((await reports.satisfactionRegister(supervisor, day)).entries.map((entry) => entry.ticket)).toEqual([number]);
  });

  it('a burst of complaints in one place all count: the same district and day cells take every write', async () => {
    at('2026-11-22T06:00:00Z');
    const burst = 60;
    const registered = await Promise.all(Array.from({ length: burst }, () => register({ district: 'Lucknow', locality: 'Chinhat' })));
    await Promise.all(registered.map(({ number }) => notifications.drainTicket(number)));
    const day = { from: '2026-11-22', to: '2026-11-22' };
    expect((await reports.hotspots(supervisor, { by: 'district', ...day })).rows[0]).toMatchObject({ complaints: burst, open: burst });
  });

  it('two processes writing the same cells: each counts once, a stale view is read again, redeliveries stay caught', async () => {
    at('2026-11-23T06:00:00Z');
    const [first, second, third] = await Promise.all(Array.from({ length: 3 }, () => register({ district: 'Lucknow', locality: 'Indira Nagar' })));
    const [one, two, three] = await Promise.all([first!, second!, third!].map(({ number }) => tickets.get(number)));
    const processA = new ReportService(db.models, () => clock, directory);
    const processB = new ReportService(db.models, () => clock, directory);
    const applyRegistration = (process: ReportService, ticket: TicketRecord | undefined) => process.apply(ticket!, ticket!.events[0]!, `${ticket!._id}:0:report.update`);
    await applyRegistration(processA, one);
    await applyRegistration(processB, two); // A's view of the cells is now stale
    await applyRegistration(processA, three);
    await applyRegistration(processA, one); // redelivered to the process that applied it
    await applyRegistration(processB, three); // redelivered to the other one, whose view is stale
    await Promise.all([first!, second!, third!].map(({ number }) => notifications.drainTicket(number))); // and a third
    const day = { from: '2026-11-23', to: '2026-11-23' };
    expect((await reports.hotspots(supervisor, { by: 'locality', ...day })).rows[0]).toMatchObject({ complaints: 3, open: 3 });
  });
});
