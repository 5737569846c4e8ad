// The list of tickets the background workers must look at. A ticket is marked before (or while) any change that may
// give it work, so a crash between the mark and the change leaves at most a needless look, never a missed one.
import { wholeDocument, type Models } from '../models/index.js';
import type { TicketHead } from '../models/ticketTypes.js';

export class TicketWatch {
  constructor(private readonly models: Pick<Models, 'ticketWatch'>) {}

  async mark(ticketNumber: string, at: Date): Promise<void> {
    await this.models.ticketWatch.updateOne({ _id: ticketNumber }, { $set: { markedAt: at } }, { upsert: true });
  }

  /** Every watched ticket. Scans, but only this small collection. */
  async list(): Promise<Array<{ ticketNumber: string; markedAt: Date }>> {
    const watched = await this.models.ticketWatch.find({}, wholeDocument).lean();
    return watched.map((entry) => ({ ticketNumber: entry._id, markedAt: entry.markedAt }));
  }

  /** Stops watching, unless the ticket was marked again since `markedAt` was read. */
  async release(ticketNumber: string, markedAt: Date): Promise<void> {
    await this.models.ticketWatch.deleteOne({ _id: ticketNumber, markedAt });
  }
}

/** Work is left: an effect not yet delivered (and not given up on), or a consumer's answer still awaited. */
export function needsAttention(ticket: Pick<TicketHead, 'outbox' | 'status'>): boolean {
  return ticket.status === 'awaiting_confirmation' || (ticket.outbox ?? []).some((effect) => !effect.failedAt);
}
