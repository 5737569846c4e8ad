// The ticket document: state, history (events), and owed effects (outbox) together, so that one atomic update
// by `{_id, rev}` changes all three at once — neither the embedded server nor a standalone MongoDB has transactions.
import { Schema } from 'mongoose';
import {
  CONSUMER_CHANNELS,
  EVENT_CHANNELS,
  OFFICER_LEVELS,
  TICKET_CATEGORIES,
  TICKET_EVENT_TYPES,
  TICKET_STATUSES,
  type TicketRecord,
} from './ticketTypes.js';
import { CONSUMER_LANGUAGES } from './consumerLanguage.js';

const subdocument = { _id: false, id: false, minimize: true } as const;

const actorSchema = new Schema(
  {
    role: { type: String, required: true },
    id: { type: String, required: true },
    name: String,
  },
  subdocument,
);

const evidenceSchema = new Schema(
  {
    note: String,
    photoRef: String,
    meterReadingKwh: Number,
    // No default: an absent list must stay absent, or the stored event would no longer match its hash.
    files: { type: [String], default: undefined },
  },
  subdocument,
);

const eventSchema = new Schema(
  {
    seq: { type: Number, required: true },
    type: { type: String, enum: TICKET_EVENT_TYPES, required: true },
    at: { type: Date, required: true },
    actor: { type: actorSchema, required: true },
    channel: { type: String, enum: EVENT_CHANNELS, required: true },
    from: { type: String, enum: TICKET_STATUSES },
    to: { type: String, enum: TICKET_STATUSES },
    level: { type: String, enum: OFFICER_LEVELS },
    officerId: String,
    claimId: String,
    evidence: evidenceSchema,
    data: Schema.Types.Mixed,
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
  },
  subdocument,
);

const claimSchema = new Schema(
  {
    id: { type: String, required: true },
    by: { type: actorSchema, required: true },
    at: { type: Date, required: true },
    note: { type: String, required: true },
    evidence: evidenceSchema,
    shownAt: Date,
    shownOn: { type: String, enum: EVENT_CHANNELS },
    shownTo: new Schema(
      { channel: { type: String, enum: CONSUMER_CHANNELS, required: true }, channelUserId: { type: String, required: true }, messageId: String },
      subdocument,
    ),
    lastAskedAt: Date,
    remindersSent: { type: Number, required: true },
  },
  subdocument,
);

const outboxEffectSchema = new Schema(
  {
    id: { type: String, required: true },
    kind: { type: String, required: true },
    eventSeq: { type: Number, required: true },
    eventType: { type: String, enum: TICKET_EVENT_TYPES, required: true },
    officerId: String,
    createdAt: { type: Date, required: true },
    attempts: { type: Number, required: true },
    nextAttemptAt: Date,
    failedAt: Date,
    lastError: String,
  },
  subdocument,
);

export const ticketSchema = new Schema<TicketRecord>(
  {
    _id: { type: String, required: true },
    rev: { type: Number, required: true },
    category: { type: String, enum: TICKET_CATEGORIES, required: true },
    description: { type: String, required: true },
    consumer: {
      type: new Schema(
        {
          channel: { type: String, enum: CONSUMER_CHANNELS, required: true },
          channelUserId: { type: String, required: true },
          mobile: String,
          accountNumber: String,
          applicationNumber: String,
          anonymous: Boolean,
          language: { type: String, enum: [...CONSUMER_LANGUAGES] },
        },
        subdocument,
      ),
      required: true,
    },
    place: {
      type: new Schema(
        {
          district: { type: String, required: true },
          zone: String,
          circle: String,
          division: String,
          subDivision: String,
          subDivisionId: String,
          locality: String,
          feeder: String,
          transformer: String,
          addressText: String,
        },
        subdocument,
      ),
      required: true,
    },
    level: { type: String, enum: OFFICER_LEVELS, required: true },
    levelFloor: { type: String, enum: OFFICER_LEVELS },
    officer: new Schema(
      { id: { type: String, required: true }, name: { type: String, required: true }, level: { type: String, enum: OFFICER_LEVELS } },
      subdocument,
    ),
    ownerSince: Date,
    status: { type: String, enum: TICKET_STATUSES, required: true },
    waitingForPerson: new Schema(
      { reason: { type: String, enum: ['place_not_in_directory', 'no_officer'], required: true }, words: String, since: { type: Date, required: true } },
      subdocument,
    ),
    emergency: Boolean,
    plannedShutdown: new Schema({ id: { type: String, required: true }, endsAt: { type: Date, required: true } }, subdocument),
    claim: claimSchema,
    progress: new Schema({ note: String, at: { type: Date, required: true }, expectedBy: Date }, subdocument),
    closure: new Schema(
      {
        provenance: { type: String, enum: ['consumer_confirmed', 'callback_confirmed'], required: true },
        claimId: { type: String, required: true },
        by: { type: actorSchema, required: true },
        at: { type: Date, required: true },
        rejectableUntil: { type: Date },
      },
      subdocument,
    ),
    duplicateKey: { type: String, required: true },
    incidentId: String,
    incidentSeqTold: Number,
    linkedTickets: { type: [String], default: undefined },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    closedAt: Date,
    eventCount: { type: Number, required: true },
    lastEventHash: { type: String, required: true },
    events: { type: [eventSchema], default: undefined },
    outbox: { type: [outboxEffectSchema], default: undefined },
    outboxClaim: new Schema({ owner: { type: String, required: true }, expiresAt: { type: Date, required: true } }, subdocument),
  },
  { versionKey: false, minimize: true, strict: 'throw' },
);

// Makes `{_id, rev}` — every transition's compare-and-set — an exact unique-index hit on the embedded server,
// which ignores non-unique indexes and scans for anything but `_id` alone or a full unique key.
ticketSchema.index({ _id: 1, rev: 1 }, { unique: true, name: 'id_rev_unique' });
