// A new ticket (and its duplicate guard, and the officer's inbox entry) is inserted with the driver
// (services/ticketService.ts, services/claims.ts, models/storedDocument.ts) instead of through a
// mongoose Document, to save its CPU (docs/turn-cpu.md, second pass). Behaviour must not change: every kind of new
// ticket is stored exactly as the schema would have stored it — valid, a fixed point of mongoose's casting, with no
// undefined, null or empty-object field — and its history still verifies.
import { beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../services/directory.js';
import { ShutdownService } from '../../services/shutdownService.js';
import { TicketService } from '../../services/ticketService.js';
import { NotificationService } from '../../services/notificationService.js';
import { verifyChain } from '../../services/eventChain.js';
import { storedDocument } from '../../models/storedDocument.js';
import { complaintFor, newConsumer, staffPrincipal } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('ticket_insert');
const directory = Directory.loadDefault();
let service: TicketService;

beforeAll(() => {
  service = new TicketService(db.models, directory);
});

/** Paths of fields mongoose would never have written: undefined, null, or an empty object. */
function unstorablePaths(value: unknown, path = ''): string[] {
  if (value === undefined || value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((item, index) => unstorablePaths(item, `${path}[${index}]`));
  if (typeof value !== 'object' || value instanceof Date) return [];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0 && path !== '') return [path];
  return entries.flatMap(([key, inner]) => unstorablePaths(inner, path ? `${path}.${key}` : key));
}

async function expectStoredAsTheSchemaWould(ticketNumber: string, model: 'tickets' | 'officerNotifications' | 'duplicateGuards' = 'tickets'): Promise<Record<string, unknown>> {
  const raw = await db.models[model].collection.findOne({ _id: ticketNumber as never });
  expect(raw).not.toBeNull();
  expect(unstorablePaths(raw)).toEqual([]);
  const cast = new (db.models[model] as unknown as new (value: unknown) => { validate(): Promise<void>; toObject(): unknown })(raw);
  await cast.validate();
  expect(cast.toObject()).toEqual(raw);
  return raw as Record<string, unknown>;
}

describe('a new ticket inserted with the driver is stored as the schema would store it', () => {
  it('assigned at registration (officer, two events, outbox effects)', async () => {
    const consumer = newConsumer();
    const { ticket } = await service.register(complaintFor(consumer), consumer.actor);
    const raw = await expectStoredAsTheSchemaWould(ticket._id);
    expect(raw.status).toBe('assigned');
    expect((raw.events as unknown[]).length).toBe(2);
    expect(verifyChain(raw as never).ok).toBe(true);
    // Its duplicate guard, claimed with the driver too (services/claims.ts, insertWith: 'driver').
    const guard = await expectStoredAsTheSchemaWould(String(raw.duplicateKey), 'duplicateGuards');
    expect(guard).toMatchObject({ ticketNumber: ticket._id, createdAt: expect.any(Date) });
  });

  it('place not in the directory (waiting for a person, no officer)', async () => {
    const consumer = newConsumer();
    const { ticket } = await service.register(complaintFor(consumer, { place: { district: 'Unknown district', addressText: 'Near the water tank' } }), consumer.actor);
    const raw = await expectStoredAsTheSchemaWould(ticket._id);
    expect(raw.officer).toBeUndefined();
    expect(raw.waitingForPerson).toMatchObject({ reason: 'place_not_in_directory', words: 'Near the water tank' });
    expect(verifyChain(raw as never).ok).toBe(true);
  });

  it('an emergency (the SDO told as well) and a second identity linked to the first ticket', async () => {
    const caller = newConsumer();
    const emergency = await service.register(complaintFor(caller, { emergency: true, description: 'Taar toot ke gira hai, current aa raha hai' }), caller.actor);
    const raw = await expectStoredAsTheSchemaWould(emergency.ticket._id);
    expect(raw.emergency).toBe(true);
    const first = newConsumer();
    const second = { actor: newConsumer().actor, mobile: first.mobile };
    const one = await service.register(complaintFor(first), first.actor);
    const two = await service.register(complaintFor(second), second.actor);
    const linked = await expectStoredAsTheSchemaWould(two.ticket._id);
    expect(linked.linkedTickets).toEqual([one.ticket._id]);
  });

  it('inside a planned shutdown', async () => {
    const now = Date.now();
    await new ShutdownService(db.models, directory).declare(staffPrincipal('supervisor'), {
      district: 'Lucknow',
      startsAt: new Date(now - 3_600_000).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      reason: 'Line maintenance',
    });
    const consumer = newConsumer();
    const { ticket } = await service.register(complaintFor(consumer), consumer.actor);
    const raw = await expectStoredAsTheSchemaWould(ticket._id);
    expect(raw.plannedShutdown).toMatchObject({ endsAt: expect.any(Date) });
  });
});

describe('the officer\'s inbox entry, also inserted with the driver', () => {
  it('is stored as the schema would store it, once per effect', async () => {
    const consumer = newConsumer();
    const { ticket } = await service.register(complaintFor(consumer), consumer.actor);
    const notifications = new NotificationService(db.models, { notifyConsumer: async () => 'delivered' as const }, { log: () => {} });
    await notifications.drainTicket(ticket._id);
    const inbox = await db.models.officerNotifications.find({ ticketNumber: ticket._id }, { _id: 1 }).lean();
    expect(inbox).toHaveLength(1);
    const raw = await expectStoredAsTheSchemaWould(inbox[0]!._id, 'officerNotifications');
    expect(raw).toMatchObject({ officerId: 'je-gomti-nagar-1', eventType: 'ticket.assigned', createdAt: expect.any(Date) });
  });
});

describe('storedDocument', () => {
  it('leaves out undefined fields and empty objects, keeps dates, nulls, empty arrays, and never mutates its argument', () => {
    const at = new Date('2026-12-04T10:00:00Z');
    const input = { a: undefined, b: { c: undefined, d: {} }, e: [{ f: undefined, g: 1 }], h: [], i: null, at, j: { k: 'x', l: undefined } };
    expect(storedDocument(input)).toStrictEqual({ e: [{ g: 1 }], h: [], i: null, at, j: { k: 'x' } });
    expect(input.b).toEqual({ c: undefined, d: {} });
    expect(storedDocument(input).at).toBe(at);
  });
});
