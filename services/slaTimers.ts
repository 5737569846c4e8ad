// Time limits per owner: a ticket held too long by one owner climbs one level, and the escalation notifies the new
// officer and the consumer. Everything needed (category, level, `ownerSince`) is on the ticket head and every ticket
// with a running clock stays on the watch list, so the timers survive restarts without a timer store.
import { wholeDocument, type Models } from '../models/index.js';
import type { SystemActor, TicketHead, TicketRecord } from '../models/ticketTypes.js';
import { DomainError } from './errors.js';
import {
  breachNote,
  DEFAULT_EMERGENCY_SLA_MS,
  DEFAULT_SLA_LIMITS_MS,
  ownerSinceFromHistory,
  slaClockRuns,
  slaLimitFor,
  type SlaLimits,
} from './slaPolicy.js';
import { TicketTimer, type TicketTimerOptions } from './ticketTimer.js';
import type { TicketService } from './ticketService.js';

export interface SlaTimerOptions extends TicketTimerOptions {
  /** Per category, how long one owner may hold a ticket. Default: DEFAULT_SLA_LIMITS_MS. */
  limitsMs?: SlaLimits;
  /** How long one owner may hold an emergency ticket (EMERGENCY_SLA). Default: DEFAULT_EMERGENCY_SLA_MS. */
  emergencyLimitMs?: number;
}

const slaActor: SystemActor = { role: 'system', id: 'sla-timer' };

export class SlaTimers extends TicketTimer {
  private readonly limits: SlaLimits;
  private readonly emergencyLimitMs: number;

  constructor(
    models: Pick<Models, 'tickets' | 'ticketWatch' | 'leases'>,
    private readonly tickets: TicketService,
    options: SlaTimerOptions = {},
  ) {
    super(models, 'sla', options);
    this.limits = options.limitsMs ?? DEFAULT_SLA_LIMITS_MS;
    this.emergencyLimitMs = options.emergencyLimitMs ?? DEFAULT_EMERGENCY_SLA_MS;
  }

  /** When the current owner's time runs out; no clock runs while the consumer is asked, or at the top of the ladder. */
  protected async dueAt(ticket: TicketHead): Promise<Date | undefined> {
    if (!slaClockRuns(ticket)) return undefined;
    const ownerSince = ticket.ownerSince ?? (await this.ownerSinceOfOlderTicket(ticket._id));
    return ownerSince ? new Date(new Date(ownerSince).getTime() + slaLimitFor(ticket, this.limits, this.emergencyLimitMs)) : undefined;
  }

  protected async act(ticket: TicketHead): Promise<void> {
    const limitMs = slaLimitFor(ticket, this.limits, this.emergencyLimitMs);
    // Escalate only the owner whose time ran out: if anyone (another process's timer, staff, the consumer) handed the
    // ticket on since this read, the new owner has a fresh period and this breach is no longer theirs.
    const sameOwnerStillHolds = (fresh: TicketHead) =>
      slaClockRuns(fresh) && fresh.level === ticket.level && sameInstant(fresh.ownerSince, ticket.ownerSince);
    try {
      await this.tickets.escalate(ticket._id, slaActor, { note: breachNote(ticket.category, limitMs, ticket.emergency === true) }, 'system', sameOwnerStillHolds);
    } catch (error) {
      // Someone moved first (claimed a resolution, closed the way for escalation): their move stands.
      if (!(error instanceof DomainError)) throw error;
    }
  }

  /** Tickets written before `ownerSince` was kept on the head: read the history once per check. */
  private async ownerSinceOfOlderTicket(ticketNumber: string): Promise<Date | undefined> {
    const ticket = await this.models.tickets.findById(ticketNumber, wholeDocument).lean<TicketRecord>();
    return ticket ? ownerSinceFromHistory(ticket) : undefined;
  }
}

function sameInstant(a: Date | undefined, b: Date | undefined): boolean {
  return (a === undefined ? undefined : new Date(a).getTime()) === (b === undefined ? undefined : new Date(b).getTime());
}
