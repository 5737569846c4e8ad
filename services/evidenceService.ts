// Evidence files for tickets: staff upload a photo or a PDF, then name its id in a progress note or a resolution claim
// (the ticket's event records the ids, so the history says what was shown). Who may upload or read follows the ticket:
// agents and supervisors any ticket, officers the tickets of their area (uploading only at their own level).
//
// The file is trusted for nothing: its type must be one of three and its first bytes must say so; the name it came
// with is cut down to a harmless display name and never touches a file system; its id is generated here.
import { createHash, randomBytes } from 'node:crypto';
import { trusted } from 'mongoose';
import sharp from 'sharp';
import { EVIDENCE_CONTENT_TYPES, type EvidenceContentType, type EvidenceRecord } from '../models/evidenceModel.js';
import { wholeDocument, type Models } from '../models/index.js';
import type { ActorRef, TicketEvent, TicketHead, TicketRecord } from '../models/ticketTypes.js';
import { sniff } from './consumerMediaService.js';
import { DomainError, InvalidInputError, TicketNotFoundError } from './errors.js';
import { actorFor, type StaffPrincipal } from './staffAuthService.js';
import { evidenceIdPattern } from './ticketInput.js';

export const EVIDENCE_MAX_BYTES = 2 * 1024 * 1024;
const filenameMax = 100;
/** The longest side of a thumbnail staff views show (the full picture is one tap away). */
export const THUMBNAIL_MAX_SIDE = 320;
/** What a stored file is served as when its bytes are not what its record says: never rendered, only saved. */
export const OPAQUE_CONTENT_TYPE = 'application/octet-stream';

/** What the evidence service needs from the staff desk: the ticket, if the caller may see it or act on it. */
export interface TicketAccess {
  headFor(principal: StaffPrincipal, ticketNumber: string, action: string): Promise<TicketHead>;
  readableHead(principal: StaffPrincipal, ticketNumber: string): Promise<TicketHead>;
}

export class EvidenceNotFoundError extends DomainError {
  readonly code = 'evidence_not_found';
  constructor(readonly evidenceId: string) {
    super(`No evidence file ${evidenceId}.`);
  }
}

/** The declared type is not one we keep, or the bytes are not what it declares (answered 415). */
export class UnsupportedEvidenceError extends DomainError {
  readonly code = 'unsupported_media_type';
}

export interface EvidenceUpload {
  contentType: string | undefined;
  data: Buffer;
  filename?: string;
}

/** An uploaded file as the API shows it (without its bytes). */
export type EvidenceView = Omit<EvidenceRecord, '_id' | 'data'> & { id: string };

/** A file as it is served: `servedType` is the stored type only when the bytes agree with it. */
export type ServedEvidence = EvidenceView & { data: Buffer; servedType: EvidenceRecord['contentType'] | typeof OPAQUE_CONTENT_TYPE };

export type StaffMediaKind = 'photo' | 'document' | 'voice';

/**
 * One file of a ticket as staff views list it: where to fetch it (authorised URLs of this API, never a public link),
 * and a thumbnail for photos. A consumer who sent it is named by role only.
 */
export interface StaffMediaItem {
  id: string;
  kind: StaffMediaKind;
  contentType: EvidenceRecord['contentType'];
  size: number;
  sha256: string;
  uploadedBy: ActorRef | { role: 'consumer' };
  uploadedAt: Date;
  /** The history event that named the file. */
  eventSeq: number;
  eventType: TicketEvent['type'];
  url: string;
  thumbnailUrl?: string;
}

export class EvidenceService {
  constructor(
    private readonly models: Pick<Models, 'evidence' | 'tickets'>,
    private readonly access: TicketAccess,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async upload(principal: StaffPrincipal, ticketNumber: string, upload: EvidenceUpload): Promise<EvidenceView> {
    const ticket = await this.access.headFor(principal, ticketNumber, 'add evidence to');
    if (upload.data.length === 0) throw new InvalidInputError(['the file is empty']);
    if (upload.data.length > EVIDENCE_MAX_BYTES) throw new InvalidInputError([`the file is larger than ${EVIDENCE_MAX_BYTES} bytes`]);
    const contentType = checkedContentType(upload.contentType, upload.data);
    const record: EvidenceRecord = {
      _id: `evidence_${randomBytes(8).toString('hex')}`,
      ticketNumber: ticket._id,
      contentType,
      filename: safeFilename(upload.filename, contentType),
      size: upload.data.length,
      sha256: createHash('sha256').update(upload.data).digest('hex'),
      data: upload.data,
      uploadedBy: actorFor(principal),
      uploadedAt: this.now(),
    };
    await this.models.evidence.create(record);
    return toView(record);
  }

  /**
   * The file, for a caller who may read its ticket; "not found" otherwise, so its existence is not revealed. Its bytes
   * are checked again: a record whose bytes are not its type (written by anything but these services) is served as an
   * opaque download, never under a type a browser would render.
   */
  async read(principal: StaffPrincipal, evidenceId: string): Promise<ServedEvidence> {
    if (!evidenceIdPattern.test(evidenceId)) throw new EvidenceNotFoundError(evidenceId);
    const record = await this.models.evidence.findById(evidenceId, wholeDocument).lean<EvidenceRecord>();
    if (!record) throw new EvidenceNotFoundError(evidenceId);
    try {
      await this.access.readableHead(principal, record.ticketNumber);
    } catch (error) {
      if (error instanceof TicketNotFoundError) throw new EvidenceNotFoundError(evidenceId);
      throw error;
    }
    const data = bytesOf(record.data);
    return { ...toView(record), data, servedType: bytesAreOf(record.contentType, data) ? record.contentType : OPAQUE_CONTENT_TYPE };
  }

  /**
   * A small JPEG of a photo, decoded and re-encoded here (metadata dropped), so what a staff view shows inline is a
   * picture this code wrote. Anything that is not a picture, or does not decode as one, is refused (415).
   */
  async thumbnail(principal: StaffPrincipal, evidenceId: string): Promise<Buffer> {
    const file = await this.read(principal, evidenceId);
    if (!file.servedType.startsWith('image/')) throw new UnsupportedEvidenceError(`${evidenceId} is not a photo.`);
    try {
      return await sharp(file.data, { limitInputPixels: 40_000_000, failOn: 'error' })
        .rotate()
        .resize({ width: THUMBNAIL_MAX_SIDE, height: THUMBNAIL_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: 70 })
        .toBuffer();
    } catch {
      throw new UnsupportedEvidenceError(`${evidenceId} could not be read as a picture.`);
    }
  }

  /**
   * Every file a ticket's history names (the consumer's photos, bills and voice notes, the field's evidence), oldest
   * first, for a caller who may read the ticket: one read of the ticket by `_id`, one `_id $in` read of the files.
   */
  async mediaOfTicket(principal: StaffPrincipal, ticketNumber: string): Promise<{ media: StaffMediaItem[]; locations: StaffLocation[] }> {
    const head = await this.access.readableHead(principal, ticketNumber);
    const ticket = await this.models.tickets.findById(head._id, { events: 1 }).lean<Pick<TicketRecord, 'events'>>();
    const events = ticket?.events ?? [];
    const locations = events.flatMap((event) => {
      const { latitude, longitude } = event.data ?? {};
      return typeof latitude === 'number' && typeof longitude === 'number' ? [{ latitude, longitude, at: event.at, eventSeq: event.seq, by: event.actor.role }] : [];
    });
    return { media: await this.filesNamedBy(head._id, events), locations };
  }

  private async filesNamedBy(ticketNumber: string, events: TicketEvent[]): Promise<StaffMediaItem[]> {
    const named = new Map<string, TicketEvent>();
    for (const event of events) for (const file of event.evidence?.files ?? []) if (!named.has(file)) named.set(file, event);
    if (named.size === 0) return [];
    const records = await this.models.evidence
      .find({ _id: trusted({ $in: [...named.keys()] }) }, { data: 0 })
      .lean<Array<Omit<EvidenceRecord, 'data'>>>();
    const byId = new Map(records.filter((record) => record.ticketNumber === ticketNumber).map((record) => [record._id, record]));
    return [...named].flatMap(([id, event]) => {
      const record = byId.get(id);
      if (!record) return [];
      const kind = mediaKindOf(record.contentType);
      const url = `/api/evidence/${id}`;
      return [
        {
          id,
          kind,
          contentType: record.contentType,
          size: record.size,
          sha256: record.sha256,
          uploadedBy: record.uploadedBy.role === 'consumer' ? { role: 'consumer' as const } : record.uploadedBy,
          uploadedAt: record.uploadedAt,
          eventSeq: event.seq,
          eventType: event.type,
          url,
          ...(kind === 'photo' ? { thumbnailUrl: `${url}/thumbnail` } : {}),
        },
      ];
    });
  }
}

/** A location pin the ticket's history holds (a consumer's WhatsApp location or shared web location). */
export interface StaffLocation {
  latitude: number;
  longitude: number;
  at: Date;
  eventSeq: number;
  by: ActorRef['role'];
}

function mediaKindOf(contentType: EvidenceRecord['contentType']): StaffMediaKind {
  if (contentType.startsWith('image/')) return 'photo';
  if (contentType.startsWith('audio/')) return 'voice';
  return 'document';
}

/** Whether the bytes are what the stored type says (the same first-bytes test as at upload). */
function bytesAreOf(contentType: EvidenceRecord['contentType'], data: Buffer): boolean {
  if (contentType in magicBytes) return startsWith(data, magicBytes[contentType as EvidenceContentType]);
  return sniff(data) === contentType;
}

/** A note may name only files uploaded for its own ticket: two exact `_id` reads' worth (`_id $in` uses the index). */
export async function requireEvidenceOfTicket(models: Pick<Models, 'evidence'>, ticketNumber: string, ids: readonly string[] | undefined): Promise<void> {
  if (!ids || ids.length === 0) return;
  const found = await models.evidence.find({ _id: trusted({ $in: [...ids] }) }, { data: 0 }).lean<Array<Pick<EvidenceRecord, '_id' | 'ticketNumber'>>>();
  const ofTicket = new Set(found.filter((record) => record.ticketNumber === ticketNumber).map((record) => record._id));
  const missing = ids.filter((id) => !ofTicket.has(id));
  if (missing.length > 0) throw new InvalidInputError(missing.map((id) => `evidence.files: ${id} is not a file uploaded for ticket ${ticketNumber}`));
}

/** The declared type, if it is one we keep and the file's first bytes agree with it. */
function checkedContentType(declared: string | undefined, data: Buffer): EvidenceContentType {
  const type = declared?.split(';')[0]?.trim().toLowerCase();
  const known = EVIDENCE_CONTENT_TYPES.find((candidate) => candidate === type);
  if (!known) throw new UnsupportedEvidenceError(`Upload a JPEG, PNG or PDF file (Content-Type ${EVIDENCE_CONTENT_TYPES.join(', ')}).`);
  if (!startsWith(data, magicBytes[known])) throw new UnsupportedEvidenceError(`The file's contents are not ${known}.`);
  return known;
}

const magicBytes: Record<EvidenceContentType, number[]> = {
  'image/jpeg': [0xff, 0xd8, 0xff],
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  'application/pdf': [0x25, 0x50, 0x44, 0x46, 0x2d], // %PDF-
};

function startsWith(data: Buffer, prefix: number[]): boolean {
  return data.length >= prefix.length && prefix.every((byte, index) => data[index] === byte);
}

const extensionOf: Record<EvidenceContentType, string> = { 'image/jpeg': '.jpg', 'image/png': '.png', 'application/pdf': '.pdf' };

/**
 * A display name only: the last path segment, letters (any script), digits, space, dot, dash and underscore, no
 * leading dots, bounded, and ending in the extension of the type the bytes proved — "../../etc/passwd" becomes
 * "passwd.jpg".
 */
export function safeFilename(raw: string | undefined, contentType: EvidenceContentType): string {
  let decoded = raw ?? '';
  try {
    decoded = decodeURIComponent(decoded);
  } catch {
    // Not percent-encoded: taken as written.
  }
  const lastSegment = decoded.split(/[\\/]/).pop() ?? '';
  const cleaned = lastSegment
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N} ._-]/gu, '')
    .replace(/^[.\s]+/, '')
    .trim();
  const extension = extensionOf[contentType];
  const stem = cleaned.replace(/\.[A-Za-z0-9]{1,5}$/, '').slice(0, filenameMax - extension.length) || 'evidence';
  return `${stem}${extension}`;
}

function toView(record: EvidenceRecord): EvidenceView {
  const { _id, data: _data, ...rest } = record;
  return { id: _id, ...rest };
}

/** The driver hands back a BSON Binary for a lean read; the bytes are its buffer. */
function bytesOf(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  const binary = data as { buffer?: Uint8Array };
  return Buffer.from(binary.buffer ?? new Uint8Array());
}
