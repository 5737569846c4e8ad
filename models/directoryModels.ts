// The directory of places and officers as the operator maintains it: the current version (one document, the whole
// directory as JSON — a utility's 5,000 localities and 2,000 officers are about 1.5 MB) and its history (imports and
// officer transfers). Running helplines read the version number to pick up a new directory without a restart.
import { Schema } from 'mongoose';

export const CURRENT_DIRECTORY_ID = 'current';

export interface DirectoryVersionRecord {
  _id: typeof CURRENT_DIRECTORY_ID;
  version: number;
  /** The directory data file's format (services/directory.ts), as JSON text: place names never become keys. */
  json: string;
  savedAt: Date;
  savedBy: string;
}

export interface DirectoryTransfer {
  officerId: string;
  fromName: string;
  toName: string;
  fromPhone?: string;
  toPhone?: string;
  note?: string;
}

export interface DirectoryHistoryRecord {
  /** `v<version>`. */
  _id: string;
  version: number;
  kind: 'import' | 'transfer';
  at: Date;
  by: string;
  summary: string;
  transfer?: DirectoryTransfer;
}

export const directoryVersionSchema = new Schema<DirectoryVersionRecord>(
  {
    _id: { type: String, required: true },
    version: { type: Number, required: true },
    json: { type: String, required: true },
    savedAt: { type: Date, required: true },
    savedBy: { type: String, required: true },
  },
  { versionKey: false, strict: 'throw' },
);

// A save is a compare-and-set on {_id, version}: a full unique key, so an exact index hit on the embedded server.
directoryVersionSchema.index({ _id: 1, version: 1 }, { unique: true, name: 'id_version_unique' });

export const directoryHistorySchema = new Schema<DirectoryHistoryRecord>(
  {
    _id: { type: String, required: true },
    version: { type: Number, required: true },
    kind: { type: String, enum: ['import', 'transfer'], required: true },
    at: { type: Date, required: true },
    by: { type: String, required: true },
    summary: { type: String, required: true },
    transfer: new Schema<DirectoryTransfer>(
      { officerId: String, fromName: String, toName: String, fromPhone: String, toPhone: String, note: String },
      { _id: false },
    ),
  },
  { versionKey: false, strict: 'throw' },
);
