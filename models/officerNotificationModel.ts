// An officer's inbox: one document per owed notification (assigned, escalated, rejected), `_id` = the outbox
// effect's id, so delivering the same effect twice stores it once.
import { Schema } from 'mongoose';
import type { TicketEventType } from './ticketTypes.js';

export interface OfficerNotificationRecord {
  _id: string;
  officerId: string;
  ticketNumber: string;
  eventType: TicketEventType;
  text: string;
  createdAt: Date;
  readAt?: Date;
  /** Officer alerts (services/officerAlertService.ts): when Web Push and the WhatsApp alert went out for this entry. */
  pushedAt?: Date;
  whatsAppSentAt?: Date;
}

export const officerNotificationSchema = new Schema<OfficerNotificationRecord>(
  {
    _id: { type: String, required: true },
    officerId: { type: String, required: true },
    ticketNumber: { type: String, required: true },
    eventType: { type: String, required: true },
    text: { type: String, required: true },
    createdAt: { type: Date, required: true },
    readAt: Date,
    pushedAt: Date,
    whatsAppSentAt: Date,
  },
  { versionKey: false, strict: 'throw' },
);
