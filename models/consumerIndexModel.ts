// "My complaints" without a scan: one document per consumer identity key (a channel identity, or a mobile number)
// listing that consumer's ticket numbers, read by `_id` alone.
import { Schema } from 'mongoose';

export interface ConsumerIndexRecord {
  _id: string;
  ticketNumbers: string[];
  updatedAt: Date;
}

export const consumerIndexSchema = new Schema<ConsumerIndexRecord>(
  {
    _id: { type: String, required: true },
    ticketNumbers: { type: [String], required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);
