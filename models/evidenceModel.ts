// Evidence files staff upload for a ticket (a photo of the repaired line, a PDF of a meter test), kept in the
// database so every process of a scaled-out helpline serves them; read only by `_id` (the id the ticket's event names).
import { Schema } from 'mongoose';
import type { ActorRef } from './ticketTypes.js';

export const EVIDENCE_CONTENT_TYPES = ['image/jpeg', 'image/png', 'application/pdf'] as const;
export type EvidenceContentType = (typeof EVIDENCE_CONTENT_TYPES)[number];
/** What a consumer's voice note is kept as (services/consumerMediaService.ts): as received, never transcribed. */
export const VOICE_CONTENT_TYPES = ['audio/ogg', 'audio/mpeg', 'audio/mp4', 'audio/amr'] as const;
export type VoiceContentType = (typeof VOICE_CONTENT_TYPES)[number];

export interface EvidenceRecord {
  /** `evidence_<16 hex>`, generated: never derived from anything the uploader sent. */
  _id: string;
  ticketNumber: string;
  contentType: EvidenceContentType | VoiceContentType;
  /** Sanitised display name for downloads; never used as a path. */
  filename: string;
  size: number;
  sha256: string;
  data: Buffer;
  uploadedBy: ActorRef;
  uploadedAt: Date;
}

export const evidenceSchema = new Schema<EvidenceRecord>(
  {
    _id: { type: String, required: true },
    ticketNumber: { type: String, required: true },
    contentType: { type: String, enum: [...EVIDENCE_CONTENT_TYPES, ...VOICE_CONTENT_TYPES], required: true },
    filename: { type: String, required: true },
    size: { type: Number, required: true },
    sha256: { type: String, required: true },
    data: { type: Buffer, required: true },
    uploadedBy: { type: new Schema({ role: { type: String, required: true }, id: { type: String, required: true }, name: String }, { _id: false }), required: true },
    uploadedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);
