// Where to reach a consumer proactively: the Bot Framework conversation reference of their latest conversation on
// a channel, keyed by channel identity (`channel:<channel>:<user id>`), and their language.
import { Schema } from 'mongoose';
import { CONSUMER_LANGUAGES, type ConsumerLanguage } from './consumerLanguage.js';

export interface ConsumerChannelRecord {
  _id: string;
  /** JSON of the botbuilder ConversationReference. */
  reference: string;
  language?: ConsumerLanguage;
  updatedAt: Date;
}

export const consumerChannelSchema = new Schema<ConsumerChannelRecord>(
  {
    _id: { type: String, required: true },
    reference: { type: String, required: true },
    language: { type: String, enum: [...CONSUMER_LANGUAGES] },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);
