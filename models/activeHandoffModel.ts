// A consumer's open handoff (waiting for an agent, or owned by one), keyed by their channel identity
// (`channel:<channel>:<userId>`), so the bot checks it with one `_id` read per turn. Deleted when the handoff ends:
// the collection holds open handoffs only, which makes it the agents' queue too (listing it scans only those).
import { Schema } from 'mongoose';

export interface ActiveHandoffRecord {
  /** channelIdentityKey(channel, channelUserId). */
  _id: string;
  handoffId: string;
  status: 'waiting' | 'accepted';
  channel: string;
  channelUserId: string;
  reason: 'asked' | 'not_understood' | 'upset';
  language: 'hi' | 'en';
  createdAt: Date;
  agentUsername?: string;
  agentName?: string;
  acceptedAt?: Date;
}

export const activeHandoffSchema = new Schema<ActiveHandoffRecord>(
  {
    _id: { type: String, required: true },
    handoffId: { type: String, required: true },
    status: { type: String, enum: ['waiting', 'accepted'], required: true },
    channel: { type: String, required: true },
    channelUserId: { type: String, required: true },
    reason: { type: String, enum: ['asked', 'not_understood', 'upset'], required: true },
    language: { type: String, enum: ['hi', 'en'], required: true },
    createdAt: { type: Date, required: true },
    agentUsername: { type: String },
    agentName: { type: String },
    acceptedAt: { type: Date },
  },
  { versionKey: false, strict: 'throw' },
);
