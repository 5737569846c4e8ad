// Area incidents on the real (embedded) database: one incident per storm however the complaints race, one message per
// update per consumer, and a restoration that asks each consumer and closes only on their own "yes".
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConsumerActor, TicketRecord } from '../../models/ticketTypes.js';
import { Directory } from '../../services/directory.js';
import { IncidentService } from '../../services/incidentService.js';
import { TicketService } from '../../services/ticketService.js';
import { complaintFor, newConsumer, staffPrincipal, slaTimer } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('incidents');
let tickets: TicketService;
let incidents: IncidentService;

const principal = staffPrincipal;
const je = principal('officer', { officerId: 'je-chinhat-1', level: 'JE', username: 'je-chinhat' });
const otherJe = principal('officer', { officerId: 'je-aliganj-1', level: 'JE', username: 'je-aliganj' });
const agentUser = principal('agent');
const supervisorUser = principal('supervisor');

beforeAll(() => {
  const directory = Directory.loadDefault();
  tickets = new TicketService(db.models, directory);
  incidents = new IncidentService(db.models, directory, tickets, { threshold: 5, windowMs: 30 * 60_000, log: () => {} });
});

async function complain(locality: string, category: 'supply' | 'bill' = 'supply') {
  const consumer = newConsumer();
  const { ticket } = await tickets.register(complaintFor(consumer, { category, place: { district: 'Lucknow', locality } }), consumer.actor);
  const news = await incidents.recordComplaint(ticket);
  return { ticket, consumer: consumer.actor, news };
}

async function record(number: string): Promise<TicketRecord> {
  return tickets.get(number);
}

describe('incidents open on the threshold', () => {
  it('four supply complaints open nothing; a bill complaint does not count; the fifth opens one incident linking all five', async () => {
    const first = [];
    for (let i = 0; i < 4; i++) first.push(await complain('Matiyari'));
    expect(first.every((entry) => entry.news === undefined)).toBe(true);
    expect((await complain('Matiyari', 'bill')).news).toBeUndefined();
    const fifth = await complain('Matiyari');
    expect(fifth.news).toMatchObject({ locality: 'Matiyari', reports: 5, status: 'reported' });
    for (const { ticket } of [...first, fifth]) expect((await record(ticket._id)).incidentId).toBe(fifth.news!.incidentId);
    const sixth = await complain('Matiyari');
    expect(sixth.news).toMatchObject({ incidentId: fifth.news!.incidentId, reports: 6 });
  });

  it('30 consumers racing in one area open exactly ONE incident, and every one of them is linked to it', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, () => complain('Malhaur')));
    const ids = new Set(results.map((result) => result.news?.incidentId).filter(Boolean));
    expect(ids.size).toBe(1);
    const [incidentId] = [...ids] as string[];
    const { incident, chain, linked } = await incidents.detail(supervisorUser, incidentId!);
    expect(chain.ok).toBe(true);
    expect(incident.owner?.id).toBe('je-chinhat-1');
    expect(linked).toHaveLength(30);
    expect(incident.reportCount).toBe(30);
    expect(await db.models.incidents.countDocuments({ areaKey: incident.areaKey })).toBe(1);
  });
});

describe('one update, everyone told once; restoration asks each', () => {
  it('an ETA reaches each linked ticket once; restore claims each; yes closes, no detaches and escalates, silence goes unconfirmed', async () => {
    const storm: Array<Awaited<ReturnType<typeof complain>>> = [];
    for (let i = 0; i < 6; i++) storm.push(await complain('Kamta'));
    const incidentId = storm.at(-1)!.news!.incidentId;

    await expect(incidents.setEta(agentUser, incidentId, { etaAt: new Date(Date.now() + 3 * 3_600_000) })).rejects.toThrow(/Agents can read/);
    await expect(incidents.setEta(otherJe, incidentId, { etaAt: new Date() })).rejects.toThrow(/No incident/);
    await incidents.setEta(je, incidentId, { etaAt: new Date(Date.now() + 3 * 3_600_000), note: 'Crew at the feeder' });
    // Telling again (a retried fan-out) writes nothing new.
    expect(await incidents.broadcast(incidentId)).toBe(0);
    for (const { ticket } of storm) {
      const updates = (await record(ticket._id)).events.filter((event) => event.type === 'ticket.incident_update');
      expect(updates).toHaveLength(1);
      expect(updates[0]!.data).toMatchObject({ incidentId, locality: 'Kamta', reports: 6 });
      expect((await record(ticket._id)).outbox.some((effect) => effect.kind === 'consumer.notify' && effect.eventType === 'ticket.incident_update')).toBe(true);
    }

    const { asked } = await incidents.restore(je, incidentId, { note: 'Feeder recharged' });
    expect(asked).toBe(6);
    const answer = async (entry: { ticket: { _id: string }; consumer: ConsumerActor }, reply: 'yes' | 'no') => {
      const current = await record(entry.ticket._id);
      expect(current.status).toBe('awaiting_confirmation');
      await tickets.recordClaimShown(current._id, current.claim!.id, { role: 'system', id: 'webchat-delivery' }, 'webchat');
      return tickets.answerResolution(current._id, entry.consumer, { claimId: current.claim!.id, answer: reply });
    };
    expect((await answer(storm[0]!, 'yes')).status).toBe('closed');
    expect((await answer(storm[1]!, 'yes')).status).toBe('closed');
    const no = await answer(storm[2]!, 'no');
    expect(no).toMatchObject({ status: 'reopened', level: 'SDO' });
    expect(no.incidentId).toBeUndefined();
    await tickets.markUnconfirmed(storm[3]!.ticket._id, slaTimer);
    expect((await record(storm[3]!.ticket._id)).status).toBe('unconfirmed');
    // Nobody's ticket closed on the officer's word.
    for (const entry of storm.slice(3)) expect((await record(entry.ticket._id)).status).not.toBe('closed');

    for (const { ticket } of storm) expect(await tickets.verify(ticket._id)).toMatchObject({ ok: true });
    const { incident, chain, linked } = await incidents.detail(supervisorUser, incidentId);
    expect(chain.ok).toBe(true);
    expect(incident.status).toBe('restored');
    expect(linked.map((ticket) => ticket._id)).not.toContain(storm[2]!.ticket._id);
    expect(incident.events.map((event) => event.type)).toEqual(['incident.opened', 'incident.eta_set', 'incident.restored', 'incident.ticket_detached']);
    // A restored area starts counting afresh: the next complaint opens nothing yet.
    expect((await complain('Kamta')).news).toBeUndefined();
  });

  it('staff open by hand, merge two incidents, detach a ticket; officers only in their area; agents read', async () => {
    await expect(incidents.open(agentUser, { locality: 'Deva Road' })).rejects.toThrow(/Agents can read/);
    await expect(incidents.open(otherJe, { locality: 'Deva Road' })).rejects.toThrow(/only your own area/);
    const a = await incidents.open(je, { locality: 'Deva Road', feeder: 'Deva Road 11 kV' });
    const b = await incidents.open(supervisorUser, { locality: 'Chinhat', note: 'Transformer tripped' });
    const inB = await complain('Chinhat');
    expect(inB.news?.incidentId).toBe(b._id);
    await incidents.merge(je, a._id, { from: b._id });
    expect((await record(inB.ticket._id)).incidentId).toBe(a._id);
    expect((await incidents.get(b._id)).status).toBe('merged');
    await incidents.detach(supervisorUser, a._id, inB.ticket._id, { note: 'Meter fault, not the feeder' });
    expect((await record(inB.ticket._id)).incidentId).toBeUndefined();
    expect(await incidents.verify(a._id)).toMatchObject({ ok: true });
    expect(await incidents.verify(b._id)).toMatchObject({ ok: true });
    expect((await incidents.list(agentUser, { status: 'open' })).map((incident) => incident._id)).toContain(a._id);
    expect((await incidents.list(otherJe)).map((incident) => incident._id)).not.toContain(a._id);
  });

  it('a restoration interrupted half-way (the process died) is finished at the next start: every linked consumer is asked once', async () => {
    const storm: Array<Awaited<ReturnType<typeof complain>>> = [];
    for (let i = 0; i < 5; i++) storm.push(await complain('Vardan Khand'));
    const incidentId = storm.at(-1)!.news!.incidentId;
    // A ticket service that "dies" after asking two consumers.
    class DyingTickets extends TicketService {
      calls = 0;
      override async claimResolution(...args: Parameters<TicketService['claimResolution']>) {
        if (++this.calls > 2) throw new Error('process died');
        return super.claimResolution(...args);
      }
    }
    const dying = new IncidentService(db.models, Directory.loadDefault(), new DyingTickets(db.models, Directory.loadDefault()), { batchSize: 1, log: () => {} });
    const gje = principal('officer', { officerId: 'je-gomti-nagar-extension-1', level: 'JE' });
    await expect(dying.restore(gje, incidentId)).rejects.toThrow('process died');
    const statuses = async () => Promise.all(storm.map(async ({ ticket }) => (await record(ticket._id)).status));
    expect((await statuses()).filter((status) => status === 'awaiting_confirmation')).toHaveLength(2);

    expect(await incidents.resumeFanOuts()).toBe(1);
    expect(await statuses()).toEqual(Array(5).fill('awaiting_confirmation'));
    for (const { ticket } of storm) {
      expect((await record(ticket._id)).events.filter((event) => event.type === 'ticket.resolution_claimed')).toHaveLength(1);
    }
    expect((await incidents.get(incidentId)).pendingFanOut).toBeUndefined();
    expect(await incidents.resumeFanOuts()).toBe(0);
  });
});
