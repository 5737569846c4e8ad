// Monotonic counters, one document per key (e.g. one per day for ticket numbers), bumped atomically with `$inc`.
import { Schema } from 'mongoose';

export interface CounterRecord {
  _id: string;
  seq: number;
}

export const counterSchema = new Schema<CounterRecord>(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true },
  },
  { versionKey: false, strict: 'throw' },
);
