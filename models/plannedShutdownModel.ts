// Planned shutdowns (services/shutdownService.ts), kept per area: one document per area key — `locality:<district>/
// <locality>`, `subDivision:<id>` or `district:<district>` — holding that area's shutdowns. A supply complaint looks up
// its place's (at most three) keys by exact `_id`, so the check costs one index hit whatever else is stored.
import { Schema } from 'mongoose';
import type { ActorRef } from './ticketTypes.js';

export interface PlannedShutdown {
  id: string;
  startsAt: Date;
  endsAt: Date;
  reason: string;
  createdBy: ActorRef;
  createdAt: Date;
  cancelledAt?: Date;
  cancelledBy?: ActorRef;
}

export interface ShutdownAreaRecord {
  /** The area key (see above). */
  _id: string;
  district: string;
  subDivision?: string;
  subDivisionId?: string;
  locality?: string;
  shutdowns: PlannedShutdown[];
}

const actorSchema = new Schema({ role: { type: String, required: true }, id: { type: String, required: true }, name: String }, { _id: false });

const shutdownSchema = new Schema(
  {
    id: { type: String, required: true },
    startsAt: { type: Date, required: true },
    endsAt: { type: Date, required: true },
    reason: { type: String, required: true },
    createdBy: { type: actorSchema, required: true },
    createdAt: { type: Date, required: true },
    cancelledAt: Date,
    cancelledBy: actorSchema,
  },
  { _id: false },
);

export const shutdownAreaSchema = new Schema<ShutdownAreaRecord>(
  {
    _id: { type: String, required: true },
    district: { type: String, required: true },
    subDivision: String,
    subDivisionId: String,
    locality: String,
    shutdowns: { type: [shutdownSchema], default: [] },
  },
  { versionKey: false, strict: 'throw' },
);
