// Area incidents: a fault that takes out one locality's supply is one incident, however many consumers report it.
// It opens by itself when supply complaints from one area pass a threshold within a window (or by staff), its owner is
// the area's JE, its history is hash-chained like a ticket's, and every consumer linked to it keeps their own ticket:
// they are told the incident's news once each, and on "restored" each is asked — only their own "yes" closes.
//
// Race-freedom on the embedded server (ARCHITECTURE.md): counting is one findOneAndUpdate by the area's `_id`
// (returning the document *before*, plus this complaint); opening is the insert of `incident_areas/<area>`, whose
// unique `_id` lets exactly one of any number of racing openers win; every incident change is a compare-and-set on
// `{_id, rev}`. Linking a ticket writes the ticket first (its `incidentId` is the truth) and then `$addToSet`s it here.
import { Backoff, lostRaceBackoff } from './retry.js';
import { Claims } from './claims.js';
import { trusted } from 'mongoose';
import { z } from 'zod';
import { wholeDocument, type Models } from '../models/index.js';
import {
  INCIDENT_STATUSES,
  OPEN_INCIDENT_STATUSES,
  type IncidentAreaRecord,
  type IncidentEvent,
  type IncidentHead,
  type IncidentPlace,
  type IncidentRecord,
  type IncidentStatus,
} from '../models/incidentModel.js';
import type { Actor, ActorRef, EventChannel, TicketHead, TicketPlace, TicketRecord } from '../models/ticketTypes.js';
import { normalisePlaceName, type Directory, type ElectricalArea } from './directory.js';
import { ConcurrentUpdateError, DomainError, InvalidInputError, InvalidTransitionError, NotPermittedError, TicketNotFoundError } from './errors.js';
import { incidentGenesisHash, sealEvent, verifyChain, type ChainVerdict } from './eventChain.js';
import { actorFor, type StaffPrincipal } from './staffAuthService.js';
import { LIMITS, parseInput, ticketNumberSchema } from './ticketInput.js';
import { indiaDate, type TicketService } from './ticketService.js';

export class IncidentNotFoundError extends DomainError {
  readonly code = 'incident_not_found';
  constructor(readonly incidentId: string) {
    super(`No incident ${incidentId}.`);
  }
}

export interface IncidentServiceOptions {
  /** Supply complaints from one area within the window that open an incident (INCIDENT_THRESHOLD, default 5). */
  threshold?: number;
  /** The window, in ms (INCIDENT_WINDOW, default 30 minutes). */
  windowMs?: number;
  now?: () => Date;
  /** How many linked tickets a fan-out (an update, a restoration) writes at once. */
  batchSize?: number;
  log?: (line: string) => void;
  /** Told of each incident just opened (the report rollups count it as one fault: ReportService.countIncident). */
  onOpened?: (incident: IncidentRecord) => Promise<void>;
}

/** What a consumer is told about an incident: enough for one sentence in their language (dialogs/texts.ts). */
export interface IncidentNews {
  incidentId: string;
  locality: string;
  since: Date;
  reports: number;
  status: IncidentStatus;
  etaAt?: Date;
  note?: string;
}

/** Which complaints count towards an area's incident: no supply, and a failed transformer. */
export const INCIDENT_CATEGORIES: ReadonlySet<TicketRecord['category']> = new Set(['supply', 'transformer']);

const idSchema = z.string().max(30).transform((value) => value.trim().toUpperCase()).pipe(z.string().regex(/^INC-\d{6}-\d{3,}$/, 'is not an incident id like INC-261204-001'));
const note = z.string().trim().min(1).max(LIMITS.note);
const shortText = z.string().trim().min(1).max(LIMITS.shortText);

export const incidentOpenSchema = z
  .strictObject({
    district: shortText.optional(),
    subDivision: shortText.optional(),
    locality: shortText.optional(),
    feeder: shortText.optional().meta({ description: 'A feeder the directory knows (id or name): the incident covers every locality on it.' }),
    transformer: shortText.optional().meta({ description: 'A distribution transformer the directory knows (id or name): the incident covers its localities.' }),
    note: note.optional(),
    etaAt: z.coerce.date().optional(),
  })
  .refine((input) => input.locality || input.feeder || input.transformer, { message: 'name the locality, or a feeder or transformer the directory knows', path: ['locality'] });
export const incidentNoteSchema = z.strictObject({ note, status: z.enum(['crew_assigned', 'work_in_progress']).optional() });
export const incidentEtaSchema = z.strictObject({ etaAt: z.coerce.date(), note: note.optional() });
export const incidentRestoreSchema = z.strictObject({ note: note.optional() });
export const incidentMergeSchema = z.strictObject({ from: idSchema });
export const incidentDetachSchema = z.strictObject({ note: note.optional() });
export const incidentListQuerySchema = z.strictObject({ status: z.enum(['open', ...INCIDENT_STATUSES]).optional() });

const headProjection = { events: 0, tickets: 0 } as const;
const openerWaitMs = 2_000;
const staleAreaAgeMs = 60_000;
/** An area's open incident: owner the incident id, time when it was claimed. */
const areaClaimShape = { owner: 'incidentId', time: 'createdAt', timeMeans: 'claimedAt' } as const;

interface IncidentDecision {
  status?: IncidentStatus;
  set?: Record<string, unknown>;
  events: Array<Omit<IncidentEvent, 'seq' | 'at' | 'actor' | 'channel' | 'prevHash' | 'hash'>>;
}

export class IncidentService {
  private readonly threshold: number;
  private readonly windowMs: number;
  private readonly now: () => Date;
  private readonly batchSize: number;
  private readonly log: (line: string) => void;
  private readonly onOpened: (incident: IncidentRecord) => Promise<void>;

  constructor(
    private readonly models: Models,
    private readonly directory: Directory,
    private readonly tickets: TicketService,
    options: IncidentServiceOptions = {},
  ) {
    this.threshold = Math.max(1, options.threshold ?? 5);
    this.windowMs = options.windowMs ?? 30 * 60_000;
    this.now = options.now ?? (() => new Date());
    this.batchSize = options.batchSize ?? 25;
    this.log = options.log ?? ((line) => console.log(line));
    this.onOpened = options.onOpened ?? (async () => {});
    // Best effort: the ticket (already written) is the truth; the incident's own record of it must not fail the answer.
    tickets.observeIncidentDetachments((ticketNumber, incidentId) =>
      this.recordDetached(incidentId, ticketNumber, { role: 'system', id: 'consumer-answer' }, 'consumer_said_not_restored').catch((error: unknown) =>
        this.log(`[incidents] ${incidentId}: could not record ${ticketNumber} leaving: ${String(error)}`),
      ),
    );
  }

  /** The area an incident is kept for: the sub-division and the locality. */
  areaKeyOf(place: Pick<TicketPlace, 'subDivisionId' | 'locality'>): string | undefined {
    if (!place.subDivisionId || !place.locality) return undefined;
    return `${place.subDivisionId}/${normalisePlaceName(place.locality)}`;
  }

  /** The area of a feeder or transformer the directory knows: `<sub-division>/feeder:<id>` or `…/transformer:<id>`. */
  private electricalKeyOf(area: ElectricalArea): string {
    return `${area.place.subDivisionId}/${area.kind}:${area.id}`;
  }

  /**
   * The open incident a complaint from this place belongs to: its locality's, else its transformer's, else its
   * feeder's (each an exact `_id` read; the directory says which transformer and feeder supply the locality).
   */
  private async openIncidentFor(place: Pick<TicketPlace, 'subDivisionId' | 'locality'>): Promise<IncidentHead | undefined> {
    const areaKey = this.areaKeyOf(place);
    if (!areaKey) return undefined;
    const keys = [areaKey, ...this.directory.electricalAreasOf(place.subDivisionId!, place.locality!).map((area) => this.electricalKeyOf(area))];
    // All the areas in one read (`_id $in`: an index hit); their incidents in the same order of preference.
    const areas = await this.models.incidentAreas.find({ _id: trusted({ $in: keys }) }, wholeDocument).lean<IncidentAreaRecord[]>();
    const byKey = new Map(areas.map((area) => [area._id, area]));
    for (const key of keys) {
      const area = byKey.get(key);
      const open = area ? await this.openIncidentNamed(area.incidentId) : undefined;
      if (open) return open;
    }
    return undefined;
  }

  // ── The consumer side ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * A complaint was just registered (one call, from the registration dialog). A supply complaint in an area with an
   * open incident is linked to it; otherwise it is counted, and the one that reaches the threshold opens the incident
   * and links the window's complaints. Returns the incident's news when the ticket is now part of one.
   */
  async recordComplaint(ticket: Pick<TicketHead, '_id' | 'category' | 'place' | 'status'>): Promise<IncidentNews | undefined> {
    if (!INCIDENT_CATEGORIES.has(ticket.category)) return undefined;
    const areaKey = this.areaKeyOf(ticket.place);
    if (!areaKey) return undefined;
    const open = await this.openIncidentFor(ticket.place);
    if (open) {
      await this.link(open._id, ticket._id);
      return this.newsFor(await this.head(open._id), ticket.place);
    }
    const at = this.now();
    const before = await this.models.incidentWindows
      .findOneAndUpdate(
        { _id: areaKey },
        { $push: { recent: { $each: [{ at, ticket: ticket._id }], $slice: -this.threshold } } },
        { upsert: true, returnDocument: 'before', projection: wholeDocument },
      )
      .lean();
    const since = at.getTime() - this.windowMs;
    const inWindow = [...(before?.recent ?? []), { at, ticket: ticket._id }].filter((entry) => new Date(entry.at).getTime() > since);
    if (inWindow.length < this.threshold) return undefined;
    const place = ticket.place as Required<Pick<TicketPlace, 'district' | 'subDivision' | 'subDivisionId' | 'locality'>> & Pick<TicketPlace, 'division'>;
    const incidentId = await this.openFor(areaKey, { district: place.district, ...(place.division ? { division: place.division } : {}), subDivision: place.subDivision, subDivisionId: place.subDivisionId, locality: place.locality }, { role: 'system', id: 'incident-threshold' }, 'threshold', { note: undefined });
    for (const entry of inWindow) await this.link(incidentId, entry.ticket);
    return this.newsOf(incidentId);
  }

  /** "light kab aayegi" from a consumer of a known place: what is known about its open incident, if there is one. */
  async incidentForPlace(place: Pick<TicketPlace, 'subDivisionId' | 'locality'>): Promise<IncidentNews | undefined> {
    const open = await this.openIncidentFor(place);
    return open ? this.newsFor(open, place) : undefined;
  }

  // ── Staff actions ─────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Opened by an officer (in their own area) or a supervisor, for a locality the directory knows — or for a feeder or
   * transformer it knows, covering every locality it supplies (a transformer is the narrower, so it wins if both are
   * named). A feeder or transformer the directory does not know is only recorded on the locality's incident.
   */
  async open(principal: StaffPrincipal, input: z.input<typeof incidentOpenSchema>): Promise<IncidentHead> {
    const request = parseInput(incidentOpenSchema, input);
    this.requireMayAct(principal);
    const { place, areaKey } = this.placeToOpen(request);
    this.requireInArea(principal, place.subDivisionId, 'open an incident in');
    const existing = await this.openIncidentOf(areaKey);
    if (existing) throw new InvalidTransitionError(existing._id, 'open', 'already open for this area', []);
    const id = await this.openFor(areaKey, place, actorFor(principal), 'staff', { note: request.note, etaAt: request.etaAt });
    return this.head(id);
  }

  private placeToOpen(request: z.output<typeof incidentOpenSchema>): { place: IncidentPlace; areaKey: string } {
    const scope = request.district || request.subDivision ? this.directory.resolvePlace({ district: request.district, subDivision: request.subDivision }) : undefined;
    const electrical =
      (request.transformer ? this.directory.findElectricalArea('transformer', request.transformer, scope?.subDivisionId) : undefined) ??
      (request.feeder ? this.directory.findElectricalArea('feeder', request.feeder, scope?.subDivisionId) : undefined);
    if (electrical && !request.locality) {
      const { district, division, subDivision, subDivisionId } = electrical.place;
      const place: IncidentPlace = {
        district,
        division,
        subDivision,
        subDivisionId,
        // What consumers and staff read as the area: the localities it supplies.
        locality: electrical.localities.join(', '),
        feeder: electrical.kind === 'feeder' ? electrical.name : (electrical.feeder?.name ?? request.feeder),
        ...(electrical.kind === 'transformer' ? { transformer: electrical.name } : {}),
      };
      return { place, areaKey: this.electricalKeyOf(electrical) };
    }
    if (!request.locality) {
      const named = request.transformer ? `transformer: "${request.transformer}"` : `feeder: "${request.feeder}"`;
      throw new InvalidInputError([`${named} is not one the directory knows (or is ambiguous); name the locality instead`]);
    }
    const resolved = this.directory.resolvePlace({ district: request.district, subDivision: request.subDivision, locality: request.locality });
    if (!resolved?.locality) throw new InvalidInputError([`locality: "${request.locality}" is not a locality in the directory`]);
    const place: IncidentPlace = {
      district: resolved.district,
      division: resolved.division,
      subDivision: resolved.subDivision,
      subDivisionId: resolved.subDivisionId,
      locality: resolved.locality,
      ...(request.feeder ? { feeder: request.feeder } : {}),
      ...(request.transformer ? { transformer: request.transformer } : {}),
    };
    return { place, areaKey: this.areaKeyOf(place)! };
  }

  /** The news as one consumer hears it: for a feeder's or transformer's incident, named by the consumer's own locality. */
  private newsFor(incident: IncidentHead, place: Pick<TicketPlace, 'locality'>): IncidentNews {
    const news = toNews(incident);
    return incident.areaKey.includes('/feeder:') || incident.areaKey.includes('/transformer:') ? { ...news, locality: place.locality ?? news.locality } : news;
  }

  /** A progress note (optionally moving the status forward), told to every linked consumer once. */
  async noteProgress(principal: StaffPrincipal, incidentId: string, input: z.input<typeof incidentNoteSchema>): Promise<IncidentHead> {
    const request = parseInput(incidentNoteSchema, input);
    const id = await this.actable(principal, incidentId);
    const actor = actorFor(principal);
    const incident = await this.mutate(id, actor, 'api', (current) => {
      requireOpen(current, 'note progress on');
      const to = request.status && request.status !== current.status ? request.status : undefined;
      return {
        status: to,
        set: { lastNote: request.note, pendingFanOut: { kind: 'tell', seq: current.eventCount, actor: toActorRef(actor) } },
        events: [to ? { type: 'incident.status_changed', from: current.status, to, note: request.note } : { type: 'incident.progress_noted', note: request.note }],
      };
    });
    await this.runFanOut(id);
    return incident;
  }

  /** A new expected restoration time, told to every linked consumer once. */
  async setEta(principal: StaffPrincipal, incidentId: string, input: z.input<typeof incidentEtaSchema>): Promise<IncidentHead> {
    const request = parseInput(incidentEtaSchema, input);
    const id = await this.actable(principal, incidentId);
    const actor = actorFor(principal);
    const incident = await this.mutate(id, actor, 'api', (current) => {
      requireOpen(current, 'set an ETA on');
      return {
        set: { etaAt: request.etaAt, ...(request.note ? { lastNote: request.note } : {}), pendingFanOut: { kind: 'tell', seq: current.eventCount, actor: toActorRef(actor) } },
        events: [{ type: 'incident.eta_set', etaAt: request.etaAt, note: request.note }],
      };
    });
    await this.runFanOut(id);
    return incident;
  }

  /**
   * The officer says supply is back. Nobody's ticket closes on that word: each linked ticket gets a resolution claim,
   * so each consumer is asked (the normal satisfaction question, reminders, unconfirmed). Returns how many were asked.
   */
  async restore(principal: StaffPrincipal, incidentId: string, input: z.input<typeof incidentRestoreSchema> = {}): Promise<{ incident: IncidentHead; asked: number }> {
    const request = parseInput(incidentRestoreSchema, input);
    const id = await this.actable(principal, incidentId);
    const actor = actorFor(principal);
    const incident = await this.mutate(id, actor, 'api', (current) => {
      requireOpen(current, 'restore');
      const note = request.note ?? `Supply restored in ${current.place.locality} (${id}).`;
      return {
        status: 'restored',
        set: { restoredAt: this.now(), pendingFanOut: { kind: 'restore', seq: current.eventCount, note, actor: toActorRef(actor) } },
        events: [{ type: 'incident.restored', from: current.status, to: 'restored', note: request.note }],
      };
    });
    await this.releaseArea(incident.areaKey, id);
    const asked = await this.runFanOut(id);
    return { incident, asked };
  }

  /** At start-up: finishes the fan-outs a process died in the middle of (each step is idempotent per ticket). */
  async resumeFanOuts(): Promise<number> {
    const owing = await this.models.incidents.find({ pendingFanOut: trusted({ $exists: true }) }, { _id: 1 }).lean();
    for (const { _id } of owing) await this.runFanOut(_id);
    return owing.length;
  }

  /** Runs the incident's owed fan-out, then clears it (unless a newer one was owed meanwhile). Returns how many it reached. */
  private async runFanOut(id: string): Promise<number> {
    const incident = await this.head(id);
    const owed = incident.pendingFanOut;
    if (!owed) return 0;
    const reached = owed.kind === 'restore' ? await this.askEach(id, owed.actor, owed.note ?? '') : await this.broadcast(id);
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await this.head(id);
      if (current.pendingFanOut?.seq !== owed.seq || current.pendingFanOut.kind !== owed.kind) break;
      const { matchedCount } = await this.models.incidents.updateOne({ _id: id, rev: current.rev }, { $unset: { pendingFanOut: 1 }, $inc: { rev: 1 } });
      if (matchedCount === 1) break;
    }
    return reached;
  }

  /** A resolution claim on each still-linked ticket: its consumer is asked. Returns how many were asked now. */
  private async askEach(id: string, actor: ActorRef, note: string): Promise<number> {
    let asked = 0;
    const claimant = { role: actor.role, id: actor.id, ...(actor.name ? { name: actor.name } : {}) } as Actor;
    await this.forEachLinked(id, async (ticketNumber) => {
      try {
        const { ticket, claimId } = await this.tickets.claimResolution(ticketNumber, claimant, { note }, 'api', (current) => current.incidentId === id);
        if (ticket.claim?.id === claimId) asked += 1;
      } catch (error) {
        // Already waiting for the consumer's answer, or closed meanwhile: nothing to ask again.
        if (!(error instanceof DomainError)) throw error;
      }
    });
    return asked;
  }

  /** Folds `from` into `into` (the same fault reported as two): `from`'s tickets move over, `from` ends as merged. */
  async merge(principal: StaffPrincipal, intoId: string, input: z.input<typeof incidentMergeSchema>): Promise<IncidentHead> {
    const request = parseInput(incidentMergeSchema, input);
    const into = await this.actable(principal, intoId);
    const from = await this.actable(principal, request.from);
    if (into === from) throw new InvalidInputError(['from: an incident cannot be merged into itself']);
    const actor = actorFor(principal);
    const absorbed = await this.mutate(from, actor, 'api', (current) => {
      requireOpen(current, 'merge');
      return { status: 'merged', set: { mergedInto: into }, events: [{ type: 'incident.merged', from: current.status, to: 'merged', data: { into } }] };
    });
    await this.mutate(into, actor, 'api', (current) => {
      requireOpen(current, 'merge into');
      return { events: [{ type: 'incident.absorbed', data: { from, reports: absorbed.reportCount } }] };
    });
    await this.models.incidents.updateOne({ _id: into }, { $inc: { reportCount: absorbed.reportCount } });
    await this.releaseArea(absorbed.areaKey, from);
    await this.forEachLinked(from, async (ticketNumber) => {
      if (await this.tickets.linkIncident(ticketNumber, into, actor, { replacing: from })) {
        await this.models.incidents.updateOne({ _id: into }, { $addToSet: { tickets: ticketNumber } });
      }
    });
    return this.head(into);
  }

  /** Staff take one ticket out of the incident: it is then worked, and asked, on its own. */
  async detach(principal: StaffPrincipal, incidentId: string, ticketNumberInput: string, input: z.input<typeof incidentDetachSchema> = {}): Promise<IncidentHead> {
    const request = parseInput(incidentDetachSchema, input);
    const ticketNumber = parseInput(ticketNumberSchema, ticketNumberInput);
    const id = await this.actable(principal, incidentId);
    const actor = actorFor(principal);
    if (!(await this.tickets.detachIncident(ticketNumber, id, actor, { note: request.note }, 'api'))) {
      throw new TicketNotFoundError(ticketNumber);
    }
    await this.recordDetached(id, ticketNumber, actor, 'staff', request.note);
    return this.head(id);
  }

  // ── Reading ───────────────────────────────────────────────────────────────────────────────────────────────────

  /** Newest first. Incidents are few (one per area fault), so this reads the collection without its histories. */
  async list(principal: StaffPrincipal, queryInput: z.input<typeof incidentListQuerySchema> = {}): Promise<IncidentHead[]> {
    const query = parseInput(incidentListQuerySchema, queryInput);
    const heads = await this.models.incidents.find({}, headProjection).sort({ _id: -1 }).limit(500).lean<IncidentHead[]>();
    return heads
      .filter((incident) => this.mayRead(principal, incident))
      .filter((incident) => !query.status || (query.status === 'open' ? OPEN_INCIDENT_STATUSES.includes(incident.status) : incident.status === query.status));
  }

  /** The incident with its history, the verdict on its chain, and its linked tickets (as each ticket itself says). */
  async detail(principal: StaffPrincipal, incidentId: string): Promise<{ incident: IncidentRecord; chain: ChainVerdict; linked: TicketHead[] }> {
    const incident = await this.get(parseInput(idSchema, incidentId));
    if (!this.mayRead(principal, incident)) throw new IncidentNotFoundError(incident._id);
    const linked: TicketHead[] = [];
    for (let start = 0; start < incident.tickets.length; start += 100) {
      const batch = incident.tickets.slice(start, start + 100);
      const found = await this.models.tickets.find({ _id: trusted({ $in: batch }) }, { events: 0, outbox: 0 }).lean<TicketHead[]>();
      linked.push(...found.filter((ticket) => ticket.incidentId === incident._id));
    }
    return { incident, chain: verifyIncidentChain(incident), linked };
  }

  async get(incidentId: string): Promise<IncidentRecord> {
    const id = parseInput(idSchema, incidentId);
    const incident = await this.models.incidents.findById(id, wholeDocument).lean<IncidentRecord>();
    if (!incident) throw new IncidentNotFoundError(id);
    return incident;
  }

  async verify(incidentId: string): Promise<ChainVerdict> {
    return verifyIncidentChain(await this.get(incidentId));
  }

  async newsOf(incidentId: string): Promise<IncidentNews> {
    return toNews(await this.head(incidentId));
  }

  // ── The mechanism ─────────────────────────────────────────────────────────────────────────────────────────────

  private async head(id: string): Promise<IncidentHead> {
    const incident = await this.models.incidents.findById(id, headProjection).lean<IncidentHead>();
    if (!incident) throw new IncidentNotFoundError(id);
    return incident;
  }

  /** The area's open incident, through its `incident_areas` document (an exact `_id`). */
  private async openIncidentOf(areaKey: string): Promise<IncidentHead | undefined> {
    const area = await this.models.incidentAreas.findById(areaKey, wholeDocument).lean();
    return area ? this.openIncidentNamed(area.incidentId) : undefined;
  }

  /** The incident an area names, if it is still open. */
  private async openIncidentNamed(incidentId: string): Promise<IncidentHead | undefined> {
    const incident = await this.models.incidents.findById(incidentId, headProjection).lean<IncidentHead>();
    return incident && OPEN_INCIDENT_STATUSES.includes(incident.status) ? incident : undefined;
  }

  /**
   * Exactly one opener per area: the insert of `incident_areas/<area>` decides. A loser waits briefly for the winner's
   * incident and returns its id; an area left behind by a restored incident, or by an opener that crashed, is taken over.
   */
  private async openFor(areaKey: string, place: IncidentPlace, actor: ActorRef, how: IncidentRecord['openedHow'], extra: { note?: string; etaAt?: Date }): Promise<string> {
    const id = await this.allocateId();
    let standing: string | undefined;
    const outcome = await new Claims<IncidentAreaRecord>(this.models.incidentAreas, areaClaimShape, this.now).claimWaiting(areaKey, {
      owner: id,
      ttlMs: staleAreaAgeMs,
      waitMs: openerWaitMs,
      backoff: { firstDelayMs: 10, maxDelayMs: 100 },
      judge: async (area, stale) => {
        const incident = await this.models.incidents.findById(area.incidentId, headProjection).lean<IncidentHead>();
        if (incident && OPEN_INCIDENT_STATUSES.includes(incident.status)) {
          standing = incident._id;
          return 'done';
        }
        // Over, or never written by an opener that crashed a while ago: take the area over. Not yet written: wait.
        return incident || stale ? 'take' : 'busy';
      },
    });
    if (outcome.status === 'claimed') {
      await this.insertIncident(id, areaKey, place, actor, how, extra);
      return id;
    }
    if (outcome.status === 'done' && standing) return standing;
    throw new ConcurrentUpdateError('An incident for this area is being opened at this moment; please try again.');
  }

  private async insertIncident(id: string, areaKey: string, place: IncidentPlace, actor: ActorRef, how: IncidentRecord['openedHow'], extra: { note?: string; etaAt?: Date }): Promise<void> {
    const at = this.now();
    const owner = this.directory.officerFor(place.subDivisionId, 'JE');
    const opened = sealEvent(
      { seq: 0, type: 'incident.opened' as const, at, actor, channel: (actor.role === 'system' ? 'system' : 'api') as EventChannel, to: 'reported' as const, etaAt: extra.etaAt, note: extra.note, data: { how, areaKey } },
      incidentGenesisHash(id),
    );
    const record: IncidentRecord = {
      _id: id,
      rev: 0,
      areaKey,
      place,
      status: 'reported',
      owner: { id: owner.id, name: owner.name, level: owner.level },
      openedBy: actor,
      openedAt: at,
      openedHow: how,
      ...(extra.etaAt ? { etaAt: extra.etaAt } : {}),
      ...(extra.note ? { lastNote: extra.note } : {}),
      reportCount: 0,
      tickets: [],
      updatedAt: at,
      eventCount: 1,
      lastEventHash: opened.hash,
      events: [opened],
    };
    await this.models.incidents.create(record);
    this.log(`[incidents] ${id} opened for ${place.locality} (${how})`);
    // Best effort, like the incident's own record of a ticket leaving: the incident exists whatever the reports say.
    await this.onOpened(record).catch((error: unknown) => this.log(`[incidents] ${id}: could not count it in the reports: ${String(error)}`));
  }

  /** The ticket first (its `incidentId` is the truth, and it says whether this call linked it), then the list here. */
  private async link(incidentId: string, ticketNumber: string): Promise<void> {
    const head = await this.head(incidentId);
    const linked = await this.tickets.linkIncident(ticketNumber, incidentId, { role: 'system', id: 'incident-link' }, { toldSeq: head.eventCount - 1 });
    if (linked) await this.models.incidents.updateOne({ _id: incidentId }, { $addToSet: { tickets: ticketNumber }, $inc: { reportCount: 1 } });
  }

  private async recordDetached(incidentId: string, ticketNumber: string, actor: ActorRef | Actor, reason: string, note?: string): Promise<void> {
    await this.mutate(incidentId, actor, actor.role === 'system' ? 'system' : 'api', () => ({
      events: [{ type: 'incident.ticket_detached', note, data: { ticketNumber, reason } }],
    }));
    await this.models.incidents.updateOne({ _id: incidentId }, { $pull: { tickets: ticketNumber } });
  }

  /** Tells every linked consumer the incident's latest news, once each (TicketService.tellIncidentUpdate), in batches. */
  async broadcast(incidentId: string): Promise<number> {
    const incident = await this.head(incidentId);
    const seq = incident.eventCount - 1;
    const news = toNews(incident);
    const data: Record<string, string | number | boolean> = {
      locality: news.locality,
      ...(this.hindiAreaName(news.locality) ? { localityHi: this.hindiAreaName(news.locality)! } : {}),
      since: news.since.toISOString(),
      reports: news.reports,
      incidentStatus: news.status,
      ...(news.etaAt ? { etaAt: news.etaAt.toISOString() } : {}),
    };
    let told = 0;
    await this.forEachLinked(incidentId, async (ticketNumber) => {
      try {
        if (await this.tickets.tellIncidentUpdate(ticketNumber, incidentId, seq, data, news.note)) told += 1;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        this.log(`[incidents] ${incidentId}: could not tell ${ticketNumber}: ${error.message}`);
      }
    });
    return told;
  }

  /** The Hindi name of an incident's area: a locality's, or each of the localities a feeder or transformer supplies. */
  private hindiAreaName(area: string): string | undefined {
    const names = area.split(', ');
    const hindi = names.map((name) => this.directory.hindiNameOf(name));
    return hindi.some((name) => name !== undefined) ? names.map((name, index) => hindi[index] ?? name).join(', ') : undefined;
  }

  private async forEachLinked(incidentId: string, action: (ticketNumber: string) => Promise<void>): Promise<void> {
    const incident = await this.models.incidents.findById(incidentId, { events: 0 }).lean<IncidentRecord>();
    const numbers = incident?.tickets ?? [];
    for (let start = 0; start < numbers.length; start += this.batchSize) {
      await Promise.all(numbers.slice(start, start + this.batchSize).map(action));
    }
  }

  private async releaseArea(areaKey: string, incidentId: string): Promise<void> {
    await this.models.incidentAreas.deleteOne({ _id: areaKey, incidentId });
    // The storm that opened it must not open the next one.
    await this.models.incidentWindows.updateOne({ _id: areaKey }, { $set: { recent: [] } });
  }

  private async mutate(id: string, actorInput: ActorRef | Actor, channel: EventChannel, decide: (incident: IncidentHead) => IncidentDecision): Promise<IncidentHead> {
    const actor = toActorRef(actorInput);
    // Lost races back off a little, with jitter, so that racing writers spread out.
    const lostRaces = new Backoff(lostRaceBackoff);
    for (let attempt = 0; attempt < 60; attempt++) {
      const incident = await this.head(id);
      const decision = decide(incident);
      if (decision.events.length === 0) return incident;
      const at = this.now();
      const events: IncidentEvent[] = [];
      let prevHash = incident.lastEventHash;
      decision.events.forEach((draft, index) => {
        const event = sealEvent({ ...definedOnly(draft), seq: incident.eventCount + index, at, actor, channel } as Omit<IncidentEvent, 'prevHash' | 'hash'>, prevHash);
        events.push(event);
        prevHash = event.hash;
      });
      const set: Record<string, unknown> = { ...definedOnly(decision.set ?? {}), updatedAt: at, eventCount: incident.eventCount + events.length, lastEventHash: prevHash };
      if (decision.status) set.status = decision.status;
      const { matchedCount } = await this.models.incidents.updateOne({ _id: id, rev: incident.rev }, { $set: set, $inc: { rev: 1 }, $push: { events: { $each: events } } });
      if (matchedCount === 1) return { ...incident, ...set, rev: incident.rev + 1 } as IncidentHead;
      if (attempt >= 2) await lostRaces.wait();
    }
    throw new ConcurrentUpdateError(`Incident ${id} is changing too quickly right now; please try again.`);
  }

  /** `INC-<yymmdd>-<seq>`, the day in India's time zone. */
  private async allocateId(): Promise<string> {
    const day = indiaDate(this.now());
    const before = await this.models.counters.findOneAndUpdate({ _id: `incident-number:${day}` }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'before' }).lean();
    return `INC-${day}-${String((before?.seq ?? 0) + 1).padStart(3, '0')}`;
  }

  // ── Permissions: as for tickets — officers their own area, supervisors all, agents read ──────────────────────

  private mayRead(principal: StaffPrincipal, incident: Pick<IncidentHead, 'place'>): boolean {
    if (principal.role !== 'officer') return true;
    return principal.officerId !== undefined && this.directory.subDivisionIdsUnder(principal.officerId).includes(incident.place.subDivisionId);
  }

  private requireMayAct(principal: StaffPrincipal): void {
    if (principal.role === 'agent') throw new NotPermittedError('Agents can read incidents; officers and supervisors act on them.');
  }

  private requireInArea(principal: StaffPrincipal, subDivisionId: string, action: string): void {
    if (principal.role === 'officer' && !(principal.officerId && this.directory.subDivisionIdsUnder(principal.officerId).includes(subDivisionId))) {
      throw new NotPermittedError(`You can ${action} only your own area.`);
    }
  }

  /** The incident's id if the caller may act on it (an officer outside their area gets "not found"). */
  private async actable(principal: StaffPrincipal, incidentId: string): Promise<string> {
    const head = await this.head(parseInput(idSchema, incidentId));
    if (!this.mayRead(principal, head)) throw new IncidentNotFoundError(head._id);
    this.requireMayAct(principal);
    return head._id;
  }
}

export function verifyIncidentChain(incident: IncidentRecord): ChainVerdict {
  return verifyChain(incident, incidentGenesisHash(incident._id));
}

function requireOpen(incident: IncidentHead, action: string): void {
  if (!OPEN_INCIDENT_STATUSES.includes(incident.status)) {
    throw new InvalidTransitionError(incident._id, action, incident.status, OPEN_INCIDENT_STATUSES);
  }
}

function toNews(incident: IncidentHead): IncidentNews {
  return {
    incidentId: incident._id,
    locality: incident.place.locality,
    since: new Date(incident.openedAt),
    reports: incident.reportCount,
    status: incident.status,
    ...(incident.etaAt ? { etaAt: new Date(incident.etaAt) } : {}),
    ...(incident.lastNote ? { note: incident.lastNote } : {}),
  };
}

function toActorRef(actor: ActorRef | Actor): ActorRef {
  if (actor.role === 'consumer') throw new NotPermittedError('A consumer cannot change an incident.');
  const { role, id } = actor as ActorRef;
  const name = 'name' in actor ? actor.name : undefined;
  return name ? { role, id, name } : { role, id };
}

function definedOnly<T extends object>(values: T): T {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as T;
}
