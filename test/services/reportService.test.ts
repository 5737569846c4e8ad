// Report rollups on the real database: tickets driven through the TicketService, their `report.update` effects
// delivered by the NotificationService, and the reports read back — exact numbers, counted once, and never a query
// on the tickets collection.
import { beforeAll, describe, expect, it } from 'vitest';
import type { TicketRecord } from '../../models/ticketTypes.js';
import { Directory } from '../../services/directory.js';
import { NotPermittedError } from '../../services/errors.js';
import { NotificationService, type ConsumerNotifier } from '../../services/notificationService.js';
import { ReportService } from '../../services/reportService.js';
import { TicketService } from '../../services/ticketService.js';
import { agent, complaintFor, newConsumer, officer, otherSupervisor, slaTimer, supervisor } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('reports');
const directory = Directory.loadDefault();
const delivery = { role: 'system', id: 'webchat-delivery' } as const;
const alwaysDelivers: ConsumerNotifier = { notifyConsumer: async () => 'delivered' };
const aliganjJe = directory.officerFor('sd-aliganj', 'JE').id;

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

async function claimAndShow(number: string, by = officer) {
  const { claimId } = await tickets.claimResolution(number, by, { note: 'Fuse replaced at the pole' });
  await tickets.recordClaimShown(number, claimId, delivery, 'webchat');
  return claimId;
}

const numbers: string[] = [];
let queuedBeforeDrain: string[] = [];

beforeAll(async () => {
  tickets = new TicketService(db.models, directory);
  reports = new ReportService(db.models);
  notifications = new NotificationService(db.models, alwaysDelivers, { log: () => {}, reports });

  // 1. Gomti Nagar, supply: claimed, the consumer says "no" → reopened at the SDO.
  const rejected = await register(gomtiNagar);
  const rejectedClaim = await claimAndShow(rejected.number);
  await tickets.answerResolution(rejected.number, rejected.consumer, { claimId: rejectedClaim, answer: 'no' });
  // 2. Gomti Nagar, supply: claimed, the consumer says "yes" → closed (consumer_confirmed).
  const confirmed = await register(gomtiNagar);
  const confirmedClaim = await claimAndShow(confirmed.number);
  await tickets.answerResolution(confirmed.number, confirmed.consumer, { claimId: confirmedClaim, answer: 'yes' });
  // 3. Gomti Nagar, meter: the time limit breached → escalated to the SDO by the SLA timer.
  const late = await register(gomtiNagar, 'meter');
  await tickets.escalate(late.number, slaTimer, { note: 'Time limit for meter exceeded' });
  // 4. Aliganj, supply: claimed, no answer → unconfirmed (still open).
  const silent = await register(aliganj);
  await claimAndShow(silent.number, agent);
  await tickets.markUnconfirmed(silent.number, slaTimer);
  // 5. Aliganj, bill: claimed, unconfirmed, then a supervisor's callback "yes" → closed (callback_confirmed).
  const called = await register(aliganj, 'bill');
  const calledClaim = await claimAndShow(called.number, agent);
  await tickets.markUnconfirmed(called.number, slaTimer);
  await tickets.recordCallbackAnswer(called.number, otherSupervisor, { claimId: calledClaim, answer: 'yes' });

  numbers.push(rejected.number, confirmed.number, late.number, silent.number, called.number);
  queuedBeforeDrain = (await tickets.get(rejected.number)).outbox.filter((effect) => effect.kind === 'report.update').map((effect) => effect.id);
  for (const number of numbers) await notifications.drainTicket(number);
});

describe('report rollups', () => {
  it('queues a report.update for each counted event, and the notifier delivers them all', async () => {
    // Ticket 1: registered, assigned, resolution_claimed, (claim_shown: not counted), rejected.
    expect(queuedBeforeDrain).toEqual([0, 1, 2, 4].map((seq) => `${numbers[0]}:${seq}:report.update`));
    for (const number of numbers) expect((await tickets.get(number)).outbox).toEqual([]);
  });

  it('hotspots by district, locality and officer count open tickets, rejections and time-limit escalations exactly', async () => {
    const byDistrict = await reports.hotspots(supervisor, { by: 'district' });
    expect(byDistrict.rows).toEqual([
      {
        key: 'Lucknow',
        label: 'Lucknow',
        open: 3,
        rejected: 1,
        escalations: 1,
        slaEscalations: 1,
        byCategory: {
          supply: { open: 2, rejected: 1, slaEscalations: 0 },
          meter: { open: 1, rejected: 0, slaEscalations: 1 },
          bill: { open: 0, rejected: 0, slaEscalations: 0 },
        },
      },
    ]);

    const byLocality = await reports.hotspots(supervisor, { by: 'locality' });
    expect(byLocality.rows.map((row) => [row.label, row.district, row.open, row.rejected, row.slaEscalations])).toEqual([
      ['Gomti Nagar', 'Lucknow', 2, 1, 1],
      ['Aliganj', 'Lucknow', 1, 0, 0],
    ]);
    expect(byLocality.rows[0]!.byCategory.meter).toEqual({ open: 1, rejected: 0, slaEscalations: 1 });

    const bySubDivision = await reports.hotspots(supervisor, { by: 'subDivision' });
    expect(bySubDivision.rows.map((row) => [row.key, row.open])).toEqual([
      ['sd-gomti-nagar', 2],
      ['sd-aliganj', 1],
    ]);

    // Escalation and rejection moved both Gomti Nagar tickets from the JE to the SDO; the JE's escalation counts against the JE.
    const byOfficer = await reports.hotspots(supervisor, { by: 'officer' });
    expect(byOfficer.rows.map((row) => [row.key, row.open, row.rejected, row.escalations, row.slaEscalations])).toEqual([
      ['sdo-gomti-nagar', 2, 0, 0, 0],
      [aliganjJe, 1, 0, 0, 0],
      ['je-gomti-nagar-1', 0, 1, 1, 1],
    ]);
    expect((await reports.hotspots(supervisor, { by: 'officer', limit: 1 })).rows.map((row) => row.key)).toEqual(['sdo-gomti-nagar']);
  });

  it('the satisfaction register counts claims, rejections and each kind of confirmation per officer and sub-division', async () => {
    const byOfficer = await reports.satisfaction(supervisor, { by: 'officer' });
    expect(byOfficer.rows).toEqual([
      {
        key: 'je-gomti-nagar-1',
        label: expect.any(String),
        claims: 2,
        rejected: 1,
        consumerConfirmed: 1,
        callbackConfirmed: 0,
        unconfirmed: 0,
        withdrawn: 0,
        rejectedRate: 0.5,
      },
      { key: aliganjJe, label: expect.any(String), claims: 2, rejected: 0, consumerConfirmed: 0, callbackConfirmed: 1, unconfirmed: 2, withdrawn: 0, rejectedRate: 0 },
    ]);
    const bySubDivision = await reports.satisfaction(supervisor, { by: 'subDivision' });
    expect(bySubDivision.rows.map((row) => [row.key, row.claims, row.rejected, row.consumerConfirmed, row.callbackConfirmed, row.unconfirmed, row.rejectedRate])).toEqual([
      ['sd-gomti-nagar', 2, 1, 1, 0, 0, 0.5],
      ['sd-aliganj', 2, 0, 0, 1, 2, 0],
    ]);
  });

  it('counts an effect delivered twice once, in every bucket it touches', async () => {
    const { number } = await register({ district: 'Idempotpur' });
    const ticket = await tickets.get(number);
    const effect = ticket.outbox.find((queued) => queued.kind === 'report.update')!;
    const event = ticket.events[effect.eventSeq]!;
    await reports.apply(ticket, event, effect.id);
    await reports.apply(ticket, event, effect.id);
    // The notifier delivers it again, as after a crash before the effect was removed.
    await notifications.drainTicket(number);
    expect((await tickets.get(number)).outbox).toEqual([]);
    const [row] = (await reports.hotspots(supervisor, { by: 'district' })).rows.filter((candidate) => candidate.key === 'Idempotpur');
    expect(row?.open).toBe(1);
    const bucket = await db.models.reportRollups.findById('district:Idempotpur').lean();
    expect(bucket?.applied).toEqual([effect.id]);

    // A redelivered effect of the five tickets changes nothing either.
    const first: TicketRecord = await tickets.get(numbers[0]!);
    await reports.apply(first, first.events[0]!, `${numbers[0]}:0:report.update`);
    expect((await reports.hotspots(supervisor, { by: 'locality' })).rows[0]).toMatchObject({ label: 'Gomti Nagar', open: 2 });
  });

  it('applies concurrent deliveries of one effect once', async () => {
    const { number } = await register({ district: 'Racepur' });
    const ticket = await tickets.get(number);
    const event = ticket.events[0]!;
    await Promise.all(Array.from({ length: 10 }, () => reports.apply(ticket, event, `${number}:0:report.update`)));
    const bucket = await db.models.reportRollups.findById('district:Racepur').lean();
    expect(bucket?.counts.open).toBe(1);
  });

  it('reads only the rollup collection, never the tickets', async () => {
    const client = db.connection.getClient();
    const collections: string[] = [];
    const record = (event: { commandName: string; command: Record<string, unknown>; databaseName: string }) => {
      if (event.databaseName === db.dbName) collections.push(`${event.commandName}:${String(event.command[event.commandName])}`);
    };
    client.on('commandStarted', record);
    try {
      for (const by of ['district', 'subDivision', 'locality', 'officer'] as const) await reports.hotspots(supervisor, { by });
      for (const by of ['officer', 'subDivision'] as const) await reports.satisfaction(supervisor, { by });
    } finally {
      client.off('commandStarted', record);
    }
    expect(collections.length).toBe(6);
    expect(new Set(collections)).toEqual(new Set(['find:report_rollups']));
  });

  it('is for supervisors only', async () => {
    await expect(reports.hotspots(agent, {})).rejects.toBeInstanceOf(NotPermittedError);
    await expect(reports.satisfaction(officer, {})).rejects.toBeInstanceOf(NotPermittedError);
  });
});
