// Verified links between a consumer's channel identities (services/identityService.ts), and the one-time codes that
// prove them. Both are read and written by `_id` alone.
import { Schema } from 'mongoose';

/** One document per channel identity key (`channel:<channel>:<user id>`), listing the keys proven to be the same person. */
export interface IdentityLinkRecord {
  _id: string;
  linked: string[];
  updatedAt: Date;
}

export const identityLinkSchema = new Schema<IdentityLinkRecord>(
  {
    _id: { type: String, required: true },
    linked: { type: [String], required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);

/**
 * A pending verification. `_id` names where the code must come back from: `chat:<web identity key>` (the code went
 * to the WhatsApp number, the consumer types it in the chat) or `whatsapp:<whatsapp identity key>` (the code was
 * shown in the chat, the consumer sends it from that WhatsApp). Only a salted hash of the code is stored.
 */
export interface VerificationCodeRecord {
  _id: string;
  /** The web chat identity key that asked to be linked. */
  webIdentity: string;
  /** The WhatsApp identity key (`channel:whatsapp:91…`) of the typed mobile. */
  whatsAppIdentity: string;
  mobile: string;
  salt: string;
  codeHash: string;
  expiresAt: Date;
  attempts: number;
  /** Codes issued for this `_id` in the current window, and when the window began: issuing is rate-limited too. */
  issued: number;
  windowStart: Date;
  usedAt?: Date;
}

export const verificationCodeSchema = new Schema<VerificationCodeRecord>(
  {
    _id: { type: String, required: true },
    webIdentity: { type: String, required: true },
    whatsAppIdentity: { type: String, required: true },
    mobile: { type: String, required: true },
    salt: { type: String, required: true },
    codeHash: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    attempts: { type: Number, required: true },
    issued: { type: Number, required: true },
    windowStart: { type: Date, required: true },
    usedAt: Date,
  },
  { versionKey: false, strict: 'throw' },
);
