// Report rollups: one small document per bucket (a district, a sub-division, a locality, an officer) holding the
// counters the reports read. Kept up to date by the outbox's `report.update` effects; never rebuilt from the tickets.
import { Schema } from 'mongoose';

export const REPORT_DIMENSIONS = ['district', 'subDivision', 'locality', 'officer'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** The counters every bucket keeps; a missing counter reads as 0. */
export const REPORT_COUNTERS = [
  /** Tickets not closed now: +1 on registration, −1 on confirmation; an owner change moves it between officers. */
  'open',
  /** Resolutions the consumer rejected ("no"). */
  'rejected',
  /** Escalations of any kind, and those made because a time limit was breached. */
  'escalations',
  'slaEscalations',
  /** The satisfaction register. */
  'claims',
  'consumerConfirmed',
  'callbackConfirmed',
  /** Times a claim went unanswered after the reminders (the ticket stays open, waiting for a callback). */
  'unconfirmed',
  /** Claims withdrawn by staff (reopened at the same level). */
  'withdrawn',
] as const;
export type ReportCounter = (typeof REPORT_COUNTERS)[number];

export interface ReportRollupRecord {
  /** `<dimension>:<key>`, e.g. `officer:je-gomti-nagar-1`, `locality:Lucknow/Gomti Nagar`. */
  _id: string;
  dimension: ReportDimension;
  key: string;
  label: string;
  /** Only for places below a district: the district they are in. */
  district?: string;
  counts: Partial<Record<ReportCounter, number>>;
  /** Per category: e.g. `{ supply: { open: 3, slaEscalations: 1 } }`. */
  byCategory: Record<string, Partial<Record<ReportCounter, number>>>;
  /** The last ~500 effect ids applied to this bucket: an effect delivered twice is counted once. */
  applied: string[];
  updatedAt: Date;
}

export const reportRollupSchema = new Schema<ReportRollupRecord>(
  {
    _id: { type: String, required: true },
    dimension: { type: String, required: true },
    key: { type: String, required: true },
    label: { type: String, required: true },
    district: String,
    counts: { type: Schema.Types.Mixed, default: {} },
    byCategory: { type: Schema.Types.Mixed, default: {} },
    applied: { type: [String], default: [] },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw', minimize: false },
);
