// Short-lived exclusive rights shared by every server process on one database: "this process runs the turns of
// conversation X", "this process drains ticket T's outbox". One small document per lease that is held right now.
import { Schema } from 'mongoose';

export interface LeaseRecord {
  /** `<scope>:<key>`, e.g. `webchat-turn:<conversationId>`. */
  _id: string;
  /** Random per acquisition: renewing, releasing and taking over an expired lease all match `{_id, token}`. */
  token: string;
  /** The holder's name (process), for logs and for people reading the collection. */
  holder: string;
  expiresAt: Date;
}

export const leaseSchema = new Schema<LeaseRecord>(
  {
    _id: { type: String, required: true },
    token: { type: String, required: true },
    holder: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);

// `{_id, token}` is the full key of a unique index, so the embedded server answers it from the index, not a scan.
leaseSchema.index({ _id: 1, token: 1 }, { unique: true, name: 'id_token_unique' });
