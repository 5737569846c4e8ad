// Tickets that need background attention — effects still to deliver, or a consumer's answer still awaited. The
// workers scan this small collection instead of the tickets (a scan of 100,000 tickets takes seconds on the
// embedded server and blocks every other operation on them meanwhile).
import { Schema } from 'mongoose';

export interface TicketWatchRecord {
  _id: string;
  markedAt: Date;
}

export const ticketWatchSchema = new Schema<TicketWatchRecord>(
  {
    _id: { type: String, required: true },
    markedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);

// Releasing a watch matches `{_id, markedAt}` so a mark made meanwhile survives: a full unique key, no scan.
ticketWatchSchema.index({ _id: 1, markedAt: 1 }, { unique: true, name: 'id_marked_unique' });
