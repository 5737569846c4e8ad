// Tickets that need background attention — effects still to deliver, a consumer's answer awaited, a time limit
// running. The workers read this collection of small documents instead of the tickets (a scan of 100,000 tickets takes
// seconds on the embedded server and blocks every other operation on them meanwhile), and each worker reads a ticket
// only once its own next-check time has come.
import { Schema } from 'mongoose';

/** When each background worker next needs to look at the ticket; absent = now. A new mark clears them all. */
export interface WatchCheckTimes {
  notifications?: Date;
  satisfaction?: Date;
  sla?: Date;
}

export interface TicketWatchRecord {
  _id: string;
  markedAt: Date;
  nextCheck?: WatchCheckTimes;
}

export const ticketWatchSchema = new Schema<TicketWatchRecord>(
  {
    _id: { type: String, required: true },
    markedAt: { type: Date, required: true },
    nextCheck: new Schema({ notifications: Date, satisfaction: Date, sla: Date }, { _id: false }),
  },
  { versionKey: false, strict: 'throw' },
);

// Releasing a watch matches `{_id, markedAt}` so a mark made meanwhile survives: a full unique key, no scan.
ticketWatchSchema.index({ _id: 1, markedAt: 1 }, { unique: true, name: 'id_marked_unique' });
