// An officer's worklist without a scan: one document per officer id listing the numbers of the tickets handed to that
// officer, read by `_id` alone. Kept by TicketService: a number is added before the write that hands the ticket over
// (so a crash leaves at most an entry that no longer matches, never a ticket missing from its owner's list) and
// removed after a write that moves it away or closes it. Readers check each ticket's current owner all the same.
import { Schema } from 'mongoose';

export interface OfficerQueueRecord {
  /** The officer id from the directory, e.g. `je-gomti-nagar-1`. */
  _id: string;
  ticketNumbers: string[];
  updatedAt: Date;
}

export const officerQueueSchema = new Schema<OfficerQueueRecord>(
  {
    _id: { type: String, required: true },
    ticketNumbers: { type: [String], required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);
