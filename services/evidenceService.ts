// Evidence files for tickets: staff upload a photo or a PDF, then name its id in a progress note or a resolution claim
// (the ticket's event records the ids, so the history says what was shown). Who may upload or read follows the ticket:
// agents and supervisors any ticket, officers the tickets of their area (uploading only at their own level).
//
// The file is trusted for nothing: its type must be one of three and its first bytes must say so; the name it came
// with is cut down to a harmless display name and never touches a file system; its id is generated here.
import { createHash, randomBytes } from 'node:crypto';
import { trusted } from 'mongoose';
import { EVIDENCE_CONTENT_TYPES, type EvidenceContentType, type EvidenceRecord } from '../models/evidenceModel.js';
import { wholeDocument, type Models } from '../models/index.js';
import type { TicketHead } from '../models/ticketTypes.js';
import { DomainError, InvalidInputError, TicketNotFoundError } from './errors.js';
import { actorFor, type StaffPrincipal } from './staffAuthService.js';
import { evidenceIdPattern } from './ticketInput.js';

export const EVIDENCE_MAX_BYTES = 2 * 1024 * 1024;
const filenameMax = 100;

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

export class EvidenceService {
  constructor(
    private readonly models: Pick<Models, 'evidence'>,
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

  /** The file, for a caller who may read its ticket; "not found" otherwise, so its existence is not revealed. */
  async read(principal: StaffPrincipal, evidenceId: string): Promise<EvidenceView & { data: Buffer }> {
    if (!evidenceIdPattern.test(evidenceId)) throw new EvidenceNotFoundError(evidenceId);
    const record = await this.models.evidence.findById(evidenceId, wholeDocument).lean<EvidenceRecord>();
    if (!record) throw new EvidenceNotFoundError(evidenceId);
    try {
      await this.access.readableHead(principal, record.ticketNumber);
    } catch (error) {
      if (error instanceof TicketNotFoundError) throw new EvidenceNotFoundError(evidenceId);
      throw error;
    }
    return { ...toView(record), data: bytesOf(record.data) };
  }
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
