// Planned shutdowns: a supervisor declares one ahead (area, start, end, reason), anyone on the staff side lists them,
// a supervisor cancels one. A supply complaint registered in the area while one runs is told so (when supply returns)
// and is counted apart from faults in the reports (services/reportRollups.ts). Stored per area
// (models/plannedShutdownModel.ts) so that the check on each complaint is one read by exact `_id`.
import { randomBytes } from 'node:crypto';
import { trusted } from 'mongoose';
import { z } from 'zod';
import { wholeDocument, type Models } from '../models/index.js';
import type { PlannedShutdown, ShutdownAreaRecord } from '../models/plannedShutdownModel.js';
import type { TicketPlace } from '../models/ticketTypes.js';
import type { Directory } from './directory.js';
import { InvalidInputError, NotPermittedError, DomainError } from './errors.js';
import { actorFor, type StaffPrincipal } from './staffAuthService.js';
import { LIMITS, parseInput, withoutControlCharacters } from './ticketInput.js';

export class ShutdownNotFoundError extends DomainError {
  readonly code = 'shutdown_not_found';
}

/** The longest shutdown one declaration may announce. */
const MAX_DURATION_MS = 7 * 86_400_000;
const shutdownIdPattern = /^shd_[0-9a-f]{16}$/;

const placeText = z.string().transform((value) => withoutControlCharacters(value).trim()).pipe(z.string().min(1).max(LIMITS.shortText));

export const declareShutdownSchema = z
  .strictObject({
    district: placeText,
    subDivision: placeText.optional(),
    locality: placeText.optional(),
    startsAt: z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601 with a time zone, e.g. 2026-12-05T10:00:00+05:30' }),
    endsAt: z.iso.datetime({ offset: true }),
    reason: z.string().transform((value) => withoutControlCharacters(value).trim()).pipe(z.string().min(1).max(300)),
  })
  .refine((input) => Date.parse(input.endsAt) > Date.parse(input.startsAt), { message: 'endsAt must be after startsAt', path: ['endsAt'] })
  .refine((input) => Date.parse(input.endsAt) - Date.parse(input.startsAt) <= MAX_DURATION_MS, { message: 'a planned shutdown lasts at most 7 days', path: ['endsAt'] });
export type DeclareShutdownInput = z.input<typeof declareShutdownSchema>;

export const shutdownListQuerySchema = z.strictObject({
  include: z.enum(['current', 'all']).optional().meta({ description: 'current (default): not cancelled and not yet ended; all: every one kept.' }),
});

/** One shutdown as the staff API shows it, with its area. */
export interface ShutdownView {
  id: string;
  area: { key: string; district: string; subDivision?: string; subDivisionId?: string; locality?: string };
  startsAt: Date;
  endsAt: Date;
  reason: string;
  createdBy: PlannedShutdown['createdBy'];
  createdAt: Date;
  cancelledAt?: Date;
  cancelledBy?: PlannedShutdown['cancelledBy'];
  /** running: now within it; upcoming; ended; cancelled. */
  state: 'running' | 'upcoming' | 'ended' | 'cancelled';
  /** In a list: supply complaints registered in the area while it ran (from the report rollups, a moment behind). */
  complaints?: number;
}

/** Where the complaints counted during each shutdown come from (ReportService.shutdownComplaints). */
export interface ShutdownComplaintCounts {
  shutdownComplaints(shutdowns: Array<{ id: string; startsAt: Date; endsAt: Date }>): Promise<Map<string, number>>;
}

/** What a complaint learns of the shutdown running at its place. */
export interface ActiveShutdown {
  id: string;
  endsAt: Date;
  reason: string;
}

/** The area keys a place falls under, most specific first. */
export function areaKeysOf(place: Pick<TicketPlace, 'district' | 'subDivisionId' | 'locality'>): string[] {
  const keys: string[] = [];
  if (place.locality) keys.push(`locality:${place.district}/${place.locality}`);
  if (place.subDivisionId) keys.push(`subDivision:${place.subDivisionId}`);
  keys.push(`district:${place.district}`);
  return keys;
}

/** The planned shutdown running at this place now, if any (one `_id $in` read: an index hit). */
export async function activeShutdownFor(models: Pick<Models, 'shutdownAreas'>, place: Pick<TicketPlace, 'district' | 'subDivisionId' | 'locality'>, at: Date): Promise<ActiveShutdown | undefined> {
  const areas = await models.shutdownAreas.find({ _id: trusted({ $in: areaKeysOf(place) }) }, wholeDocument).lean<ShutdownAreaRecord[]>();
  const running = areas
    .flatMap((area) => area.shutdowns)
    .filter((shutdown) => !shutdown.cancelledAt && new Date(shutdown.startsAt) <= at && at < new Date(shutdown.endsAt))
    .sort((a, b) => new Date(b.endsAt).getTime() - new Date(a.endsAt).getTime());
  const latest = running[0];
  return latest ? { id: latest.id, endsAt: new Date(latest.endsAt), reason: latest.reason } : undefined;
}

export class ShutdownService {
  constructor(
    private readonly models: Models,
    private readonly directory: Directory,
    private readonly now: () => Date = () => new Date(),
    private readonly counts?: ShutdownComplaintCounts,
  ) {}

  async declare(principal: StaffPrincipal, input: DeclareShutdownInput): Promise<ShutdownView> {
    if (principal.role !== 'supervisor') throw new NotPermittedError('Only a supervisor can declare a planned shutdown.');
    const request = parseInput(declareShutdownSchema, input);
    const area = this.areaOf(request);
    const shutdown: PlannedShutdown = {
      id: `shd_${randomBytes(8).toString('hex')}`,
      startsAt: new Date(request.startsAt),
      endsAt: new Date(request.endsAt),
      reason: request.reason,
      createdBy: actorFor(principal),
      createdAt: this.now(),
    };
    const { shutdowns: _none, _id, ...fields } = area;
    await this.models.shutdownAreas.updateOne({ _id }, { $setOnInsert: fields, $push: { shutdowns: shutdown } }, { upsert: true });
    return this.view(area, shutdown);
  }

  /** Every area's shutdowns (a small collection, read only by staff), soonest first. */
  async list(principal: StaffPrincipal, query: z.input<typeof shutdownListQuerySchema> = {}): Promise<ShutdownView[]> {
    requireStaff(principal);
    const { include = 'current' } = parseInput(shutdownListQuerySchema, query);
    const areas = await this.models.shutdownAreas.find({}, wholeDocument).lean<ShutdownAreaRecord[]>();
    const views = areas
      .flatMap((area) => area.shutdowns.map((shutdown) => this.view(area, shutdown)))
      .filter((view) => include === 'all' || view.state === 'running' || view.state === 'upcoming')
      .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.id.localeCompare(b.id));
    if (!this.counts) return views;
    const complaints = await this.counts.shutdownComplaints(views);
    return views.map((view) => ({ ...view, complaints: complaints.get(view.id) ?? 0 }));
  }

  async cancel(principal: StaffPrincipal, id: string): Promise<ShutdownView> {
    if (principal.role !== 'supervisor') throw new NotPermittedError('Only a supervisor can cancel a planned shutdown.');
    if (!shutdownIdPattern.test(id)) throw new ShutdownNotFoundError(`No planned shutdown ${id.slice(0, 40)}.`);
    const area = await this.models.shutdownAreas.findOne({ 'shutdowns.id': id }, wholeDocument).lean<ShutdownAreaRecord>();
    const shutdown = area?.shutdowns.find((candidate) => candidate.id === id);
    if (!area || !shutdown) throw new ShutdownNotFoundError(`No planned shutdown ${id}.`);
    if (shutdown.cancelledAt) return this.view(area, shutdown);
    const cancelled = { ...shutdown, cancelledAt: this.now(), cancelledBy: actorFor(principal) };
    await this.models.shutdownAreas.updateOne(
      { _id: area._id },
      { $set: { 'shutdowns.$[s].cancelledAt': cancelled.cancelledAt, 'shutdowns.$[s].cancelledBy': cancelled.cancelledBy } },
      { arrayFilters: [{ 's.id': id }] },
    );
    return this.view(area, cancelled);
  }

  private areaOf(request: z.output<typeof declareShutdownSchema>): ShutdownAreaRecord {
    const resolved = this.directory.resolvePlace({ district: request.district, subDivision: request.subDivision, locality: request.locality });
    const district = this.directory.districts().find((name) => name.toLowerCase() === request.district.toLowerCase());
    if (!district) throw new InvalidInputError([`district: "${request.district}" is not a district of the directory`]);
    if (request.locality) {
      if (!resolved?.locality) throw new InvalidInputError([`locality: "${request.locality}" is not a locality of ${district}`]);
      return { _id: `locality:${resolved.district}/${resolved.locality}`, district: resolved.district, subDivision: resolved.subDivision, subDivisionId: resolved.subDivisionId, locality: resolved.locality, shutdowns: [] };
    }
    if (request.subDivision) {
      if (!resolved) throw new InvalidInputError([`subDivision: "${request.subDivision}" is not a sub-division of ${district}`]);
      return { _id: `subDivision:${resolved.subDivisionId}`, district: resolved.district, subDivision: resolved.subDivision, subDivisionId: resolved.subDivisionId, shutdowns: [] };
    }
    return { _id: `district:${district}`, district, shutdowns: [] };
  }

  private view(area: ShutdownAreaRecord, shutdown: PlannedShutdown): ShutdownView {
    const now = this.now();
    const startsAt = new Date(shutdown.startsAt);
    const endsAt = new Date(shutdown.endsAt);
    const state = shutdown.cancelledAt ? 'cancelled' : now >= endsAt ? 'ended' : now >= startsAt ? 'running' : 'upcoming';
    const { _id: key, district, subDivision, subDivisionId, locality } = area;
    return {
      id: shutdown.id,
      area: { key, district, ...(subDivision ? { subDivision } : {}), ...(subDivisionId ? { subDivisionId } : {}), ...(locality ? { locality } : {}) },
      startsAt,
      endsAt,
      reason: shutdown.reason,
      createdBy: shutdown.createdBy,
      createdAt: new Date(shutdown.createdAt),
      ...(shutdown.cancelledAt ? { cancelledAt: new Date(shutdown.cancelledAt), cancelledBy: shutdown.cancelledBy } : {}),
      state,
    };
  }
}

function requireStaff(principal: StaffPrincipal): void {
  if (!['agent', 'officer', 'supervisor'].includes(principal.role)) throw new NotPermittedError('Staff only.');
}
