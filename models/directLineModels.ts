// The web chat channel's storage: conversations, their activities, the web user's current conversation, and claims
// that make an idempotent send happen once. Every hot read is an exact `_id` (or `_id: {$in: [...]}`) lookup, the only
// kind the embedded server answers from an index.
import { Schema, type Connection, type Model } from 'mongoose';

export interface DirectLineConversationRecord {
  /** The conversation id: URL-safe, never contains ':' (activity ids are `<conversationId>:<seq>`). */
  _id: string;
  /** The web chat user the conversation belongs to; tokens bind this user to this conversation. */
  userId: string;
  /** The last sequence number handed out; an activity's seq is claimed with `$inc` before it is written. */
  head: number;
  createdAt: Date;
  /** When the head was last claimed: a missing activity at or below the head is older than this. */
  updatedAt: Date;
  /**
   * The consumer's activity that was stored (and acknowledged) but whose bot turn has not finished. Set before the
   * POST is answered, cleared when the turn is over: a process that dies in between leaves it for the next one.
   */
  pendingTurn?: { activityId: string; since: Date };
  /**
   * Conversation document (docs/conversation-documents.md): every write but the creation is a compare-and-set on
   * `{_id, version}` (a unique index, so an index hit) and adds 1. Absent on a conversation written before it existed.
   */
  version?: number;
  /** Who runs this conversation's turn now, across processes; absent when nobody does. Expired = free. */
  lease?: { token: string; owner: string; expiresAt: Date };
  /** The bot state the conversation's turns read and write (botbuilder Storage keys → item), as JSON text. */
  state?: string;
  /** The last client activity ids stored, with the ids they were stored under: a resent POST is answered from here. */
  clientIds?: Array<{ client: string; id: string }>;
  /** The last idempotency keys (hashed) of proactive sends, with the ids they were stored under. */
  sentKeys?: Array<{ key: string; id: string }>;
  /** The first seq held in `window`; everything before it is in the activities collection. */
  windowFrom?: number;
  /** The recent activities, seqs windowFrom..head in order, as JSON text; older ones move to the activities collection. */
  window?: Array<{ seq: number; json: string }>;
  /** An id of the last committed write, to recognise a write that landed although its reply was lost. */
  lastWrite?: string;
  /** The consumer's messages counted in the current limit window (messagesPerConversation), written by the take. */
  messageLimit?: { from: Date; count: number };
  /**
   * Live handoffs of the consumer marked on this conversation (services/liveHandoffService.ts HandoffMarks): 0 means
   * none is open, so a turn skips reading one; absent means never checked (the turn reads, and records 0 if none).
   */
  handoffMarks?: number;
}

export interface DirectLineActivityRecord {
  /** `<conversationId>:<seq padded to 10 digits>`, also the activity id the client sees. */
  _id: string;
  conversationId: string;
  seq: number;
  /**
   * The activity as JSON text, so whatever a client or a card puts in it (keys with `$` or dots) is kept verbatim.
   * Absent for a filler: a seq whose writer never wrote it, closed by a reader so the stream can move past it.
   */
  json?: string;
  createdAt: Date;
}

export interface DirectLineUserRecord {
  /** The web chat user id (kept in the page's signed cookie). */
  _id: string;
  /** The conversation a returning consumer resumes. */
  conversationId: string;
  createdAt: Date;
}

export interface DirectLineDedupeRecord {
  /** `<conversationId>:<hash of the idempotency key>`. */
  _id: string;
  /** Who is sending it now; a send that stalls past its claim can be taken over by matching `{_id, claim}`. */
  claim: string;
  claimedAt: Date;
  /** Set once the activity is stored: a repeat returns this id instead of storing it again. */
  activityId?: string;
}

export const directLineConversationSchema = new Schema<DirectLineConversationRecord>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    head: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    pendingTurn: new Schema({ activityId: { type: String, required: true }, since: { type: Date, required: true } }, { _id: false }),
    version: { type: Number },
    lease: new Schema({ token: { type: String, required: true }, owner: { type: String, required: true }, expiresAt: { type: Date, required: true } }, { _id: false }),
    state: { type: String },
    clientIds: { type: [new Schema({ client: { type: String, required: true }, id: { type: String, required: true } }, { _id: false })], default: undefined },
    sentKeys: { type: [new Schema({ key: { type: String, required: true }, id: { type: String, required: true } }, { _id: false })], default: undefined },
    windowFrom: { type: Number },
    window: { type: [new Schema({ seq: { type: Number, required: true }, json: { type: String, required: true } }, { _id: false })], default: undefined },
    lastWrite: { type: String },
    messageLimit: new Schema({ from: { type: Date, required: true }, count: { type: Number, required: true } }, { _id: false }),
    handoffMarks: { type: Number },
  },
  { versionKey: false, strict: 'throw' },
);

// Every write of a turn matches `{_id, version}`: a full unique key, so an index hit on the embedded server.
directLineConversationSchema.index({ _id: 1, version: 1 }, { unique: true, name: 'id_version_unique' });

export const directLineActivitySchema = new Schema<DirectLineActivityRecord>(
  {
    _id: { type: String, required: true },
    conversationId: { type: String, required: true },
    seq: { type: Number, required: true },
    json: { type: String },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);

export const directLineUserSchema = new Schema<DirectLineUserRecord>(
  {
    _id: { type: String, required: true },
    conversationId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);

export const directLineDedupeSchema = new Schema<DirectLineDedupeRecord>(
  {
    _id: { type: String, required: true },
    claim: { type: String, required: true },
    claimedAt: { type: Date, required: true },
    activityId: { type: String },
  },
  { versionKey: false, strict: 'throw' },
);

// Taking over or completing a claim matches `{_id, claim}`: a full unique key, so an index hit on the embedded server.
directLineDedupeSchema.index({ _id: 1, claim: 1 }, { unique: true, name: 'id_claim_unique' });
/** A web chat identity its consumer ended ("forget me"): its cookie is refused from then on. Read by `_id`. */
export interface DirectLineForgottenRecord {
  /** The web chat user id. */
  _id: string;
  forgottenAt: Date;
}

export const directLineForgottenSchema = new Schema<DirectLineForgottenRecord>(
  { _id: { type: String, required: true }, forgottenAt: { type: Date, required: true } },
  { versionKey: false, strict: 'throw' },
);

export interface DirectLineModels {
  directLineConversations: Model<DirectLineConversationRecord>;
  directLineActivities: Model<DirectLineActivityRecord>;
  directLineUsers: Model<DirectLineUserRecord>;
  directLineDedupe: Model<DirectLineDedupeRecord>;
  directLineForgotten: Model<DirectLineForgottenRecord>;
}

export function createDirectLineModels(connection: Connection): DirectLineModels {
  return {
    directLineConversations: connection.model<DirectLineConversationRecord>(
      'DirectLineConversation',
      directLineConversationSchema,
      'directline_conversations',
    ),
    directLineActivities: connection.model<DirectLineActivityRecord>('DirectLineActivity', directLineActivitySchema, 'directline_activities'),
    directLineUsers: connection.model<DirectLineUserRecord>('DirectLineUser', directLineUserSchema, 'directline_users'),
    directLineDedupe: connection.model<DirectLineDedupeRecord>('DirectLineDedupe', directLineDedupeSchema, 'directline_dedupe'),
    directLineForgotten: connection.model<DirectLineForgottenRecord>('DirectLineForgotten', directLineForgottenSchema, 'directline_forgotten'),
  };
}
