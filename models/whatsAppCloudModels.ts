// The WhatsApp Cloud API door's storage: every inbound message once (keyed by its wamid, so Meta's redeliveries are
// duplicate-key no-ops), a small marker per message not yet processed (read whole at start-up instead of scanning the
// inbound log), what we know of each sender (the 24-hour window, choices offered as numbers), delivery statuses of
// what we sent, and claims that make an idempotent send happen once. Hot paths touch documents by `_id` or by the
// full key of a unique index only. Since WhatsApp conversation documents (models/whatsAppConversationModel.ts) a turn
// uses those: the inbound collection keeps the messages that move out of a conversation document's log, and the
// pending markers are read only to take over what an older version stored and never processed.
import { Schema, type Connection, type Model } from 'mongoose';
import { whatsAppConversationSchema, type WhatsAppConversationRecord } from './whatsAppConversationModel.js';

/** `claim` of an inbound message no process has taken yet. */
export const unclaimedInbound = 'unclaimed';
/** `claim` of an inbound message whose turn has run. */
export const processedInbound = 'done';

export interface WhatsAppCloudInboundRecord {
  /** The wamid Meta gave the message. */
  _id: string;
  /** The sender's digits with country code ("919876543210"). */
  from: string;
  /** What the consumer sent, as the adapter understood it (JSON of WhatsAppInboundContent). */
  content: string;
  /** When the consumer sent it (the payload's timestamp, Meta's clock). */
  sentAt: Date;
  receivedAt: Date;
  /** `unclaimed`, a random token while one process runs its turn, or `done`. Matched with `_id` (a unique key). */
  claim: string;
  claimedAt?: Date;
  processedAt?: Date;
}

export interface WhatsAppCloudPendingRecord {
  /** The wamid of an inbound message stored and not yet processed; deleted once it is. */
  _id: string;
  from: string;
  receivedAt: Date;
}

export interface WhatsAppCloudSenderRecord {
  /** The sender's digits. */
  _id: string;
  /** Their latest message's own timestamp: free-form replies are allowed for 24 hours after it. */
  lastInboundAt?: Date;
  /** Choices last offered as numbered lines (no buttons or list fitted): a reply "2" means the second. */
  numberedChoices?: string[];
  updatedAt: Date;
}

/** Statuses only ever move up this ladder; failed is terminal. */
export const outboundStatusRank = { accepted: 0, sent: 1, delivered: 2, read: 3, failed: 4 } as const;
export type OutboundStatus = keyof typeof outboundStatusRank;

export interface WhatsAppCloudOutboundRecord {
  /** The wamid the Graph API returned for a message we sent. */
  _id: string;
  to?: string;
  kind?: 'text' | 'buttons' | 'list' | 'template';
  idempotencyKey?: string;
  /** Raised with `$max` only, so a late or repeated status never moves it back (see outboundStatusRank). */
  statusRank: number;
  statusAt?: { sent?: Date; delivered?: Date; read?: Date; failed?: Date };
  failure?: { code?: number; title?: string };
  /** JSON of the template to send instead if Meta reports this message failed outside the 24-hour window. */
  templateFallback?: string;
  createdAt?: Date;
}

export interface WhatsAppCloudSendRecord {
  /** A hash of the recipient and the activity's idempotency key. */
  _id: string;
  /** Who is sending it now; a sender that stalls past its claim can be taken over by matching `{_id, claim}`. */
  claim: string;
  claimedAt: Date;
  /** The wamids of the parts sent so far, in order: a takeover resumes after them. */
  wamids: string[];
  completedAt?: Date;
}

const options = { versionKey: false, strict: 'throw' } as const;

export const whatsAppCloudInboundSchema = new Schema<WhatsAppCloudInboundRecord>(
  {
    _id: { type: String, required: true },
    from: { type: String, required: true },
    content: { type: String, required: true },
    sentAt: { type: Date, required: true },
    receivedAt: { type: Date, required: true },
    claim: { type: String, required: true },
    claimedAt: { type: Date },
    processedAt: { type: Date },
  },
  options,
);
// Claiming, finishing and taking over a turn match `{_id, claim}`: a full unique key, so an index hit.
whatsAppCloudInboundSchema.index({ _id: 1, claim: 1 }, { unique: true, name: 'id_claim_unique' });

export const whatsAppCloudPendingSchema = new Schema<WhatsAppCloudPendingRecord>(
  {
    _id: { type: String, required: true },
    from: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  options,
);

export const whatsAppCloudSenderSchema = new Schema<WhatsAppCloudSenderRecord>(
  {
    _id: { type: String, required: true },
    lastInboundAt: { type: Date },
    numberedChoices: { type: [String], default: undefined },
    updatedAt: { type: Date, required: true },
  },
  options,
);

export const whatsAppCloudOutboundSchema = new Schema<WhatsAppCloudOutboundRecord>(
  {
    _id: { type: String, required: true },
    to: { type: String },
    kind: { type: String, enum: ['text', 'buttons', 'list', 'template'] },
    idempotencyKey: { type: String },
    statusRank: { type: Number, required: true },
    statusAt: {
      type: new Schema({ sent: Date, delivered: Date, read: Date, failed: Date }, { _id: false, strict: 'throw' }),
      default: undefined,
    },
    failure: { type: new Schema({ code: Number, title: String }, { _id: false, strict: 'throw' }), default: undefined },
    templateFallback: { type: String },
    createdAt: { type: Date },
  },
  options,
);

export const whatsAppCloudSendSchema = new Schema<WhatsAppCloudSendRecord>(
  {
    _id: { type: String, required: true },
    claim: { type: String, required: true },
    claimedAt: { type: Date, required: true },
    wamids: { type: [String], required: true },
    completedAt: { type: Date },
  },
  options,
);
whatsAppCloudSendSchema.index({ _id: 1, claim: 1 }, { unique: true, name: 'id_claim_unique' });

export interface WhatsAppCloudModels {
  whatsAppCloudInbound: Model<WhatsAppCloudInboundRecord>;
  whatsAppCloudPending: Model<WhatsAppCloudPendingRecord>;
  whatsAppCloudSenders: Model<WhatsAppCloudSenderRecord>;
  whatsAppCloudOutbound: Model<WhatsAppCloudOutboundRecord>;
  whatsAppCloudSends: Model<WhatsAppCloudSendRecord>;
  /** WhatsApp conversations as conversation documents (models/whatsAppConversationModel.ts). */
  whatsAppConversations: Model<WhatsAppConversationRecord>;
}

export function createWhatsAppCloudModels(connection: Connection): WhatsAppCloudModels {
  return {
    whatsAppCloudInbound: connection.model<WhatsAppCloudInboundRecord>('WhatsAppCloudInbound', whatsAppCloudInboundSchema, 'whatsapp_cloud_inbound'),
    whatsAppCloudPending: connection.model<WhatsAppCloudPendingRecord>('WhatsAppCloudPending', whatsAppCloudPendingSchema, 'whatsapp_cloud_pending'),
    whatsAppCloudSenders: connection.model<WhatsAppCloudSenderRecord>('WhatsAppCloudSender', whatsAppCloudSenderSchema, 'whatsapp_cloud_senders'),
    whatsAppCloudOutbound: connection.model<WhatsAppCloudOutboundRecord>('WhatsAppCloudOutbound', whatsAppCloudOutboundSchema, 'whatsapp_cloud_outbound'),
    whatsAppCloudSends: connection.model<WhatsAppCloudSendRecord>('WhatsAppCloudSend', whatsAppCloudSendSchema, 'whatsapp_cloud_sends'),
    whatsAppConversations: connection.model<WhatsAppConversationRecord>('WhatsAppConversation', whatsAppConversationSchema, 'whatsapp_conversations'),
  };
}
