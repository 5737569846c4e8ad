// Consumers' photos, bills, voice notes and pins through the whatsapp-web.js door of the REAL helpline
// (createHelpline) on the test database, with the fake whatsapp-web.js client at the boundary (Message.hasMedia,
// type image/document/ptt/location, downloadMedia() → MessageMedia with base64 data, message.location). Issue 14
// items 3–4 "Done when": an image, a voice note, a document and a location end up on the right ticket with verified
// hashes; hostile media is refused with nothing stored. (Before this change each of them got "only typed text".)
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WhatsAppWebAdapter } from '../../bot/adapters/whatsAppWebAdapter.js';
import { mediaTextsFor, texts } from '../../dialogs/texts.js';
import type { EvidenceRecord } from '../../models/evidenceModel.js';
import type { ChannelPlugin, Helpline } from '../../server/helpline.js';
import { noQrRenderer } from '../../server/whatsappWeb/qrRendering.js';
import { createWhatsAppWebChannel } from '../../server/whatsappWeb/whatsAppWebChannel.js';
import { Directory } from '../../services/directory.js';
import { eventually, FakeWhatsAppWebClients, ManualScheduler, type IncomingMessage } from '../support/fakeWhatsAppWebClient.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('whatsapp_web_media');
const directory = Directory.loadDefault();
const hl = texts.hl;
const m = mediaTextsFor('hl');
const clients = new FakeWhatsAppWebClients();
let helpline: Helpline;
let channel: ChannelPlugin;
let adapter: WhatsAppWebAdapter;
let served: ServedHelpline | undefined;

beforeAll(async () => {
  const whatsAppWeb = createWhatsAppWebChannel({
    dataPath: '/tmp/santushti-test-never-written',
    clientFactory: clients.factory,
    schedule: new ManualScheduler().schedule,
    watchdogIntervalMs: 0,
    qrRenderer: noQrRenderer,
  });
  served = await serveHelpline(db, directory, {
    channels: [
      (context) => {
        channel = whatsAppWeb(context);
        return channel;
      },
    ],
    directLineSecret: 'wa-web-media-directline-secret-0123456789',
    webChatCookieSecret: 'wa-web-media-cookie-secret-9876543210zyx',
  });
  helpline = served.helpline;
  adapter = channel.adapter as WhatsAppWebAdapter;
  await eventually(() => expect(clients.created).toHaveLength(1));
  clients.current.link();
});

afterAll(async () => {
  await served?.close();
});

function consumer(digits: string) {
  const chatId = `${digits}@c.us`;
  let read = 0;
  const unread = () => {
    const all = clients.textsTo(chatId);
    const fresh = all.slice(read);
    read = all.length;
    return fresh;
  };
  return {
    async send(message: Omit<IncomingMessage, 'from'>): Promise<string[]> {
      unread();
      clients.current.receive({ from: chatId, ...message });
      await adapter.idle();
      return unread();
    },
    say(text: string): Promise<string[]> {
      return this.send({ body: text });
    },
  };
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const evidenceCount = () => db.models.evidence.countDocuments({});

async function mediaEvents(number: string) {
  return (await helpline.tickets.get(number)).events.filter((event) => event.type === 'ticket.media_added');
}

async function storedBytes(id: string): Promise<{ record: EvidenceRecord; bytes: Buffer }> {
  const record = (await db.models.evidence.findById(id, { _consistentSnapshot: 0 }).lean<EvidenceRecord>())!;
  const raw = record.data as unknown as { buffer?: Uint8Array };
  return { record, bytes: Buffer.from(raw.buffer ?? (record.data as unknown as Uint8Array)) };
}

async function register(user: ReturnType<typeof consumer>): Promise<string> {
  const asked = await user.say('Gomti Nagar mein 5 ghante se light nahi aa rahi hai');
  expect(asked[0]).toContain(hl.askAccount);
  const summary = await user.say('1');
  expect(summary.at(-1)).toContain(hl.yesNoChoices[0]);
  const registered = await user.say('1');
  return /UP-\d{6}-\d{5}/.exec(registered[0]!)![0];
}

describe('media over the whatsapp-web.js door', () => {
  it('a photo, a voice note (ptt) and a bill end up on the ticket with verified hashes; a pin is read back as the place (issue 14 "Done when")', { timeout: 60_000 }, async () => {
    const user = consumer('919822200011');
    const number = await register(user);
    const photo = await sharp({ create: { width: 200, height: 150, channels: 3, background: { r: 90, g: 10, b: 10 } } }).png().toBuffer();
    const voice = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(500, 9)]);
    const pdf = Buffer.from('%PDF-1.5\n%%EOF\n');

    expect(await user.send({ type: 'image', body: '', media: { mimetype: 'image/png', data: photo } })).toEqual([m.attached(m.kindName.photo, number)]);
    expect(await user.send({ type: 'ptt', media: { mimetype: 'audio/ogg; codecs=opus', data: voice } })).toEqual([m.attached(m.kindName.voice, number), m.voiceKept]);
    expect(await user.send({ type: 'document', media: { mimetype: 'application/pdf', data: pdf, filename: 'bill.pdf' } })).toEqual([m.attached(m.kindName.document, number)]);

    const events = await mediaEvents(number);
    expect(events.map((event) => [event.data?.kind, event.channel])).toEqual([
      ['photo', 'whatsapp'],
      ['voice', 'whatsapp'],
      ['document', 'whatsapp'],
    ]);
    for (const event of events) {
      const { record, bytes } = await storedBytes(event.evidence!.files![0]!);
      expect(sha(bytes)).toBe(record.sha256);
      expect(event.data?.sha256).toBe(record.sha256);
    }
    expect((await storedBytes(events[1]!.evidence!.files![0]!)).record.sha256).toBe(sha(voice));
    expect(await helpline.tickets.verify(number)).toMatchObject({ ok: true });

    // A pin (whatsapp-web.js gives the coordinates as the phone does): the place of a new complaint, read back first.
    const pinned = await user.send({ type: 'location', location: { latitude: '26.8500', longitude: '80.9990' } });
    const gomtiNagar = directory.resolvePlace({ locality: 'Gomti Nagar' })!;
    expect(pinned[0]).toBe(m.pinRead('Gomti Nagar', gomtiNagar.subDivision, '0.0'));
    expect(pinned[1]).toContain(hl.askCategory);
  });

  it('hostile or vanished media: an SVG with script and a zip are refused with nothing stored; media gone from the phone asks to send again', { timeout: 30_000 }, async () => {
    const user = consumer('919822200022');
    const number = await register(user);
    const before = await evidenceCount();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64)]);
    expect(await user.send({ type: 'image', media: { mimetype: 'image/svg+xml', data: svg } })).toEqual([m.refused.unsupported_type]);
    expect(await user.send({ type: 'document', media: { mimetype: 'application/pdf', data: zip, filename: 'bill.pdf' } })).toEqual([m.refused.unsupported_type]);
    expect(await user.send({ type: 'document', media: { mimetype: 'application/pdf', data: Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(9 * 1024 * 1024)]) } })).toEqual([m.refused.too_large]);
    expect(await user.send({ type: 'image', media: null })).toEqual([m.downloadFailed]);
    // A pin outside LESA: refused, no complaint started.
    expect(await user.send({ type: 'location', location: { latitude: 28.6139, longitude: 77.209 } })).toEqual([m.pinOutside('Lucknow')]);
    expect(await evidenceCount()).toBe(before);
    expect(await mediaEvents(number)).toEqual([]);
  });
});
