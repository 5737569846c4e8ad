// WhatsApp conversations as conversation documents (docs/whatsapp-conversations.md): one document per WhatsApp
// conversation (`<channel>:<the consumer's WhatsApp id>`) holds what a turn needs — the turn lease, the messages
// acknowledged to Meta and not yet answered (the inbox), the recent processed ones (the log) and the resend check, the
// bot state, the replies stored and not yet acknowledged as sent (the outbox), and what the channel knows of the
// sender (the 24-hour window, choices offered as numbers). Every write but the first matches `{_id, version}`.
import { Schema } from 'mongoose';

export interface WhatsAppInboxEntry {
  /** The message's id on the channel (Cloud: the wamid). */
  id: string;
  /** What the consumer sent, as the adapter understood it (JSON). */
  content: string;
  /** When the consumer sent it (the channel's clock). */
  sentAt: Date;
  receivedAt: Date;
  /** Set once its turn has run (entries in the log only). */
  processedAt?: Date;
}

export interface WhatsAppOutboxEntry {
  /** The reply's number in this conversation (its id is `<conversation>:<seq>`). */
  seq: number;
  /** The activity to send, as JSON (text, suggested actions, channel data). */
  json: string;
}

export interface WhatsAppConversationRecord {
  _id: string;
  /** +1 on every write; every write matches `{_id, version}` (a unique index, so an index hit on the embedded server). */
  version: number;
  /** The process running this conversation's turns now; absent, null or expired = free. */
  lease?: { token: string; owner: string; expiresAt: Date } | null;
  /** Messages stored (acknowledged to the channel) whose turn has not run, in arrival order. */
  inbox: WhatsAppInboxEntry[];
  /** The latest processed messages, oldest first; older ones move to the channel's inbound collection. */
  log: WhatsAppInboxEntry[];
  /** Hashes of the latest message ids stored (the resend check), oldest first. */
  seen: string[];
  /** Bot state (botbuilder Storage keys → {eTag, json}) as JSON text. */
  state: string;
  /** Replies stored by a turn and not yet acknowledged as sent, in order. */
  outbox: WhatsAppOutboxEntry[];
  /** The last reply seq given out. */
  seq: number;
  /** True while the inbox or the outbox holds anything: what a recovery pass looks for. */
  pending: boolean;
  /** The newest message's own timestamp: free-form replies are allowed for 24 hours after it. */
  lastInboundAt?: Date | null;
  /** Choices last offered as numbered lines (a reply "2" means the second). */
  numberedChoices?: string[] | null;
  /**
   * Live handoffs of the consumer marked on this conversation (services/liveHandoffService.ts HandoffMarks): 0 means a
   * turn found none open and none has opened since, so turns skip the `active_handoffs` read; absent = never checked.
   */
  handoffMarks?: number;
  createdAt: Date;
  updatedAt: Date;
  /** An id of the last write (to recognise a write whose answer was lost). */
  lastWrite?: string;
}

const entry = { id: String, content: String, sentAt: Date, receivedAt: Date, processedAt: Date };

export const whatsAppConversationSchema = new Schema<WhatsAppConversationRecord>(
  {
    _id: { type: String, required: true },
    version: { type: Number, required: true },
    lease: { type: new Schema({ token: String, owner: String, expiresAt: Date }, { _id: false }), default: undefined },
    inbox: { type: [new Schema(entry, { _id: false })], default: undefined },
    log: { type: [new Schema(entry, { _id: false })], default: undefined },
    seen: { type: [String], default: undefined },
    state: { type: String },
    outbox: { type: [new Schema({ seq: Number, json: String }, { _id: false })], default: undefined },
    seq: { type: Number },
    pending: { type: Boolean },
    lastInboundAt: { type: Date },
    numberedChoices: { type: [String], default: undefined },
    handoffMarks: { type: Number },
    createdAt: { type: Date },
    updatedAt: { type: Date },
    lastWrite: { type: String },
  },
  { versionKey: false, strict: 'throw' },
);
// Every write matches `{_id, version}`: a full unique key, so an index hit on the embedded server.
whatsAppConversationSchema.index({ _id: 1, version: 1 }, { unique: true, name: 'id_version_unique' });
