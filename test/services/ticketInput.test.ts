// Bad input is refused at the service's edge with a message naming the problem, and nothing is written.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../models/ticketTypes.js';
import { maskMobile, maskPhoneNumbersIn, normaliseAccountNumber, normaliseMobile } from '../../services/consumerIdentity.js';
import { Directory } from '../../services/directory.js';
import { InvalidInputError } from '../../services/errors.js';
import type { RegisterTicketInput } from '../../services/ticketInput.js';
import { TicketService } from '../../services/ticketService.js';
import { complaintFor, newConsumer, officer, ticketIn } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('input');
let service: TicketService;

beforeAll(() => {
  service = new TicketService(db.models, Directory.loadDefault());
});

async function storedCounts() {
  return {
    tickets: await db.models.tickets.estimatedDocumentCount(),
    guards: await db.models.duplicateGuards.estimatedDocumentCount(),
    index: await db.models.consumerIndex.estimatedDocumentCount(),
    counters: await db.models.counters.estimatedDocumentCount(),
  };
}

describe('mobile and account numbers, however they are typed', () => {
  it.each([
    ['9876543210', '9876543210'],
    ['+91 98765 43210', '9876543210'],
    ['+91-98765-43210', '9876543210'],
    ['09876543210', '9876543210'],
    ['919876543210', '9876543210'],
    ['(+91) 98765.43210', '9876543210'],
    ['९८७६५४३२१०', '9876543210'],
    ['+९१ ९८७६५ ४३२१०', '9876543210'],
  ])('%s → %s', (typed, expected) => {
    expect(normaliseMobile(typed)).toBe(expected);
  });

  it.each(['5876543210', '987654321', '98765432101', '+44 7911 123456', '98765abc10', '', '++919876543210'])('%s is not a mobile', (typed) => {
    expect(normaliseMobile(typed)).toBeUndefined();
  });

  it('reads account numbers with spaces, dashes and Devanagari digits, and refuses other lengths', () => {
    expect(normaliseAccountNumber('12345 67890')).toBe('1234567890');
    expect(normaliseAccountNumber('१२३४५-६७८९०')).toBe('1234567890');
    expect(normaliseAccountNumber('123456789')).toBeUndefined();
    expect(normaliseAccountNumber('12345678901')).toBeUndefined();
  });

  it('masks numbers for logs', () => {
    expect(maskMobile('9876543210')).toBe('98******10');
    expect(maskPhoneNumbersIn('turn failed in whatsapp-cloud conversation whatsapp-cloud:919876543210 at 12:00')).toBe(
      'turn failed in whatsapp-cloud conversation whatsapp-cloud:91********10 at 12:00',
    );
  });
});

describe('registration input', () => {
  const consumer = newConsumer();
  const valid = complaintFor(consumer);
  const cases: Array<[string, unknown, RegExp]> = [
    ['an unknown category', { ...valid, category: 'water' }, /category/],
    ['a malformed mobile', { ...valid, consumer: { ...valid.consumer, mobile: '12345' } }, /consumer\.mobile: is not a 10-digit Indian mobile/],
    ['a malformed account number', { ...valid, consumer: { ...valid.consumer, accountNumber: '12-34' } }, /consumer\.accountNumber: is not a 10-digit consumer account number/],
    ['an oversized description', { ...valid, description: 'क'.repeat(20_000) }, /description: must be at most 2000 characters/],
    ['an empty description', { ...valid, description: '   \n\t ' }, /description: must not be empty/],
    ['a key starting with $', { ...valid, place: { ...valid.place, $where: 'sleep(1000)' } }, /place: unknown field\(s\) "\$where"/],
    ['an operator object for a string', { ...valid, consumer: { ...valid.consumer, channelUserId: { $ne: null } } }, /consumer\.channelUserId/],
    ['a top-level operator', { ...valid, $set: { status: 'closed' } }, /unknown field\(s\) "\$set"/],
    ['a status smuggled in', { ...valid, status: 'closed' }, /unknown field\(s\) "status"/],
    ['an unknown channel', { ...valid, consumer: { ...valid.consumer, channel: 'sms' } }, /consumer\.channel/],
    ['no place at all', { ...valid, place: undefined }, /place/],
    ['not an object', 'please register', /expected object/],
    // Issue 12: only an anonymous theft report may come without a mobile, and only theft may be anonymous.
    ['no mobile on a complaint that is not an anonymous theft report', { ...valid, consumer: { ...valid.consumer, mobile: undefined } }, /consumer\.mobile: is required/],
    ['an anonymous complaint that is not theft', { ...valid, consumer: { ...valid.consumer, anonymous: true } }, /consumer\.anonymous: only a theft report/],
    ['a malformed application number', { ...valid, consumer: { ...valid.consumer, applicationNumber: '{"$gt":""}' } }, /consumer\.applicationNumber/],
  ];

  for (const [what, input, message] of cases) {
    it(`refuses ${what}, clearly, and stores nothing`, async () => {
      const before = await storedCounts();
      const error = await service.register(input as RegisterTicketInput, consumer.actor).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(message);
      expect(await storedCounts()).toEqual(before);
    });
  }

  it('lists every problem at once', async () => {
    const error = (await service
      .register({ ...valid, category: 'water', description: '', consumer: { ...valid.consumer, mobile: 'x' } } as unknown as RegisterTicketInput, consumer.actor)
      .catch((caught: unknown) => caught)) as InvalidInputError;
    expect(error.issues).toHaveLength(3);
  });

  it('strips control characters and keeps Hindi, emoji and markup as plain text', async () => {
    const someone = newConsumer();
    const description = 'मीटर जल गया है 🔥 <script>alert(1)</script>\u0000\u0007';
    const { ticket } = await service.register(complaintFor(someone, { description }), someone.actor);
    expect(ticket.description).toBe('मीटर जल गया है 🔥 <script>alert(1)</script>');
    expect((await service.get(ticket._id)).description).toBe('मीटर जल गया है 🔥 <script>alert(1)</script>');
  });
});

describe('lookups and transitions with hostile identifiers', () => {
  it.each([
    ['an operator object', { $ne: null }],
    ['a regex-looking string', '.*'],
    ['a number with a trailing injection', 'UP-261128-00001"; db.dropDatabase()'],
    ['an oversized string', `UP-${'9'.repeat(5000)}`],
  ])('refuses %s as a ticket number', async (_what, number) => {
    await expect(service.get(number as string)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(service.startWork(number as string, officer)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('accepts a ticket number in lower case or with spaces around it', async () => {
    const { ticket } = await ticketIn(service, 'assigned');
    expect((await service.get(`  ${ticket._id.toLowerCase()} `))._id).toBe(ticket._id);
  });

  it('refuses a forged actor', async () => {
    const { ticket } = await ticketIn(service, 'assigned');
    const forged = [{ role: 'admin', id: 'root' }, { role: 'officer', id: { $gt: '' } }, { role: 'consumer', channel: 'webchat' }];
    for (const actor of forged) {
      await expect(service.startWork(ticket._id, actor as unknown as Actor)).rejects.toBeInstanceOf(InvalidInputError);
    }
    expect((await service.get(ticket._id)).status).toBe('assigned');
  });

  it('refuses oversized notes and evidence that is not evidence', async () => {
    const { ticket } = await ticketIn(service, 'in_progress');
    await expect(service.noteProgress(ticket._id, officer, { note: 'x'.repeat(2001) })).rejects.toThrow(/note: must be at most 2000/);
    await expect(
      service.claimResolution(ticket._id, officer, { note: 'done', evidence: { meterReadingKwh: -5 } }),
    ).rejects.toThrow(/evidence\.meterReadingKwh/);
    await expect(
      service.claimResolution(ticket._id, officer, { note: 'done', evidence: { $where: 'x' } as never }),
    ).rejects.toThrow(/evidence: unknown field/);
    expect((await service.get(ticket._id)).status).toBe('in_progress');
  });
});
