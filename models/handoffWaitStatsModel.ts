// How long recent consumers waited for an agent: one small document, pushed to on every accept, read by `_id` to
// tell the next consumer an honest expected wait (services/liveHandoffService.ts).
import { Schema } from 'mongoose';

export interface HandoffAcceptSample {
  waitSeconds: number;
  agentUsername: string;
  at: Date;
}

export interface HandoffWaitStatsRecord {
  _id: string;
  /** The latest accepts, oldest first (bounded). */
  recent: HandoffAcceptSample[];
}

export const handoffWaitStatsSchema = new Schema<HandoffWaitStatsRecord>(
  {
    _id: { type: String, required: true },
    recent: {
      type: [
        new Schema<HandoffAcceptSample>(
          { waitSeconds: { type: Number, required: true }, agentUsername: { type: String, required: true }, at: { type: Date, required: true } },
          { _id: false, versionKey: false, strict: 'throw' },
        ),
      ],
      default: [],
    },
  },
  { versionKey: false, strict: 'throw' },
);
