// Reports from rollups. Every event that changes what a report counts owes the rollups a `report.update` outbox
// effect; applying it bumps a few small bucket documents (a district, a sub-division, a locality, the officers
// involved). The reports read only those buckets — never the tickets collection, which the embedded server would
// have to scan (seconds at 100,000 tickets, holding the collection's lock).
import { z } from 'zod';
import type { mongo } from 'mongoose';
import type { Models } from '../models/index.js';
import { type ReportCounter, type ReportDimension, type ReportRollupRecord } from '../models/reportModels.js';
import type { TicketEvent, TicketRecord } from '../models/ticketTypes.js';
import { NotPermittedError } from './errors.js';
import { parseInput } from './ticketInput.js';

/** How many applied effect ids a bucket remembers. An effect is redelivered within seconds or minutes, not 500 updates later. */
export const APPLIED_MEMORY = 500;

export const DEFAULT_REPORT_LIMIT = 20;
export const MAX_REPORT_LIMIT = 200;

export const hotspotQuerySchema = z.strictObject({
  by: z.enum(['district', 'subDivision', 'locality', 'officer']).default('district'),
  limit: z.coerce.number().int().min(1).max(MAX_REPORT_LIMIT).optional(),
});
export type HotspotQuery = z.input<typeof hotspotQuerySchema>;

export const satisfactionQuerySchema = z.strictObject({
  by: z.enum(['officer', 'subDivision']).default('officer'),
  limit: z.coerce.number().int().min(1).max(MAX_REPORT_LIMIT).optional(),
});
export type SatisfactionQuery = z.input<typeof satisfactionQuerySchema>;

export interface HotspotRow {
  key: string;
  label: string;
  district?: string;
  open: number;
  rejected: number;
  escalations: number;
  slaEscalations: number;
  /** Per category, only the categories this bucket has seen. */
  byCategory: Record<string, { open: number; rejected: number; slaEscalations: number }>;
}

export interface SatisfactionRow {
  key: string;
  label: string;
  claims: number;
  rejected: number;
  consumerConfirmed: number;
  callbackConfirmed: number;
  unconfirmed: number;
  withdrawn: number;
  /** rejected / claims, or null before any claim. */
  rejectedRate: number | null;
}

/** Who may read reports: for now supervisors only (an officer's own-area view is not built yet). */
export interface ReportReader {
  role: string;
}

type Increments = Partial<Record<ReportCounter, number>>;

export interface BucketChange {
  id: string;
  dimension: ReportDimension;
  key: string;
  label: string;
  district?: string;
  counts: Increments;
}

export class ReportService {
  constructor(
    private readonly models: Models,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ── Applying effects ──────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Applies one `report.update` effect: what `event` (an event of `ticket`, which carries its whole history) changes
   * in each bucket. Idempotent per bucket, so a redelivery after a crash — even one part-way through the buckets —
   * counts every bucket exactly once.
   */
  async apply(ticket: TicketRecord, event: TicketEvent, effectId: string): Promise<void> {
    for (const change of changesFor(ticket, event)) {
      if (Object.keys(change.counts).length === 0) continue;
      await this.applyToBucket(change, ticket.category, effectId);
    }
  }

  private async applyToBucket(change: BucketChange, category: string, effectId: string): Promise<void> {
    const inc: Record<string, number> = {};
    for (const [counter, by] of Object.entries(change.counts)) {
      inc[`counts.${counter}`] = by;
      inc[`byCategory.${category}.${counter}`] = by;
    }
    const update: Record<string, unknown> = {
      $inc: inc,
      $push: { applied: { $each: [effectId], $slice: -APPLIED_MEMORY } },
      $set: { updatedAt: this.now() },
      $setOnInsert: { dimension: change.dimension, key: change.key, label: change.label, ...(change.district ? { district: change.district } : {}) },
    };
    for (let attempt = 0; ; attempt++) {
      try {
        // `applied: {$ne}` makes the embedded server scan rather than hit the `_id` index, but this is the rollup
        // collection: one document per district / sub-division / locality / officer (hundreds to a few thousand), not
        // one per ticket, so that scan is cheap. On MongoDB the `_id` part of the filter is an index hit.
        await this.models.reportRollups.collection.updateOne({ _id: change.id as never, applied: { $ne: effectId } }, update as mongo.UpdateFilter<mongo.Document>, {
          upsert: true,
        });
        return;
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
      }
      // A duplicate key: either the bucket exists and already has this effect (the filter missed, so the upsert tried
      // to insert), or another writer created the bucket first. Only the first is done.
      const bucket = await this.models.reportRollups.findById(change.id, { _consistentSnapshot: 0 }).lean<ReportRollupRecord>();
      if (bucket?.applied.includes(effectId)) return;
      if (attempt >= 3) throw new Error(`report bucket ${change.id}: could not apply ${effectId}`);
    }
  }

  // ── Reading ───────────────────────────────────────────────────────────────────────────────────────────────────

  /** Places or officers by open tickets, most first. Reads the rollups only. */
  async hotspots(reader: ReportReader, queryInput: HotspotQuery): Promise<{ by: ReportDimension; rows: HotspotRow[] }> {
    requireSupervisor(reader);
    const query = parseInput(hotspotQuerySchema, queryInput);
    const rows = (await this.buckets(query.by)).map((bucket): HotspotRow => {
      const byCategory: HotspotRow['byCategory'] = {};
      for (const [category, counts] of Object.entries(bucket.byCategory ?? {})) {
        byCategory[category] = { open: counts.open ?? 0, rejected: counts.rejected ?? 0, slaEscalations: counts.slaEscalations ?? 0 };
      }
      return {
        key: bucket.key,
        label: bucket.label,
        ...(bucket.district ? { district: bucket.district } : {}),
        open: count(bucket, 'open'),
        rejected: count(bucket, 'rejected'),
        escalations: count(bucket, 'escalations'),
        slaEscalations: count(bucket, 'slaEscalations'),
        byCategory,
      };
    });
    rows.sort((a, b) => b.open - a.open || b.rejected - a.rejected || a.label.localeCompare(b.label));
    return { by: query.by, rows: rows.slice(0, query.limit ?? DEFAULT_REPORT_LIMIT) };
  }

  /** The satisfaction register per officer or sub-division, highest rejected-resolution rate first. */
  async satisfaction(reader: ReportReader, queryInput: SatisfactionQuery): Promise<{ by: ReportDimension; rows: SatisfactionRow[] }> {
    requireSupervisor(reader);
    const query = parseInput(satisfactionQuerySchema, queryInput);
    const rows = (await this.buckets(query.by))
      .filter((bucket) => count(bucket, 'claims') > 0 || count(bucket, 'rejected') > 0)
      .map((bucket): SatisfactionRow => {
        const claims = count(bucket, 'claims');
        const rejected = count(bucket, 'rejected');
        return {
          key: bucket.key,
          label: bucket.label,
          claims,
          rejected,
          consumerConfirmed: count(bucket, 'consumerConfirmed'),
          callbackConfirmed: count(bucket, 'callbackConfirmed'),
          unconfirmed: count(bucket, 'unconfirmed'),
          withdrawn: count(bucket, 'withdrawn'),
          rejectedRate: claims > 0 ? rejected / claims : null,
        };
      });
    rows.sort((a, b) => (b.rejectedRate ?? -1) - (a.rejectedRate ?? -1) || b.claims - a.claims || a.label.localeCompare(b.label));
    return { by: query.by, rows: rows.slice(0, query.limit ?? DEFAULT_REPORT_LIMIT) };
  }

  /** One dimension's buckets: a scan of the small rollup collection, without the applied-id memory. */
  private async buckets(dimension: ReportDimension): Promise<ReportRollupRecord[]> {
    return this.models.reportRollups.find({ dimension }, { applied: 0 }).lean<ReportRollupRecord[]>();
  }
}

function requireSupervisor(reader: ReportReader): void {
  if (reader.role !== 'supervisor') throw new NotPermittedError('Only a supervisor can read reports.');
}

function count(bucket: ReportRollupRecord, counter: ReportCounter): number {
  return bucket.counts?.[counter] ?? 0;
}

// ── What an event changes ─────────────────────────────────────────────────────────────────────────────────────────

/** The events that hand a ticket to an owner (or to nobody: an escalation with no officer at the next level). */
const OWNER_EVENTS = new Set(['ticket.assigned', 'ticket.escalated', 'ticket.rejected']);

/** Who owned the ticket just after the event with sequence number `seq` (undefined: no officer). */
function ownerAfter(ticket: TicketRecord, seq: number): { id: string; name?: string } | undefined {
  let owner: string | undefined;
  for (const event of ticket.events) {
    if (event.seq > seq) break;
    if (OWNER_EVENTS.has(event.type)) owner = event.officerId;
  }
  if (!owner) return undefined;
  return { id: owner, name: ticket.officer?.id === owner ? ticket.officer.name : undefined };
}

/** The per-bucket increments one event makes. Pure: decided from the ticket's own (immutable) history. */
export function changesFor(ticket: TicketRecord, event: TicketEvent): BucketChange[] {
  const place: Increments = {};
  const before = event.seq > 0 ? ownerAfter(ticket, event.seq - 1) : undefined;
  const after = ownerAfter(ticket, event.seq);
  const previousOwner: Increments = {};
  const newOwner: Increments = {};
  // Satisfaction counts go to the officer who owned the ticket when the claim was made; nothing moves the owner
  // between a claim and its answer, so that is the owner at the answer too.
  switch (event.type) {
    case 'ticket.registered':
      place.open = 1;
      break;
    case 'ticket.assigned':
      break;
    case 'ticket.escalated': {
      place.escalations = 1;
      previousOwner.escalations = 1;
      // Only the SLA timer (a system actor) escalates on its own; staff escalations are a judgement.
      if (event.actor.role === 'system') {
        place.slaEscalations = 1;
        previousOwner.slaEscalations = 1;
      }
      break;
    }
    case 'ticket.rejected':
      place.rejected = 1;
      previousOwner.rejected = 1;
      // The consumer rejected a callback-confirmed closure: the closure took the ticket off the open counts.
      if (event.from === 'closed') {
        place.open = 1;
        previousOwner.open = 1;
      }
      break;
    case 'ticket.resolution_claimed':
      place.claims = 1;
      previousOwner.claims = 1;
      break;
    case 'ticket.confirmed': {
      const counter = event.data?.provenance === 'callback_confirmed' ? 'callbackConfirmed' : 'consumerConfirmed';
      place.open = -1;
      place[counter] = 1;
      previousOwner[counter] = 1;
      previousOwner.open = -1;
      break;
    }
    case 'ticket.unconfirmed':
      place.unconfirmed = 1;
      previousOwner.unconfirmed = 1;
      break;
    case 'ticket.reopened':
      place.withdrawn = 1;
      previousOwner.withdrawn = 1;
      break;
    default:
      return [];
  }
  // An owner change moves the open ticket from one officer's count to the other's.
  if (OWNER_EVENTS.has(event.type) && before?.id !== after?.id) {
    if (before) previousOwner.open = (previousOwner.open ?? 0) - 1;
    if (after) newOwner.open = (newOwner.open ?? 0) + 1;
  }

  const changes: BucketChange[] = [];
  const { district, subDivision, subDivisionId, locality } = ticket.place;
  changes.push({ id: `district:${district}`, dimension: 'district', key: district, label: district, counts: place });
  const subDivisionKey = subDivisionId ?? subDivision;
  if (subDivisionKey) {
    changes.push({ id: `subDivision:${subDivisionKey}`, dimension: 'subDivision', key: subDivisionKey, label: subDivision ?? subDivisionKey, district, counts: place });
  }
  if (locality) {
    const key = `${district}/${locality}`;
    changes.push({ id: `locality:${key}`, dimension: 'locality', key, label: locality, district, counts: place });
  }
  const ownerBefore = event.type === 'ticket.confirmed' || OWNER_EVENTS.has(event.type) ? before : after;
  if (ownerBefore) changes.push(officerChange(ownerBefore, previousOwner));
  // After an owner change the new owner gets their +1 open; without one, `newOwner` is empty.
  if (after && after.id !== ownerBefore?.id) changes.push(officerChange(after, newOwner));
  return changes;
}

function officerChange(officer: { id: string; name?: string }, counts: Increments): BucketChange {
  return { id: `officer:${officer.id}`, dimension: 'officer', key: officer.id, label: officer.name ?? officer.id, counts: { ...counts } };
}

