// The ticket service: the one place where tickets change. Every change is a compare-and-set on `{_id, rev}` that
// moves the status, appends the chained event(s) and queues the owed effects in the same single-document update.
import { randomBytes } from 'node:crypto';
import { trusted } from 'mongoose';
import { Backoff, lostRaceBackoff } from './retry.js';
import { retryWhileUnavailable } from '../db/databaseAvailability.js';
import { storedDocument } from '../models/storedDocument.js';
import { wholeDocument, type Models } from '../models/index.js';
import type {
  Actor,
  ActorRef,
  ClaimAudience,
  ConsumerActor,
  EventChannel,
  OfficerLevel,
  OutboxClaim,
  OutboxEffect,
  TicketEvent,
  TicketHead,
  TicketRecord,
  TicketStatus,
} from '../models/ticketTypes.js';
import {
  channelIdentityKey,
  consumerActorId,
  identityKeyOf,
  isTicketOwner,
  mobileIdentityKey,
} from './consumerIdentity.js';
import type { Directory, Officer } from './directory.js';
import {
  ConcurrentUpdateError,
  ClosureNotPermittedError,
  DomainError,
  InvalidInputError,
  NotPermittedError,
  NotTicketOwnerError,
  TicketNotFoundError,
} from './errors.js';
import { TicketWatch } from './ticketWatch.js';
import { Claims } from './claims.js';
import { isDuplicateKeyError } from './mongoErrors.js';
import type { DuplicateGuardRecord } from '../models/duplicateGuardModel.js';
import { activeShutdownFor } from './shutdownService.js';
import { genesisHash, sealEvent, verifyChain, type ChainVerdict, type UnsealedEvent } from './eventChain.js';
import {
  CONSUMER_NOTIFIED_EVENTS,
  OFFICER_NOTIFIED_EVENTS,
  REPORTED_EVENTS,
  CALLBACK_QUEUED_EVENTS,
  authoriseAnswer,
  authoriseCallbackRejection,
  authoriseLevelChange,
  nextLevel,
  requireNotConsumer,
  requireStatus,
} from './ticketLifecycle.js';
import {
  actorSchema,
  answerSchema,
  assignSchema,
  noteSchema,
  optionalNoteSchema,
  parseInput,
  progressSchema,
  registerTicketSchema,
  ticketNumberSchema,
  type AnswerInput,
  type NoteInput,
  type ProgressInput,
  type RegisterTicket,
  type RegisterTicketInput,
} from './ticketInput.js';

// Importers have always found it here; the one definition is in mongoErrors.
export { isDuplicateKeyError };

export interface TicketServiceOptions {
  now?: () => Date;
  /** Told after every successful write that queued effects, so they can be delivered now rather than at the next sweep. */
  onEffectsQueued?: (ticketNumber: string) => void;
  /**
   * Delivers a new ticket's effects from the ticket as written, under a claim written with it (instead of
   * `onEffectsQueued`, which would take a lease and read the ticket back): NotificationService.
   */
  registrationDrain?: RegistrationDrain;
  /** How long the consumer may reject a callback-confirmed closure on their channel (CALLBACK_REJECT_WINDOW); default 7 days. */
  callbackRejectWindowMs?: number;
  /** How many times a transition re-reads and re-decides after losing a race before giving up. */
  maxAttempts?: number;
}

/** What a transition decided, before it is sealed into events and written. */
interface Decision {
  status?: TicketStatus;
  events: Array<Omit<UnsealedEvent, 'seq' | 'at' | 'actor' | 'channel'>>;
  set?: Record<string, unknown>;
  unset?: string[];
  /** Written (as a closure_refused event) and then thrown. */
  refusal?: DomainError;
}

/** What delivers a registration's effects at once (services/notificationService.ts). */
export interface RegistrationDrain {
  /** The claim to write on the new ticket: its outbox is this process's to deliver until the claim expires (none: as any change). */
  claim(): OutboxClaim | undefined;
  /** The ticket, with that claim, is written: deliver its effects now, and give the claim up. */
  deliver(ticket: TicketRecord): void;
}

export interface RegisterResult {
  ticket: TicketHead;
  /** True when an open ticket for the same complaint already existed and was returned instead of a new one. */
  duplicate: boolean;
}

// Every read carries an exclusion projection: see `wholeDocument` for why.
const headProjection = { events: 0 } as const;
const activeTicketWaitMs = 2_000;
const staleGuardAgeMs = 60_000;
const guardReleaseWindowMs = 20_000;

export class TicketService {
  private readonly now: () => Date;
  private readonly maxAttempts: number;
  private readonly callbackRejectWindowMs: number;
  private readonly onEffectsQueued: (ticketNumber: string) => void;
  private readonly registrationDrain: RegistrationDrain | undefined;
  private readonly watch: TicketWatch;
  /** A registration claims its complaint's duplicate key: owner the ticket number, time when it was claimed. */
  private readonly guardClaims: Claims<DuplicateGuardRecord>;
  private incidentDetached: (ticketNumber: string, incidentId: string) => Promise<void> = async () => {};

  constructor(
    private readonly models: Models,
    private readonly directory: Directory,
    options: TicketServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.maxAttempts = options.maxAttempts ?? 60;
    this.callbackRejectWindowMs = options.callbackRejectWindowMs ?? 7 * 86_400_000;
    this.onEffectsQueued = options.onEffectsQueued ?? (() => {});
    this.registrationDrain = options.registrationDrain;
    this.watch = new TicketWatch(models);
    this.guardClaims = new Claims<DuplicateGuardRecord>(models.duplicateGuards, { owner: 'ticketNumber', time: 'createdAt', timeMeans: 'claimedAt', insertWith: 'driver' }, this.now);
  }

  // ── Registration ──────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Registers a complaint, assigning it to the JE of the sub-division its place resolves to. A consumer who already
   * has an open ticket for the same category and the same account (or, without one, the same place) gets that back.
   */
  async register(input: RegisterTicketInput, actorInput: Actor, channel?: EventChannel): Promise<RegisterResult> {
    const request = parseInput(registerTicketSchema, input);
    const actor = parseInput(actorSchema, actorInput);
    if (actor.role === 'consumer' && !isTicketOwner(request.consumer, actor)) {
      throw new NotPermittedError('A consumer can only register complaints in their own name.');
    }
    const place = this.resolvePlace(request);
    const duplicateKey = duplicateKeyFor(request, place.subDivisionId);

    const existing = await this.openTicketFor(duplicateKey);
    if (existing) return { ticket: existing, duplicate: true };

    const number = await this.allocateNumber();
    const claimed = await this.claimDuplicateKey(duplicateKey, number);
    if (!claimed.ok) return { ticket: claimed.ticket, duplicate: true };
    try {
      // Another consumer's open ticket for the same complaint: this one is linked to it (for staff), never merged.
      const linkedTo = await this.linkByPremises(premisesKeyFor(request, place.subDivisionId), number);
      return await this.insertRegistered(number, request, actor, place, duplicateKey, channel, linkedTo);
    } catch (error) {
      // Failed, but alive (the database went away mid-way): once the database is back, free the complaint's key so
      // the consumer's retry registers it at once instead of waiting a minute for the key to look abandoned — unless
      // the ticket was written after all (only its acknowledgement was lost): then the key must keep pointing at it.
      const releaseKey = async () => {
        if (await this.models.tickets.exists({ _id: number })) return;
        await this.models.duplicateGuards.deleteOne({ _id: duplicateKey, ticketNumber: number });
      };
      await retryWhileUnavailable(releaseKey, guardReleaseWindowMs).catch(() => undefined);
      throw error;
    }
  }

  private async insertRegistered(
    number: string,
    request: RegisterTicket,
    actor: Actor,
    place: TicketRecord['place'],
    duplicateKey: string,
    channel: EventChannel | undefined,
    linkedTo: string | undefined,
  ): Promise<RegisterResult> {

    // The index entries and the watch go first: a crash before the ticket insert leaves a number that lists as
    // missing and is skipped, never a ticket that its consumer cannot find or whose messages nobody sends.
    const officer = place.subDivisionId ? this.directory.officerFor(place.subDivisionId, 'JE') : undefined;
    await Promise.all([
      this.indexForConsumer(number, request.consumer.channel, request.consumer.channelUserId, request.consumer.mobile),
      this.watch.mark(number, this.now()),
      officer ? this.addToOfficerQueue(officer.id, number) : undefined,
    ]);

    const at = this.now();
    const actorRef = toActorRef(actor);
    const eventChannel = channel ?? (actor.role === 'consumer' ? actor.channel : 'api');
    // No supply where a planned shutdown runs: still the consumer's own ticket, but not counted as a fault.
    const shutdown = request.category === 'supply' && !request.emergency ? await activeShutdownFor(this.models, place, at) : undefined;
    const registeredData: Record<string, string | boolean> = { category: request.category };
    if (request.emergency) registeredData.emergency = true;
    if (shutdown) registeredData.plannedShutdown = shutdown.id;
    const drafts: UnsealedEvent[] = [
      {
        seq: 0,
        type: 'ticket.registered',
        at,
        actor: actorRef,
        channel: eventChannel,
        to: 'registered',
        level: 'JE',
        data: registeredData,
      },
    ];
    if (officer) {
      drafts.push({
        seq: 1,
        type: 'ticket.assigned',
        at,
        actor: { role: 'system', id: 'assignment-by-place' },
        channel: 'system',
        from: 'registered',
        to: 'assigned',
        level: 'JE',
        officerId: officer.id,
        data: { atRegistration: true },
      });
    }
    const events = sealChain(drafts, genesisHash(number));
    const outbox = [...effectsFor(number, events), ...this.emergencyEffects(number, request, place, events[0]!)];
    // This process delivers what the new ticket owes, from the ticket as written here: the claim rides on the insert.
    const outboxClaim = outbox.length > 0 ? this.registrationDrain?.claim() : undefined;
    const ticket: TicketRecord = {
      _id: number,
      rev: 0,
      category: request.category,
      description: request.description,
      consumer: request.consumer,
      place,
      level: 'JE',
      officer: officer ? toAssignedOfficer(officer) : undefined,
      ownerSince: at,
      status: officer ? 'assigned' : 'registered',
      waitingForPerson: officer
        ? undefined
        : place.subDivisionId
          ? { reason: 'no_officer', since: at }
          : { reason: 'place_not_in_directory', since: at, ...(request.place.addressText ? { words: request.place.addressText } : {}) },
      ...(request.emergency ? { emergency: true } : {}),
      ...(shutdown ? { plannedShutdown: { id: shutdown.id, endsAt: shutdown.endsAt } } : {}),
      duplicateKey,
      ...(linkedTo ? { linkedTickets: [linkedTo] } : {}),
      createdAt: at,
      updatedAt: at,
      eventCount: events.length,
      lastEventHash: events[events.length - 1]!.hash,
      events,
      outbox,
      ...(outboxClaim ? { outboxClaim } : {}),
    };
    // Inserted with the driver: the object above is built here to the schema's shape (test/services/ticketInsert.test.ts
    // checks every kind of new ticket against the schema), and a mongoose Document of it cost ~1.4 ms of CPU.
    await this.models.tickets.collection.insertOne(storedDocument(ticket) as never);
    if (outboxClaim) this.registrationDrain!.deliver(ticket);
    else if (outbox.length > 0) this.onEffectsQueued(number);
    const { events: _history, outboxClaim: _claim, ...head } = ticket;
    return { ticket: head, duplicate: false };
  }

  /** An emergency is told to the sub-division's SDO at once, beside the JE it is assigned to. */
  private emergencyEffects(number: string, request: RegisterTicket, place: TicketRecord['place'], registered: TicketEvent): OutboxEffect[] {
    if (!request.emergency || !place.subDivisionId) return [];
    const sdo = this.directory.officerFor(place.subDivisionId, 'SDO');
    if (!sdo) return [];
    return [{ ...effect(number, registered, 'officer.notify'), id: `${number}:${registered.seq}:officer.notify:${sdo.id}`, officerId: sdo.id }];
  }

  // ── Staff and system actions ──────────────────────────────────────────────────────────────────────────────────

  /** Assigns to a named officer, or (re)assigns by place to the officer at the ticket's current level. */
  async assign(ticketNumber: string, actor: Actor, input: { officerId?: string; note?: string } = {}, channel?: EventChannel) {
    const request = parseInput(assignSchema, input);
    return this.mutate(ticketNumber, actor, channel, (ticket) => {
      requireNotConsumer(actor, 'assign a ticket');
      requireStatus(ticket, 'assign');
      const officer = request.officerId ? this.officerById(request.officerId) : this.officerForTicket(ticket, ticket.level);
      if (!officer) {
        throw new InvalidInputError([`ticket ${ticket._id} has no known sub-division to assign by place: name an officer`]);
      }
      const belowFloorReason = authoriseLevelChange(ticket, actor, officer.level, request.note);
      return {
        status: 'assigned',
        set: { officer: toAssignedOfficer(officer), level: officer.level, ownerSince: this.now(), ...(belowFloorReason ? { levelFloor: officer.level } : {}) },
        // Routed by a person: no longer waiting for one.
        ...(ticket.waitingForPerson ? { unset: ['waitingForPerson'] } : {}),
        events: [
          {
            type: 'ticket.assigned',
            from: ticket.status,
            to: 'assigned',
            level: officer.level,
            officerId: officer.id,
            evidence: noteEvidence(request.note),
            ...(belowFloorReason ? { data: { belowLevelFloor: ticket.levelFloor!, reason: belowFloorReason } } : {}),
          },
        ],
      };
    });
  }

  async startWork(ticketNumber: string, actor: Actor, input: { note?: string } = {}, channel?: EventChannel) {
    const request = parseInput(optionalNoteSchema, input);
    return this.mutate(ticketNumber, actor, channel, (ticket) => {
      requireNotConsumer(actor, 'start work on a ticket');
      requireStatus(ticket, 'startWork');
      return {
        status: 'in_progress',
        events: [{ type: 'ticket.work_started', from: ticket.status, to: 'in_progress', evidence: noteEvidence(request.note) }],
      };
    });
  }

  /**
   * A progress note, optionally with when the work is expected done; the first one on an assigned ticket also starts
   * the work. Both reach the consumer (the note quoted), and the latest stays on the ticket for their status replies.
   */
  async noteProgress(ticketNumber: string, actor: Actor, input: ProgressInput, channel?: EventChannel) {
    const request = parseInput(progressSchema, input);
    const expectedBy = request.expectedBy === undefined ? undefined : this.expectedTime(request.expectedBy);
    return this.mutate(ticketNumber, actor, channel, (ticket) => {
      requireNotConsumer(actor, 'record progress');
      requireStatus(ticket, 'noteProgress');
      const evidence = { ...request.evidence, note: request.note };
      const data = expectedBy ? { data: { expectedBy: expectedBy.toISOString() } } : {};
      const set = { progress: definedOnly({ note: request.note, at: this.now(), expectedBy }) };
      if (ticket.status === 'in_progress') {
        return { set, events: [{ type: 'ticket.progress_noted', evidence, ...data }] };
      }
      return { status: 'in_progress', set, events: [{ type: 'ticket.work_started', from: ticket.status, to: 'in_progress', evidence, ...data }] };
    });
  }

  /** An expected time the consumer can act on: not already past (a minute's grace), and within 90 days. */
  private expectedTime(value: string): Date {
    const at = new Date(value);
    const now = this.now().getTime();
    if (at.getTime() < now - 60_000) throw new InvalidInputError(['expectedBy: is in the past']);
    if (at.getTime() > now + 90 * 86_400_000) throw new InvalidInputError(['expectedBy: is more than 90 days ahead']);
    return at;
  }

  /**
   * Field staff say it is fixed. This only asks the consumer; it never closes. Returns the claim's id. `onlyIf` is
   * asked on every fresh read (an incident's restoration claims only the tickets still linked to it).
   */
  async claimResolution(ticketNumber: string, actor: Actor, input: NoteInput, channel?: EventChannel, onlyIf?: (ticket: TicketHead) => boolean) {
    const request = parseInput(noteSchema, input);
    const claimId = `clm_${randomBytes(8).toString('hex')}`;
    const ticket = await this.mutate(ticketNumber, actor, channel, (current) => {
      requireNotConsumer(actor, 'claim a resolution');
      if (onlyIf && !onlyIf(current)) return { events: [] };
      requireStatus(current, 'claimResolution');
      const evidence = { ...request.evidence, note: request.note };
      return {
        status: 'awaiting_confirmation',
        set: { claim: { id: claimId, by: toActorRef(actor), at: this.now(), note: request.note, evidence: request.evidence, remindersSent: 0 } },
        events: [{ type: 'ticket.resolution_claimed', from: current.status, to: 'awaiting_confirmation', claimId, evidence }],
      };
    });
    return { ticket, claimId };
  }

  /**
   * The channel delivered the claim and the question to the consumer: from now on their answer to it counts — from
   * the identity it was shown to (`shownTo`, by default the ticket's own), and from no other.
   */
  async recordClaimShown(ticketNumber: string, claimId: string, actor: Actor, channel: EventChannel, shownTo?: ClaimAudience) {
    const audienceLinks = shownTo ? await this.linksOf(identityKeyOf(shownTo)) : new Set<string>();
    return this.mutate(ticketNumber, actor, channel, (ticket) => {
      requireStatus(ticket, 'recordClaimShown');
      if (ticket.claim?.id !== claimId) {
        throw new InvalidInputError([`claim ${claimId} is not the pending claim on ticket ${ticket._id}`]);
      }
      const audience = shownTo ?? { channel: ticket.consumer.channel, channelUserId: ticket.consumer.channelUserId };
      if (!isTicketOwner(ticket.consumer, { role: 'consumer', ...audience }, audienceLinks)) {
        throw new NotTicketOwnerError(`Ticket ${ticket._id}'s question can only be shown to its own consumer.`);
      }
      if (ticket.claim.shownAt) return { events: [] };
      const at = this.now();
      const recorded: ClaimAudience = { channel: audience.channel, channelUserId: audience.channelUserId, ...(shownTo?.messageId ? { messageId: shownTo.messageId } : {}) };
      return {
        set: { 'claim.shownAt': at, 'claim.shownOn': channel, 'claim.shownTo': recorded, 'claim.lastAskedAt': at },
        events: [{ type: 'ticket.claim_shown', claimId, data: { shownTo: identityKeyOf(recorded), ...(recorded.messageId ? { messageId: recorded.messageId } : {}) } }],
      };
    });
  }

  /** A reminder, or a staff member asking the consumer again. */
  async requestConfirmationAgain(ticketNumber: string, actor: Actor, input: { note?: string } = {}, channel?: EventChannel) {
    const request = parseInput(optionalNoteSchema, input);
    return this.mutate(ticketNumber, actor, channel, (ticket) => {
      requireNotConsumer(actor, 'ask for confirmation');
      requireStatus(ticket, 'requestConfirmationAgain');
      const reminders = (ticket.claim?.remindersSent ?? 0) + 1;
      return {
        set: { 'claim.remindersSent': reminders, 'claim.lastAskedAt': this.now() },
        events: [{ type: 'ticket.confirmation_requested', claimId: ticket.claim?.id, data: { reminder: reminders }, evidence: noteEvidence(request.note) }],
      };
    });
  }

  /** No answer after the reminders: the ticket waits for a callback. It is not closed. */
  async markUnconfirmed(ticketNumber: string, actor: Actor, channel?: EventChannel) {
    return this.mutate(ticketNumber, actor, channel, (ticket) => {
      requireNotConsumer(actor, 'mark a ticket unconfirmed');
      requireStatus(ticket, 'markUnconfirmed');
      return { status: 'unconfirmed', events: [{ type: 'ticket.unconfirmed', from: ticket.status, to: 'unconfirmed', claimId: ticket.claim?.id }] };
    });
  }

  /** Staff withdraw a resolution claim (e.g. the officer learns it is not fixed): back to work at the same level. */
  async reopen(ticketNumber: string, actor: Actor, input: NoteInput, channel?: EventChannel) {
    const request = parseInput(noteSchema, input);
    return this.mutate(ticketNumber, actor, channel, (ticket) => {
      requireNotConsumer(actor, 'reopen a ticket');
      requireStatus(ticket, 'reopen');
      return {
        status: 'reopened',
        unset: ['claim'],
        events: [{ type: 'ticket.reopened', from: ticket.status, to: 'reopened', claimId: ticket.claim?.id, evidence: { ...request.evidence, note: request.note } }],
      };
    });
  }

  /**
   * One level up the ladder (a breached time limit, or staff judgement); the new owner must start afresh.
   * `onlyIf` is asked again on every fresh read, so a timer that lost a race to another escalation does not climb twice.
   */
  async escalate(ticketNumber: string, actor: Actor, input: NoteInput, channel?: EventChannel, onlyIf?: (ticket: TicketHead) => boolean) {
    const request = parseInput(noteSchema, input);
    return this.mutate(ticketNumber, actor, channel, (ticket) => {
      requireNotConsumer(actor, 'escalate a ticket');
      if (onlyIf && !onlyIf(ticket)) return { events: [] };
      requireStatus(ticket, 'escalate');
      const level = nextLevel(ticket.level);
      const officer = this.officerForTicket(ticket, level);
      return {
        status: 'assigned',
        set: { level, officer: officer ? toAssignedOfficer(officer) : undefined, ownerSince: this.now() },
        unset: officer ? [] : ['officer'],
        events: [
          {
            type: 'ticket.escalated',
            from: ticket.status,
            to: 'assigned',
            level,
            officerId: officer?.id,
            evidence: { ...request.evidence, note: request.note },
            data: { fromLevel: ticket.level },
          },
        ],
      };
    });
  }

  // ── Incidents (services/incidentService.ts) ────────────────────────────────────────────────────────────────────

  /**
   * Links the ticket to an area incident (or moves it from `replacing`, a merged incident). True when this call linked
   * it; false when it was already linked, is closed, or belongs to another incident than `replacing`.
   */
  async linkIncident(ticketNumber: string, incidentId: string, actor: Actor, options: { replacing?: string; toldSeq?: number } = {}): Promise<boolean> {
    let linked = false;
    await this.mutate(ticketNumber, actor, undefined, (ticket) => {
      requireNotConsumer(actor, 'link a ticket to an incident');
      linked = false;
      if (ticket.status === 'closed' || ticket.incidentId === incidentId) return { events: [] };
      if ((ticket.incidentId ?? undefined) !== options.replacing) return { events: [] };
      linked = true;
      return {
        set: { incidentId, incidentSeqTold: options.toldSeq },
        events: [{ type: 'ticket.incident_linked', data: definedOnly({ incidentId, from: options.replacing }) as Record<string, string> }],
      };
    });
    return linked;
  }

  /** Takes the ticket out of its incident (staff judgement): it is then worked on its own. True when it was linked. */
  async detachIncident(ticketNumber: string, incidentId: string, actor: Actor, input: { note?: string } = {}, channel?: EventChannel): Promise<boolean> {
    const request = parseInput(optionalNoteSchema, input);
    let detached = false;
    await this.mutate(ticketNumber, actor, channel, (ticket) => {
      requireNotConsumer(actor, 'detach a ticket from an incident');
      detached = ticket.incidentId === incidentId;
      if (!detached) return { events: [] };
      return {
        unset: ['incidentId', 'incidentSeqTold'],
        events: [{ type: 'ticket.incident_detached', evidence: noteEvidence(request.note), data: { incidentId, reason: 'staff' } }],
      };
    });
    return detached;
  }

  /**
   * The incident's news (an ETA, a progress note, a status) owed to this ticket's consumer: queued once per incident
   * event — a repeated fan-out finds `incidentSeqTold` already there and writes nothing.
   */
  async tellIncidentUpdate(
    ticketNumber: string,
    incidentId: string,
    incidentSeq: number,
    data: Record<string, string | number | boolean>,
    note?: string,
  ): Promise<boolean> {
    let told = false;
    await this.mutate(ticketNumber, { role: 'system', id: 'incident-broadcast' }, 'system', (ticket) => {
      told = ticket.incidentId === incidentId && ticket.status !== 'closed' && (ticket.incidentSeqTold ?? -1) < incidentSeq;
      if (!told) return { events: [] };
      return {
        set: { incidentSeqTold: incidentSeq },
        events: [{ type: 'ticket.incident_update', evidence: noteEvidence(note), data: { ...data, incidentId, incidentSeq } }],
      };
    });
    return told;
  }

  /** Told when a consumer's "no" took their ticket out of its incident (the incident records it in its own history). */
  observeIncidentDetachments(observer: (ticketNumber: string, incidentId: string) => Promise<void>): void {
    this.incidentDetached = observer;
  }

  /** The owner asks for the ticket to go to someone else; it stays theirs until staff reassign it. */
  async requestReassignment(ticketNumber: string, actor: Actor, input: NoteInput, channel?: EventChannel) {
    const request = parseInput(noteSchema, input);
    return this.mutate(ticketNumber, actor, channel, (ticket) => {
      requireNotConsumer(actor, 'ask for reassignment');
      requireStatus(ticket, 'requestReassignment');
      return { events: [{ type: 'ticket.reassignment_requested', level: ticket.level, officerId: ticket.officer?.id, evidence: { note: request.note } }] };
    });
  }

  /** The ticket's own consumer sent media for it: the stored files' ids (and sha256 in the evidence store) join the chain. */
  async addConsumerMedia(ticketNumber: string, actor: ConsumerActor, media: { file: string; kind: string; sha256: string }, channel?: EventChannel) {
    return this.mutate(ticketNumber, actor, channel, (ticket) => {
      if (!isTicketOwner(ticket.consumer, actor)) throw new NotTicketOwnerError(`Ticket ${ticket._id} was registered by someone else.`);
      requireStatus(ticket, 'addConsumerMedia');
      return { events: [{ type: 'ticket.media_added', evidence: { files: [media.file] }, data: { kind: media.kind, sha256: media.sha256 } }] };
    });
  }

  /** The consumer's location pin (WhatsApp location, the web page's "share my location") for the ticket: in its chain. */
  async addConsumerLocation(ticketNumber: string, actor: ConsumerActor, pin: { latitude: number; longitude: number }, channel?: EventChannel) {
    return this.mutate(ticketNumber, actor, channel, (ticket) => {
      if (!isTicketOwner(ticket.consumer, actor)) throw new NotTicketOwnerError(`Ticket ${ticket._id} was registered by someone else.`);
      requireStatus(ticket, 'addConsumerMedia');
      return { events: [{ type: 'ticket.media_added', data: { kind: 'location', latitude: pin.latitude, longitude: pin.longitude } }] };
    });
  }

  // ── The consumer's answer: the only way to closed ────────────────────────────────────────────────────────────

  /**
   * "Is your problem solved?" answered. Yes from the ticket's own consumer, to the claim they were shown, closes it;
   * no reopens it one level up with the officer at that level. Anyone else's answer is refused and recorded.
   */
  async answerResolution(ticketNumber: string, actor: Actor, input: AnswerInput, channel?: EventChannel) {
    const request = parseInput(answerSchema, input);
    return this.answer(ticketNumber, actor, { via: 'consumer', ...request }, channel);
  }

  /**
   * A supervisor phoned the consumer and records their answer. Allowed only to a supervisor who did not make the
   * claim; a "yes" closes the ticket as callback-confirmed, never as consumer-confirmed.
   */
  async recordCallbackAnswer(ticketNumber: string, actor: Actor, input: AnswerInput) {
    const request = parseInput(answerSchema, input);
    return this.answer(ticketNumber, actor, { via: 'callback', ...request }, 'phone');
  }

  /**
   * The consumer says "no" on their channel to a closure a supervisor recorded from a callback: reopened one level up,
   * exactly like a "no" to the claim (reports count it as rejected). Only within the closure's window; a
   * consumer-confirmed closure is final (services/ticketLifecycle.ts authoriseCallbackRejection).
   */
  async rejectCallbackClosure(ticketNumber: string, actor: Actor, input: { note?: string } = {}, channel?: EventChannel) {
    const request = parseInput(optionalNoteSchema, input);
    const linked = await this.linkedTo(actor);
    const ticket = await this.mutate(ticketNumber, actor, channel, (head): Decision => {
      authoriseCallbackRejection(head, actor, this.now(), linked);
      const level = nextLevel(head.level);
      const officer = this.officerForTicket(head, level);
      return {
        status: 'reopened',
        set: { level, levelFloor: level, officer: officer ? toAssignedOfficer(officer) : undefined, ownerSince: this.now() },
        unset: officer ? ['claim', 'closure', 'closedAt'] : ['claim', 'closure', 'closedAt', 'officer'],
        events: [
          {
            type: 'ticket.rejected',
            from: 'closed',
            to: 'reopened',
            claimId: head.closure?.claimId,
            level,
            officerId: officer?.id,
            evidence: noteEvidence(request.note),
            data: { fromLevel: head.level, provenance: 'callback_confirmed', afterClosure: true },
          },
        ],
      };
    });
    await this.retakeDuplicateKey(ticket);
    return ticket;
  }

  /**
   * Any request to close a ticket that is not the consumer's answer — an agent's button, an API call with
   * `status: closed`, a script. Always refused, and the attempt is written into the ticket's history.
   */
  async requestClosure(ticketNumber: string, actor: Actor, input: { note?: string } = {}, channel?: EventChannel): Promise<never> {
    const request = parseInput(optionalNoteSchema, input);
    await this.mutate(ticketNumber, actor, channel, (ticket) => ({
      events: [{ type: 'ticket.closure_refused', evidence: noteEvidence(request.note), data: { reason: 'not_a_consumer_answer' } }],
      refusal: new ClosureNotPermittedError(
        `Ticket ${ticket._id} can only be closed by its consumer answering "yes" to the resolution claim they were shown. ` +
          'Record a resolution claim instead; the consumer will be asked.',
      ),
    }));
    throw new Error('unreachable: requestClosure always refuses');
  }

  private async answer(
    ticketNumber: string,
    actor: Actor,
    request: { via: 'consumer' | 'callback'; claimId: string; answer: 'yes' | 'no'; note?: string },
    channel?: EventChannel,
  ) {
    let detachedFrom: string | undefined;
    const linked = await this.linkedTo(actor);
    return this.mutate(ticketNumber, actor, channel, (ticket): Decision => {
      detachedFrom = undefined;
      let provenance;
      try {
        provenance = request.via === 'consumer'
          ? authoriseAnswer(ticket, { via: 'consumer', actor, claimId: request.claimId, linked })
          : authoriseAnswer(ticket, { via: 'callback', actor, claimId: request.claimId });
      } catch (error) {
        if (!(error instanceof ClosureNotPermittedError || error instanceof NotTicketOwnerError)) throw error;
        return {
          events: [{ type: 'ticket.closure_refused', claimId: request.claimId, data: { reason: error.code, answer: request.answer } }],
          refusal: error,
        };
      }
      const evidence = noteEvidence(request.note);
      if (request.answer === 'yes') {
        const at = this.now();
        return {
          status: 'closed',
          set: {
            closure: {
              provenance,
              claimId: request.claimId,
              by: toActorRef(actor),
              at,
              ...(provenance === 'callback_confirmed' ? { rejectableUntil: new Date(at.getTime() + this.callbackRejectWindowMs) } : {}),
            },
            closedAt: at,
          },
          events: [{ type: 'ticket.confirmed', from: ticket.status, to: 'closed', claimId: request.claimId, evidence, data: { provenance } }],
        };
      }
      const level = nextLevel(ticket.level);
      const officer = this.officerForTicket(ticket, level);
      // "No" to an incident's restoration: their house has another fault, so the ticket leaves the incident.
      detachedFrom = ticket.incidentId;
      const unset = officer ? ['claim'] : ['claim', 'officer'];
      if (detachedFrom) unset.push('incidentId', 'incidentSeqTold');
      return {
        status: 'reopened',
        set: { level, levelFloor: level, officer: officer ? toAssignedOfficer(officer) : undefined, ownerSince: this.now() },
        unset,
        events: [
          {
            type: 'ticket.rejected',
            from: ticket.status,
            to: 'reopened',
            claimId: request.claimId,
            level,
            officerId: officer?.id,
            evidence,
            data: { fromLevel: ticket.level, provenance, ...(detachedFrom ? { incidentDetached: detachedFrom } : {}) },
          },
        ],
      };
    }).then(async (ticket) => {
      if (ticket.status === 'closed') await this.releaseDuplicateKey(ticket);
      if (ticket.status === 'reopened' && detachedFrom) await this.incidentDetached(ticket._id, detachedFrom);
      return ticket;
    });
  }

  // ── Reading ───────────────────────────────────────────────────────────────────────────────────────────────────

  /** The whole ticket with its history, for staff. */
  async get(ticketNumber: string): Promise<TicketRecord> {
    const number = parseInput(ticketNumberSchema, ticketNumber);
    const ticket = await this.models.tickets.findById(number, wholeDocument).lean<TicketRecord>();
    if (!ticket) throw new TicketNotFoundError(number);
    return ticket;
  }

  /** A consumer looking at a ticket: theirs, or refused (the channel tells them it is not found). */
  async getForConsumer(ticketNumber: string, actor: ConsumerActor): Promise<TicketRecord> {
    const ticket = await this.get(ticketNumber);
    const consumer = parseInput(actorSchema, actor) as ConsumerActor;
    if (!isTicketOwner(ticket.consumer, consumer, await this.linkedTo(consumer))) {
      throw new NotTicketOwnerError(`Ticket ${ticket._id} was registered by someone else.`);
    }
    return ticket;
  }

  /** "My complaints": newest first, through the consumer's index documents, never a scan. */
  async listForConsumer(actorInput: ConsumerActor, limit = 20): Promise<TicketHead[]> {
    const actor = parseInput(actorSchema, actorInput) as ConsumerActor;
    // The consumer's own identity and those verified as theirs; a mobile number (even a WhatsApp sender's) adds nothing.
    const linked = await this.linkedTo(actor);
    const keys = [identityKeyOf(actor), ...linked];
    const entries = await this.models.consumerIndex.find({ _id: trusted({ $in: keys }) }, wholeDocument).lean();
    const numbers = [...new Set(entries.flatMap((entry) => entry.ticketNumbers))].sort().reverse().slice(0, limit);
    if (numbers.length === 0) return [];
    const tickets = await this.models.tickets.find({ _id: trusted({ $in: numbers }) }, headProjection).lean<TicketHead[]>();
    return tickets
      .filter((ticket) => isTicketOwner(ticket.consumer, actor, linked))
      .sort((a, b) => (a._id < b._id ? 1 : -1));
  }

  async verify(ticketNumber: string): Promise<ChainVerdict> {
    return verifyChain(await this.get(ticketNumber));
  }

  // ── The mechanism ─────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Read the head, decide, and write only if nobody moved first (`{_id, rev}` is an exact unique-index hit);
   * otherwise read again and decide again. Two round trips when uncontended.
   */
  private async mutate(
    ticketNumberInput: string,
    actorInput: Actor,
    channelInput: EventChannel | undefined,
    decide: (ticket: TicketHead) => Decision,
  ): Promise<TicketHead> {
    const number = parseInput(ticketNumberSchema, ticketNumberInput);
    const actor = parseInput(actorSchema, actorInput);
    const channel = channelInput ?? (actor.role === 'consumer' ? actor.channel : actor.role === 'system' ? 'system' : 'api');
    // Marked before the change, alongside the read so it costs no extra wait: the background workers will look at
    // this ticket even if this process dies right after writing it.
    const marked = this.watch.mark(number, this.now());
    // Lost races back off a little, with jitter, so that racing writers spread out.
    const lostRaces = new Backoff(lostRaceBackoff);
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const [ticket] = await Promise.all([this.models.tickets.findById(number, headProjection).lean<TicketHead>(), attempt === 0 ? marked : undefined]);
      if (!ticket) throw new TicketNotFoundError(number);
      const decision = decide(ticket);
      if (decision.events.length === 0) return ticket;

      const at = this.now();
      const events = sealChain(
        decision.events.map((draft, index) => ({ ...draft, seq: ticket.eventCount + index, at, actor: toActorRef(actor), channel })),
        ticket.lastEventHash,
      );
      const set: Record<string, unknown> = {
        ...definedOnly(decision.set ?? {}),
        updatedAt: at,
        eventCount: ticket.eventCount + events.length,
        lastEventHash: events[events.length - 1]!.hash,
      };
      if (decision.status) set.status = decision.status;
      const effects = effectsFor(number, events);
      const update: Record<string, unknown> = {
        $set: set,
        $inc: { rev: 1 },
        $push: { events: { $each: events }, outbox: { $each: effects } },
      };
      if (decision.unset?.length) update.$unset = Object.fromEntries(decision.unset.map((field) => [field, 1]));

      // The new owner's worklist names the ticket before the write; the old owner's forgets it after (officer page).
      const handover = ownerChange(ticket, set, decision.unset ?? []);
      if (handover.to) await this.addToOfficerQueue(handover.to, number);
      const { matchedCount } = await this.models.tickets.updateOne({ _id: number, rev: ticket.rev }, update);
      if (matchedCount === 1) {
        if (handover.from) await this.removeFromOfficerQueue(handover.from, number);
        if (effects.length > 0) this.onEffectsQueued(number);
        if (decision.refusal) throw decision.refusal;
        return applyToHead(ticket, set, decision.unset ?? [], effects);
      }
      // Lost the race: someone else's change landed first. Back off a little, with jitter, and decide again.
      if (attempt >= 2) await lostRaces.wait();
    }
    throw new ConcurrentUpdateError(`Ticket ${number} is changing too quickly right now; please try again.`);
  }

  /** The identity keys verified as the same consumer as this actor (none for staff and the system). */
  private async linkedTo(actor: Actor): Promise<ReadonlySet<string>> {
    return actor.role === 'consumer' ? this.linksOf(identityKeyOf(actor)) : new Set();
  }

  /**
   * The identities verified as this consumer's: those linked to it, and — through a WhatsApp number it proved — those
   * that proved the same number (two web chats that each proved one WhatsApp are one consumer: a new device gets back
   * in by proving the number, never by typing it).
   */
  private async linksOf(identityKey: string): Promise<ReadonlySet<string>> {
    const links = await this.models.identityLinks.findById(identityKey, { linked: 1 }).lean();
    const direct = links?.linked ?? [];
    const whatsApps = direct.filter((key) => key.startsWith(`${channelIdentityKey('whatsapp', '')}`));
    if (whatsApps.length === 0) return new Set(direct);
    const viaWhatsApp = await this.models.identityLinks.find({ _id: trusted({ $in: whatsApps }) }, { linked: 1 }).lean();
    return new Set([...direct, ...viaWhatsApp.flatMap((link) => link.linked)].filter((key) => key !== identityKey));
  }

  /**
   * The same-complaint key (without the owner) names the open ticket others' reports of the same complaint are linked
   * to. The new ticket is added to that one's links; the key moves on to a new ticket once that one is closed.
   */
  private async linkByPremises(premisesKey: string, number: string): Promise<string | undefined> {
    const guard = await this.models.duplicateGuards
      .findOneAndUpdate({ _id: premisesKey }, { $setOnInsert: { ticketNumber: number, createdAt: this.now() } }, { upsert: true, returnDocument: 'before' })
      .lean()
      .catch((error: unknown) => {
        if (isDuplicateKeyError(error)) return this.models.duplicateGuards.findById(premisesKey, wholeDocument).lean();
        throw error;
      });
    if (!guard || guard.ticketNumber === number) return undefined;
    const open = await this.models.tickets.findById(guard.ticketNumber, { status: 1 }).lean();
    if (!open || open.status === 'closed') {
      await this.models.duplicateGuards.updateOne({ _id: premisesKey, ticketNumber: guard.ticketNumber }, { $set: { ticketNumber: number, createdAt: this.now() } });
      return undefined;
    }
    await this.models.tickets.updateOne({ _id: guard.ticketNumber }, { $addToSet: { linkedTickets: number } });
    return guard.ticketNumber;
  }

  private resolvePlace(request: RegisterTicket): TicketRecord['place'] {
    const resolved = this.directory.resolvePlace(request.place);
    if (!resolved) return { ...request.place };
    return {
      ...request.place,
      district: resolved.district,
      zone: resolved.zone,
      circle: resolved.circle,
      division: resolved.division,
      subDivision: resolved.subDivision,
      subDivisionId: resolved.subDivisionId,
      locality: resolved.locality ?? request.place.locality,
    };
  }

  private officerForTicket(ticket: TicketHead, level: OfficerLevel): Officer | undefined {
    return ticket.place.subDivisionId ? this.directory.officerFor(ticket.place.subDivisionId, level) : undefined;
  }

  private officerById(id: string): Officer {
    const officer = this.directory.officerById(id);
    if (!officer) throw new InvalidInputError([`officerId: no officer ${id} in the directory`]);
    return officer;
  }

  /** `UP-<yymmdd>-<seq>`, the day in India's time zone, the sequence per day. */
  private async allocateNumber(): Promise<string> {
    const day = indiaDate(this.now());
    for (let attempt = 0; ; attempt++) {
      try {
        // The document *before* the increment, plus one: the embedded server returns the "after" document by
        // reference, so concurrent increments can read each other's values (measured: 129 distinct of 200).
        const before = await this.models.counters
          .findOneAndUpdate({ _id: `ticket-number:${day}` }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'before' })
          .lean();
        return `UP-${day}-${String((before?.seq ?? 0) + 1).padStart(5, '0')}`;
      } catch (error) {
        // Two first-of-the-day upserts can race on MongoDB; the loser simply increments the winner's document.
        if (!isDuplicateKeyError(error) || attempt >= 3) throw error;
      }
    }
  }

  private async openTicketFor(duplicateKey: string): Promise<TicketHead | undefined> {
    const guard = await this.models.duplicateGuards.findById(duplicateKey, wholeDocument).lean();
    if (!guard) return undefined;
    const ticket = await this.models.tickets.findById(guard.ticketNumber, headProjection).lean<TicketHead>();
    return ticket && ticket.status !== 'closed' ? ticket : undefined;
  }

  /**
   * Exactly one registration wins a duplicate key. A loser gets the winner's ticket — waiting briefly if the winner
   * has not inserted it yet. A key left behind by a closed ticket, or by a registration that crashed, is taken over.
   */
  private async claimDuplicateKey(duplicateKey: string, number: string): Promise<{ ok: true } | { ok: false; ticket: TicketHead }> {
    let standing: TicketHead | undefined;
    const outcome = await this.guardClaims.claimWaiting(duplicateKey, {
      owner: number,
      ttlMs: staleGuardAgeMs,
      waitMs: activeTicketWaitMs,
      backoff: { firstDelayMs: 10, maxDelayMs: 100 },
      judge: async (guard, stale) => {
        const ticket = await this.models.tickets.findById(guard.ticketNumber, headProjection).lean<TicketHead>();
        if (ticket && ticket.status !== 'closed') {
          standing = ticket;
          return 'done';
        }
        // Closed, or never written by a registration that crashed a while ago: take it over. Not yet written: wait.
        return ticket || stale ? 'take' : 'busy';
      },
    });
    if (outcome.status === 'claimed') return { ok: true };
    if (outcome.status === 'done' && standing) return { ok: false, ticket: standing };
    throw new ConcurrentUpdateError('The same complaint is being registered at this moment; please try again.');
  }

  /** A reopened closure takes its duplicate key back unless a newer registration holds it (then both stay open). */
  private async retakeDuplicateKey(ticket: TicketHead): Promise<void> {
    try {
      await this.models.duplicateGuards.create({ _id: ticket.duplicateKey, ticketNumber: ticket._id, createdAt: this.now() });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  private async releaseDuplicateKey(ticket: TicketHead): Promise<void> {
    // Best effort: a key left behind by a closed ticket is taken over by the next registration anyway.
    await this.models.duplicateGuards.deleteOne({ _id: ticket.duplicateKey, ticketNumber: ticket._id }).catch(() => undefined);
  }

  private async addToOfficerQueue(officerId: string, number: string): Promise<void> {
    await this.models.officerQueues.updateOne(
      { _id: officerId },
      { $addToSet: { ticketNumbers: number }, $set: { updatedAt: this.now() } },
      { upsert: true },
    ).catch(async (error: unknown) => {
      // Two first upserts of one officer's document can collide on MongoDB; $addToSet makes the retry harmless.
      if (!isDuplicateKeyError(error)) throw error;
      await this.models.officerQueues.updateOne({ _id: officerId }, { $addToSet: { ticketNumbers: number }, $set: { updatedAt: this.now() } });
    });
  }

  /** Best effort: a stale entry is filtered out by every reader (the ticket names its current owner). */
  private async removeFromOfficerQueue(officerId: string, number: string): Promise<void> {
    await this.models.officerQueues.updateOne({ _id: officerId }, { $pull: { ticketNumbers: number }, $set: { updatedAt: this.now() } }).catch(() => undefined);
  }

  private async indexForConsumer(number: string, channel: string, channelUserId: string, mobile: string | undefined): Promise<void> {
    const at = this.now();
    const keys = [channelIdentityKey(channel, channelUserId), ...(mobile === undefined ? [] : [mobileIdentityKey(mobile)])];
    const operations = keys.map((key) => ({
      updateOne: { filter: { _id: key }, update: { $addToSet: { ticketNumbers: number }, $set: { updatedAt: at } }, upsert: true },
    }));
    for (let attempt = 0; ; attempt++) {
      try {
        await this.models.consumerIndex.bulkWrite(operations, { ordered: false });
        return;
      } catch (error) {
        // Concurrent first upserts of one key can collide on MongoDB; $addToSet makes the retry harmless.
        if (!isDuplicateKeyError(error) || attempt >= 3) throw error;
      }
    }
  }
}

/**
 * Whose worklist a write changes: `to` the officer it hands the ticket to (if another), `from` the officer who stops
 * holding it — handed to someone else or nobody, or closed.
 */
function ownerChange(ticket: TicketHead, set: Record<string, unknown>, unset: string[]): { to?: string; from?: string } {
  const before = ticket.officer?.id;
  const handed = Object.hasOwn(set, 'officer') || unset.includes('officer');
  const after = handed ? (set.officer as { id?: string } | undefined)?.id : before;
  const closing = set.status === 'closed';
  return {
    to: after !== undefined && after !== before && !closing ? after : undefined,
    from: before !== undefined && (after !== before || closing) ? before : undefined,
  };
}

/** The head as our update left it: exactly what this caller changed, without another read. */
function applyToHead(head: TicketHead, set: Record<string, unknown>, unset: string[], effects: OutboxEffect[]): TicketHead {
  const next = structuredClone(head) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(set)) setPath(next, path, value);
  for (const path of unset) setPath(next, path, undefined);
  next.rev = head.rev + 1;
  next.outbox = [...head.outbox, ...effects];
  return next as unknown as TicketHead;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function sealChain(drafts: UnsealedEvent[], prevHash: string): TicketEvent[] {
  const sealed: TicketEvent[] = [];
  let previous = prevHash;
  for (const draft of drafts) {
    const event = sealEvent(draft, previous);
    sealed.push(event);
    previous = event.hash;
  }
  return sealed;
}

function effectsFor(number: string, events: TicketEvent[]): OutboxEffect[] {
  const effects: OutboxEffect[] = [];
  for (const event of events) {
    // The consumer hears of their own answer, and of the assignment made at registration, in the chat's reply itself.
    const toldInReply = event.data?.atRegistration === true || event.actor.role === 'consumer';
    if (CONSUMER_NOTIFIED_EVENTS.has(event.type) && !toldInReply) effects.push(effect(number, event, 'consumer.notify'));
    // A ticket staff opened for the consumer (an agent during a handoff): the consumer is told its number.
    if (event.type === 'ticket.registered' && event.actor.role !== 'consumer') effects.push(effect(number, event, 'consumer.notify'));
    if (OFFICER_NOTIFIED_EVENTS.has(event.type) && event.officerId) effects.push(effect(number, event, 'officer.notify'));
    if (REPORTED_EVENTS.has(event.type)) effects.push(effect(number, event, 'report.update'));
    if (CALLBACK_QUEUED_EVENTS.has(event.type)) effects.push(effect(number, event, 'callback.enqueue'));
  }
  return effects;
}

function effect(number: string, event: TicketEvent, kind: OutboxEffect['kind']): OutboxEffect {
  return { id: `${number}:${event.seq}:${kind}`, kind, eventSeq: event.seq, eventType: event.type, createdAt: event.at, attempts: 0 };
}

function toActorRef(actor: Actor): ActorRef {
  if (actor.role === 'consumer') return { role: 'consumer', id: consumerActorId(actor) };
  if (actor.role === 'system') return { role: 'system', id: actor.id };
  return actor.name ? { role: actor.role, id: actor.id, name: actor.name } : { role: actor.role, id: actor.id };
}

function toAssignedOfficer(officer: Officer) {
  return { id: officer.id, name: officer.name, level: officer.level };
}

function noteEvidence(note: string | undefined) {
  return note ? { note } : undefined;
}

function definedOnly(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

/**
 * One open complaint per owner identity (the channel identity that registers it), category and premises (the account,
 * or without one the place). The owner is always part of the key: handing the open ticket back tells its number and
 * status, which only its own consumer may learn — another identity typing the same mobile gets a ticket of its own.
 */
function duplicateKeyFor(request: RegisterTicket, subDivisionId: string | undefined): string {
  // An emergency is never folded into an ordinary open complaint of the same consumer (nor one into the other).
  if (request.emergency) return `emergency|${duplicateKeyFor({ ...request, emergency: undefined }, subDivisionId)}`;
  const owner = channelIdentityKey(request.consumer.channel, request.consumer.channelUserId);
  return `${request.category}|owner:${owner}|${premisesOf(request, subDivisionId)}`;
}

/**
 * The same complaint whoever reports it: category, the mobile given, and the premises. Another identity's ticket
 * under this key is linked to the open one (linkByPremises), never merged into it.
 */
function premisesKeyFor(request: RegisterTicket, subDivisionId: string | undefined): string {
  return `same:${request.category}|mobile:${request.consumer.mobile ?? 'none'}|${premisesOf(request, subDivisionId)}`;
}

function premisesOf(request: RegisterTicket, subDivisionId: string | undefined): string {
  if (request.consumer.accountNumber) return `account:${request.consumer.accountNumber}`;
  const place = subDivisionId ?? request.place.district;
  const locality = request.place.locality ?? '';
  return `place:${normaliseKeyPart(place)}/${normaliseKeyPart(locality)}`;
}

function normaliseKeyPart(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/[\s\p{P}]+/gu, '');
}

const indiaDayFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', year: '2-digit', month: '2-digit', day: '2-digit' });

export function indiaDate(at: Date): string {
  const parts = Object.fromEntries(indiaDayFormat.formatToParts(at).map((part) => [part.type, part.value]));
  return `${parts.year}${parts.month}${parts.day}`;
}

