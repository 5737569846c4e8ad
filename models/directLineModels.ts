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
  },
  { versionKey: false, strict: 'throw' },
);

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
