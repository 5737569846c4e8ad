// The loop every ticket timer shares: on an interval, look at the watched tickets whose time for this timer has come,
// act on those that are due, and snooze the rest until they will be. Acting changes the ticket, which marks it again.
// With several server processes on one database, one of them at a time runs each timer's pass (a lease per timer):
// two passes reading the same due ticket would otherwise both act on it (two reminders for one silence).
import type { Models } from '../models/index.js';
import { LeaseBusyError, Leases } from './leases.js';
import { PeriodicPass } from './periodicPass.js';
import type { TicketHead } from '../models/ticketTypes.js';
import { trusted } from 'mongoose';
import { TicketWatch, untilChanged, WATCH_BATCH, type WatchedTicket, type WatchWorker } from './ticketWatch.js';

export interface TicketTimerOptions {
  checkIntervalMs?: number;
  now?: () => Date;
  log?: (line: string) => void;
}

/** A pass normally takes milliseconds; its lease is renewed while it runs, and a dead process's expires this soon. */
const passLease = { ttlMs: 30_000, waitMs: 0, maxHoldMs: 10 * 60_000 };

/**
 * Acts on every watched ticket that is due; each is read by `_id`, nothing is scanned. When another process is in
 * the middle of this timer's pass, this one skips its turn: that pass covers the same tickets.
 */
export abstract class TicketTimer extends PeriodicPass {
  private readonly watch: TicketWatch;
  private readonly leases: Leases;
  protected readonly now: () => Date;
  protected readonly log: (line: string) => void;

  constructor(
    protected readonly models: Pick<Models, 'tickets' | 'ticketWatch' | 'leases'>,
    private readonly worker: WatchWorker,
    options: TicketTimerOptions,
  ) {
    super({ intervalMs: options.checkIntervalMs ?? 60_000, runAtStart: false });
    this.watch = new TicketWatch(models);
    this.leases = new Leases(models);
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((line) => console.log(line));
  }

  /** When this timer must next act on the ticket; undefined when it has nothing to wait for. */
  protected abstract dueAt(ticket: TicketHead): Promise<Date | undefined>;
  /** The due step (a reminder, an escalation); a DomainError means someone moved first, and is ignored by callers. */
  protected abstract act(ticket: TicketHead): Promise<void>;

  protected pass(): Promise<void> {
    return this.leases.holdWhile(`timer:${this.worker}`, passLease, () => this.actOnDue());
  }

  protected passFailed(error: unknown): void {
    if (error instanceof LeaseBusyError) return;
    this.log(`[${this.worker}-timer] check failed: ${String(error)}`);
  }

  /** The due watched tickets a batch at a time: one `_id $in` read, the due ones acted on, the rest snoozed in one write. */
  private async actOnDue(): Promise<void> {
    const due = await this.watch.dueFor(this.worker, this.now());
    for (let start = 0; start < due.length; start += WATCH_BATCH) {
      const batch = due.slice(start, start + WATCH_BATCH);
      const tickets = await this.models.tickets.find({ _id: trusted({ $in: batch.map((watched) => watched.ticketNumber) }) }, { events: 0 }).lean<TicketHead[]>();
      const byNumber = new Map(tickets.map((ticket) => [ticket._id, ticket]));
      const snoozed: Array<{ watched: WatchedTicket; until: Date }> = [];
      for (const watched of batch) {
        const ticket = byNumber.get(watched.ticketNumber);
        const dueAt = ticket ? await this.dueAt(ticket) : undefined;
        if (ticket && dueAt && dueAt <= this.now()) await this.act(ticket);
        else snoozed.push({ watched, until: dueAt ?? untilChanged });
      }
      await this.watch.settle(this.worker, snoozed);
    }
  }
}
