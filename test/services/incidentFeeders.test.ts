// Issue 13: a fault that affects "a locality, and a feeder or transformer where the directory knows them". The LESA
// directory's (illustrative) feeders in Gomti Nagar: the Vishal Khand 11 kV feeder supplies Vinay Khand (DT-1) and
// Vishal Khand (DT-1); Vivek Khand is on another feeder. On the real database: an incident opened by hand for the
// feeder links complaints from both its localities and tells each consumer by their own locality; one for a
// transformer links only its locality; an unknown feeder is refused without a locality; the hotspots count a feeder's
// incident once, from the sub-division up. On the old code an incident could only be a locality's, and a feeder named
// by staff was only recorded.
import { beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../services/directory.js';
import { InvalidInputError, InvalidTransitionError } from '../../services/errors.js';
import { IncidentService } from '../../services/incidentService.js';
import { NotificationService } from '../../services/notificationService.js';
import { ReportService } from '../../services/reportService.js';
import { TicketService } from '../../services/ticketService.js';
import { complaintFor, newConsumer, staffPrincipal } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('incident_feeders');
const directory = Directory.loadDefault();
const supervisorUser = staffPrincipal('supervisor');
const gomtiNagarJe = staffPrincipal('officer', { officerId: 'je-gomti-nagar-1', level: 'JE', username: 'je-gomti' });
const chinhatJe = staffPrincipal('officer', { officerId: 'je-chinhat-1', level: 'JE', username: 'je-chinhat' });

let tickets: TicketService;
let incidents: IncidentService;
let reports: ReportService;
let notifications: NotificationService;
const registered: string[] = [];

async function complain(locality: string) {
  const consumer = newConsumer();
  const { ticket } = await tickets.register(complaintFor(consumer, { category: 'supply', place: { district: 'Lucknow', locality } }), consumer.actor);
  registered.push(ticket._id);
  return { number: ticket._id, news: await incidents.recordComplaint(ticket) };
}

beforeAll(() => {
  tickets = new TicketService(db.models, directory);
  reports = new ReportService(db.models, undefined, directory);
  notifications = new NotificationService(db.models, { notifyConsumer: async () => 'delivered' }, { log: () => {}, reports });
  // A threshold no test reaches: every incident here is opened by hand.
  incidents = new IncidentService(db.models, directory, tickets, { threshold: 100, log: () => {}, onOpened: (incident) => reports.countIncident(incident) });
});

describe('the directory knows which feeder and transformer supply a locality', () => {
  it('Vinay Khand: its transformer first, then its feeder; localities with no records have none', () => {
    expect(directory.electricalAreasOf('sd-gomti-nagar', 'Vinay Khand').map((area) => [area.kind, area.id])).toEqual([
      ['transformer', 'dt-gn-vinay-khand-1'],
      ['feeder', 'fdr-gn-vishal-khand-11kv'],
    ]);
    expect(directory.findElectricalArea('feeder', 'Vishal Khand 11 kV feeder (illustrative)')?.localities).toEqual(['Vinay Khand', 'Vishal Khand']);
    expect(directory.electricalAreasOf('sd-aliganj', 'Aliganj')).toEqual([]);
  });

  it('refuses a transformer that names a locality of another sub-division', () => {
    const data = directory.toData();
    const gomtiNagar = data.zones.flatMap((zone) => zone.circles.flatMap((circle) => circle.divisions.flatMap((division) => division.subDivisions))).find((sub) => sub.id === 'sd-gomti-nagar')!;
    gomtiNagar.feeders![0]!.transformers![0]!.localities = ['Aliganj'];
    expect(() => Directory.fromData(data)).toThrow('"Aliganj" is not a locality of sub-division "sd-gomti-nagar"');
  });
});

describe('incidents for a feeder or a transformer', () => {
  it('a feeder incident links complaints from every locality on it, tells each by their own locality, and leaves others alone', async () => {
    const opened = await incidents.open(gomtiNagarJe, { feeder: 'fdr-gn-vishal-khand-11kv', note: '11 kV feeder tripped' });
    expect(opened).toMatchObject({
      areaKey: 'sd-gomti-nagar/feeder:fdr-gn-vishal-khand-11kv',
      place: { subDivisionId: 'sd-gomti-nagar', locality: 'Vinay Khand, Vishal Khand', feeder: 'Vishal Khand 11 kV feeder (illustrative)' },
      owner: { id: 'je-gomti-nagar-1' },
    });
    // One open incident per feeder, however it is named.
    await expect(incidents.open(supervisorUser, { feeder: 'Vishal Khand 11 kV feeder (illustrative)' })).rejects.toBeInstanceOf(InvalidTransitionError);

    const vinay = await complain('Vinay Khand');
    const vishal = await complain('Vishal Khand');
    const vivek = await complain('Vivek Khand');
    expect(vinay.news).toMatchObject({ incidentId: opened._id, locality: 'Vinay Khand', reports: 1 });
    expect(vishal.news).toMatchObject({ incidentId: opened._id, locality: 'Vishal Khand', reports: 2 });
    expect(vivek.news).toBeUndefined();
    expect((await tickets.get(vinay.number)).incidentId).toBe(opened._id);
    expect((await tickets.get(vishal.number)).incidentId).toBe(opened._id);
    expect((await tickets.get(vivek.number)).incidentId).toBeUndefined();
    // "light kab aayegi" from Vishal Khand: the same news, without a ticket.
    expect(await incidents.incidentForPlace({ subDivisionId: 'sd-gomti-nagar', locality: 'Vishal Khand' })).toMatchObject({ incidentId: opened._id, locality: 'Vishal Khand' });
    expect((await incidents.detail(supervisorUser, opened._id)).linked.map((ticket) => ticket._id).sort()).toEqual([vinay.number, vishal.number].sort());

    // Hotspots: one fault at the sub-division, two complaints in it; Vivek Khand's complaint is a fault of its own.
    for (const number of registered) await notifications.drainTicket(number);
    const bySubDivision = await reports.hotspots({ role: 'supervisor' }, { by: 'subdivision' });
    expect(bySubDivision.rows.find((row) => row.key === 'sd-gomti-nagar')).toMatchObject({ complaints: 3, inIncident: 2, incidents: 1, faults: 2 });
    const byFeeder = await reports.hotspots({ role: 'supervisor' }, { by: 'feeder' });
    expect(byFeeder.rows.map((row) => [row.label, row.incidents])).toEqual([['Vishal Khand 11 kV feeder (illustrative)', 1]]);
    // No made-up "locality" of two localities in the hotspots.
    const byLocality = await reports.hotspots({ role: 'supervisor' }, { by: 'locality' });
    expect(byLocality.rows.map((row) => row.label).sort()).toEqual(['Vinay Khand', 'Vishal Khand', 'Vivek Khand']);
  });

  it('a transformer incident covers only the localities on that transformer', async () => {
    const opened = await incidents.open(chinhatJe, { transformer: 'Malhaur DT-1 (illustrative)' });
    expect(opened).toMatchObject({ areaKey: 'sd-chinhat/transformer:dt-ch-malhaur-1', place: { locality: 'Malhaur, Kamta', transformer: 'Malhaur DT-1 (illustrative)', feeder: 'Deva Road 11 kV feeder (illustrative)' } });
    expect((await complain('Kamta')).news).toMatchObject({ incidentId: opened._id, locality: 'Kamta' });
    expect((await complain('Matiyari')).news).toBeUndefined();
  });

  it('an officer cannot open one outside their area; a feeder the directory does not know needs a locality', async () => {
    await expect(incidents.open(chinhatJe, { feeder: 'fdr-gn-patrakarpuram-11kv' })).rejects.toThrow('only your own area');
    await expect(incidents.open(supervisorUser, { feeder: 'Imaginary 33 kV feeder' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(incidents.open(supervisorUser, {})).rejects.toBeInstanceOf(InvalidInputError);
    // With a locality, an unknown feeder is only recorded on the locality's incident, as before.
    const recorded = await incidents.open(supervisorUser, { locality: 'Patrakarpuram', feeder: 'Imaginary 33 kV feeder' });
    expect(recorded).toMatchObject({ areaKey: 'sd-gomti-nagar/patrakarpuram', place: { locality: 'Patrakarpuram', feeder: 'Imaginary 33 kV feeder' } });
  });
});
