// Silence after "is it solved?": remind at configured intervals, then mark the ticket unconfirmed (a callback is owed;
// it is never closed). Everything needed is on the ticket, so the timers survive restarts without a timer store.
import type { Models } from '../models/index.js';
import type { SystemActor, TicketHead } from '../models/ticketTypes.js';
import { DomainError } from './errors.js';
import { TicketWatch } from './ticketWatch.js';
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
        for (const { ticketNumber } of await this.watch.list()) {
          const ticket = await this.models.tickets.findById(ticketNumber, { events: 0 }).lean<TicketHead>();
          if (ticket?.status === 'awaiting_confirmation') await this.act(ticket);
        }
      } catch (error) {
        this.log(`[satisfaction-timers] check failed: ${String(error)}`);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async act(ticket: TicketHead): Promise<void> {
    const claim = ticket.claim;
    // Not yet on the consumer's screen: nothing to remind them of.
    if (!claim?.lastAskedAt) return;
    const waited = this.now().getTime() - new Date(claim.lastAskedAt).getTime();
    const nextReminderDelay = this.options.reminderDelaysMs[claim.remindersSent];
    try {
      if (nextReminderDelay !== undefined) {
        if (waited >= nextReminderDelay) await this.tickets.requestConfirmationAgain(ticket._id, timerActor);
      } else if (waited >= this.options.unconfirmedAfterMs) {
        await this.tickets.markUnconfirmed(ticket._id, timerActor);
      }
    } catch (error) {
      // The consumer answered, or staff acted, between our read and our write: their move stands.
      if (!(error instanceof DomainError)) throw error;
    }
  }
}
