// What an event changes in the report rollups and the satisfaction register, as pure functions of the ticket's own
// (immutable) history. The live `report.update` effects (ReportService.apply), the backfill (scripts/reports.ts) and
// the benchmark's seeding all go through these, so the three cannot disagree.
import type { RegisterEntry, ReportCounter, ReportDimension } from '../models/reportModels.js';
import type { TicketCategory, TicketEvent, TicketRecord } from '../models/ticketTypes.js';
import { REPORTED_EVENTS } from './ticketLifecycle.js';

export type Increments = Partial<Record<ReportCounter, number>>;

export interface BucketRef {
  /** `<dimension>:<key>` */
  id: string;
  dimension: ReportDimension;
  key: string;
  label: string;
  district?: string;
  /** The ticket's sub-division (if it has one): an officer's area is a set of sub-divisions. */
  subDivisionId?: string;
}

/** Increments to one bucket on one IST day, in the ticket's category; `closureBin`: one closure of that duration. */
export interface DayChange {
  bucket: BucketRef;
  day: string;
  counts: Increments;
  closureBin?: number;
}

// ── Time ────────────────────────────────────────────────────────────────────────────────────────────────────────

const istDayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar day in India, `yyyy-mm-dd`. */
export function istDay(at: Date | string | number): string {
  return istDayFormat.format(new Date(at));
}

/** `yyyy-mm-dd` days from `from` to `to` inclusive (both IST calendar days). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= Date.parse(`${to}T00:00:00Z`); at += 86_400_000) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}

/** The IST day `n` days after `day` (negative: before). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** The periods a day's counts go to: the day, its block of the month (days 1–7 `w1` … 29–31 `w5`), the month. */
export function periodsOf(day: string): [string, string, string] {
  const month = day.slice(0, 7);
  return [day, `${month}/w${Math.ceil(Number(day.slice(8, 10)) / 7)}`, month];
}

export function daysInMonth(month: string): number {
  const [year, monthNumber] = month.split('-').map(Number);
  return new Date(Date.UTC(year!, monthNumber!, 0)).getUTCDate();
}

/** The fewest periods whose counts sum to exactly the days from..to: whole months, then whole blocks, then days. */
export function periodsCovering(from: string, to: string): string[] {
  const wanted = daysBetween(from, to);
  const periods: string[] = [];
  let index = 0;
  while (index < wanted.length) {
    const day = wanted[index]!;
    const [, block, month] = periodsOf(day);
    const dayOfMonth = Number(day.slice(8, 10));
    const monthEnd = `${month}-${String(daysInMonth(month)).padStart(2, '0')}`;
    const blockEnd = `${month}-${String(Math.min(Math.ceil(dayOfMonth / 7) * 7, daysInMonth(month))).padStart(2, '0')}`;
    if (dayOfMonth === 1 && monthEnd <= to) {
      periods.push(month);
      index += daysInMonth(month);
    } else if ((dayOfMonth - 1) % 7 === 0 && blockEnd <= to) {
      periods.push(block);
      index += daysBetween(day, blockEnd).length;
    } else {
      periods.push(day);
      index += 1;
    }
  }
  return periods;
}

// ── Closure durations ───────────────────────────────────────────────────────────────────────────────────────────

/**
 * Closure durations (registration → confirmed closure) are counted in log-spaced bins: bin 0 is under a minute, bin b
 * ≥ 1 is [2^((b−1)/2), 2^(b/2)) minutes — each bin √2 wide, up to ~2 years. A median read from them is the bin's
 * geometric middle, within a factor 2^(1/4) (±19 %) of the true median.
 */
export const MAX_CLOSURE_BIN = 41;
export const CLOSURE_RESOLUTION_NOTE = 'the median is read from log-spaced bins √2 wide, so it is within ±19 % of the exact median.';

export function closureBin(minutes: number): number {
  if (!(minutes >= 1)) return 0;
  return Math.min(MAX_CLOSURE_BIN, Math.floor(2 * Math.log2(minutes)) + 1);
}

/** The bin's geometric middle, in minutes. */
export function binMiddleMinutes(bin: number): number {
  return bin === 0 ? 0.5 : 2 ** ((2 * bin - 1) / 4);
}

/** The (lower) median of the durations counted in `histogram` (bin → count), in minutes; null when there are none. */
export function medianMinutes(histogram: Map<number, number>): number | null {
  let total = 0;
  for (const count of histogram.values()) total += count;
  if (total === 0) return null;
  const rank = Math.ceil(total / 2);
  let seen = 0;
  for (const bin of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bin)!;
    if (seen >= rank) return binMiddleMinutes(bin);
  }
  return null;
}

// ── What an event changes ─────────────────────────────────────────────────────────────────────────────────────

/** The events that hand a ticket to an owner (or to nobody: an escalation with no officer at the next level). */
const OWNER_EVENTS = new Set(['ticket.assigned', 'ticket.escalated', 'ticket.rejected']);

interface Ownership {
  id: string;
  name?: string;
  /** When this officer got the ticket (an unbroken run of owner events naming them counts from the first). */
  since: Date;
}

/** Who owned the ticket just after the event with sequence number `seq` (undefined: no officer). */
function ownerAfter(ticket: TicketRecord, seq: number): Ownership | undefined {
  let owner: Ownership | undefined;
  for (const event of ticket.events) {
    if (event.seq > seq) break;
    if (!OWNER_EVENTS.has(event.type)) continue;
    if (!event.officerId) owner = undefined;
    else if (owner?.id !== event.officerId) owner = { id: event.officerId, since: event.at };
  }
  if (owner && ticket.officer?.id === owner.id) owner.name = ticket.officer.name;
  return owner;
}

/** The place buckets of a ticket: district, division, sub-division, locality and feeder, those it has. */
export function placeBuckets(ticket: Pick<TicketRecord, 'place'>): BucketRef[] {
  const { district, division, subDivision, subDivisionId, locality, feeder } = ticket.place;
  const common = { district, ...(subDivisionId ? { subDivisionId } : {}) };
  const buckets: BucketRef[] = [{ id: `district:${district}`, dimension: 'district', key: district, label: district, ...common }];
  if (division) buckets.push({ id: `division:${district}/${division}`, dimension: 'division', key: `${district}/${division}`, label: division, ...common });
  const subDivisionKey = subDivisionId ?? subDivision;
  if (subDivisionKey) buckets.push({ id: `subDivision:${subDivisionKey}`, dimension: 'subDivision', key: subDivisionKey, label: subDivision ?? subDivisionKey, ...common });
  if (locality) buckets.push({ id: `locality:${district}/${locality}`, dimension: 'locality', key: `${district}/${locality}`, label: locality, ...common });
  if (feeder) buckets.push({ id: `feeder:${district}/${feeder}`, dimension: 'feeder', key: `${district}/${feeder}`, label: feeder, ...common });
  return buckets;
}

/** The bucket of one planned shutdown: the complaints registered in its area while it ran. */
export function shutdownBucket(ticket: Pick<TicketRecord, 'place'>, shutdownId: string): BucketRef {
  const { district, subDivisionId } = ticket.place;
  return { id: `shutdown:${shutdownId}`, dimension: 'shutdown', key: shutdownId, label: shutdownId, district, ...(subDivisionId ? { subDivisionId } : {}) };
}

/**
 * The place buckets an area incident counts in (`incidents`): those of its place, like a complaint's. A feeder's or
 * transformer's incident (its area key says so) spans localities: it counts from the sub-division up, and on its feeder.
 */
export function incidentChanges(incident: {
  areaKey?: string;
  place: Pick<TicketRecord['place'], 'district' | 'division' | 'subDivision' | 'subDivisionId' | 'locality' | 'feeder'>;
  openedAt: Date | string;
}): DayChange[] {
  const day = istDay(incident.openedAt);
  const electrical = /\/(feeder|transformer):/.test(incident.areaKey ?? '');
  const { locality: _spanned, ...wider } = incident.place;
  return placeBuckets({ place: electrical ? wider : incident.place }).map((bucket) => ({ bucket, day, counts: { incidents: 1 } }));
}

function officerBucket(ticket: TicketRecord, officer: { id: string; name?: string }): BucketRef {
  const subDivisionId = ticket.place.subDivisionId;
  return { id: `officer:${officer.id}`, dimension: 'officer', key: officer.id, label: officer.name ?? officer.id, ...(subDivisionId ? { subDivisionId } : {}) };
}

/**
 * The per-bucket, per-day increments one event makes. Flows (breaches, reopens, claims, answers, closures) land on
 * the day of the event; `complaints` and `open` land on the day the ticket was registered (places) or handed to the
 * officer (officers), so "open" over a date range means "of the complaints in that range, still open now".
 */
export function changesFor(ticket: TicketRecord, event: TicketEvent): DayChange[] {
  if (!REPORTED_EVENTS.has(event.type)) return [];
  const registeredAt = ticket.events[0]?.at ?? ticket.createdAt;
  const eventDay = istDay(event.at);
  const registrationDay = istDay(registeredAt);
  const places = placeBuckets(ticket);
  const before = event.seq > 0 ? ownerAfter(ticket, event.seq - 1) : undefined;
  const after = ownerAfter(ticket, event.seq);
  const changes: DayChange[] = [];
  const onPlaces = (day: string, counts: Increments, closure?: number) => {
    for (const bucket of places) changes.push({ bucket, day, counts, ...(closure === undefined ? {} : { closureBin: closure }) });
  };
  const onOfficer = (officer: { id: string; name?: string } | undefined, day: string, counts: Increments, closure?: number) => {
    if (officer) changes.push({ bucket: officerBucket(ticket, officer), day, counts, ...(closure === undefined ? {} : { closureBin: closure }) });
  };

  // Satisfaction counts go to the officer who owned the ticket when the claim was made; nothing moves the owner
  // between a claim and its answer, so that is the owner at the answer too.
  // A supply complaint during a planned shutdown is no fault of the network: its places count it apart, never as open.
  const planned = ticket.events[0]?.data?.plannedShutdown !== undefined;
  const onPlacesOpen = (by: 1 | -1) => {
    if (!planned) onPlaces(registrationDay, { open: by });
  };
  // Complaints that are part of an area incident: one fault with many reports, counted apart (not planned ones).
  const inIncident = (by: 1 | -1) => {
    if (!planned) onPlaces(registrationDay, { inIncident: by });
  };
  switch (event.type) {
    case 'ticket.registered':
      onPlaces(registrationDay, planned ? { plannedShutdown: 1 } : { complaints: 1, open: 1 });
      if (planned) changes.push({ bucket: shutdownBucket(ticket, String(ticket.events[0]!.data!.plannedShutdown)), day: registrationDay, counts: { plannedShutdown: 1 } });
      break;
    case 'ticket.incident_linked':
      // A merge moves the ticket from one incident to another: still one complaint in an incident.
      if (event.data?.from === undefined) inIncident(1);
      break;
    case 'ticket.incident_detached':
      inIncident(-1);
      break;
    case 'ticket.escalated': {
      // Only the SLA timer (a system actor) escalates on its own; staff escalations are a judgement.
      const counts: Increments = event.actor.role === 'system' ? { escalations: 1, breaches: 1 } : { escalations: 1 };
      onPlaces(eventDay, counts);
      onOfficer(before, eventDay, counts);
      break;
    }
    case 'ticket.rejected':
      onPlaces(eventDay, { rejected: 1, reopens: 1 });
      // "No" to an incident's restoration takes the ticket out of it: their house has a fault of its own.
      if (event.data?.incidentDetached !== undefined) inIncident(-1);
      onOfficer(before, eventDay, { rejected: 1, reopens: 1 });
      // The consumer rejected a callback-confirmed closure: the closure took the ticket off the open counts (the
      // places', and its officer's, which the owner change below would otherwise take off a second time).
      if (event.from === 'closed') {
        onPlacesOpen(1);
        if (before) onOfficer(before, istDay(before.since), { open: 1 });
      }
      break;
    case 'ticket.reopened':
      onPlaces(eventDay, { reopens: 1 });
      onOfficer(before, eventDay, { reopens: 1 });
      break;
    case 'ticket.resolution_claimed':
      onPlaces(eventDay, { claims: 1 });
      onOfficer(before, eventDay, { claims: 1 });
      break;
    case 'ticket.unconfirmed':
      onPlaces(eventDay, { unconfirmed: 1 });
      onOfficer(before, eventDay, { unconfirmed: 1 });
      break;
    case 'ticket.confirmed': {
      const counter = event.data?.provenance === 'callback_confirmed' ? 'callbackConfirmed' : 'consumerConfirmed';
      const bin = closureBin((new Date(event.at).getTime() - new Date(registeredAt).getTime()) / 60_000);
      onPlaces(eventDay, { [counter]: 1 }, bin);
      onPlacesOpen(-1);
      onOfficer(before, eventDay, { [counter]: 1 }, bin);
      if (before) onOfficer(before, istDay(before.since), { open: -1 });
      break;
    }
    default:
      break;
  }
  // An owner change: the new owner gets the ticket (on this day); the previous one no longer has it open.
  if (OWNER_EVENTS.has(event.type) && before?.id !== after?.id) {
    if (before) onOfficer(before, istDay(before.since), { open: -1 });
    if (after) onOfficer(after, eventDay, { complaints: 1, open: 1 });
  }
  return changes;
}

/** The register entry a confirmation makes; undefined for every other event. */
export function registerEntryFor(ticket: TicketRecord, event: TicketEvent): RegisterEntry | undefined {
  if (event.type !== 'ticket.confirmed') return undefined;
  const provenance = event.data?.provenance === 'callback_confirmed' ? 'callback_confirmed' : 'consumer_confirmed';
  const claim = [...ticket.events].reverse().find((earlier) => earlier.seq < event.seq && earlier.type === 'ticket.resolution_claimed' && earlier.claimId === event.claimId);
  const { district, subDivision, subDivisionId, locality } = ticket.place;
  return {
    ticket: ticket._id,
    category: ticket.category,
    district,
    ...(subDivision ? { subDivision } : {}),
    ...(subDivisionId ? { subDivisionId } : {}),
    ...(locality ? { locality } : {}),
    provenance,
    claimedBy: claim ? personOf(claim.actor) : { role: 'unknown' },
    ...(claim ? { claimedAt: new Date(claim.at) } : {}),
    // A consumer is named by channel only: the register is read by staff who have no need of the consumer's identity.
    confirmedBy: event.actor.role === 'consumer' ? { role: 'consumer' } : personOf(event.actor),
    closedAt: new Date(event.at),
    channel: event.channel,
  };
}

function personOf(actor: TicketEvent['actor']): RegisterEntry['claimedBy'] {
  return { role: actor.role, id: actor.id, ...(actor.name ? { name: actor.name } : {}) };
}

// ── Folding changes into documents ──────────────────────────────────────────────────────────────────────────────

/** The cell documents one change bumps (its day, block and month) and the `$inc` paths inside each, in the ticket's category. */
export function cellUpdates(change: DayChange, category: TicketCategory): Array<{ id: string; period: string; paths: Record<string, number> }> {
  const paths: Record<string, number> = {};
  for (const [counter, by] of Object.entries(change.counts)) {
    if (by) paths[`counts.${category}.${counter}`] = by;
  }
  if (change.closureBin !== undefined) paths[`counts.${category}.h.b${change.closureBin}`] = 1;
  return periodsOf(change.day).map((period) => ({ id: `${change.bucket.id}:${period}`, period, paths }));
}

/** Adds `by` at a dotted path of a plain object (what `$inc` does on the server). */
export function addAtPath(target: Record<string, unknown>, path: string, by: number): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  const last = parts.at(-1)!;
  node[last] = ((node[last] as number | undefined) ?? 0) + by;
}
