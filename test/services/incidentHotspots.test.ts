// Issue 13 (hotspots count incidents and their linked complaints separately), on the real database: an area incident is
// ONE fault with N linked complaints, not N faults; complaints during a planned shutdown are no fault at all. Tickets go
// through the TicketService and IncidentService, their `report.update` effects are delivered by the NotificationService,
// and the hotspots are read back — live, and rebuilt from the tickets and incidents (the backfill) with the same figures.
// On the old code the hotspots had no `incidents` / `inIncident` / `faults`: four linked complaints counted as four.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConsumerActor } from '../../models/ticketTypes.js';
import { Directory } from '../../services/directory.js';
import { IncidentService } from '../../services/incidentService.js';
import { NotificationService } from '../../services/notificationService.js';
import { rebuildReports } from '../../services/reportRebuild.js';
import { ReportService, type HotspotRow } from '../../services/reportService.js';
import { ShutdownService } from '../../services/shutdownService.js';
import { TicketService } from '../../services/ticketService.js';
import { complaintFor, newConsumer, staffPrincipal } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('incident_hotspots');
const directory = Directory.loadDefault();
const delivery = { role: 'system', id: 'webchat-delivery' } as const;
const principal = staffPrincipal;
const je = principal('officer', { officerId: 'je-gomti-nagar-1', level: 'JE', username: 'je-gomti' });
const supervisorUser = principal('supervisor');
const reader = { role: 'supervisor' };

let tickets: TicketService;
let incidents: IncidentService;
let reports: ReportService;
let notifications: NotificationService;
let shutdowns: ShutdownService;
const registered: string[] = [];

async function complain(locality: string): Promise<{ number: string; consumer: ConsumerActor }> {
  const consumer = newConsumer();
  const { ticket } = await tickets.register(complaintFor(consumer, { category: 'supply', place: { district: 'Lucknow', locality } }), consumer.actor);
  await incidents.recordComplaint(ticket);
  registered.push(ticket._id);
  return { number: ticket._id, consumer: consumer.actor };
}

async function deliverAll(): Promise<void> {
  for (const number of registered) await notifications.drainTicket(number);
}

async function rows(by: 'locality' | 'district' | 'subdivision'): Promise<Map<string, HotspotRow>> {
  const report = await reports.hotspots(reader, { by });
  return new Map(report.rows.map((row) => [row.label, row]));
}

const figures = (row: HotspotRow | undefined) => row && { complaints: row.complaints, plannedShutdown: row.plannedShutdown, incidents: row.incidents, inIncident: row.inIncident, faults: row.faults };

beforeAll(() => {
  tickets = new TicketService(db.models, directory);
  reports = new ReportService(db.models, undefined, directory);
  notifications = new NotificationService(db.models, { notifyConsumer: async () => 'delivered' }, { log: () => {}, reports });
  incidents = new IncidentService(db.models, directory, tickets, { threshold: 3, windowMs: 30 * 60_000, log: () => {}, onOpened: (incident) => reports.countIncident(incident) });
  shutdowns = new ShutdownService(db.models, directory, undefined, reports);
});

describe('hotspots: an incident is one fault, its complaints are counted apart, planned shutdowns are no fault', () => {
  let linked: Array<{ number: string; consumer: ConsumerActor }> = [];
  let shutdownId = '';

  it('four complaints linked to one incident are ONE fault; a complaint of its own is one; a shutdown complaint none', async () => {
    const declared = await shutdowns.declare(supervisorUser, {
      district: 'Lucknow',
      locality: 'Vishal Khand',
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      reason: 'Line maintenance',
    });
    shutdownId = declared.id;
    linked = [await complain('Vinay Khand'), await complain('Vinay Khand'), await complain('Vinay Khand'), await complain('Vinay Khand')];
    await complain('Vivek Khand');
    await complain('Vishal Khand');
    await deliverAll();
    for (const { number } of linked) expect((await tickets.get(number)).incidentId).toMatch(/^INC-/);
    expect(await db.models.incidents.countDocuments({})).toBe(1);

    const byLocality = await rows('locality');
    expect(figures(byLocality.get('Vinay Khand'))).toEqual({ complaints: 4, plannedShutdown: 0, incidents: 1, inIncident: 4, faults: 1 });
    expect(figures(byLocality.get('Vivek Khand'))).toEqual({ complaints: 1, plannedShutdown: 0, incidents: 0, inIncident: 0, faults: 1 });
    // During a planned shutdown: counted apart, not as a complaint and not as a fault.
    expect(figures(byLocality.get('Vishal Khand'))).toEqual({ complaints: 0, plannedShutdown: 1, incidents: 0, inIncident: 0, faults: 0 });
    // The wider places add up the same way: 6 consumers wrote, 2 faults (the incident and Vivek Khand).
    expect(figures((await rows('district')).get('Lucknow'))).toEqual({ complaints: 5, plannedShutdown: 1, incidents: 1, inIncident: 4, faults: 2 });
    expect(figures((await rows('subdivision')).get('Gomti Nagar'))).toEqual({ complaints: 5, plannedShutdown: 1, incidents: 1, inIncident: 4, faults: 2 });

    // The shutdown's own count, as the dashboard lists it.
    const [listed] = await shutdowns.list(supervisorUser);
    expect(listed).toMatchObject({ id: shutdownId, complaints: 1 });
  });

  it('a consumer\'s "no" to the restoration, and a ticket staff detach, become faults of their own', async () => {
    const incidentId = (await tickets.get(linked[0]!.number)).incidentId!;
    await incidents.restore(je, incidentId, { note: 'Feeder recharged' });
    const [saysNo, staysLinked, detachedByStaff] = linked;
    const answer = async (entry: { number: string; consumer: ConsumerActor }, reply: 'yes' | 'no') => {
      const current = await tickets.get(entry.number);
      await tickets.recordClaimShown(entry.number, current.claim!.id, delivery, 'webchat');
      await tickets.answerResolution(entry.number, entry.consumer, { claimId: current.claim!.id, answer: reply });
    };
    await answer(saysNo!, 'no');
    await answer(staysLinked!, 'yes');
    await incidents.detach(supervisorUser, incidentId, detachedByStaff!.number, { note: 'Meter board burnt, not the feeder' });
    await deliverAll();
    // 4 complaints: 2 still part of the incident (one fault), 2 faults of their own.
    expect(figures((await rows('locality')).get('Vinay Khand'))).toEqual({ complaints: 4, plannedShutdown: 0, incidents: 1, inIncident: 2, faults: 3 });
  });

  it('counting an incident again counts nothing; the backfill, rebuilt from the tickets and the incidents, gives the same hotspots', async () => {
    const live = await reports.hotspots(reader, { by: 'locality' });
    const liveShutdowns = await shutdowns.list(supervisorUser);
    const incident = (await db.models.incidents.findOne({}, { areaKey: 1, place: 1, openedAt: 1 }).lean())!;
    await reports.countIncident(incident as never);
    expect((await reports.hotspots(reader, { by: 'locality' })).rows).toEqual(live.rows);
    await rebuildReports(db.models);
    expect((await reports.hotspots(reader, { by: 'locality' })).rows).toEqual(live.rows);
    expect(await shutdowns.list(supervisorUser)).toEqual(liveShutdowns);
  });
});
