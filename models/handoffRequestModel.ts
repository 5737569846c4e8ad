// A consumer's request to talk to a person (asked, not understood twice, or upset), waiting for the agent side.
import { Schema } from 'mongoose';
import { CONSUMER_LANGUAGES, type ConsumerLanguage } from './consumerLanguage.js';

export interface HandoffRequestRecord {
  _id: string;
  consumerKey: string;
  channel: string;
  reason: 'asked' | 'not_understood' | 'upset';
  lastText: string;
  status: 'waiting' | 'accepted' | 'completed' | 'failed';
  createdAt: Date;
  // ── Live handoff (services/liveHandoffService.ts) ──
  channelUserId?: string;
  language?: ConsumerLanguage;
  agentUsername?: string;
  agentName?: string;
  acceptedAt?: Date;
  endedAt?: Date;
  /** Why a handoff failed: 'cancelled by the consumer', 'callback requested', 'callback declined'. */
  endReason?: string;
  /** What the bot remembers of the conversation before the request (oldest first, at most 20). */
  transcript?: HandoffLine[];
  /** What the consumer and the agent said during the handoff (the latest 200). */
  messages?: HandoffLine[];
}

export interface HandoffLine {
  from: 'consumer' | 'bot' | 'agent';
  text: string;
  at: Date;
}

const handoffLineSchema = new Schema<HandoffLine>(
  { from: { type: String, enum: ['consumer', 'bot', 'agent'], required: true }, text: { type: String, required: true }, at: { type: Date, required: true } },
  { _id: false, versionKey: false, strict: 'throw' },
);

export const handoffRequestSchema = new Schema<HandoffRequestRecord>(
  {
    _id: { type: String, required: true },
    consumerKey: { type: String, required: true },
    channel: { type: String, required: true },
    reason: { type: String, enum: ['asked', 'not_understood', 'upset'], required: true },
    lastText: { type: String, required: true },
    status: { type: String, enum: ['waiting', 'accepted', 'completed', 'failed'], required: true },
    createdAt: { type: Date, required: true },
    // Live handoff
    channelUserId: { type: String },
    language: { type: String, enum: [...CONSUMER_LANGUAGES] },
    agentUsername: { type: String },
    agentName: { type: String },
    acceptedAt: { type: Date },
    endedAt: { type: Date },
    endReason: { type: String },
    transcript: { type: [handoffLineSchema], default: undefined },
    messages: { type: [handoffLineSchema], default: undefined },
  },
  { versionKey: false, strict: 'throw' },
);
