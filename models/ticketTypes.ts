// The ticket's vocabulary as stored: shared by the schemas here, the services and (later) the dialogs and the API.
import type { ConsumerLanguage } from './consumerLanguage.js';

/** The escalation ladder, lowest first: a rejected resolution or a breached time limit moves a ticket one step up. */
export const OFFICER_LEVELS = ['JE', 'SDO', 'XEN', 'SE', 'CE'] as const;
export type OfficerLevel = (typeof OFFICER_LEVELS)[number];

export const TICKET_CATEGORIES = ['bill', 'meter', 'new_connection', 'supply', 'theft', 'transformer'] as const;
export type TicketCategory = (typeof TICKET_CATEGORIES)[number];

export const TICKET_STATUSES = [
  'registered',
  'assigned',
  'in_progress',
  'awaiting_confirmation',
  'reopened',
  'unconfirmed',
  'closed',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const CONSUMER_CHANNELS = ['webchat', 'whatsapp'] as const;
export type ConsumerChannel = (typeof CONSUMER_CHANNELS)[number];

/** Where an event came from: a consumer channel, a staff surface, or the system itself (timers, workers). */
export const EVENT_CHANNELS = [...CONSUMER_CHANNELS, 'api', 'console', 'phone', 'system'] as const;
export type EventChannel = (typeof EVENT_CHANNELS)[number];

export const STAFF_ROLES = ['agent', 'officer', 'supervisor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** A consumer as a channel knows them. `verifiedMobile` is set only by channels that prove the number (WhatsApp). */
export interface ConsumerActor {
  role: 'consumer';
  channel: ConsumerChannel;
  channelUserId: string;
  verifiedMobile?: string;
}
export interface StaffActor {
  role: StaffRole;
  id: string;
  name?: string;
}
export interface SystemActor {
  role: 'system';
  id: string;
}
export type Actor = ConsumerActor | StaffActor | SystemActor;

/** How an actor is written into an event: enough to attribute, nothing that needs trusting later. */
export interface ActorRef {
  role: Actor['role'];
  id: string;
  name?: string;
}

export interface Evidence {
  note?: string;
  photoRef?: string;
  meterReadingKwh?: number;
  /** Ids of uploaded evidence files (models/evidenceModel.ts) for this ticket. */
  files?: string[];
}

export const TICKET_EVENT_TYPES = [
  'ticket.registered',
  'ticket.assigned',
  'ticket.work_started',
  'ticket.progress_noted',
  'ticket.resolution_claimed',
  'ticket.claim_shown',
  'ticket.confirmation_requested',
  'ticket.confirmed',
  'ticket.rejected',
  'ticket.reopened',
  'ticket.escalated',
  'ticket.unconfirmed',
  'ticket.closure_refused',
  // Incidents (services/incidentService.ts): the ticket joined or left an area incident, or is told its news.
  'ticket.incident_linked',
  'ticket.incident_detached',
  'ticket.incident_update',
  /** An officer asks to be relieved of the ticket (wrong area, needs another team); staff reassign it (officer page). */
  'ticket.reassignment_requested',
  /** The consumer sent a photo, document or voice note for the ticket (services/consumerMediaService.ts). */
  'ticket.media_added',
] as const;
export type TicketEventType = (typeof TICKET_EVENT_TYPES)[number];

/** One link of a ticket's append-only history. `hash` covers every other field and the previous link's hash. */
export interface TicketEvent {
  seq: number;
  type: TicketEventType;
  at: Date;
  actor: ActorRef;
  channel: EventChannel;
  from?: TicketStatus;
  to?: TicketStatus;
  level?: OfficerLevel;
  officerId?: string;
  claimId?: string;
  evidence?: Evidence;
  data?: Record<string, string | number | boolean>;
  prevHash: string;
  hash: string;
}

export interface ConsumerIdentity {
  channel: ConsumerChannel;
  channelUserId: string;
  /** Ten digits, no country code. Absent only on an anonymous theft report whose reporter gave none. */
  mobile?: string;
  /** The ten-digit consumer account number printed on the bill, when the consumer gave it. */
  accountNumber?: string;
  /** A new connection's application number, when the consumer gave it (they have no bill yet). */
  applicationNumber?: string;
  /**
   * A theft report, confidential by default: the reporter's identity is kept (for supervisors) but hidden from
   * officers and agents in every staff view.
   */
  anonymous?: boolean;
  language?: ConsumerLanguage;
}

export interface TicketPlace {
  district: string;
  zone?: string;
  circle?: string;
  division?: string;
  subDivision?: string;
  subDivisionId?: string;
  locality?: string;
  feeder?: string;
  transformer?: string;
  /** What the consumer wrote, kept even when the directory resolved it to a canonical place. */
  addressText?: string;
}

export interface AssignedOfficer {
  id: string;
  name: string;
  level: OfficerLevel;
}

export interface ClaimAudience {
  channel: ConsumerChannel;
  channelUserId: string;
  messageId?: string;
}

/** The resolution claim a consumer is asked to confirm; only an answer naming this id can close the ticket. */
export interface ResolutionClaim {
  id: string;
  by: ActorRef;
  at: Date;
  note: string;
  evidence?: Evidence;
  shownAt?: Date;
  shownOn?: EventChannel;
  /**
   * The consumer identity the question was put to, and the message that carried it: only an answer from this identity
   * counts (services/ticketLifecycle.ts authoriseAnswer). Absent on claims shown before it was kept: then the ticket's
   * own identity, the only one the question was ever delivered to.
   */
  shownTo?: ClaimAudience;
  /** When the consumer was last asked (shown, or reminded): the satisfaction timers count from here. */
  lastAskedAt?: Date;
  remindersSent: number;
}

export interface TicketProgress {
  note?: string;
  at: Date;
  expectedBy?: Date;
}

export type ClosureProvenance = 'consumer_confirmed' | 'callback_confirmed';

export interface TicketClosure {
  provenance: ClosureProvenance;
  claimId: string;
  by: ActorRef;
  at: Date;
  /** A callback-confirmed closure: until this time the consumer can still say "no" on their channel and reopen it. */
  rejectableUntil?: Date;
}

/** Something a transition owes the world (a message, a rollup), written with it and drained later, once. */
export interface OutboxEffect {
  id: string;
  /** `report.update`: bump the report rollups (services/reportService.ts); `callback.enqueue`: the callback queue. */
  kind: 'consumer.notify' | 'officer.notify' | 'report.update' | 'callback.enqueue';
  eventSeq: number;
  eventType: TicketEventType;
  /** `officer.notify` for someone other than the event's officer (an emergency is told to the SDO at once). */
  officerId?: string;
  createdAt: Date;
  attempts: number;
  /** Set after a failed delivery: not retried before this time. */
  nextAttemptAt?: Date;
  /** Set when delivery gave up after the maximum attempts; it stays on the ticket for staff to see. */
  failedAt?: Date;
  lastError?: string;
}

export interface TicketRecord {
  _id: string;
  rev: number;
  category: TicketCategory;
  description: string;
  consumer: ConsumerIdentity;
  place: TicketPlace;
  level: OfficerLevel;
  /** The level a consumer's "no" lifted the ticket to: below it only a supervisor, with a reason, may assign it. */
  levelFloor?: OfficerLevel;
  officer?: AssignedOfficer;
  /**
   * When the current owner (level/officer) got the ticket: registration, assignment, escalation or a rejected
   * resolution. The SLA timers count from here without reading the history. Absent on tickets written before it was
   * kept; services/slaPolicy.ts derives it from the events then.
   */
  ownerSince?: Date;
  status: TicketStatus;
  /**
   * Registered without an officer, waiting for a person to route it: why, and the consumer's own words for the place
   * (a place outside the directory). Staff list these as status "registered" with no officer.
   */
  waitingForPerson?: { reason: 'place_not_in_directory' | 'no_officer'; words?: string; since: Date };
  /** A danger to life (live wire, sparking, fire, shock): its own short time limit, told to the SDO at once, listed first. */
  emergency?: boolean;
  /** A supply complaint made in an area during a planned shutdown (services/shutdownService.ts): not a fault. */
  plannedShutdown?: { id: string; endsAt: Date };
  claim?: ResolutionClaim;
  /** The latest progress note from the field and the expected time it gave, for the consumer's status reply. */
  progress?: TicketProgress;
  closure?: TicketClosure;
  duplicateKey: string;
  /** The area incident this complaint is part of (services/incidentService.ts); absent once detached. */
  incidentId?: string;
  /** The incident history seq last told to this consumer, so each incident update reaches them once. */
  incidentSeqTold?: number;
  /**
   * Other consumers' open tickets for the same complaint (same category and premises), and theirs to this one: for
   * staff only. Each consumer keeps their own ticket and confirms it themselves; nobody is told another's number.
   */
  linkedTickets?: string[];
  createdAt: Date;
  updatedAt: Date;
  closedAt?: Date;
  eventCount: number;
  lastEventHash: string;
  events: TicketEvent[];
  outbox: OutboxEffect[];
  /**
   * Whose the outbox is to deliver, written with a new ticket by the process that registers it (it delivers at once,
   * and removes the claim with the delivered effects); others leave the outbox alone until `expiresAt`.
   */
  outboxClaim?: OutboxClaim;
}

export interface OutboxClaim {
  owner: string;
  expiresAt: Date;
}

/** A ticket read for a decision: everything but its (possibly long) history. */
export type TicketHead = Omit<TicketRecord, 'events'>;
