// Where to reach a consumer proactively: the Bot Framework conversation reference of their latest conversation on
// a channel, keyed by channel identity (`channel:<channel>:<user id>`), and their language.
import { Schema } from 'mongoose';

export interface ConsumerChannelRecord {
  _id: string;
  /** JSON of the botbuilder ConversationReference. */
  reference: string;
  language?: 'hi' | 'en';
  updatedAt: Date;
}

export const consumerChannelSchema = new Schema<ConsumerChannelRecord>(
  {
    _id: { type: String, required: true },
    reference: { type: String, required: true },
    language: { type: String, enum: ['hi', 'en'] },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);
