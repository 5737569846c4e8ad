// Issue 14 item 5 — media in staff views, over real HTTP on the real embedded database: a ticket's photos, bills and
// voice notes are listed for staff with authorised URLs (the session is checked on every file; an officer reads only
// tickets of their area), photos come as thumbnails this server re-encoded, and a stored file whose bytes are
// SVG/HTML-ish is never served as anything a browser would render.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Helpline } from '../../server/helpline.js';
import { ConsumerMediaService, MediaRefusedError } from '../../services/consumerMediaService.js';
import { Directory } from '../../services/directory.js';
import { complaintFor, newConsumer } from '../support/ticketFixtures.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { staffApiCaller, type StaffApiCall } from '../support/staffApiClient.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('staff_media');
const directory = Directory.loadDefault();
const operator = { role: 'system', id: 'test-operator' } as const;

let served: ServedHelpline;
let helpline: Helpline;
let call: StaffApiCall;
const tokens: Record<string, string> = {};
let ticketNumber: string;
const ids: Record<string, string> = {};

async function account(username: string, role: 'officer' | 'agent', officerId?: string): Promise<string> {
  const password = `${username}-test-password`;
  await helpline.staffAuth.createUser({ username, password, role, officerId, name: officerId ? undefined : username }, operator);
  return (await helpline.staffAuth.login({ username, password }, '127.0.0.1')).token;
}

/** GET a file as a page does (bearer token), keeping the headers and the raw bytes. */
async function getFile(path: string, token?: string) {
  const response = await fetch(`${served.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, headers: response.headers, data: Buffer.from(await response.arrayBuffer()) };
}

/** A file written straight into the store, as a bug elsewhere or a restored backup could leave it. */
async function storeRaw(contentType: 'image/jpeg' | 'image/png' | 'audio/ogg', data: Buffer): Promise<string> {
  const id = `evidence_${randomBytes(8).toString('hex')}`;
  await db.models.evidence.create({
    _id: id,
    ticketNumber,
    contentType,
    filename: 'hostile.jpg',
    size: data.length,
    sha256: 'not-checked-here',
    data,
    uploadedBy: { role: 'consumer', id: 'webchat:test' },
    uploadedAt: new Date(),
  });
  return id;
}

beforeAll(async () => {
  served = await serveHelpline(db, directory);
  helpline = served.helpline;
  call = staffApiCaller(served.baseUrl);
  tokens.je = await account('je-gn', 'officer', 'je-gomti-nagar-1');
  tokens.otherJe = await account('je-aliganj', 'officer', 'je-aliganj-1');
  tokens.agent = await account('asha', 'agent');

  const consumer = newConsumer();
  ticketNumber = (await helpline.tickets.register(complaintFor(consumer), consumer.actor)).ticket._id;
  const media = new ConsumerMediaService(db.models, helpline.tickets);
  const photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 30, g: 90, b: 200 } } }).png().toBuffer();
  const voice = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(600, 3)]);
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
  for (const [name, data] of [['photo', photo], ['voice', voice], ['bill', pdf]] as const) {
    const result = await media.accept(consumer.actor, { data }, 'webchat');
    if (result.outcome !== 'attached') throw new Error(`${name} not attached`);
    ids[name] = result.evidenceId;
  }
  expect(await media.acceptLocation(consumer.actor, { latitude: 26.8505, longitude: 80.9919 }, 'webchat')).toEqual({ outcome: 'attached', ticketNumber, kind: 'location' });
  // A pin that is no place on earth is refused, and nothing joins the ticket.
  await expect(media.acceptLocation(consumer.actor, { latitude: 126.85, longitude: 80.99 }, 'webchat')).rejects.toBeInstanceOf(MediaRefusedError);
  await expect(media.acceptLocation(consumer.actor, { latitude: Number.NaN, longitude: 80.99 }, 'webchat')).rejects.toBeInstanceOf(MediaRefusedError);
});

afterAll(async () => {
  await served?.close();
});

describe("a ticket's media for staff (issue 14 item 5: thumbnails and audio through authorised URLs)", () => {
  it('GET /api/tickets/{number}/media lists photo, voice note and bill with session URLs, a thumbnail for the photo, and the pin', async () => {
    const response = await call('GET', `/tickets/${ticketNumber}/media`, tokens.je);
    expect(response.status).toBe(200);
    expect(response.body.media).toEqual([
      expect.objectContaining({ id: ids.photo, kind: 'photo', contentType: 'image/jpeg', url: `/api/evidence/${ids.photo}`, thumbnailUrl: `/api/evidence/${ids.photo}/thumbnail`, eventType: 'ticket.media_added', uploadedBy: { role: 'consumer' } }),
      expect.objectContaining({ id: ids.voice, kind: 'voice', contentType: 'audio/ogg', url: `/api/evidence/${ids.voice}` }),
      expect.objectContaining({ id: ids.bill, kind: 'document', contentType: 'application/pdf' }),
    ]);
    expect(response.body.media[1]).not.toHaveProperty('thumbnailUrl');
    // The consumer's location pin, once (the refused ones left no trace), in the ticket's verified chain.
    expect(response.body.locations).toEqual([expect.objectContaining({ latitude: 26.8505, longitude: 80.9919, by: 'consumer' })]);
    expect((await helpline.tickets.verify(ticketNumber)).ok).toBe(true);
    // Nothing in the list identifies the consumer who sent the files.
    expect(JSON.stringify(response.body)).not.toContain('webchat:');
    expect((await call('GET', `/tickets/${ticketNumber}/media`, tokens.agent)).status).toBe(200);
  });

  it("a photo's thumbnail is a JPEG this server re-encoded, at most 320 px a side, shown inline but not executable", async () => {
    const thumbnail = await getFile(`/api/evidence/${ids.photo}/thumbnail`, tokens.je);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
    expect(thumbnail.headers.get('x-content-type-options')).toBe('nosniff');
    expect(thumbnail.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(thumbnail.headers.get('content-disposition')).toMatch(/^inline/);
    const metadata = await sharp(thumbnail.data).metadata();
    expect(metadata.format).toBe('jpeg');
    expect(Math.max(metadata.width!, metadata.height!)).toBe(320);
    // Not a thumbnail of a voice note.
    expect((await getFile(`/api/evidence/${ids.voice}/thumbnail`, tokens.je)).status).toBe(415);
  });

  it('the voice note is served as audio for a player, with nosniff and a sandboxing policy', async () => {
    const voice = await getFile(`/api/evidence/${ids.voice}`, tokens.je);
    expect(voice.status).toBe(200);
    expect(voice.headers.get('content-type')).toBe('audio/ogg');
    expect(voice.headers.get('x-content-type-options')).toBe('nosniff');
    expect(voice.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(voice.headers.get('content-disposition')).toMatch(/^attachment; filename="voice-[0-9a-f]{12}\.ogg"/);
    expect(voice.headers.get('cache-control')).toBe('private, no-store');
  });

  it('refuses an unauthenticated caller (401) and an officer of another area (404, nothing revealed) on every media URL', async () => {
    const urls = [`/api/tickets/${ticketNumber}/media`, `/api/evidence/${ids.photo}`, `/api/evidence/${ids.photo}/thumbnail`, `/api/evidence/${ids.voice}`];
    for (const url of urls) {
      const anonymous = await getFile(url);
      expect(anonymous.status, url).toBe(401);
      expect(anonymous.data.includes(Buffer.from('OggS'))).toBe(false);
      expect((await getFile(url, 'not-a-session')).status, url).toBe(401);
      const otherArea = await getFile(url, tokens.otherJe);
      expect(otherArea.status, url).toBe(404);
      expect(otherArea.headers.get('content-type')).toMatch(/^application\/json/);
    }
  });
});

describe('hostile stored files are never served as HTML (issue 14 item 5: "a hostile file cannot run script")', () => {
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>fetch("/api/users")</script></svg>');
  const html = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>');

  it('an SVG stored under image/png and HTML under image/jpeg come as opaque downloads, nosniff, sandboxed; no thumbnail', async () => {
    for (const [type, payload] of [['image/png', svg], ['image/jpeg', html], ['audio/ogg', html]] as const) {
      const id = await storeRaw(type, payload);
      const file = await getFile(`/api/evidence/${id}`, tokens.je);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('application/octet-stream');
      expect(file.headers.get('content-type')).not.toMatch(/html|svg|xml|image|audio/);
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      expect(file.headers.get('content-disposition')).toMatch(/^attachment/);
      expect(file.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
      const thumbnail = await getFile(`/api/evidence/${id}/thumbnail`, tokens.je);
      expect(thumbnail.status).toBe(415);
      expect(thumbnail.data.includes(Buffer.from('<script>'))).toBe(false);
    }
  });

  it('a real JPEG with HTML appended gets a thumbnail that carries none of the appended bytes', async () => {
    const jpeg = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#888' } }).jpeg().toBuffer();
    const id = await storeRaw('image/jpeg', Buffer.concat([jpeg, html]));
    const thumbnail = await getFile(`/api/evidence/${id}/thumbnail`, tokens.je);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
    expect(thumbnail.data.includes(Buffer.from('<script>'))).toBe(false);
  });
});
