// The whatsapp-web.js door's storage. Every hot read and write is by exact `_id` (or the full unique key `{_id, claim}`),
// the only lookups the embedded server answers from an index.
import { Schema, type Connection, type Model } from 'mongoose';

/** A consumer's message we have taken on. Inserting it is the claim: a duplicate key means it was already handled. */
export interface WhatsAppWebInboundRecord {
  /** The WhatsApp message id (`Message.id._serialized`). */
  _id: string;
  receivedAt: Date;
}

/** One idempotent send: the first sender claims the key, sends, and records the WhatsApp message id. */
export interface WhatsAppWebSendRecord {
  /** `<digits>:<sha256 of the idempotency key>`. */
  _id: string;
  /** Who is sending it now; a claim left unfinished (its process died) is taken over by matching `{_id, claim}`. */
  claim: string;
  claimedAt: Date;
  /** Set once WhatsApp accepted the message: a repeat answers with it instead of sending again. */
  messageId?: string;
}

/** The delivery receipts (acks) of a message we sent. */
export interface WhatsAppWebOutboundRecord {
  /** The WhatsApp message id of the sent message. */
  _id: string;
  /** The recipient's digits; absent when a receipt arrived before our own record of the send. */
  chat?: string;
  sentAt?: Date;
  /** whatsapp-web.js `MessageAck`: -1 error, 0 pending, 1 server, 2 device, 3 read, 4 played. Only ever rises. */
  ack: number;
  /** When each level was first reported. */
  ackAt?: Partial<Record<WhatsAppWebAckName, Date>>;
}

export const WHATSAPP_WEB_ACK_NAMES = ['error', 'pending', 'server', 'device', 'read', 'played'] as const;
export type WhatsAppWebAckName = (typeof WHATSAPP_WEB_ACK_NAMES)[number];

/** Per consumer: the numbered options of the bot's last message, so a reply "2" means the second of them. */
export interface WhatsAppWebChatRecord {
  /** The consumer's digits with country code. */
  _id: string;
  options: string[];
  updatedAt: Date;
}

export const whatsAppWebInboundSchema = new Schema<WhatsAppWebInboundRecord>(
  {
    _id: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);

export const whatsAppWebSendSchema = new Schema<WhatsAppWebSendRecord>(
  {
    _id: { type: String, required: true },
    claim: { type: String, required: true },
    claimedAt: { type: Date, required: true },
    messageId: { type: String },
  },
  { versionKey: false, strict: 'throw' },
);
// Taking over or completing a claim matches `{_id, claim}`: a full unique key, so an index hit on the embedded server.
whatsAppWebSendSchema.index({ _id: 1, claim: 1 }, { unique: true, name: 'id_claim_unique' });

const ackTimesSchema = new Schema(Object.fromEntries(WHATSAPP_WEB_ACK_NAMES.map((name) => [name, { type: Date }])), { _id: false, strict: 'throw' });

export const whatsAppWebOutboundSchema = new Schema<WhatsAppWebOutboundRecord>(
  {
    _id: { type: String, required: true },
    chat: { type: String },
    sentAt: { type: Date },
    ack: { type: Number, required: true },
    ackAt: { type: ackTimesSchema },
  },
  { versionKey: false, strict: 'throw' },
);

export const whatsAppWebChatSchema = new Schema<WhatsAppWebChatRecord>(
  {
    _id: { type: String, required: true },
    options: { type: [String], required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);

export interface WhatsAppWebModels {
  whatsAppWebInbound: Model<WhatsAppWebInboundRecord>;
  whatsAppWebSends: Model<WhatsAppWebSendRecord>;
  whatsAppWebOutbound: Model<WhatsAppWebOutboundRecord>;
  whatsAppWebChats: Model<WhatsAppWebChatRecord>;
}

export function createWhatsAppWebModels(connection: Connection): WhatsAppWebModels {
  return {
    whatsAppWebInbound: connection.model<WhatsAppWebInboundRecord>('WhatsAppWebInbound', whatsAppWebInboundSchema, 'whatsapp_web_inbound'),
    whatsAppWebSends: connection.model<WhatsAppWebSendRecord>('WhatsAppWebSend', whatsAppWebSendSchema, 'whatsapp_web_sends'),
    whatsAppWebOutbound: connection.model<WhatsAppWebOutboundRecord>('WhatsAppWebOutbound', whatsAppWebOutboundSchema, 'whatsapp_web_outbound'),
    whatsAppWebChats: connection.model<WhatsAppWebChatRecord>('WhatsAppWebChat', whatsAppWebChatSchema, 'whatsapp_web_chats'),
  };
}
