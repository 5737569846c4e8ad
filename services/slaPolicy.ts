// How long one owner may hold a ticket before it climbs the ladder, per category. The defaults follow the UPERC
// (Standards of Performance) Regulations and the Electricity (Rights of Consumers) Rules, 2020 as understood when this
// was written; docs/tickets.md "Time limits" lists each figure with its source. A utility checks them against the gazette and
// overrides any of them with SLA_<CATEGORY> (server/config.ts).
import {
  OFFICER_LEVELS,
  TICKET_CATEGORIES,
  type TicketCategory,
  type TicketEventType,
  type TicketHead,
  type TicketRecord,
  type TicketStatus,
} from '../models/ticketTypes.js';

export type SlaLimits = Readonly<Record<TicketCategory, number>>;

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/**
 * A ticket does not (yet) know whether its place is metropolitan, urban or rural, so each default is the strictest
 * (urban / metropolitan) figure: escalating early costs an officer a message, escalating late silently spends the
 * consumer's regulatory guarantee. Rural circles raise the figure by configuration.
 */
export const DEFAULT_SLA_LIMITS_MS: SlaLimits = {
  supply: 4 * hour,
  transformer: 24 * hour,
  meter: 7 * day,
  bill: 7 * day,
  new_connection: 7 * day,
  // Neither instrument sets a figure for theft reports; a week is this helpline's own default.
  theft: 7 * day,
};

/** An emergency (TicketRecord.emergency) gets one short limit whatever its category: EMERGENCY_SLA, default 1 h. */
export const DEFAULT_EMERGENCY_SLA_MS = hour;

/** The limit that applies to this ticket's current owner. */
export function slaLimitFor(ticket: Pick<TicketHead, 'category' | 'emergency'>, limits: SlaLimits, emergencyLimitMs: number): number {
  return ticket.emergency ? emergencyLimitMs : limits[ticket.category];
}

export function resolveSlaLimits(overrides: Partial<Record<TicketCategory, number | undefined>> = {}): SlaLimits {
  return Object.fromEntries(
    TICKET_CATEGORIES.map((category) => [category, overrides[category] ?? DEFAULT_SLA_LIMITS_MS[category]]),
  ) as Record<TicketCategory, number>;
}

/** An owner holds the ticket and is expected to act. In the other statuses the consumer is being asked, or it is done. */
export const OWNER_HELD_STATUSES: ReadonlySet<TicketStatus> = new Set(['registered', 'assigned', 'in_progress', 'reopened']);
const TOP_LEVEL = OFFICER_LEVELS[OFFICER_LEVELS.length - 1];

/**
 * Whether a breach could still lead anywhere. At the top of the ladder (CE) there is nobody to escalate to, so no
 * clock runs: a breach there is recorded nowhere, and the ticket is not kept on the watch list for it.
 */
export function slaClockRuns(ticket: Pick<TicketHead, 'status' | 'level'>): boolean {
  return OWNER_HELD_STATUSES.has(ticket.status) && ticket.level !== TOP_LEVEL;
}

/** The events that hand the ticket to a (possibly new) owner, who then gets a full period. */
const OWNER_CHANGE_EVENTS: ReadonlySet<TicketEventType> = new Set(['ticket.assigned', 'ticket.escalated', 'ticket.rejected']);

/** For tickets written before `ownerSince` was kept on the head: the same instant, read from the history. */
export function ownerSinceFromHistory(ticket: Pick<TicketRecord, 'events' | 'createdAt'>): Date {
  const handover = ticket.events.findLast((event) => OWNER_CHANGE_EVENTS.has(event.type));
  return new Date(handover?.at ?? ticket.createdAt);
}

export function isBreached(ownerSince: Date, limitMs: number, now: Date): boolean {
  return now.getTime() - ownerSince.getTime() >= limitMs;
}

/** The note on the escalation event, which the new owner and the consumer are shown. */
export function breachNote(category: TicketCategory, limitMs: number, emergency = false): string {
  return `Time limit for ${emergency ? 'an emergency' : category.replace('_', ' ')} (${formatLimit(limitMs)}) exceeded`;
}

export function formatLimit(ms: number): string {
  if (ms % day === 0) return `${ms / day} d`;
  if (ms % hour === 0) return `${ms / hour} h`;
  if (ms % minute === 0) return `${ms / minute} min`;
  return `${Math.round(ms / 1000)} s`;
}
