// Silence after "is it solved?": remind at configured intervals, then mark the ticket unconfirmed (a callback is owed;
// it is never closed). Everything needed is on the ticket, so the timers survive restarts without a timer store.
import type { Models } from '../models/index.js';
import type { SystemActor, TicketHead } from '../models/ticketTypes.js';
import { DomainError } from './errors.js';
import { TicketTimer, type TicketTimerOptions } from './ticketTimer.js';
import type { TicketService } from './ticketService.js';

export interface SatisfactionTimerOptions extends TicketTimerOptions {
  /** Waits after the question (then after each reminder) before the next reminder, e.g. [4 h, 20 h]. */
  reminderDelaysMs: number[];
  /** Wait after the last reminder before the ticket is marked unconfirmed. */
  unconfirmedAfterMs: number;
}

const timerActor: SystemActor = { role: 'system', id: 'satisfaction-timer' };

export class SatisfactionTimers extends TicketTimer {
  constructor(
    models: Pick<Models, 'tickets' | 'ticketWatch' | 'leases'>,
    private readonly tickets: TicketService,
    private readonly options: SatisfactionTimerOptions,
  ) {
    super(models, 'satisfaction', options);
  }

  /** When the consumer's silence calls for the next step; undefined when there is nothing to wait for. */
  protected async dueAt(ticket: TicketHead): Promise<Date | undefined> {
    const claim = ticket.claim;
    // Not waiting for an answer, or the question is not yet on the consumer's screen: nothing to remind them of.
    if (ticket.status !== 'awaiting_confirmation' || !claim?.lastAskedAt) return undefined;
    const wait = this.options.reminderDelaysMs[claim.remindersSent] ?? this.options.unconfirmedAfterMs;
    return new Date(new Date(claim.lastAskedAt).getTime() + wait);
  }

  protected async act(ticket: TicketHead): Promise<void> {
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
