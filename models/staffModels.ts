// Staff accounts and their login sessions. Both are read only by `_id` (the username; the SHA-256 of a session
// token), so every authenticated request costs two exact index hits on either database and never a scan.
import { Schema } from 'mongoose';
import { STAFF_ROLES, type StaffRole } from './ticketTypes.js';

export interface StaffUserRecord {
  /** The normalised username (lowercase, trimmed): unique because it is the key. */
  _id: string;
  role: StaffRole;
  /** Officers only: their id in the directory, which gives their level and area. */
  officerId?: string;
  name: string;
  /** A self-describing scrypt hash (algorithm, cost parameters, salt, key), so the cost can be raised later. */
  passwordHash: string;
  disabled: boolean;
  /**
   * Sessions issued before this instant are void. Disabling a user sets it, which revokes every session at once
   * without having to find them (finding a user's sessions would be a scan on the embedded server).
   */
  tokensValidAfter: Date;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
}

export interface StaffSessionRecord {
  /** SHA-256 (hex) of the bearer token; the token itself is never stored. */
  _id: string;
  username: string;
  issuedAt: Date;
  expiresAt: Date;
  revoked: boolean;
  revokedAt?: Date;
}

// Collections and indexes are created by ensureCollections() one at a time; mongoose's own creation races itself
// on the embedded server (see models/index.ts).
const schemaOptions = { versionKey: false, strict: 'throw', autoCreate: false, autoIndex: false } as const;

export const staffUserSchema = new Schema<StaffUserRecord>(
  {
    _id: { type: String, required: true },
    role: { type: String, enum: STAFF_ROLES, required: true },
    officerId: String,
    name: { type: String, required: true },
    passwordHash: { type: String, required: true },
    disabled: { type: Boolean, required: true },
    tokensValidAfter: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  schemaOptions,
);

export const staffSessionSchema = new Schema<StaffSessionRecord>(
  {
    _id: { type: String, required: true },
    username: { type: String, required: true },
    issuedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    revoked: { type: Boolean, required: true },
    revokedAt: Date,
  },
  schemaOptions,
);
