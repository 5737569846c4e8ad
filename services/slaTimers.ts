// Time limits per owner: a ticket held too long by one owner climbs one level, and the escalation notifies the new
// officer and the consumer. Everything needed (category, level, `ownerSince`) is on the ticket head and every ticket
// with a running clock stays on the watch list, so the timers survive restarts without a timer store.
import { wholeDocument, type Models } from '../models/index.js';
import type { SystemActor, TicketHead, TicketRecord } from '../models/ticketTypes.js';
import { DomainError } from './errors.js';
import {
  breachNote,
  DEFAULT_SLA_LIMITS_MS,
  ownerSinceFromHistory,
  slaClockRuns,
  type SlaLimits,
} from './slaPolicy.js';
import { TicketWatch, untilChanged } from './ticketWatch.js';
import type { TicketService } from './ticketService.js';

export interface SlaTimerOptions {
  /** Per category, how long one owner may hold a ticket. Default: DEFAULT_SLA_LIMITS_MS. */
  limitsMs?: SlaLimits;
  checkIntervalMs?: number;
  now?: () => Date;
  log?: (line: string) => void;
}

const slaActor: SystemActor = { role: 'system', id: 'sla-timer' };

export class SlaTimers {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  private readonly limits: SlaLimits;
  private readonly checkIntervalMs: number;
  private readonly watch: TicketWatch;

  constructor(
    private readonly models: Pick<Models, 'tickets' | 'ticketWatch'>,
    private readonly tickets: TicketService,
    options: SlaTimerOptions = {},
  ) {
    this.checkIntervalMs = options.checkIntervalMs ?? 60_000;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((line) => console.log(line));
    this.limits = options.limitsMs ?? DEFAULT_SLA_LIMITS_MS;
    this.watch = new TicketWatch(models);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.checkDue(), this.checkIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Escalates every watched ticket whose owner has held it past its limit; each is read by `_id`, nothing is scanned. */
  async checkDue(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        for (const watched of await this.watch.dueFor('sla', this.now())) {
          const ticket = await this.models.tickets.findById(watched.ticketNumber, { events: 0 }).lean<TicketHead>();
          const dueAt = ticket && slaClockRuns(ticket) ? await this.dueAt(ticket) : undefined;
          // Escalating changes the ticket, which marks it again; otherwise come back when the limit runs out.
          if (dueAt && dueAt <= this.now()) await this.act(ticket!);
          else await this.watch.snooze('sla', watched, dueAt ?? untilChanged);
        }
      } catch (error) {
        this.log(`[sla-timers] check failed: ${String(error)}`);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** When the current owner's time runs out. */
  private async dueAt(ticket: TicketHead): Promise<Date | undefined> {
    const ownerSince = ticket.ownerSince ?? (await this.ownerSinceOfOlderTicket(ticket._id));
    return ownerSince ? new Date(new Date(ownerSince).getTime() + this.limits[ticket.category]) : undefined;
  }

  private async act(ticket: TicketHead): Promise<void> {
    const limitMs = this.limits[ticket.category];
    // Escalate only the owner whose time ran out: if anyone (another process's timer, staff, the consumer) handed the
    // ticket on since this read, the new owner has a fresh period and this breach is no longer theirs.
    const sameOwnerStillHolds = (fresh: TicketHead) =>
      slaClockRuns(fresh) && fresh.level === ticket.level && sameInstant(fresh.ownerSince, ticket.ownerSince);
    try {
      await this.tickets.escalate(ticket._id, slaActor, { note: breachNote(ticket.category, limitMs) }, 'system', sameOwnerStillHolds);
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
