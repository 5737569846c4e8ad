// One document per open complaint "key" (same consumer account or place, same category). Inserting it is how a
// registration claims the key: the `_id` unique index lets exactly one of any number of racing registrations win.
import { Schema } from 'mongoose';

export interface DuplicateGuardRecord {
  _id: string;
  ticketNumber: string;
  createdAt: Date;
}

export const duplicateGuardSchema = new Schema<DuplicateGuardRecord>(
  {
    _id: { type: String, required: true },
    ticketNumber: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);

// Taking over a key left by a closed ticket matches `{_id, ticketNumber}`: a full unique key, so no scan.
duplicateGuardSchema.index({ _id: 1, ticketNumber: 1 }, { unique: true, name: 'id_ticket_unique' });
