// Reports from rollups. Every event that changes what a report counts owes the rollups a `report.update` outbox
// effect; applying it bumps per-IST-day counters in one month document per bucket (a district, division,
// sub-division, locality, feeder, officer) and, for a closure, adds a line to the satisfaction register. Reports
// read only those documents, by exact `_id` — never the tickets collection, which the embedded server would scan.
import { trusted } from 'mongoose';
import { z } from 'zod';
import type { mongo } from 'mongoose';
import { wholeDocument, type Models } from '../models/index.js';
import type { DayCounters, RegisterEntry, ReportBucketRecord, ReportCellRecord, ReportDimension } from '../models/reportModels.js';
import { TICKET_CATEGORIES, type StaffRole, type TicketCategory, type TicketEvent, type TicketRecord } from '../models/ticketTypes.js';
import { Directory } from './directory.js';
import { InvalidInputError, NotPermittedError } from './errors.js';
import { registerCursorSchema, ReportRegister, type RegisterFilter, type RegisterPage } from './reportRegister.js';
import { KeyedSerialQueue } from './keyedSerialQueue.js';
import type { IncidentRecord } from '../models/incidentModel.js';
import { addAtPath, addDays, cellUpdates, changesFor, incidentChanges, istDay, medianMinutes, periodsCovering, registerEntryFor, type BucketRef, type DayChange } from './reportRollups.js';
import { parseInput } from './ticketInput.js';
import { isDuplicateKeyError } from './mongoErrors.js';

/**
 * How many applied effect ids a cell remembers. A redelivery comes within the notifier's sweep (30 s) or at the next
 * start, long before 200 more effects reach the same cell while it is down.
 */
export const APPLIED_MEMORY = 200;
/** How many cells' last known state a process keeps (each at most APPLIED_MEMORY ids: about 10 MB at most). */
const KNOWN_CELLS_KEPT = 1_000;

/** The most effects one coalesced write carries: well within APPLIED_MEMORY, so a redelivery is still recognised. */
const COALESCE_MAX = 50;

interface CellChange {
  id: string;
  bucket: string;
  period: string;
  inc: Record<string, number>;
  /** The effect this change belongs to (one write may carry several effects of one ticket, each on its own cells). */
  effectId: string;
}

/** A cell's write: its increments and the effect ids it records. */
type CellWrite = CellChange & { ids: string[] };

interface CellBatch {
  /** `key`: the effect ids of one delivery (usually one), joined. */
  effects: Array<{ key: string; cells: CellChange[] }>;
  done: Promise<void>;
}

interface KnownCell {
  rev: number;
  applied: string[];
}
export const DEFAULT_REPORT_LIMIT = 50;
export const MAX_REPORT_LIMIT = 500;
export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 366;
/** Cells per `_id $in` read: an index hit on the embedded server, kept to a modest message size. */
const READ_BATCH = 500;

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as yyyy-mm-dd').refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day), 'not a calendar day');

const rangeFields = {
  from: isoDay.optional().meta({ description: `First IST calendar day (default: ${DEFAULT_RANGE_DAYS - 1} days before \`to\`).` }),
  to: isoDay.optional().meta({ description: 'Last IST calendar day, inclusive (default: today in India).' }),
  category: z.enum(TICKET_CATEGORIES).optional(),
  format: z.enum(['json', 'csv']).optional().meta({ description: 'csv: UTF-8 with a BOM (Excel shows Hindi), headers in `lang`.' }),
  lang: z.enum(['en', 'hi']).optional().meta({ description: 'Language of CSV headers and place labels (default en).' }),
};

export const HOTSPOT_DIMENSIONS = ['district', 'division', 'subdivision', 'locality', 'feeder', 'officer', 'category'] as const;
export type HotspotDimension = (typeof HOTSPOT_DIMENSIONS)[number];

export const hotspotQuerySchema = z.strictObject({
  by: z.enum(HOTSPOT_DIMENSIONS).default('district'),
  ...rangeFields,
  limit: z.coerce.number().int().min(1).max(MAX_REPORT_LIMIT).optional(),
});
export type HotspotQuery = z.input<typeof hotspotQuerySchema>;

export const registerQuerySchema = z.strictObject({
  ...rangeFields,
  limit: z.coerce.number().int().min(1).max(MAX_REPORT_LIMIT).optional(),
  cursor: registerCursorSchema.optional(),
});
export type RegisterQuery = z.input<typeof registerQuerySchema>;

export interface RegisterReport extends RegisterPage, ReportRange {
  category?: TicketCategory;
}

export interface HotspotRow {
  key: string;
  label: string;
  /** The Devanagari name, where the directory has one. */
  labelHi?: string;
  district?: string;
  complaints: number;
  open: number;
  breaches: number;
  escalations: number;
  reopens: number;
  claims: number;
  rejected: number;
  consumerConfirmed: number;
  callbackConfirmed: number;
  unconfirmed: number;
  /** Supply complaints during a planned shutdown (places only): not in `complaints` nor `open`. */
  plannedShutdown: number;
  /** Area incidents opened (places only): each is one fault, however many complaints it links. */
  incidents: number;
  /** Of the `complaints`, those linked to an area incident (places only). */
  inIncident: number;
  /** Faults: the complaints on their own, plus one per incident (`complaints − inIncident + incidents`). */
  faults: number;
  /** rejected / (rejected + confirmed): of the claims answered in the range, the share answered "no"; null without answers. */
  rejectedRate: number | null;
  /** Median minutes from registration to confirmed closure, for closures in the range (±19 %, see closureBin). */
  medianClosureMinutes: number | null;
}

export interface HotspotReport {
  by: HotspotDimension;
  from: string;
  to: string;
  category?: TicketCategory;
  rows: HotspotRow[];
}

/** Who reads reports: supervisors everything, officers their own area (the sub-divisions under them), nobody else. */
export interface ReportReader {
  role: StaffRole | (string & {});
  officerId?: string;
}

export interface ReportRange {
  from: string;
  to: string;
}

const NUMERIC_FIELDS = ['complaints', 'open', 'breaches', 'escalations', 'reopens', 'claims', 'rejected', 'consumerConfirmed', 'callbackConfirmed', 'unconfirmed', 'plannedShutdown', 'incidents', 'inIncident'] as const;

export class ReportService {
  /** Catalogue entries known to exist in this process (`<bucket id>|<sub-division>`): each is written once per process. */
  private readonly catalogued = new Set<string>();
  /**
   * One writer per cell in this process. A burst (a feeder trips and a district's complaints arrive together) makes
   * every effect bump the same district and day cells; racing compare-and-sets on one cell waste a read and a write
   * per loser and gave up under load, so this process queues its own writers and only other processes race.
   */
  /**
   * The cells this process wrote last, as its write left them. Writes to a cell are queued in this process, so unless
   * another process wrote it since (the compare-and-set then misses and the cell is read again), this is what the
   * database holds: the read before each write is saved. Applied ids are kept too, so a redelivery is still caught.
   */
  private readonly knownCells = new Map<string, KnownCell>();
  /** Per set of cells, the batch of effects still open to newcomers (see `coalesced`). */
  private readonly openBatches = new Map<string, CellBatch>();
  private readonly cellWriters = new KeyedSerialQueue(30_000, (id) => console.warn(`[reports] a write to cell ${id} has run for 30 s`));
  readonly register: ReportRegister;

  constructor(
    private readonly models: Models,
    private readonly now: () => Date = () => new Date(),
    private readonly directory: Directory = Directory.loadDefault(),
  ) {
    this.register = new ReportRegister(models);
  }

  // ── Applying effects ──────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Applies one `report.update` effect: what `event` (an event of `ticket`, which carries its whole history) changes
   * in each month document, and the register line of a closure. Idempotent per document, so a redelivery after a
   * crash — even one part-way through — counts every document exactly once.
   */
  async apply(ticket: TicketRecord, event: TicketEvent, effectId: string): Promise<void> {
    await this.applyAll(ticket, [{ event, effectId }]);
  }

  /**
   * Several `report.update` effects of one ticket (a registration owes two: the places' and the officer's) in one
   * write when their cells are apart; as one apply each otherwise. Idempotent per effect, as `apply`.
   */
  async applyAll(ticket: TicketRecord, effects: Array<{ event: TicketEvent; effectId: string }>): Promise<void> {
    const cellSets = await Promise.all(effects.map(({ event, effectId }) => this.cellsOf(changesFor(ticket, event), ticket.category, effectId)));
    const all = cellSets.flat();
    if (new Set(all.map((cell) => cell.id)).size === all.length) {
      await this.coalesced(sortedById(all));
    } else {
      for (const cells of cellSets) await this.coalesced(cells);
    }
    for (const { event } of effects) {
      const entry = registerEntryFor(ticket, event);
      if (entry) await this.register.append(entry);
    }
  }

  /**
   * An area incident was opened: one fault in each of its place buckets (`incidents`, in the supply category), apart
   * from the complaints it links. Idempotent: the effect id is the incident's, so calling it again counts nothing.
   */
  async countIncident(incident: Pick<IncidentRecord, '_id' | 'areaKey' | 'place' | 'openedAt'>): Promise<void> {
    await this.coalesced(await this.cellsOf(incidentChanges(incident), 'supply', `incident:${incident._id}`));
  }

  /** The cells `changes` (in `category`) bump for `effectId`, in id order; their buckets catalogued first. */
  private async cellsOf(changes: DayChange[], category: TicketCategory, effectId: string): Promise<CellChange[]> {
    const byCell = new Map<string, CellChange>();
    for (const change of changes) {
      await this.catalogue(change.bucket);
      for (const { id, period, paths } of cellUpdates(change, category)) {
        const cell = byCell.get(id) ?? { id, bucket: change.bucket.id, period, inc: {}, effectId };
        for (const [path, by] of Object.entries(paths)) cell.inc[path] = (cell.inc[path] ?? 0) + by;
        byCell.set(id, cell);
      }
    }
    // Every cell of the effect is held at once, taken in id order so two effects never wait for each other in a circle.
    return sortedById([...byCell.values()]);
  }

  /**
   * Complaints registered during each planned shutdown (the `shutdown:<id>` buckets), summed over the months it spans.
   * Exact `_id`s only: a shutdown lasts at most a week, so one or two month cells each.
   */
  async shutdownComplaints(shutdowns: Array<{ id: string; startsAt: Date; endsAt: Date }>): Promise<Map<string, number>> {
    const counts = new Map<string, number>(shutdowns.map((shutdown) => [shutdown.id, 0]));
    const ids = shutdowns.flatMap((shutdown) => {
      const months = new Set([istDay(shutdown.startsAt).slice(0, 7), istDay(shutdown.endsAt).slice(0, 7)]);
      return [...months].map((month) => `shutdown:${shutdown.id}:${month}`);
    });
    for (let start = 0; start < ids.length; start += READ_BATCH) {
      const cells = await this.models.reportCells.find({ _id: trusted({ $in: ids.slice(start, start + READ_BATCH) }) }, { bucket: 1, counts: 1 }).lean<ReportCellRecord[]>();
      for (const cell of cells) {
        const id = cell.bucket.slice('shutdown:'.length);
        const sum = Object.values(cell.counts ?? {}).reduce((total, counters) => total + (counters?.plannedShutdown ?? 0), 0);
        counts.set(id, (counts.get(id) ?? 0) + sum);
      }
    }
    return counts;
  }

  private async catalogue(bucket: BucketRef): Promise<void> {
    const cacheKey = `${bucket.id}|${bucket.subDivisionId ?? ''}`;
    if (this.catalogued.has(cacheKey)) return;
    const update: Record<string, unknown> = {
      $setOnInsert: { dimension: bucket.dimension, key: bucket.key, label: bucket.label, ...(bucket.district ? { district: bucket.district } : {}) },
      ...(bucket.subDivisionId ? { $addToSet: { subDivisionIds: bucket.subDivisionId } } : {}),
    };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.models.reportBuckets.collection.updateOne({ _id: bucket.id as never }, update as mongo.UpdateFilter<mongo.Document>, { upsert: true });
        break;
      } catch (error) {
        // Two first upserts of one bucket can race; the loser's retry is a plain update.
        if (!isDuplicateKeyError(error) || attempt >= 3) throw error;
      }
    }
    this.catalogued.add(cacheKey);
  }

  /**
   * Effects on the same cells coalesce: while one write to them is queued or running, the effects that arrive join the
   * next one, which bumps each cell once by their sum and records all their ids (a burst of complaints in one district
   * and day costs one write per cell per round, not one per complaint). At most COALESCE_MAX effects a write, so their
   * ids stay within what a cell remembers (APPLIED_MEMORY).
   */
  private coalesced(cells: CellChange[]): Promise<void> {
    const effectKey = [...new Set(cells.map((cell) => cell.effectId))].join('\n');
    const key = cells.map((cell) => cell.id).join('\n');
    let batch = this.openBatches.get(key);
    if (!batch || batch.effects.length >= COALESCE_MAX) {
      const next: CellBatch = { effects: [], done: Promise.resolve() };
      this.openBatches.set(key, next);
      next.done = this.holdingCells(
        cells.map((cell) => cell.id),
        () => {
          // Closed to newcomers once it holds the cells: later effects queue up behind it in a new batch.
          if (this.openBatches.get(key) === next) this.openBatches.delete(key);
          return this.applyBatch(next.effects);
        },
      );
      batch = next;
    }
    // The same effect delivered twice at once (two drains racing) joins its own batch once.
    if (!batch.effects.some((effect) => effect.key === effectKey)) batch.effects.push({ key: effectKey, cells });
    return batch.done;
  }

  /** One effect alone takes the usual path; several are summed per cell, falling back to one by one on any miss. */
  private async applyBatch(effects: CellBatch['effects']): Promise<void> {
    if (effects.length === 1) {
      await this.applyToCells(effects[0]!.cells.map((cell) => ({ ...cell, ids: [cell.effectId] })), false);
      return;
    }
    // Same cells in the same order (the batch's key): each cell's increments summed, and each effect's id on it.
    const summed: CellWrite[] = effects[0]!.cells.map((cell) => ({ ...cell, inc: {}, ids: [] }));
    for (const effect of effects) {
      effect.cells.forEach((cell, index) => {
        const write = summed[index]!;
        for (const [path, by] of Object.entries(cell.inc)) write.inc[path] = (write.inc[path] ?? 0) + by;
        write.ids.push(cell.effectId);
      });
    }
    if (await this.applyToCells(summed, true)) return;
    // Something missed (a redelivery, another process's write): each effect settles itself, skipping what it reached.
    for (const effect of effects) {
      for (const cell of effect.cells) {
        this.knownCells.delete(cell.id);
        await this.applyToCell(cell.id, cell.bucket, cell.period, cell.inc, cell.effectId);
      }
    }
  }

  private holdingCells<T>(ids: string[], task: () => Promise<T>): Promise<T> {
    const [first, ...rest] = ids;
    return first === undefined ? task() : this.cellWriters.run(first, () => this.holdingCells(rest, task));
  }

  /**
   * All of an effect's cells in one round trip: each update is still a compare-and-set on `{_id, rev}`, from what this
   * process knows of the cell (read first, in one query, if it knows nothing). When anything misses — another process
   * wrote a cell, or created it first — the cells are settled one by one, which reads again what is no longer known
   * and skips the ones this effect already reached. Several effects summed (`batch`): true when every cell took them
   * in one go; false (nothing settled) when any missed. One delivery (each cell with its own effect's id): settles
   * every cell, then true.
   */
  private async applyToCells(cells: CellWrite[], batch: boolean): Promise<boolean> {
    const unknown = cells.filter((cell) => !this.knownCells.has(cell.id)).map((cell) => cell.id);
    if (unknown.length > 0) {
      const stored = await this.models.reportCells.collection
        .find({ _id: { $in: unknown as never[] } }, { projection: { counts: 0 } })
        .toArray();
      for (const cell of stored as unknown as Array<Pick<ReportCellRecord, '_id' | 'applied' | 'rev'>>) this.remember(cell._id, { rev: cell.rev, applied: cell.applied });
    }
    const operations: mongo.AnyBulkWriteOperation[] = [];
    const after = new Map<string, KnownCell>();
    for (const cell of cells) {
      const known = this.knownCells.get(cell.id);
      if (known && cell.ids.some((id) => known.applied.includes(id))) {
        // A summed batch cannot skip part of itself: its effects settle one by one instead.
        if (batch) return false;
        continue;
      }
      if (!known) {
        const fields: { counts?: object } = {};
        for (const [path, by] of Object.entries(cell.inc)) addAtPath(fields, path, by);
        operations.push({ insertOne: { document: { _id: cell.id as never, bucket: cell.bucket, period: cell.period, counts: fields.counts ?? {}, applied: cell.ids, rev: 1 } } });
        after.set(cell.id, { rev: 1, applied: cell.ids });
      } else {
        operations.push({
          updateOne: {
            filter: { _id: cell.id, rev: known.rev },
            update: { $inc: { ...cell.inc, rev: 1 }, $push: { applied: { $each: cell.ids, $slice: -APPLIED_MEMORY } } },
          },
        } as unknown as mongo.AnyBulkWriteOperation);
        after.set(cell.id, { rev: known.rev + 1, applied: [...known.applied, ...cell.ids].slice(-APPLIED_MEMORY) });
      }
    }
    if (operations.length === 0) return true;
    const updates = operations.filter((operation) => 'updateOne' in operation).length;
    let allApplied = false;
    try {
      const result = await this.models.reportCells.collection.bulkWrite(operations, { ordered: false });
      allApplied = result.matchedCount === updates;
    } catch (error) {
      // Only "someone created that cell first" is settled below; anything else is the database's error to report.
      if (!isDuplicateKeyError(error)) throw error;
    }
    if (allApplied) {
      for (const [id, cell] of after) this.remember(id, cell);
      return true;
    }
    if (batch) return false;
    for (const cell of cells) {
      this.knownCells.delete(cell.id);
      await this.applyToCell(cell.id, cell.bucket, cell.period, cell.inc, cell.effectId);
    }
    return true;
  }

  private async applyToCell(id: string, bucket: string, period: string, inc: Record<string, number>, effectId: string): Promise<void> {
    const cells = this.models.reportCells.collection;
    for (let attempt = 0; attempt < 20; attempt++) {
      // Read by `_id` and update by `{_id, rev}` (a unique index): both index hits, where `applied: {$ne}` would scan.
      // This process's own last write usually tells what the cell holds now, which saves the read.
      const current = this.knownCells.get(id) ?? (await this.readCell(id));
      if (current?.applied.includes(effectId)) return;
      try {
        if (!current) {
          const fields: { counts?: object } = {};
          for (const [path, by] of Object.entries(inc)) addAtPath(fields, path, by);
          await cells.insertOne({ _id: id as never, bucket, period, counts: fields.counts ?? {}, applied: [effectId], rev: 1 });
          this.remember(id, { rev: 1, applied: [effectId] });
          return;
        }
        const result = await cells.updateOne({ _id: id as never, rev: current.rev }, {
          $inc: { ...inc, rev: 1 },
          $push: { applied: { $each: [effectId], $slice: -APPLIED_MEMORY } },
        } as unknown as mongo.UpdateFilter<mongo.Document>);
        if (result.matchedCount === 1) {
          this.remember(id, { rev: current.rev + 1, applied: [...current.applied, effectId].slice(-APPLIED_MEMORY) });
          return;
        }
      } catch (error) {
        // Another writer created the document first: read it again and update it.
        if (!isDuplicateKeyError(error)) throw error;
      }
      // Another process wrote the cell since: what this one knew is stale.
      this.knownCells.delete(id);
    }
    throw new Error(`report cell ${id}: could not apply ${effectId} (too much contention)`);
  }

  private async readCell(id: string): Promise<KnownCell | undefined> {
    const cell = await this.models.reportCells.findById(id, { counts: 0 }).lean<Pick<ReportCellRecord, '_id' | 'applied' | 'rev'>>();
    return cell ? { rev: cell.rev, applied: cell.applied } : undefined;
  }

  /** Keeps the most recently written cells (a `Map` iterates oldest first, so the first key is the one to drop). */
  private remember(id: string, cell: KnownCell): void {
    this.knownCells.delete(id);
    this.knownCells.set(id, cell);
    if (this.knownCells.size > KNOWN_CELLS_KEPT) this.knownCells.delete(this.knownCells.keys().next().value!);
  }

  // ── Reading ───────────────────────────────────────────────────────────────────────────────────────────────────

  /** The IST day range of a query: defaults, order and span checked. */
  private rangeOf(query: { from?: string | undefined; to?: string | undefined }): ReportRange {
    const to = query.to ?? istDay(this.now());
    const from = query.from ?? addDays(to, 1 - DEFAULT_RANGE_DAYS);
    if (from > to) throw new InvalidInputError(['from: must not be after to']);
    if ((Date.parse(to) - Date.parse(from)) / 86_400_000 + 1 > MAX_RANGE_DAYS) throw new InvalidInputError([`from: the range may span at most ${MAX_RANGE_DAYS} days`]);
    return { from, to };
  }

  /** Hotspots by place, officer or category over an IST day range: the rollups only, by exact `_id`s. */
  async hotspots(reader: ReportReader, queryInput: HotspotQuery): Promise<HotspotReport> {
    const area = this.areaOf(reader);
    const query = parseInput(hotspotQuerySchema, queryInput);
    const range = this.rangeOf(query);
    // Categories are summed over the widest place buckets the reader may see: districts for supervisors, sub-divisions for officers.
    const dimension: ReportDimension = query.by === 'category' ? (area ? 'subDivision' : 'district') : query.by === 'subdivision' ? 'subDivision' : query.by;
    const buckets = (await this.models.reportBuckets.find({ dimension }, wholeDocument).lean<ReportBucketRecord[]>()).filter((bucket) => visibleTo(bucket, area));
    const totals = new Map<string, Accumulator>();
    const accumulatorFor = (key: string) => totals.get(key) ?? totals.set(key, new Accumulator()).get(key)!;

    // Every bucket's cells for the fewest periods that make up the range (whole months, whole blocks, days), by `_id $in`.
    const periods = periodsCovering(range.from, range.to);
    const ids = buckets.flatMap((bucket) => periods.map((period) => `${bucket._id}:${period}`));
    for (let start = 0; start < ids.length; start += READ_BATCH) {
      const cells = await this.models.reportCells.find({ _id: trusted({ $in: ids.slice(start, start + READ_BATCH) }) }, { applied: 0 }).lean<ReportCellRecord[]>();
      for (const cell of cells) {
        for (const [category, counters] of Object.entries(cell.counts ?? {})) {
          if (query.category && category !== query.category) continue;
          accumulatorFor(query.by === 'category' ? category : cell.bucket).add(counters);
        }
      }
    }

    const byId = new Map(buckets.map((bucket) => [bucket._id, bucket]));
    const rows: HotspotRow[] = [];
    for (const [key, accumulator] of totals) {
      if (accumulator.isEmpty()) continue;
      const bucket = byId.get(key);
      const label = bucket?.label ?? key;
      const labelHi = bucket && bucket.dimension !== 'officer' ? this.directory.hindiNameOf(label) : undefined;
      rows.push({
        key: bucket?.key ?? key,
        label,
        ...(labelHi ? { labelHi } : {}),
        ...(bucket?.district && bucket.dimension !== 'district' ? { district: bucket.district } : {}),
        ...accumulator.row(),
      });
    }
    rows.sort((a, b) => b.complaints - a.complaints || b.open - a.open || b.breaches - a.breaches || a.label.localeCompare(b.label));
    return { by: query.by, ...range, ...(query.category ? { category: query.category } : {}), rows: rows.slice(0, query.limit ?? DEFAULT_REPORT_LIMIT) };
  }

  /** The satisfaction register over an IST day range, newest day first, `limit` lines from `cursor` on. */
  async satisfactionRegister(reader: ReportReader, queryInput: RegisterQuery): Promise<RegisterReport> {
    const query = parseInput(registerQuerySchema, queryInput);
    const filter = this.registerFilter(reader, query);
    const page = await this.register.read(filter, query.limit ?? DEFAULT_REPORT_LIMIT, query.cursor);
    return { from: filter.from, to: filter.to, ...(query.category ? { category: query.category } : {}), ...page };
  }

  /**
   * Every register line of the range the reader may see, a page at a time (the CSV export streams these). Checked
   * at once — reader, query, range — so a refusal comes before the first byte of a download.
   */
  registerExport(reader: ReportReader, queryInput: RegisterQuery): ReportRange & { lines: AsyncGenerator<RegisterEntry[]> } {
    const filter = this.registerFilter(reader, parseInput(registerQuerySchema, queryInput));
    return { from: filter.from, to: filter.to, lines: this.register.entries(filter) };
  }

  private registerFilter(reader: ReportReader, query: z.output<typeof registerQuerySchema>): RegisterFilter {
    const area = this.areaOf(reader);
    return { ...this.rangeOf(query), ...(query.category ? { category: query.category } : {}), visible: (entry) => ReportService.entryVisible(entry, area) };
  }

  /**
   * The sub-divisions a reader may see: undefined for a supervisor (everything), the officer's own area for an
   * officer; everyone else is refused.
   */
  private areaOf(reader: ReportReader): Set<string> | undefined {
    if (reader.role === 'supervisor') return undefined;
    if (reader.role === 'officer') return new Set(reader.officerId ? this.directory.subDivisionIdsUnder(reader.officerId) : []);
    throw new NotPermittedError('Reports are for supervisors and officers.');
  }

  /** Register lines visible to the reader: an officer sees the closures of their own area only. */
  private static entryVisible(entry: RegisterEntry, area: Set<string> | undefined): boolean {
    return area === undefined || (entry.subDivisionId !== undefined && area.has(entry.subDivisionId));
  }
}

/** A bucket is an officer's to read only when every ticket it counts came from a sub-division in their area. */
function visibleTo(bucket: ReportBucketRecord, area: Set<string> | undefined): boolean {
  if (area === undefined) return true;
  return bucket.subDivisionIds.length > 0 && bucket.subDivisionIds.every((id) => area.has(id));
}

/** Sums one bucket's day counters over the range. */
class Accumulator {
  private readonly sums: Record<(typeof NUMERIC_FIELDS)[number], number> = Object.fromEntries(NUMERIC_FIELDS.map((field) => [field, 0])) as never;
  private readonly histogram = new Map<number, number>();

  add(counters: DayCounters): void {
    for (const field of NUMERIC_FIELDS) this.sums[field] += counters[field] ?? 0;
    for (const [bin, count] of Object.entries(counters.h ?? {})) {
      const index = Number(bin.slice(1));
      this.histogram.set(index, (this.histogram.get(index) ?? 0) + count);
    }
  }

  isEmpty(): boolean {
    return NUMERIC_FIELDS.every((field) => this.sums[field] === 0);
  }

  row(): Omit<HotspotRow, 'key' | 'label' | 'labelHi' | 'district'> {
    const answered = this.sums.rejected + this.sums.consumerConfirmed + this.sums.callbackConfirmed;
    const median = medianMinutes(this.histogram);
    return {
      ...this.sums,
      faults: this.sums.complaints - this.sums.inIncident + this.sums.incidents,
      rejectedRate: answered > 0 ? this.sums.rejected / answered : null,
      medianClosureMinutes: median === null ? null : Math.round(median),
    };
  }
}

function sortedById<T extends { id: string }>(cells: T[]): T[] {
  return [...cells].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
