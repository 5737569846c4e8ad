// Silence after "is it solved?": remind at configured intervals, then mark the ticket unconfirmed (a callback is owed;
// it is never closed). Everything needed is on the ticket, so the timers survive restarts without a timer store.
import type { Models } from '../models/index.js';
import type { SystemActor, TicketHead } from '../models/ticketTypes.js';
import { DomainError } from './errors.js';
import { TicketWatch, untilChanged } from './ticketWatch.js';
import type { TicketService } from './ticketService.js';

export interface SatisfactionTimerOptions {
  /** Waits after the question (then after each reminder) before the next reminder, e.g. [4 h, 20 h]. */
  reminderDelaysMs: number[];
  /** Wait after the last reminder before the ticket is marked unconfirmed. */
  unconfirmedAfterMs: number;
  checkIntervalMs?: number;
  now?: () => Date;
  log?: (line: string) => void;
}

const timerActor: SystemActor = { role: 'system', id: 'satisfaction-timer' };

export class SatisfactionTimers {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  private readonly watch: TicketWatch;

  constructor(
    private readonly models: Pick<Models, 'tickets' | 'ticketWatch'>,
    private readonly tickets: TicketService,
    private readonly options: SatisfactionTimerOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((line) => console.log(line));
    this.watch = new TicketWatch(models);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.checkDue(), this.options.checkIntervalMs ?? 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Reminds or gives up on every watched ticket whose wait is over; each is read by `_id`, nothing is scanned. */
  async checkDue(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        for (const watched of await this.watch.dueFor('satisfaction', this.now())) {
          const ticket = await this.models.tickets.findById(watched.ticketNumber, { events: 0 }).lean<TicketHead>();
          const dueAt = ticket ? this.dueAt(ticket) : undefined;
          // Acting changes the ticket, which marks it again; otherwise come back when the wait is over.
          if (dueAt && dueAt <= this.now()) await this.act(ticket!);
          else await this.watch.snooze('satisfaction', watched, dueAt ?? untilChanged);
        }
      } catch (error) {
        this.log(`[satisfaction-timers] check failed: ${String(error)}`);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** When the consumer's silence calls for the next step; undefined when there is nothing to wait for. */
  private dueAt(ticket: TicketHead): Date | undefined {
    const claim = ticket.claim;
    // Not waiting for an answer, or the question is not yet on the consumer's screen: nothing to remind them of.
    if (ticket.status !== 'awaiting_confirmation' || !claim?.lastAskedAt) return undefined;
    const wait = this.options.reminderDelaysMs[claim.remindersSent] ?? this.options.unconfirmedAfterMs;
    return new Date(new Date(claim.lastAskedAt).getTime() + wait);
  }

  private async act(ticket: TicketHead): Promise<void> {
    const remindersLeft = ticket.claim!.remindersSent < this.options.reminderDelaysMs.length;
    try {
      if (remindersLeft) await this.tickets.requestConfirmationAgain(ticket._id, timerActor);
      else await this.tickets.markUnconfirmed(ticket._id, timerActor);
    } catch (error) {
      // The consumer answered, or staff acted, between our read and our write: their move stands.
      if (!(error instanceof DomainError)) throw error;
    }
  }
}
