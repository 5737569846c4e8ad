// How an officer is reached without watching the page (services/officerAlertService.ts): one document per officer id
// with their Web Push subscriptions (one per browser that said "notify me") and the WhatsApp number they gave, and one
// document per such number naming its officer, so a message from that number is recognised by `_id` alone and is never
// taken for a consumer's.
import type { Connection, Model } from 'mongoose';
import { Schema } from 'mongoose';

export interface PushSubscriptionRecord {
  /** The push service's URL for this browser (https; a loopback fake in tests). */
  endpoint: string;
  keys: { p256dh: string; auth: string };
  createdAt: Date;
}

export interface OfficerAlertSettingsRecord {
  /** The officer id from the directory. */
  _id: string;
  subscriptions: PushSubscriptionRecord[];
  /** WhatsApp number with country code (91 + 10 digits), for template alerts. */
  whatsApp?: string;
  updatedAt: Date;
}

export interface OfficerNumberRecord {
  /** The WhatsApp number with country code, as WhatsApp sends it (`wa_id`). */
  _id: string;
  officerId: string;
  updatedAt: Date;
}

const subscriptionSchema = new Schema<PushSubscriptionRecord>(
  {
    endpoint: { type: String, required: true },
    keys: { type: new Schema({ p256dh: { type: String, required: true }, auth: { type: String, required: true } }, { _id: false }), required: true },
    createdAt: { type: Date, required: true },
  },
  { _id: false },
);

export const officerAlertSettingsSchema = new Schema<OfficerAlertSettingsRecord>(
  {
    _id: { type: String, required: true },
    subscriptions: { type: [subscriptionSchema], required: true },
    whatsApp: String,
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);

export const officerNumberSchema = new Schema<OfficerNumberRecord>(
  {
    _id: { type: String, required: true },
    officerId: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);

export interface OfficerAlertModels {
  officerAlertSettings: Model<OfficerAlertSettingsRecord>;
  officerNumbers: Model<OfficerNumberRecord>;
}

export function createOfficerAlertModels(connection: Connection): OfficerAlertModels {
  return {
    officerAlertSettings: connection.model<OfficerAlertSettingsRecord>('OfficerAlertSettings', officerAlertSettingsSchema, 'officer_alert_settings'),
    officerNumbers: connection.model<OfficerNumberRecord>('OfficerNumber', officerNumberSchema, 'officer_numbers'),
  };
}
