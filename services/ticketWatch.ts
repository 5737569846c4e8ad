// The list of tickets the background workers must look at. A ticket is marked before (or while) any change that may
// give it work, so a crash between the mark and the change leaves at most a needless look, never a missed one.
import { wholeDocument, type Models } from '../models/index.js';
import type { TicketHead } from '../models/ticketTypes.js';
import type { WatchCheckTimes } from '../models/ticketWatchModel.js';
import { slaClockRuns } from './slaPolicy.js';

export type WatchWorker = keyof WatchCheckTimes;

/** "Not until the ticket changes again" (a change marks it, which clears every next-check time). */
export const untilChanged = new Date(8_640_000_000_000_000);

export interface WatchedTicket {
  ticketNumber: string;
  markedAt: Date;
}

export class TicketWatch {
  constructor(private readonly models: Pick<Models, 'ticketWatch'>) {}

  /** A change is coming: every worker should look again. */
  async mark(ticketNumber: string, at: Date): Promise<void> {
    await this.models.ticketWatch.updateOne({ _id: ticketNumber }, { $set: { markedAt: at }, $unset: { nextCheck: 1 } }, { upsert: true });
  }

  /** The watched tickets this worker should look at now. Reads this small collection whole; never the tickets. */
  async dueFor(worker: WatchWorker, now: Date): Promise<WatchedTicket[]> {
    const watched = await this.models.ticketWatch.find({}, wholeDocument).lean();
    return watched
      .filter((entry) => !entry.nextCheck?.[worker] || new Date(entry.nextCheck[worker]) <= now)
      .map((entry) => ({ ticketNumber: entry._id, markedAt: entry.markedAt }));
  }

  /** This worker has nothing to do for the ticket before `until` — unless it is marked again meanwhile. */
  async snooze(worker: WatchWorker, watched: WatchedTicket, until: Date): Promise<void> {
    await this.models.ticketWatch.updateOne({ _id: watched.ticketNumber, markedAt: watched.markedAt }, { $set: { [`nextCheck.${worker}`]: until } });
  }

  /** Stops watching, unless the ticket was marked again since `markedAt` was read. */
  async release(ticketNumber: string, markedAt: Date): Promise<void> {
    await this.models.ticketWatch.deleteOne({ _id: ticketNumber, markedAt });
  }

  /**
   * A pass's verdicts on many tickets in one bulk write: each snoozed for this worker until its time (`until`), or no
   * longer watched (`until: 'release'`) — each only unless the ticket was marked again meanwhile.
   */
  async settle(worker: WatchWorker, verdicts: Array<{ watched: WatchedTicket; until: Date | 'release' }>): Promise<void> {
    if (verdicts.length === 0) return;
    await this.models.ticketWatch.bulkWrite(
      verdicts.map(({ watched, until }) => {
        const filter = { _id: watched.ticketNumber, markedAt: watched.markedAt };
        return until === 'release' ? { deleteOne: { filter } } : { updateOne: { filter, update: { $set: { [`nextCheck.${worker}`]: until } } } };
      }),
      { ordered: false },
    );
  }
}

/** Watched tickets in groups of this many: one `_id $in` read and one bulk write of verdicts per group. */
export const WATCH_BATCH = 100;

/**
 * Work is left: an effect not yet delivered (and not given up on), a consumer's answer still awaited, or a time limit
 * running that the SLA timers must be able to see breached.
 */
export function needsAttention(ticket: Pick<TicketHead, 'outbox' | 'status' | 'level'>): boolean {
  return ticket.status === 'awaiting_confirmation' || slaClockRuns(ticket) || (ticket.outbox ?? []).some((effect) => !effect.failedAt);
}
