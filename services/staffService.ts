// The staff desk: what agents, officers and supervisors may see and do to tickets, on top of the TicketService.
// Every action is attributed to the caller's session (see `actorFor`), checked here on the server, and never closes
// a ticket: closing is the consumer's answer alone, and an attempt to close is refused and written into the history.
import { trusted } from 'mongoose';
import { z } from 'zod';
import { wholeDocument, type Models } from '../models/index.js';
import { TICKET_CATEGORIES, TICKET_STATUSES, type ConsumerIdentity, type OutboxEffect, type TicketEvent, type TicketHead, type TicketRecord } from '../models/ticketTypes.js';
import { mobileIdentityKey, normaliseMobile } from './consumerIdentity.js';
import { normalisePlaceName, type Directory } from './directory.js';
import { InvalidInputError, NotPermittedError, TicketNotFoundError } from './errors.js';
import { OWNER_HELD_STATUSES } from './slaPolicy.js';
import { verifyChain, type ChainVerdict } from './eventChain.js';
import { requireEvidenceOfTicket } from './evidenceService.js';
import { actorFor, type StaffPrincipal } from './staffAuthService.js';
import { LIMITS, assignSchema, evidenceSchema, expectedBySchema, noteSchema, parseInput, ticketNumberSchema } from './ticketInput.js';
import type { TicketService } from './ticketService.js';

/** An anonymous theft report's reporter, as officers and agents see them: nothing that identifies them. */
export interface HiddenReporter {
  anonymous: true;
  hidden: true;
  language?: TicketRecord['consumer']['language'];
}

/** A ticket as staff see it in a list: no history, and none of the internal bookkeeping (outbox and its claim, duplicate key). */
export type StaffTicketSummary = Omit<TicketHead, '_id' | 'outbox' | 'outboxClaim' | 'duplicateKey' | 'consumer'> & { number: string; consumer: ConsumerIdentity | HiddenReporter };
/** One ticket in full: its history, and the messages it owes (so staff can see a delivery that failed). */
export type StaffTicketDetail = StaffTicketSummary & { events: TicketEvent[]; outbox: OutboxEffect[] };

export interface StaffTicketPage {
  tickets: StaffTicketSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const queryText = (max: number) => z.string().trim().min(1).max(max);

export const ticketListQuerySchema = z.strictObject({
  status: z.enum(TICKET_STATUSES).optional(),
  category: z.enum(TICKET_CATEGORIES).optional(),
  district: queryText(LIMITS.shortText).optional(),
  phone: queryText(40).optional().meta({ description: 'The consumer\'s mobile however written: 10 digits, +91…, 0…, with spaces or dashes.' }),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  cursor: ticketNumberSchema.optional().meta({ description: 'The nextCursor of the previous page.' }),
});
export type TicketListQuery = z.input<typeof ticketListQuerySchema>;

/** Progress and resolution from the field: a note, optionally a photo reference and a meter reading. */
export const staffNoteSchema = z.strictObject({
  note: noteSchema.shape.note,
  evidence: evidenceSchema.omit({ note: true }).optional(),
});
export type StaffNoteInput = z.input<typeof staffNoteSchema>;

/** A progress note from the field, optionally with when the work is expected done (the consumer is told both). */
export const staffProgressSchema = staffNoteSchema.extend({ expectedBy: expectedBySchema.optional() });
export type StaffProgressInput = z.input<typeof staffProgressSchema>;

export const staffAssignSchema = assignSchema;
export type StaffAssignInput = z.input<typeof staffAssignSchema>;

/** How a caller tried to close or set a status, written into the refusal so the history shows what was asked. */
export interface ClosureAttempt {
  via: string;
  requestedStatus?: unknown;
  note?: unknown;
}

// Every read carries an exclusion projection (see `wholeDocument`); a list never needs the history or the outbox.
const summaryProjection = { events: 0, outbox: 0 } as const;
const headProjection = { events: 0 } as const;
const phoneLookupBatch = 50;

export class StaffService {
  constructor(
    private readonly models: Models,
    private readonly tickets: TicketService,
    private readonly directory: Directory,
  ) {}

  // ── Reading ───────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Newest first. A `phone` filter never scans: the consumer index document `mobile:<10 digits>` (an exact `_id`)
   * names the tickets, read by `_id $in`. Without it this is a query on status / category / district / an officer's
   * area, which the embedded server answers by scanning (~55 ms at 100,000 tickets; MongoDB with indexes does
   * better). Reports that need more will read rollups, not this.
   */
  async listTickets(principal: StaffPrincipal, queryInput: TicketListQuery): Promise<StaffTicketPage> {
    const query = parseInput(ticketListQuerySchema, queryInput);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const district = query.district === undefined ? undefined : this.canonicalDistrict(query.district);
    const area = principal.role === 'officer' ? this.areaOf(principal) : undefined;

    let tickets: TicketHead[];
    let pinned: TicketHead[] = [];
    if (query.phone !== undefined) {
      const mobile = normaliseMobile(query.phone);
      if (!mobile) throw new InvalidInputError(['phone: is not a 10-digit Indian mobile number (6–9 first, optional +91 or 0)']);
      tickets = await this.ticketsOfMobile(mobile, limit + 1, query.cursor, (ticket) =>
        (query.status === undefined || ticket.status === query.status) &&
        (query.category === undefined || ticket.category === query.category) &&
        (district === undefined || ticket.place.district === district) &&
        (area === undefined || (ticket.place.subDivisionId !== undefined && area.has(ticket.place.subDivisionId))),
      );
    } else {
      const filter: Record<string, unknown> = {};
      if (query.status !== undefined) filter.status = query.status;
      if (query.category !== undefined) filter.category = query.category;
      if (district !== undefined) filter['place.district'] = district;
      if (area !== undefined) filter['place.subDivisionId'] = trusted({ $in: [...area] });
      // Open emergencies are listed once, at the top of the first page (below), never again further down.
      const withoutOpenEmergencies = trusted([{ emergency: trusted({ $ne: true }) }, { status: trusted({ $nin: [...OWNER_HELD_STATUSES] }) }]);
      const regular = { ...filter, $or: withoutOpenEmergencies, ...(query.cursor !== undefined ? { _id: trusted({ $lt: query.cursor }) } : {}) };
      tickets = await this.models.tickets.find(trusted(regular), summaryProjection).sort({ _id: -1 }).limit(limit + 1).lean<TicketHead[]>();
      if (query.cursor === undefined && (query.status === undefined || OWNER_HELD_STATUSES.has(query.status))) {
        const open = { ...filter, emergency: true, status: query.status ?? trusted({ $in: [...OWNER_HELD_STATUSES] }) };
        pinned = await this.models.tickets.find(trusted(open), summaryProjection).sort({ _id: -1 }).limit(MAX_PAGE_SIZE).lean<TicketHead[]>();
      }
    }

    // An anonymous reporter's own number must not find their report for someone who may not know who reported it.
    if (query.phone !== undefined && !seesReporters(principal)) tickets = tickets.filter((ticket) => !ticket.consumer.anonymous);
    const page = tickets.slice(0, limit);
    const nextCursor = tickets.length > limit ? (page.at(-1)?._id ?? null) : null;
    // A phone's page is short: its open emergencies simply come first within it.
    const ordered = query.phone !== undefined ? [...page.filter(isOpenEmergency), ...page.filter((ticket) => !isOpenEmergency(ticket))] : [...pinned, ...page];
    return { tickets: ordered.map((ticket) => viewFor(principal, toSummary(ticket))), nextCursor };
  }

  /** The whole ticket with its history and the verdict on its hash chain. Officers see only their own area. */
  async getTicket(principal: StaffPrincipal, ticketNumber: string): Promise<{ ticket: StaffTicketDetail; chain: ChainVerdict }> {
    const ticket = await this.tickets.get(ticketNumber);
    this.requireMayRead(principal, ticket);
    // Verified on the copy just read, so the verdict is about exactly what is shown (TicketService.verify would read again).
    const chain = verifyChain(ticket);
    const { events, outbox, ...head } = ticket;
    const shownEvents = seesReporters(principal) || !ticket.consumer.anonymous ? events : events.map(withoutReporter);
    return { ticket: { ...viewFor(principal, toSummary(head)), events: shownEvents, outbox }, chain };
  }

  // ── Acting ────────────────────────────────────────────────────────────────────────────────────────────────────

  async assign(principal: StaffPrincipal, ticketNumber: string, input: StaffAssignInput): Promise<StaffTicketSummary> {
    const request = parseInput(staffAssignSchema, input);
    const ticket = await this.headFor(principal, ticketNumber, 'assign');
    if (principal.role === 'officer' && request.officerId !== undefined) this.requireServesTicket(request.officerId, ticket);
    return viewFor(principal, toSummary(await this.tickets.assign(ticket._id, actorFor(principal), request, 'api')));
  }

  /** A progress note; on a ticket not yet being worked, the first note starts the work. */
  async noteProgress(principal: StaffPrincipal, ticketNumber: string, input: StaffProgressInput): Promise<StaffTicketSummary> {
    const request = parseInput(staffProgressSchema, input);
    const ticket = await this.headFor(principal, ticketNumber, 'record progress on');
    await requireEvidenceOfTicket(this.models, ticket._id, request.evidence?.files);
    return viewFor(principal, toSummary(await this.tickets.noteProgress(ticket._id, actorFor(principal), request, 'api')));
  }

  /** The field says it is fixed: the ticket waits for its consumer's answer. It is not closed. */
  async claimResolution(principal: StaffPrincipal, ticketNumber: string, input: StaffNoteInput): Promise<{ ticket: StaffTicketSummary; claimId: string }> {
    const request = parseInput(staffNoteSchema, input);
    const ticket = await this.headFor(principal, ticketNumber, 'claim a resolution on');
    await requireEvidenceOfTicket(this.models, ticket._id, request.evidence?.files);
    const result = await this.tickets.claimResolution(ticket._id, actorFor(principal), request, 'api');
    return { ticket: viewFor(principal, toSummary(result.ticket)), claimId: result.claimId };
  }

  /** Accept / start work (officer page): the ticket is being worked, with an optional note that reaches the consumer. */
  async startWork(principal: StaffPrincipal, ticketNumber: string, input: { note?: string }): Promise<StaffTicketSummary> {
    const ticket = await this.headFor(principal, ticketNumber, 'start work on');
    return toSummary(await this.tickets.startWork(ticket._id, actorFor(principal), input, 'api'));
  }

  /** The owner asks to be relieved of a ticket; it stays theirs until an agent, supervisor or officer reassigns it. */
  async requestReassignment(principal: StaffPrincipal, ticketNumber: string, input: { note: string }): Promise<StaffTicketSummary> {
    const ticket = await this.headFor(principal, ticketNumber, 'ask for reassignment of');
    return toSummary(await this.tickets.requestReassignment(ticket._id, actorFor(principal), input, 'api'));
  }

  /**
   * Staff asked to close a ticket or set its status. Always refused (ClosureNotPermittedError), and recorded as
   * `ticket.closure_refused` with the caller as actor — for callers allowed to see the ticket. A caller who may not
   * see it learns nothing and writes nothing into a history that is not theirs.
   */
  async refuseClosure(principal: StaffPrincipal, ticketNumber: string, attempt: ClosureAttempt): Promise<never> {
    const ticket = await this.readableHead(principal, ticketNumber);
    return this.tickets.requestClosure(ticket._id, actorFor(principal), { note: describeAttempt(attempt) }, 'api');
  }

  // ── Permissions ───────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Agents and supervisors act on any ticket. An officer acts on tickets in their area (404 outside it, as for
   * reading) and only while the ticket is at their own level (403): a ticket escalated past them is the next
   * officer's. The check precedes the write by one read, so a ticket escalated in between can still take this one
   * action; the TicketService has no hook to check inside its compare-and-set.
   */
  async headFor(principal: StaffPrincipal, ticketNumber: string, action: string): Promise<TicketHead> {
    const ticket = await this.readableHead(principal, ticketNumber);
    if (principal.role === 'officer' && ticket.level !== principal.level) {
      throw new NotPermittedError(
        `Ticket ${ticket._id} is with the ${ticket.level} now; ${principal.level ? `as ${principal.level}` : 'an officer not in the directory'} you can ${action} only tickets at your own level.`,
      );
    }
    return ticket;
  }

  /** The ticket without its history, if the caller may read it (evidence files follow their ticket's rules). */
  async readableHead(principal: StaffPrincipal, ticketNumber: string): Promise<TicketHead> {
    const number = parseInput(ticketNumberSchema, ticketNumber);
    const ticket = await this.models.tickets.findById(number, headProjection).lean<TicketHead>();
    if (!ticket) throw new TicketNotFoundError(number);
    this.requireMayRead(principal, ticket);
    return ticket;
  }

  /** Officers read only tickets in their area; outside it a ticket is "not found", so its existence is not revealed. */
  private requireMayRead(principal: StaffPrincipal, ticket: Pick<TicketHead, '_id' | 'place'>): void {
    if (principal.role !== 'officer') return;
    const subDivisionId = ticket.place.subDivisionId;
    if (subDivisionId === undefined || !this.areaOf(principal).has(subDivisionId)) throw new TicketNotFoundError(ticket._id);
  }

  /** An officer may hand a ticket only to an officer who serves its place. */
  private requireServesTicket(officerId: string, ticket: TicketHead): void {
    const subDivisionId = ticket.place.subDivisionId;
    if (subDivisionId === undefined || !this.directory.subDivisionIdsUnder(officerId).includes(subDivisionId)) {
      throw new NotPermittedError(`Officer ${officerId} does not serve the place of ticket ${ticket._id}; assign it to an officer of ${ticket.place.subDivision ?? 'its sub-division'}.`);
    }
  }

  private areaOf(principal: StaffPrincipal): Set<string> {
    return new Set(principal.officerId ? this.directory.subDivisionIdsUnder(principal.officerId) : []);
  }

  // ── Queries ───────────────────────────────────────────────────────────────────────────────────────────────────

  /** The consumer's tickets through their mobile's index document, newest first, `wanted` of them at most. */
  private async ticketsOfMobile(mobile: string, wanted: number, cursor: string | undefined, matches: (ticket: TicketHead) => boolean): Promise<TicketHead[]> {
    const entry = await this.models.consumerIndex.findById(mobileIdentityKey(mobile), wholeDocument).lean();
    const numbers = [...new Set(entry?.ticketNumbers ?? [])]
      .filter((number) => cursor === undefined || number < cursor)
      .sort()
      .reverse();
    const found: TicketHead[] = [];
    for (let start = 0; start < numbers.length && found.length < wanted; start += phoneLookupBatch) {
      const batch = numbers.slice(start, start + phoneLookupBatch);
      const tickets = await this.models.tickets.find({ _id: trusted({ $in: batch }) }, summaryProjection).lean<TicketHead[]>();
      // The index is written before its ticket, so a number may have no ticket yet (or ever); the mobile check
      // keeps the answer to this consumer's tickets whatever the index says.
      const byNumber = new Map(tickets.map((ticket) => [ticket._id, ticket]));
      for (const number of batch) {
        const ticket = byNumber.get(number);
        if (ticket && ticket.consumer.mobile === mobile && matches(ticket)) found.push(ticket);
        if (found.length >= wanted) break;
      }
    }
    return found;
  }

  /** "lucknow" finds tickets filed under the directory's "Lucknow"; an unknown district is matched as written. */
  private canonicalDistrict(district: string): string {
    const key = normalisePlaceName(district);
    return this.directory.districts().find((name) => normalisePlaceName(name) === key) ?? district;
  }
}

/** An emergency its owner still has to make safe: listed above everything else. */
function isOpenEmergency(ticket: Pick<TicketHead, 'emergency' | 'status'>): boolean {
  return ticket.emergency === true && OWNER_HELD_STATUSES.has(ticket.status);
}

export function toSummary(ticket: Omit<TicketRecord, 'events' | 'outbox'> & { outbox?: unknown }): StaffTicketSummary {
  const { _id, outbox: _outbox, outboxClaim: _outboxClaim, duplicateKey: _duplicateKey, ...rest } = ticket;
  return { number: _id, ...rest };
}

/** Only supervisors see who reported an anonymous theft; the stored ticket keeps it intact. */
function seesReporters(principal: StaffPrincipal): boolean {
  return principal.role === 'supervisor';
}

/** The summary as this member of staff may see it: an anonymous reporter is hidden from officers and agents. */
export function viewFor(principal: StaffPrincipal, summary: StaffTicketSummary): StaffTicketSummary {
  if (seesReporters(principal) || !('anonymous' in summary.consumer && summary.consumer.anonymous)) return summary;
  const hidden: HiddenReporter = { anonymous: true, hidden: true };
  if (summary.consumer.language) hidden.language = summary.consumer.language;
  return { ...summary, consumer: hidden };
}

/** An event of an anonymous report with the reporter's channel identity taken out. */
function withoutReporter(event: TicketEvent): TicketEvent {
  return event.actor.role === 'consumer' ? { ...event, actor: { role: 'consumer', id: 'hidden' } } : event;
}

function describeAttempt(attempt: ClosureAttempt): string {
  const parts = [`Closure requested through the staff API (${attempt.via})`];
  if (attempt.requestedStatus !== undefined) parts.push(`asking for status ${JSON.stringify(attempt.requestedStatus)?.slice(0, 60)}`);
  if (typeof attempt.note === 'string' && attempt.note.trim() !== '') parts.push(`note: ${attempt.note.trim()}`);
  return parts.join(', ').slice(0, LIMITS.note);
}
