// A consumer's request to talk to a person (asked, not understood twice, or upset), waiting for the agent side.
import { Schema } from 'mongoose';

export interface HandoffRequestRecord {
  _id: string;
  consumerKey: string;
  channel: string;
  reason: 'asked' | 'not_understood' | 'upset';
  lastText: string;
  status: 'waiting' | 'accepted' | 'completed' | 'failed';
  createdAt: Date;
}

export const handoffRequestSchema = new Schema<HandoffRequestRecord>(
  {
    _id: { type: String, required: true },
    consumerKey: { type: String, required: true },
    channel: { type: String, required: true },
    reason: { type: String, enum: ['asked', 'not_understood', 'upset'], required: true },
    lastText: { type: String, required: true },
    status: { type: String, enum: ['waiting', 'accepted', 'completed', 'failed'], required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);
