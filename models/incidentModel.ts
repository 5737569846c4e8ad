// Area incidents (services/incidentService.ts): one fault that many consumers of one locality report at once.
// Like a ticket, an incident carries its state and its own hash-chained history in one document, changed by a
// compare-and-set on `{_id, rev}`. Two small companions make the hot path cheap and race-free on the embedded server:
// `incident_areas` (the area's one open incident, keyed by the area: a unique `_id`, so two openers cannot both win)
// and `incident_windows` (the area's recent supply complaints, for the threshold, one document per area).
import { Schema } from 'mongoose';
import { EVENT_CHANNELS, OFFICER_LEVELS, type ActorRef, type AssignedOfficer, type EventChannel } from './ticketTypes.js';

/** reported → crew_assigned → work_in_progress → restored; `merged` when folded into another incident. */
export const INCIDENT_STATUSES = ['reported', 'crew_assigned', 'work_in_progress', 'restored', 'merged'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const OPEN_INCIDENT_STATUSES: readonly IncidentStatus[] = ['reported', 'crew_assigned', 'work_in_progress'];

export const INCIDENT_EVENT_TYPES = [
  'incident.opened',
  'incident.status_changed',
  'incident.progress_noted',
  'incident.eta_set',
  'incident.restored',
  'incident.merged',
  'incident.absorbed',
  'incident.ticket_detached',
] as const;
export type IncidentEventType = (typeof INCIDENT_EVENT_TYPES)[number];

/** One link of an incident's history; `hash` covers every other field and the previous link's hash (eventChain.ts). */
export interface IncidentEvent {
  seq: number;
  type: IncidentEventType;
  at: Date;
  actor: ActorRef;
  channel: EventChannel;
  from?: IncidentStatus;
  to?: IncidentStatus;
  etaAt?: Date;
  note?: string;
  data?: Record<string, string | number | boolean>;
  prevHash: string;
  hash: string;
}

export interface IncidentPlace {
  district: string;
  /** For the reports' division buckets (incidents opened before it was kept lack it). */
  division?: string;
  subDivision: string;
  subDivisionId: string;
  locality: string;
  /** The feeder / transformer of an incident opened for one the directory knows (its area key says so), or as staff named it. */
  feeder?: string;
  transformer?: string;
}

export interface IncidentRecord {
  _id: string;
  rev: number;
  areaKey: string;
  place: IncidentPlace;
  status: IncidentStatus;
  /** The area's JE. */
  owner?: AssignedOfficer;
  openedBy: ActorRef;
  openedAt: Date;
  /** How it started: the complaint threshold, or staff by hand. */
  openedHow: 'threshold' | 'staff';
  etaAt?: Date;
  lastNote?: string;
  /** Complaints counted into it (including ones later detached). */
  reportCount: number;
  /** Linked ticket numbers. A ticket's own `incidentId` is the truth; this is the list to fan out over. */
  tickets: string[];
  restoredAt?: Date;
  mergedInto?: string;
  /**
   * A fan-out owed to the linked tickets (telling them news, or asking each on restoration), written with the event
   * that owes it and cleared when done, so a process that dies half-way leaves it for the next start to finish.
   */
  pendingFanOut?: { kind: 'tell' | 'restore'; seq: number; note?: string; actor: ActorRef };
  updatedAt: Date;
  eventCount: number;
  lastEventHash: string;
  events: IncidentEvent[];
}

export type IncidentHead = Omit<IncidentRecord, 'events' | 'tickets'>;

export interface IncidentAreaRecord {
  _id: string;
  incidentId: string;
  createdAt: Date;
}

export interface IncidentWindowRecord {
  _id: string;
  /** The most recent supply complaints of the area (at most the threshold's worth), oldest first. */
  recent: Array<{ at: Date; ticket: string }>;
}

const subdocument = { _id: false, id: false, minimize: true } as const;

const actorSchema = new Schema({ role: { type: String, required: true }, id: { type: String, required: true }, name: String }, subdocument);

const incidentEventSchema = new Schema(
  {
    seq: { type: Number, required: true },
    type: { type: String, enum: INCIDENT_EVENT_TYPES, required: true },
    at: { type: Date, required: true },
    actor: { type: actorSchema, required: true },
    channel: { type: String, enum: EVENT_CHANNELS, required: true },
    from: { type: String, enum: INCIDENT_STATUSES },
    to: { type: String, enum: INCIDENT_STATUSES },
    etaAt: Date,
    note: String,
    data: Schema.Types.Mixed,
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
  },
  subdocument,
);

export const incidentSchema = new Schema<IncidentRecord>(
  {
    _id: { type: String, required: true },
    rev: { type: Number, required: true },
    areaKey: { type: String, required: true },
    place: {
      type: new Schema(
        {
          district: { type: String, required: true },
          division: String,
          subDivision: { type: String, required: true },
          subDivisionId: { type: String, required: true },
          locality: { type: String, required: true },
          feeder: String,
          transformer: String,
        },
        subdocument,
      ),
      required: true,
    },
    status: { type: String, enum: INCIDENT_STATUSES, required: true },
    owner: new Schema({ id: { type: String, required: true }, name: { type: String, required: true }, level: { type: String, enum: OFFICER_LEVELS } }, subdocument),
    openedBy: { type: actorSchema, required: true },
    openedAt: { type: Date, required: true },
    openedHow: { type: String, enum: ['threshold', 'staff'], required: true },
    etaAt: Date,
    lastNote: String,
    reportCount: { type: Number, required: true },
    tickets: { type: [String], default: undefined },
    restoredAt: Date,
    mergedInto: String,
    pendingFanOut: new Schema(
      { kind: { type: String, enum: ['tell', 'restore'], required: true }, seq: { type: Number, required: true }, note: String, actor: { type: actorSchema, required: true } },
      subdocument,
    ),
    updatedAt: { type: Date, required: true },
    eventCount: { type: Number, required: true },
    lastEventHash: { type: String, required: true },
    events: { type: [incidentEventSchema], default: undefined },
  },
  { versionKey: false, minimize: true, strict: 'throw' },
);
// Every change is a compare-and-set on `{_id, rev}`: an exact unique-index hit on the embedded server.
incidentSchema.index({ _id: 1, rev: 1 }, { unique: true, name: 'id_rev_unique' });

export const incidentAreaSchema = new Schema<IncidentAreaRecord>(
  {
    _id: { type: String, required: true },
    incidentId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);
// Releasing (or taking over) the area matches `{_id, incidentId}`: a full unique key, so no scan.
incidentAreaSchema.index({ _id: 1, incidentId: 1 }, { unique: true, name: 'id_incident_unique' });

export const incidentWindowSchema = new Schema<IncidentWindowRecord>(
  {
    _id: { type: String, required: true },
    recent: { type: [new Schema({ at: { type: Date, required: true }, ticket: { type: String, required: true } }, subdocument)], default: undefined },
  },
  { versionKey: false, strict: 'throw' },
);
