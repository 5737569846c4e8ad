// The officer page's worklist (/officer, GET /api/officer/queue): the tickets an officer holds now, emergencies first,
// then by how soon their time limit runs out, with counts. Never a scan: the officer's queue document (one `_id` read)
// names the tickets, which are read by `_id $in`; each is checked against its current owner, so an entry left behind
// by a crash between the two writes is simply skipped.
import { trusted } from 'mongoose';
import { z } from 'zod';
import type { Models } from '../models/index.js';
import type { TicketHead, TicketStatus } from '../models/ticketTypes.js';
import type { Directory } from './directory.js';
import { NotPermittedError } from './errors.js';
import { optionalNoteSchema } from './ticketInput.js';
import { resolveSlaLimits, slaClockRuns, type SlaLimits } from './slaPolicy.js';
import type { StaffPrincipal } from './staffAuthService.js';
import { toSummary, type StaffTicketSummary } from './staffService.js';

export interface OfficerQueueEntry extends StaffTicketSummary {
  /** When the time limit of the current owner runs out; null while the consumer is being asked (no clock runs). */
  dueAt: string | null;
  overdue: boolean;
  /** A flag the emergency work adds to tickets; false until a ticket carries it. */
  emergency: boolean;
}

export interface OfficerQueue {
  officer: { id: string; name?: string; level?: string };
  counts: { total: number; emergencies: number; overdue: number; byStatus: Partial<Record<TicketStatus, number>> };
  tickets: OfficerQueueEntry[];
  /** Incidents affecting the officer's area: filled in by the incident work; always present so the page can show it. */
  incidents: unknown[];
}

/** POST /api/tickets/{number}/reassignment-request: why the officer asks (required). */
export const reassignmentSchema = z.strictObject({ note: optionalNoteSchema.shape.note.unwrap() });

const summaryProjection = { events: 0, outbox: 0 } as const;
const batchSize = 100;

export class OfficerDeskService {
  private readonly limits: SlaLimits;
  private readonly now: () => Date;

  constructor(
    private readonly models: Pick<Models, 'officerQueues' | 'tickets'>,
    private readonly directory: Directory,
    options: { slaLimitsMs?: SlaLimits; now?: () => Date } = {},
  ) {
    this.limits = options.slaLimitsMs ?? resolveSlaLimits();
    this.now = options.now ?? (() => new Date());
  }

  async queue(principal: StaffPrincipal): Promise<OfficerQueue> {
    if (principal.role !== 'officer' || !principal.officerId) {
      throw new NotPermittedError('The officer worklist is for officer accounts; agents and supervisors use GET /api/tickets.');
    }
    const officerId = principal.officerId;
    const entry = await this.models.officerQueues.findById(officerId, { _consistentSnapshot: 0 }).lean();
    const numbers = [...new Set(entry?.ticketNumbers ?? [])];
    const held: TicketHead[] = [];
    for (let start = 0; start < numbers.length; start += batchSize) {
      const batch = numbers.slice(start, start + batchSize);
      const tickets = await this.models.tickets.find({ _id: trusted({ $in: batch }) }, summaryProjection).lean<TicketHead[]>();
      // The ticket's own head decides: still this officer's, at this officer's level, and not closed.
      held.push(...tickets.filter((ticket) => ticket.officer?.id === officerId && ticket.status !== 'closed' && (!principal.level || ticket.level === principal.level)));
    }
    const at = this.now().getTime();
    const entries = held.map((ticket) => this.entryFor(ticket, at)).sort(byUrgency);
    const byStatus: Partial<Record<TicketStatus, number>> = {};
    for (const ticket of entries) byStatus[ticket.status] = (byStatus[ticket.status] ?? 0) + 1;
    const officer = this.directory.officerById(officerId);
    return {
      officer: { id: officerId, name: officer?.name ?? principal.name, level: principal.level },
      counts: {
        total: entries.length,
        emergencies: entries.filter((ticket) => ticket.emergency).length,
        overdue: entries.filter((ticket) => ticket.overdue).length,
        byStatus,
      },
      tickets: entries,
      incidents: [],
    };
  }

  private entryFor(ticket: TicketHead, at: number): OfficerQueueEntry {
    const since = new Date(ticket.ownerSince ?? ticket.createdAt).getTime();
    const due = slaClockRuns(ticket) ? since + this.limits[ticket.category] : undefined;
    return {
      ...toSummary(ticket),
      dueAt: due === undefined ? null : new Date(due).toISOString(),
      overdue: due !== undefined && due <= at,
      emergency: (ticket as { emergency?: unknown }).emergency === true,
    };
  }
}

/** Emergencies first; then the soonest time limit; tickets waiting on the consumer last; oldest number first on a tie. */
function byUrgency(a: OfficerQueueEntry, b: OfficerQueueEntry): number {
  if (a.emergency !== b.emergency) return a.emergency ? -1 : 1;
  if (a.dueAt !== b.dueAt) {
    if (a.dueAt === null) return 1;
    if (b.dueAt === null) return -1;
    return a.dueAt < b.dueAt ? -1 : 1;
  }
  return a.number < b.number ? -1 : 1;
}
