// Report rollups and the satisfaction register (services/reportService.ts). Every document here is read and written
// by exact `_id` (or `_id` + `rev`, a unique index), so no report request scans, however many tickets there are.
import { Schema } from 'mongoose';
import type { ClosureProvenance, EventChannel, TicketCategory } from './ticketTypes.js';

/** `shutdown`: one bucket per planned shutdown, counting the complaints registered during it (no hotspot lists it). */
export const REPORT_DIMENSIONS = ['district', 'division', 'subDivision', 'locality', 'feeder', 'officer', 'shutdown'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** The counters kept per bucket, IST day and category; a missing counter reads as 0. */
export const REPORT_COUNTERS = [
  /** Places: tickets registered that day. Officers: tickets handed to the officer that day. */
  'complaints',
  /** Of those `complaints`, how many are still not closed (places) or still with this officer and not closed (officers). */
  'open',
  /** Escalations made by the SLA timer that day (a time limit was breached). */
  'breaches',
  /** Escalations of any kind that day. */
  'escalations',
  /** Tickets sent back to `reopened` that day: the consumer answered "no", or staff withdrew a claim. */
  'reopens',
  'claims',
  /** Claims the consumer (or a callback) answered "no". */
  'rejected',
  'consumerConfirmed',
  'callbackConfirmed',
  /** Claims left unanswered after the reminders. */
  'unconfirmed',
  /** Places: supply complaints registered during a planned shutdown there — counted here, not in `complaints`/`open`. */
  'plannedShutdown',
  /**
   * Places: of the `complaints`, those linked to an area incident (on the day they were registered; a ticket that leaves
   * its incident, by staff or by its consumer's "no", is taken off). An incident is one fault however many it links.
   */
  'inIncident',
  /** Places: area incidents opened that day (counted in the `supply` category). */
  'incidents',
] as const;
export type ReportCounter = (typeof REPORT_COUNTERS)[number];

/** One period's counters for one category, plus `h`: closures by duration bin (see closureBin in services/reportRollups.ts). */
export type DayCounters = Partial<Record<ReportCounter, number>> & { h?: Record<string, number> };

/** The catalogue of buckets: one small document per place / officer, so a report knows which month documents to read. */
export interface ReportBucketRecord {
  /** `<dimension>:<key>`, e.g. `officer:je-gomti-nagar-1`, `locality:Lucknow/Gomti Nagar`. */
  _id: string;
  dimension: ReportDimension;
  key: string;
  label: string;
  district?: string;
  /** The sub-divisions of the tickets counted here: an officer may read a bucket only if all of them are in their area. */
  subDivisionIds: string[];
}

/**
 * One bucket's counters for one period, category → counters: an IST day (`yyyy-mm-dd`), a block of a month
 * (`yyyy-mm/w1` = days 1–7 … `w5` = 29–31) or a whole month (`yyyy-mm`). Every count goes to all three, so a range is
 * read as whole months, whole blocks and single days — a few small documents per bucket.
 */
export interface ReportCellRecord {
  /** `<bucket id>:<period>`, e.g. `locality:Lucknow/Gomti Nagar:2026-11/w2`. */
  _id: string;
  bucket: string;
  period: string;
  counts: Partial<Record<TicketCategory, DayCounters>>;
  /** The last APPLIED_MEMORY effect ids applied here: an effect delivered twice is counted once. */
  applied: string[];
  /** Optimistic concurrency: updates match `{_id, rev}` (a unique index, so an index hit on the embedded server). */
  rev: number;
}

export interface RegisterPerson {
  role: string;
  id?: string;
  name?: string;
}

/** One closure in the satisfaction register (संतुष्टि रजिस्टर). */
export interface RegisterEntry {
  ticket: string;
  category: TicketCategory;
  district: string;
  subDivision?: string;
  subDivisionId?: string;
  locality?: string;
  provenance: ClosureProvenance;
  claimedBy: RegisterPerson;
  claimedAt?: Date;
  /** The consumer (by channel only, never their identity) or the supervisor who recorded the callback answer. */
  confirmedBy: RegisterPerson;
  closedAt: Date;
  /** Where the confirming answer came from. */
  channel: EventChannel;
}

/** `<yyyy-mm-dd>:<page>`: up to REGISTER_PAGE_SIZE closures of one IST day, in the order they were recorded. */
export interface RegisterPageRecord {
  _id: string;
  day: string;
  page: number;
  entries: RegisterEntry[];
  rev: number;
}

/** One per IST day with closures: how many pages it has. */
export interface RegisterDayRecord {
  _id: string;
  lastPage: number;
}

/** One per closed ticket: which page holds its entry, so a redelivered effect finds it and adds nothing. */
export interface RegisterTicketRecord {
  _id: string;
  day: string;
  page: number;
}

export const reportBucketSchema = new Schema<ReportBucketRecord>(
  {
    _id: { type: String, required: true },
    dimension: { type: String, required: true },
    key: { type: String, required: true },
    label: { type: String, required: true },
    district: String,
    subDivisionIds: { type: [String], default: [] },
  },
  { versionKey: false, strict: 'throw' },
);

export const reportCellSchema = new Schema<ReportCellRecord>(
  {
    _id: { type: String, required: true },
    bucket: { type: String, required: true },
    period: { type: String, required: true },
    counts: { type: Schema.Types.Mixed, default: {} },
    applied: { type: [String], default: [] },
    rev: { type: Number, required: true },
  },
  { versionKey: false, strict: 'throw', minimize: false },
);
reportCellSchema.index({ _id: 1, rev: 1 }, { unique: true, name: 'id_rev_unique' });

export const registerPageSchema = new Schema<RegisterPageRecord>(
  {
    _id: { type: String, required: true },
    day: { type: String, required: true },
    page: { type: Number, required: true },
    entries: { type: Schema.Types.Mixed, default: [] },
    rev: { type: Number, required: true },
  },
  { versionKey: false, strict: 'throw' },
);
registerPageSchema.index({ _id: 1, rev: 1 }, { unique: true, name: 'id_rev_unique' });

export const registerDaySchema = new Schema<RegisterDayRecord>(
  { _id: { type: String, required: true }, lastPage: { type: Number, required: true } },
  { versionKey: false, strict: 'throw' },
);

export const registerTicketSchema = new Schema<RegisterTicketRecord>(
  { _id: { type: String, required: true }, day: { type: String, required: true }, page: { type: Number, required: true } },
  { versionKey: false, strict: 'throw' },
);
