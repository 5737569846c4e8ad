// Rebuilding the report rollups and the register from the tickets themselves: for tickets that existed before the
// rollups (the backfill, scripts/reports.ts) and for the benchmark's seeding. Folds the same pure functions the live
// `report.update` effects apply (services/reportRollups.ts) in memory, then writes every document in bulk.
import { trusted } from 'mongoose';
import { wholeDocument, type Models } from '../models/index.js';
import type { RegisterEntry, ReportBucketRecord, ReportCellRecord } from '../models/reportModels.js';
import type { TicketRecord } from '../models/ticketTypes.js';
import { REGISTER_PAGE_SIZE } from './reportRegister.js';
import type { IncidentRecord } from '../models/incidentModel.js';
import type { TicketCategory } from '../models/ticketTypes.js';
import { addAtPath, cellUpdates, changesFor, incidentChanges, istDay, registerEntryFor, type DayChange } from './reportRollups.js';

const WRITE_BATCH = 1_000;
/** The ticket-number counters (services/ticketService.ts allocateNumber): `ticket-number:<yymmdd>` → the day's last sequence. */
const TICKET_COUNTER_PREFIX = 'ticket-number:';

export interface RebuildCounts {
  tickets: number;
  buckets: number;
  cells: number;
  registerEntries: number;
  registerPages: number;
}

export class RollupBuilder {
  private readonly buckets = new Map<string, Omit<ReportBucketRecord, 'subDivisionIds'> & { subDivisionIds: Set<string> }>();
  private readonly cells = new Map<string, Pick<ReportCellRecord, '_id' | 'bucket' | 'period' | 'counts'>>();
  private readonly registerByDay = new Map<string, RegisterEntry[]>();
  private tickets = 0;

  /**
   * Folds in every counted event of a ticket, except those whose `report.update` is still owed in its outbox: the
   * notifier will apply those live, and they must not count twice. (An effect that gave up is counted here.)
   */
  add(ticket: TicketRecord): void {
    this.tickets += 1;
    const owed = new Set((ticket.outbox ?? []).filter((effect) => effect.kind === 'report.update' && !effect.failedAt).map((effect) => effect.eventSeq));
    for (const event of ticket.events) {
      if (owed.has(event.seq)) continue;
      for (const change of changesFor(ticket, event)) this.fold(change, ticket.category);
      const entry = registerEntryFor(ticket, event);
      if (entry) {
        const day = istDay(entry.closedAt);
        const entries = this.registerByDay.get(day) ?? [];
        entries.push(entry);
        this.registerByDay.set(day, entries);
      }
    }
  }

  /** An area incident: one fault in its place buckets (as ReportService.countIncident counts it live). */
  addIncident(incident: Pick<IncidentRecord, 'areaKey' | 'place' | 'openedAt'>): void {
    for (const change of incidentChanges(incident)) this.fold(change, 'supply');
  }

  private fold(change: DayChange, category: TicketCategory): void {
    const { bucket } = change;
    const catalogued = this.buckets.get(bucket.id) ?? {
      _id: bucket.id,
      dimension: bucket.dimension,
      key: bucket.key,
      label: bucket.label,
      ...(bucket.district ? { district: bucket.district } : {}),
      subDivisionIds: new Set<string>(),
    };
    if (bucket.subDivisionId) catalogued.subDivisionIds.add(bucket.subDivisionId);
    this.buckets.set(bucket.id, catalogued);
    for (const { id, period, paths } of cellUpdates(change, category)) {
      const cell = this.cells.get(id) ?? { _id: id, bucket: bucket.id, period, counts: {} };
      for (const [path, by] of Object.entries(paths)) addAtPath(cell as unknown as Record<string, unknown>, path, by);
      this.cells.set(id, cell);
    }
  }

  /** Replaces every report document with the folded ones. Running it twice over the same tickets gives the same documents. */
  async replaceAll(models: Models): Promise<RebuildCounts> {
    for (const model of [models.reportBuckets, models.reportCells, models.registerPages, models.registerDays, models.registerTickets] as const) {
      await (model as typeof models.reportBuckets).deleteMany({});
    }
    await insertInBatches(models.reportBuckets, [...this.buckets.values()].map((bucket) => ({ ...bucket, subDivisionIds: [...bucket.subDivisionIds].sort() })));
    await insertInBatches(models.reportCells, [...this.cells.values()].map((cell) => ({ ...cell, applied: [], rev: 1 })));
    let registerEntries = 0;
    let registerPages = 0;
    for (const [day, entries] of this.registerByDay) {
      entries.sort((a, b) => new Date(a.closedAt).getTime() - new Date(b.closedAt).getTime() || a.ticket.localeCompare(b.ticket));
      const pages = [];
      const markers = [];
      for (let page = 0; page * REGISTER_PAGE_SIZE < entries.length; page++) {
        const lines = entries.slice(page * REGISTER_PAGE_SIZE, (page + 1) * REGISTER_PAGE_SIZE);
        pages.push({ _id: `${day}:${page}`, day, page, entries: lines, rev: 1 });
        for (const line of lines) markers.push({ _id: line.ticket, day, page });
      }
      // As the live register does: a full last page means the next closure starts a new one.
      const lastPage = entries.length % REGISTER_PAGE_SIZE === 0 ? pages.length : pages.length - 1;
      await insertInBatches(models.registerPages, pages);
      await insertInBatches(models.registerTickets, markers);
      await models.registerDays.collection.insertOne({ _id: day as never, lastPage });
      registerEntries += entries.length;
      registerPages += pages.length;
    }
    return { tickets: this.tickets, buckets: this.buckets.size, cells: this.cells.size, registerEntries, registerPages };
  }
}

async function insertInBatches(model: { collection: { insertMany(documents: object[], options: object): Promise<unknown> } }, documents: object[]): Promise<void> {
  for (let start = 0; start < documents.length; start += WRITE_BATCH) {
    await model.collection.insertMany(documents.slice(start, start + WRITE_BATCH), { ordered: false });
  }
}

/**
 * The backfill: reads every ticket once and replaces the report documents with what their histories say. Tickets are
 * read by exact ids in batches — `UP-<yymmdd>-<seq>` for every day the ticket-number counters know, 1..seq — so even
 * the embedded server answers each batch from its `_id` index instead of scanning. Run it off-peak with the helpline
 * stopped: a closure recorded while it runs could be lost from the rebuilt documents.
 */
export async function rebuildReports(models: Models, options: { batchSize?: number; log?: (line: string) => void } = {}): Promise<RebuildCounts> {
  const batchSize = options.batchSize ?? 500;
  const log = options.log ?? (() => {});
  const builder = new RollupBuilder();
  const counters = await models.counters.find({ _id: trusted({ $regex: `^${TICKET_COUNTER_PREFIX}` }) }, wholeDocument).lean<Array<{ _id: string; seq: number }>>();
  counters.sort((a, b) => a._id.localeCompare(b._id));
  // Numbers handed out, an upper bound on the tickets there are (a registration that failed leaves a gap).
  const total = counters.reduce((sum, counter) => sum + counter.seq, 0);
  let read = 0;
  for (const counter of counters) {
    const day = counter._id.slice(TICKET_COUNTER_PREFIX.length);
    for (let first = 1; first <= counter.seq; first += batchSize) {
      const ids = Array.from({ length: Math.min(batchSize, counter.seq - first + 1) }, (_, index) => `UP-${day}-${String(first + index).padStart(5, '0')}`);
      const tickets = await models.tickets.find({ _id: trusted({ $in: ids }) }, wholeDocument).lean<TicketRecord[]>();
      for (const ticket of tickets) builder.add(ticket);
      read += tickets.length;
    }
    log(`[reports] ${day}: ${read} of ≤ ${total} tickets read (${total ? Math.floor((100 * read) / total) : 100} %)`);
  }
  // Area incidents are few (one per area fault), so this one read of their places is no scan of any size.
  const incidents = await models.incidents.find({}, { areaKey: 1, place: 1, openedAt: 1 }).lean<Array<Pick<IncidentRecord, 'areaKey' | 'place' | 'openedAt'>>>();
  for (const incident of incidents) builder.addIncident(incident);
  return builder.replaceAll(models);
}
