// A consumer's open handoff (waiting for an agent, or owned by one), keyed by their channel identity
// (`channel:<channel>:<userId>`), so the bot checks it with one `_id` read per turn. Deleted when the handoff ends:
// the collection holds open handoffs only, which makes it the agents' queue too (listing it scans only those).
import { Schema } from 'mongoose';
import { CONSUMER_LANGUAGES, type ConsumerLanguage } from './consumerLanguage.js';

export interface ActiveHandoffRecord {
  /** channelIdentityKey(channel, channelUserId). */
  _id: string;
  handoffId: string;
  status: 'waiting' | 'accepted';
  channel: string;
  channelUserId: string;
  reason: 'asked' | 'not_understood' | 'upset';
  language: ConsumerLanguage;
  createdAt: Date;
  agentUsername?: string;
  agentName?: string;
  acceptedAt?: Date;
  // ── Callback offer (services/liveHandoffService.ts) ──
  /** The consumer's mobile on file when the handoff opened (WhatsApp number or the one they gave); the callback number. */
  mobile?: string;
  /** Opened outside office hours: the callback was offered at once, nobody is queued. */
  offHours?: boolean;
  /** While waiting, a callback is offered at this time (the persistent timer: a sweep of this small collection). */
  callbackDueAt?: Date;
  /** A process took the offer's delivery at this time (a lease: another may take it over if it never completes). */
  callbackOfferClaimedAt?: Date;
  /** The offer reached the consumer: their next yes / no / number answers it. */
  callbackOfferedAt?: Date;
  /** They said yes without a number on file: their next message should be one. */
  awaitingMobile?: boolean;
  /** The consumer's conversation documents marked before it opened (HandoffMarks); unmarked when it ends. */
  markedConversations?: string[];
}

export const activeHandoffSchema = new Schema<ActiveHandoffRecord>(
  {
    _id: { type: String, required: true },
    handoffId: { type: String, required: true },
    status: { type: String, enum: ['waiting', 'accepted'], required: true },
    channel: { type: String, required: true },
    channelUserId: { type: String, required: true },
    reason: { type: String, enum: ['asked', 'not_understood', 'upset'], required: true },
    language: { type: String, enum: [...CONSUMER_LANGUAGES], required: true },
    createdAt: { type: Date, required: true },
    agentUsername: { type: String },
    agentName: { type: String },
    acceptedAt: { type: Date },
    mobile: { type: String },
    offHours: { type: Boolean },
    callbackDueAt: { type: Date },
    callbackOfferClaimedAt: { type: Date },
    callbackOfferedAt: { type: Date },
    awaitingMobile: { type: Boolean },
    markedConversations: { type: [String], default: undefined },
  },
  { versionKey: false, strict: 'throw' },
);
