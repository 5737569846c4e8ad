// Bot Framework state (conversation and user state, dialog stacks) as opaque JSON per storage key. Kept as a
// string so that whatever a dialog puts in its state — keys with dots or dollars included — is stored verbatim.
import { Schema } from 'mongoose';

export interface BotStateRecord {
  _id: string;
  eTag: string;
  json: string;
  updatedAt: Date;
}

export const botStateSchema = new Schema<BotStateRecord>(
  {
    _id: { type: String, required: true },
    eTag: { type: String, required: true },
    json: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw' },
);

// An eTag-conditional write matches `{_id, eTag}`: a full unique key, so an index hit on the embedded server.
botStateSchema.index({ _id: 1, eTag: 1 }, { unique: true, name: 'id_etag_unique' });
