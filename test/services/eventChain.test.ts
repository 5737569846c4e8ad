// Editing the history directly in the database — the thing a bug or a careless admin would do — is detected,
// and the verdict names the first broken link.
import { beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../services/directory.js';
import { canonicalJson, sealEvent } from '../../services/eventChain.js';
import { TicketService } from '../../services/ticketService.js';
import { ticketIn } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('chain');
let service: TicketService;

beforeAll(() => {
  service = new TicketService(db.models, Directory.loadDefault());
});

/** A closed ticket with a long history: registered, assigned, claimed, shown, rejected, claimed, shown, confirmed. */
async function closedTicketNumber(): Promise<string> {
  return (await ticketIn(service, 'closed')).ticket._id;
}

const raw = () => db.connection.collection<{ _id: string }>('tickets');

describe('tamper evidence', () => {
  it('a fresh history verifies', async () => {
    const number = await closedTicketNumber();
    expect(await service.verify(number)).toMatchObject({ ok: true });
  });

  it('an edited note is found, at its event', async () => {
    const number = await closedTicketNumber();
    await raw().updateOne({ _id: number }, { $set: { 'events.2.evidence.note': 'Consumer satisfied (edited)' } });
    expect(await service.verify(number)).toEqual({ ok: false, brokenAt: 2, reason: expect.stringMatching(/event 2 .* was altered/) });
  });

  it('an edited actor is found', async () => {
    const number = await closedTicketNumber();
    await raw().updateOne({ _id: number }, { $set: { 'events.4.actor.id': 'someone-else' } });
    expect(await service.verify(number)).toMatchObject({ ok: false, brokenAt: 4 });
  });

  it('an event re-sealed after editing breaks the next link', async () => {
    const number = await closedTicketNumber();
    const ticket = await service.get(number);
    const { hash: _hash, prevHash, ...event } = ticket.events[2]!;
    const forged = sealEvent({ ...event, evidence: { note: 'forged' } }, prevHash);
    await raw().updateOne({ _id: number }, { $set: { 'events.2': forged } });
    expect(await service.verify(number)).toMatchObject({ ok: false, brokenAt: 3, reason: expect.stringMatching(/does not link/) });
  });

  it('a removed last event is found', async () => {
    const number = await closedTicketNumber();
    await raw().updateOne({ _id: number }, { $pop: { events: 1 } } as never);
    expect(await service.verify(number)).toMatchObject({ ok: false, reason: expect.stringMatching(/events were removed/) });
  });

  it('a removed middle event is found', async () => {
    const number = await closedTicketNumber();
    const ticket = await service.get(number);
    await raw().updateOne({ _id: number }, { $set: { events: ticket.events.filter((event) => event.seq !== 3) } } as never);
    expect(await service.verify(number)).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('a status set directly, without an event, is found', async () => {
    const { ticket } = await ticketIn(service, 'awaiting_confirmation');
    await raw().updateOne({ _id: ticket._id }, { $set: { status: 'closed' } } as never);
    expect(await service.verify(ticket._id)).toMatchObject({ ok: false, brokenAt: -1, reason: expect.stringMatching(/says closed but its history ends in awaiting_confirmation/) });
  });

  it('a history copied from another ticket is found', async () => {
    const source = await service.get(await closedTicketNumber());
    const { ticket: target } = await ticketIn(service, 'awaiting_confirmation');
    await raw().updateOne(
      { _id: target._id },
      { $set: { events: source.events, eventCount: source.eventCount, lastEventHash: source.lastEventHash, status: 'closed' } } as never,
    );
    expect(await service.verify(target._id)).toMatchObject({ ok: false, brokenAt: 0 });
  });
});

describe('canonical form', () => {
  it('does not depend on key order, dates as objects or strings, or absent fields', () => {
    const at = new Date('2026-11-28T10:00:00.000Z');
    expect(canonicalJson({ b: 1, a: { d: at, c: undefined, e: null, f: {} } })).toBe(canonicalJson({ a: { d: at.toISOString() }, b: 1 }));
  });
});
