// The callback queue: people staff should phone. One document per request with a deterministic `_id`
// (`handoff:<handoffId>` for a consumer who asked to be called back instead of waiting, `ticket:<number>:<claimId>` for
// a resolution claim nobody answered), so enqueueing twice stores it once. `callbacks` holds open requests only — a
// finished one moves to `callbacks_done` — so the staff's queue listing scans only what is still to be done.
import { Schema } from 'mongoose';
import { CONSUMER_LANGUAGES, type ConsumerLanguage } from './consumerLanguage.js';

export interface CallbackRecord {
  _id: string;
  kind: 'handoff' | 'ticket';
  channel: string;
  channelUserId: string;
  /** Ten digits; staff see it because they must dial it (logs never print it whole). */
  mobile: string;
  language: ConsumerLanguage;
  createdAt: Date;
  handoffId?: string;
  ticketNumber?: string;
  claimId?: string;
  /** Calls that did not reach the consumer. */
  attempts: number;
  lastAttemptAt?: Date;
  lastNote?: string;
  /** Who is calling now (claimed); cleared after an unreachable attempt so anyone may try again. */
  claimedBy?: { username: string; name: string; role: 'agent' | 'supervisor' };
  claimedAt?: Date;
}

export interface CallbackDoneRecord extends CallbackRecord {
  outcome: 'done' | 'yes' | 'no' | 'answered_in_chat';
  note?: string;
  doneBy: { username: string; name: string; role: string };
  doneAt: Date;
}

const staffRef = { username: { type: String, required: true }, name: { type: String, required: true }, role: { type: String, required: true } };

const callbackFields = {
  _id: { type: String, required: true },
  kind: { type: String, enum: ['handoff', 'ticket'], required: true },
  channel: { type: String, required: true },
  channelUserId: { type: String, required: true },
  mobile: { type: String, required: true },
  language: { type: String, enum: [...CONSUMER_LANGUAGES], required: true },
  createdAt: { type: Date, required: true },
  handoffId: { type: String },
  ticketNumber: { type: String },
  claimId: { type: String },
  attempts: { type: Number, required: true },
  lastAttemptAt: { type: Date },
  lastNote: { type: String },
  claimedBy: { type: new Schema(staffRef, { _id: false, versionKey: false, strict: 'throw' }) },
  claimedAt: { type: Date },
};

export const callbackSchema = new Schema<CallbackRecord>(callbackFields, { versionKey: false, strict: 'throw' });

export const callbackDoneSchema = new Schema<CallbackDoneRecord>(
  {
    ...callbackFields,
    outcome: { type: String, enum: ['done', 'yes', 'no', 'answered_in_chat'], required: true },
    note: { type: String },
    doneBy: { type: new Schema(staffRef, { _id: false, versionKey: false, strict: 'throw' }), required: true },
    doneAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);
