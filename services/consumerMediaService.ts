// Media a consumer sends (a WhatsApp photo of the burnt meter, a bill as PDF, a voice note): checked by its bytes,
// never by what the sender declared, and refused politely when it is not something we keep — nothing is stored then.
// Photos are decoded and re-encoded as JPEG (which also drops their metadata, location included), so what staff open is
// a picture this code wrote; PDFs and voice notes are kept as received (served as attachments with a sandboxing CSP).
// A stored file is attached to the consumer's one open ticket, or to the ticket they name; with several open tickets
// and none named, nothing is stored and the caller asks which.
import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { EvidenceRecord, VoiceContentType } from '../models/evidenceModel.js';
import type { Models } from '../models/index.js';
import type { ConsumerActor, EventChannel, TicketHead } from '../models/ticketTypes.js';
import { consumerActorId } from './consumerIdentity.js';
import { DomainError } from './errors.js';
import { EVIDENCE_MAX_BYTES } from './evidenceService.js';
import type { TicketService } from './ticketService.js';

export type MediaKind = 'photo' | 'document' | 'voice';

/** Why a file was refused, for the consumer's reply (dialogs/texts.ts mediaRefused). */
export type MediaRefusal = 'too_large' | 'unsupported_type' | 'unreadable_image' | 'empty';

export class MediaRefusedError extends DomainError {
  readonly code = 'media_refused';
  constructor(readonly reason: MediaRefusal, message: string) {
    super(message);
  }
}

/** What the channel hands over: the downloaded bytes and what the sender claimed (used for nothing but the name). */
export interface IncomingMedia {
  data: Buffer;
  declaredType?: string;
  filename?: string;
}

export type LocationOutcome = { outcome: 'attached'; ticketNumber: string; kind: 'location' } | Exclude<MediaOutcome, { outcome: 'attached' }>;

export type MediaOutcome =
  | { outcome: 'attached'; ticketNumber: string; evidenceId: string; kind: MediaKind; sha256: string }
  | { outcome: 'choose_ticket'; tickets: string[] }
  | { outcome: 'no_open_ticket' };

/** The largest file a channel should download at all (photos shrink when re-encoded; everything else must fit as is). */
export const CONSUMER_MEDIA_MAX_BYTES = 8 * 1024 * 1024;
const imageMaxSide = 2048;
const imageMaxPixels = 40_000_000;

export class ConsumerMediaService {
  constructor(
    private readonly models: Pick<Models, 'evidence'>,
    private readonly tickets: TicketService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Checks the file and, if it is one we keep, stores it on the consumer's ticket (or says which question to ask). */
  async accept(actor: ConsumerActor, media: IncomingMedia, channel: EventChannel, ticketNumber?: string): Promise<MediaOutcome> {
    const checked = await checkMedia(media);
    const target = await this.targetTicket(actor, ticketNumber);
    if (typeof target !== 'string') return target;
    const record = await this.store(actor, checked, target);
    await this.tickets.addConsumerMedia(target, actor, { file: record._id, kind: checked.kind, sha256: record.sha256 }, channel);
    return { outcome: 'attached', ticketNumber: target, evidenceId: record._id, kind: checked.kind, sha256: record.sha256 };
  }

  /** The numbers of the consumer's tickets that are not closed, newest first as the ticket service lists them. */
  async openTickets(actor: ConsumerActor): Promise<string[]> {
    return (await this.tickets.listForConsumer(actor)).filter((ticket: TicketHead) => ticket.status !== 'closed').map((ticket) => ticket._id);
  }

  /**
   * Checks and stores a file that belongs to no ticket yet (the complaint is still being registered, or the consumer
   * must say which of their tickets it is for). Held files are readable by nobody: no ticket names them.
   */
  async hold(actor: ConsumerActor, media: IncomingMedia): Promise<HeldMedia> {
    const checked = await checkMedia(media);
    const record = await this.store(actor, checked, HELD_TICKET);
    return { evidenceId: record._id, kind: checked.kind, sha256: record.sha256, heldAt: record.uploadedAt.toISOString() };
  }

  /**
   * Attaches a held file to the consumer's own ticket: the file's record names the ticket, and its id and sha256 join
   * the ticket's chain. False when the file is not one this consumer holds (already attached, or someone else's).
   */
  async attachHeld(actor: ConsumerActor, held: HeldMedia, ticketNumber: string, channel: EventChannel): Promise<boolean> {
    const record = await this.models.evidence
      .findById(held.evidenceId, { ticketNumber: 1, uploadedBy: 1, sha256: 1 })
      .lean<Pick<EvidenceRecord, '_id' | 'ticketNumber' | 'uploadedBy' | 'sha256'>>();
    if (!record || record.ticketNumber !== HELD_TICKET || record.uploadedBy.id !== consumerActorId(actor)) return false;
    await this.tickets.addConsumerMedia(ticketNumber, actor, { file: record._id, kind: held.kind, sha256: record.sha256 }, channel);
    await this.models.evidence.updateOne({ _id: record._id }, { $set: { ticketNumber } });
    return true;
  }

  /** Deletes a held file the consumer decided not to add to any ticket. */
  async dropHeld(actor: ConsumerActor, held: HeldMedia): Promise<void> {
    const record = await this.models.evidence.findById(held.evidenceId, { ticketNumber: 1, uploadedBy: 1 }).lean<Pick<EvidenceRecord, '_id' | 'ticketNumber' | 'uploadedBy'>>();
    if (record && record.ticketNumber === HELD_TICKET && record.uploadedBy.id === consumerActorId(actor)) await this.models.evidence.deleteOne({ _id: record._id });
  }

  private async store(actor: ConsumerActor, checked: CheckedMedia, ticketNumber: string): Promise<EvidenceRecord> {
    const sha256 = createHash('sha256').update(checked.data).digest('hex');
    const record: EvidenceRecord = {
      _id: `evidence_${randomBytes(8).toString('hex')}`,
      ticketNumber,
      contentType: checked.contentType,
      filename: `${checked.kind}-${sha256.slice(0, 12)}${checked.extension}`,
      size: checked.data.length,
      sha256,
      data: checked.data,
      uploadedBy: { role: 'consumer', id: consumerActorId(actor) },
      uploadedAt: this.now(),
    };
    await this.models.evidence.create(record);
    return record;
  }

  /**
   * A location pin (latitude/longitude in degrees) for the consumer's ticket, chosen as for a file; kept in the ticket's
   * chain as a `ticket.media_added` event of kind `location`. Which area a pin is in is the directory's business.
   */
  async acceptLocation(actor: ConsumerActor, pin: { latitude: number; longitude: number }, channel: EventChannel, ticketNumber?: string): Promise<LocationOutcome> {
    const { latitude, longitude } = pin;
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
      throw new MediaRefusedError('unsupported_type', 'A location needs a latitude within ±90 and a longitude within ±180 degrees.');
    }
    const target = await this.targetTicket(actor, ticketNumber);
    if (typeof target !== 'string') return target;
    await this.tickets.addConsumerLocation(target, actor, { latitude, longitude }, channel);
    return { outcome: 'attached', ticketNumber: target, kind: 'location' };
  }

  /** The consumer's one open ticket, or the open one they named; otherwise what to ask. */
  private async targetTicket(actor: ConsumerActor, ticketNumber: string | undefined): Promise<string | Exclude<MediaOutcome, { outcome: 'attached' }>> {
    const open = (await this.tickets.listForConsumer(actor)).filter((ticket: TicketHead) => ticket.status !== 'closed');
    let target: string | undefined;
    if (ticketNumber !== undefined) target = open.find((ticket) => ticket._id === ticketNumber)?._id;
    else if (open.length === 1) target = open[0]!._id;
    if (target !== undefined) return target;
    return open.length === 0 ? { outcome: 'no_open_ticket' } : { outcome: 'choose_ticket', tickets: open.map((ticket) => ticket._id) };
  }
}

/** The ticket number a held file carries until it is attached: no ticket has it, so no staff view can serve the file. */
export const HELD_TICKET = 'held';

/** A stored file waiting for its ticket (kept in the conversation's state by dialogs/consumerMedia.ts). */
export interface HeldMedia {
  evidenceId: string;
  kind: MediaKind;
  sha256: string;
  /** ISO time it was stored. */
  heldAt: string;
}

interface CheckedMedia {
  kind: MediaKind;
  contentType: EvidenceRecord['contentType'];
  extension: string;
  data: Buffer;
}

/** Decides by the bytes alone. SVG, HTML, archives, executables and anything unrecognised are refused. */
export async function checkMedia(media: IncomingMedia): Promise<CheckedMedia> {
  const { data } = media;
  if (data.length === 0) throw new MediaRefusedError('empty', 'The file is empty.');
  if (data.length > CONSUMER_MEDIA_MAX_BYTES) throw new MediaRefusedError('too_large', `The file is larger than ${CONSUMER_MEDIA_MAX_BYTES} bytes.`);
  const sniffed = sniff(data);
  if (sniffed === 'image') return { kind: 'photo', contentType: 'image/jpeg', extension: '.jpg', data: withinLimit(await reencode(data)) };
  if (sniffed === 'pdf') return { kind: 'document', contentType: 'application/pdf', extension: '.pdf', data: withinLimit(data) };
  if (sniffed) return { kind: 'voice', contentType: sniffed, extension: audioExtension[sniffed], data: withinLimit(data) };
  throw new MediaRefusedError('unsupported_type', 'Only photos (JPEG, PNG, WebP), PDF documents and voice notes are accepted.');
}

const audioExtension: Record<VoiceContentType, string> = { 'audio/ogg': '.ogg', 'audio/mpeg': '.mp3', 'audio/mp4': '.m4a', 'audio/amr': '.amr' };

export function sniff(data: Buffer): 'image' | 'pdf' | VoiceContentType | undefined {
  const starts = (bytes: number[] | string, offset = 0) => {
    const prefix = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
    return data.length >= offset + prefix.length && data.subarray(offset, offset + prefix.length).equals(prefix);
  };
  if (starts([0xff, 0xd8, 0xff]) || starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) || (starts('RIFF') && starts('WEBP', 8))) return 'image';
  if (starts('%PDF-')) return 'pdf';
  if (starts('OggS')) return 'audio/ogg';
  if (starts('#!AMR')) return 'audio/amr';
  if (starts('ID3') || starts([0xff, 0xfb]) || starts([0xff, 0xf3]) || starts([0xff, 0xf2])) return 'audio/mpeg';
  if (starts('ftyp', 4) && /^(M4A |mp42|isom|3gp)/.test(data.subarray(8, 12).toString('latin1'))) return 'audio/mp4';
  return undefined;
}

async function reencode(data: Buffer): Promise<Buffer> {
  try {
    return await sharp(data, { limitInputPixels: imageMaxPixels, failOn: 'error' })
      .rotate()
      .resize({ width: imageMaxSide, height: imageMaxSide, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 80 })
      .toBuffer();
  } catch {
    throw new MediaRefusedError('unreadable_image', 'The picture could not be read.');
  }
}

function withinLimit(data: Buffer): Buffer {
  if (data.length > EVIDENCE_MAX_BYTES) throw new MediaRefusedError('too_large', `The file is larger than ${EVIDENCE_MAX_BYTES} bytes.`);
  return data;
}
