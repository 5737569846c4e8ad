// Consumers' media on the real embedded database: photos (re-encoded), documents and voice notes end up on the
// consumer's ticket with their sha256 in the evidence store and in the ticket's hash chain; hostile files (wrong type,
// oversized, SVG with script, a zip, a broken picture) are refused and nothing is stored; with several open tickets the
// consumer is asked which, and nothing is stored until they say.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConsumerActor } from '../../models/ticketTypes.js';
import { ConsumerMediaService, CONSUMER_MEDIA_MAX_BYTES, MediaRefusedError } from '../../services/consumerMediaService.js';
import { Directory } from '../../services/directory.js';
import { TicketService } from '../../services/ticketService.js';
import { complaintFor, newConsumer } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('consumer_media');
const directory = Directory.loadDefault();
let tickets: TicketService;
let media: ConsumerMediaService;

beforeAll(() => {
  tickets = new TicketService(db.models, directory);
  media = new ConsumerMediaService(db.models, tickets);
});

async function consumerWithTickets(count: number, categories = ['supply', 'bill', 'meter'] as const): Promise<{ actor: ConsumerActor; numbers: string[] }> {
  const consumer = newConsumer();
  const numbers: string[] = [];
  for (let index = 0; index < count; index++) {
    numbers.push((await tickets.register(complaintFor(consumer, { category: categories[index] }), consumer.actor)).ticket._id);
  }
  return { actor: consumer.actor, numbers };
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const storedCount = () => db.models.evidence.countDocuments({});

describe('accepted media', () => {
  it('a photo, a PDF bill and a voice note land on the one open ticket, hashes verified in the store and the chain', async () => {
    const { actor, numbers } = await consumerWithTickets(1);
    const photo = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 40, b: 40 } } })
      .png()
      .withMetadata({ exif: { IFD0: { ImageDescription: 'secret-exif' } } })
      .toBuffer();
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    const voice = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(400, 7)]);
    const results = [
      await media.accept(actor, { data: photo, declaredType: 'image/png' }, 'whatsapp'),
      await media.accept(actor, { data: pdf, declaredType: 'application/pdf', filename: 'bill.pdf' }, 'whatsapp'),
      await media.accept(actor, { data: voice, declaredType: 'audio/ogg; codecs=opus' }, 'whatsapp'),
    ];
    expect(results.map((result) => result.outcome === 'attached' && [result.ticketNumber, result.kind])).toEqual([
      [numbers[0], 'photo'],
      [numbers[0], 'document'],
      [numbers[0], 'voice'],
    ]);
    const ticket = await tickets.get(numbers[0]!);
    const added = ticket.events.filter((event) => event.type === 'ticket.media_added');
    expect(added).toHaveLength(3);
    for (const [index, result] of results.entries()) {
      if (result.outcome !== 'attached') throw new Error('not attached');
      const stored = await db.models.evidence.findById(result.evidenceId, { _consistentSnapshot: 0 }).lean();
      const bytes = Buffer.from((stored!.data as unknown as { buffer: Uint8Array }).buffer ?? stored!.data);
      expect(sha(bytes)).toBe(stored!.sha256);
      expect(added[index]).toMatchObject({ evidence: { files: [result.evidenceId] }, data: { sha256: stored!.sha256 }, actor: { role: 'consumer' }, channel: 'whatsapp' });
      if (index === 0) {
        // Re-encoded: a JPEG this code wrote, without the sender's metadata.
        expect(stored!.contentType).toBe('image/jpeg');
        expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
        expect(bytes.includes(Buffer.from('secret-exif'))).toBe(false);
      }
      if (index === 1) expect(sha(bytes)).toBe(sha(pdf));
      if (index === 2) expect(stored!.contentType).toBe('audio/ogg');
    }
    expect(await tickets.verify(numbers[0]!)).toMatchObject({ ok: true });
  });

  it('with several open tickets nothing is stored until the consumer says which; then it goes to that one', async () => {
    const { actor, numbers } = await consumerWithTickets(2);
    const before = await storedCount();
    const pdf = Buffer.from('%PDF-1.7\n%%EOF\n');
    expect(await media.accept(actor, { data: pdf }, 'whatsapp')).toEqual({ outcome: 'choose_ticket', tickets: expect.arrayContaining(numbers) });
    expect(await storedCount()).toBe(before);
    const chosen = await media.accept(actor, { data: pdf }, 'whatsapp', numbers[1]);
    expect(chosen).toMatchObject({ outcome: 'attached', ticketNumber: numbers[1] });
    // Someone else's ticket number is not a choice.
    const stranger = await consumerWithTickets(1);
    expect(await media.accept(actor, { data: pdf }, 'whatsapp', stranger.numbers[0])).toMatchObject({ outcome: 'choose_ticket' });
    expect((await tickets.get(stranger.numbers[0]!)).events.some((event) => event.type === 'ticket.media_added')).toBe(false);
  });

  it('a consumer without an open ticket is told so, and nothing is stored', async () => {
    const before = await storedCount();
    expect(await media.accept(newConsumer().actor, { data: Buffer.from('%PDF-1.4\n') }, 'whatsapp')).toEqual({ outcome: 'no_open_ticket' });
    expect(await storedCount()).toBe(before);
  });
});

describe('hostile media is refused and nothing is stored', () => {
  const svg = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]);
  const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(100)]);
  const html = Buffer.from('<html><script>alert(1)</script></html>');
  const brokenPng = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('<script>alert(1)</script>')]);
  const oversized = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(CONSUMER_MEDIA_MAX_BYTES)]);
  const bigPdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(3 * 1024 * 1024)]);
  const cases: Array<[string, Buffer, string | undefined, string]> = [
    ['an SVG with script declared as an image', svg, 'image/svg+xml', 'unsupported_type'],
    ['a zip declared as a PDF', zip, 'application/pdf', 'unsupported_type'],
    ['an executable declared as a JPEG', exe, 'image/jpeg', 'unsupported_type'],
    ['HTML declared as a document', html, 'application/pdf', 'unsupported_type'],
    ['a PNG header over script', brokenPng, 'image/png', 'unreadable_image'],
    ['a file over the download limit', oversized, 'application/pdf', 'too_large'],
    ['a PDF over the storage limit', bigPdf, 'application/pdf', 'too_large'],
    ['an empty file', Buffer.alloc(0), 'image/jpeg', 'empty'],
  ];
  for (const [name, data, declaredType, reason] of cases) {
    it(name, async () => {
      const { actor, numbers } = await consumerWithTickets(1);
      const before = await storedCount();
      const error = await media.accept(actor, { data, declaredType }, 'whatsapp').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MediaRefusedError);
      expect((error as MediaRefusedError).reason).toBe(reason);
      expect(await storedCount()).toBe(before);
      expect((await tickets.get(numbers[0]!)).events.some((event) => event.type === 'ticket.media_added')).toBe(false);
    });
  }
});
