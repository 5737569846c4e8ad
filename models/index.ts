// Binds the schemas to one connection and creates their collections and indexes at start-up.
import { directoryHistorySchema, directoryVersionSchema, type DirectoryHistoryRecord, type DirectoryVersionRecord } from './directoryModels.js';
import type { Connection, Model, mongo } from 'mongoose';
import { botStateSchema, type BotStateRecord } from './botStateModel.js';
import { consumerChannelSchema, type ConsumerChannelRecord } from './consumerChannelModel.js';
import { handoffRequestSchema, type HandoffRequestRecord } from './handoffRequestModel.js';
import { activeHandoffSchema, type ActiveHandoffRecord } from './activeHandoffModel.js'; // live handoff
import { evidenceSchema, type EvidenceRecord } from './evidenceModel.js'; // agent console: evidence files
import { callbackDoneSchema, callbackSchema, type CallbackDoneRecord, type CallbackRecord } from './callbackModel.js'; // callback queue
import { handoffWaitStatsSchema, type HandoffWaitStatsRecord } from './handoffWaitStatsModel.js'; // handoff wait estimate
import { officerNotificationSchema, type OfficerNotificationRecord } from './officerNotificationModel.js';
import { consumerIndexSchema, type ConsumerIndexRecord } from './consumerIndexModel.js';
import { officerQueueSchema, type OfficerQueueRecord } from './officerQueueModel.js'; // officer page
import { identityLinkSchema, verificationCodeSchema, type IdentityLinkRecord, type VerificationCodeRecord } from './identityModels.js'; // verified identities
import { counterSchema, type CounterRecord } from './counterModel.js';
import { duplicateGuardSchema, type DuplicateGuardRecord } from './duplicateGuardModel.js';
import { createDirectLineModels, type DirectLineModels } from './directLineModels.js';
import { staffSessionSchema, staffUserSchema, type StaffSessionRecord, type StaffUserRecord } from './staffModels.js';
import {
  registerDaySchema,
  registerPageSchema,
  registerTicketSchema,
  reportBucketSchema,
  reportCellSchema,
  type RegisterDayRecord,
  type RegisterPageRecord,
  type RegisterTicketRecord,
  type ReportBucketRecord,
  type ReportCellRecord,
} from './reportModels.js';
import { shutdownAreaSchema, type ShutdownAreaRecord } from './plannedShutdownModel.js'; // planned shutdowns
import { ticketSchema } from './ticketModel.js';
import { ticketWatchSchema, type TicketWatchRecord } from './ticketWatchModel.js';
import { leaseSchema, type LeaseRecord } from './leaseModel.js';
import { createWhatsAppWebModels, type WhatsAppWebModels } from './whatsAppWebModels.js';
import { createWhatsAppCloudModels, type WhatsAppCloudModels } from './whatsAppCloudModels.js';
import { createOfficerAlertModels, type OfficerAlertModels } from './officerAlertModels.js'; // officer alerts
import type { TicketRecord } from './ticketTypes.js';
import { incidentAreaSchema, incidentSchema, incidentWindowSchema, type IncidentAreaRecord, type IncidentRecord, type IncidentWindowRecord } from './incidentModel.js'; // incidents

export interface Models extends DirectLineModels, WhatsAppWebModels, WhatsAppCloudModels, OfficerAlertModels {
  tickets: Model<TicketRecord>;
  counters: Model<CounterRecord>;
  duplicateGuards: Model<DuplicateGuardRecord>;
  consumerIndex: Model<ConsumerIndexRecord>;
  /** Officer worklists: one document per officer id naming their tickets (models/officerQueueModel.ts). */
  officerQueues: Model<OfficerQueueRecord>;
  /** Verified links between a consumer's channel identities, and the one-time codes proving them (services/identityService.ts). */
  identityLinks: Model<IdentityLinkRecord>;
  verificationCodes: Model<VerificationCodeRecord>;
  botState: Model<BotStateRecord>;
  consumerChannels: Model<ConsumerChannelRecord>;
  officerNotifications: Model<OfficerNotificationRecord>;
  handoffRequests: Model<HandoffRequestRecord>;
  /** Live handoff: one document per consumer with an open (waiting or accepted) handoff; also the queue. */
  activeHandoffs: Model<ActiveHandoffRecord>;
  /** Evidence files uploaded for tickets (services/evidenceService.ts), read by `_id`. */
  evidence: Model<EvidenceRecord>;
  /** Recent accept waits, for the queue's expected-wait estimate (one document). */
  handoffWaitStats: Model<HandoffWaitStatsRecord>;
  /** The callback queue: open requests only; finished ones are in `callbacksDone`. */
  callbacks: Model<CallbackRecord>;
  callbacksDone: Model<CallbackDoneRecord>;
  ticketWatch: Model<TicketWatchRecord>;
  staffUsers: Model<StaffUserRecord>;
  staffSessions: Model<StaffSessionRecord>;
  /** Exclusive rights across server processes (services/leases.ts): a conversation's turns, a ticket's outbox. */
  leases: Model<LeaseRecord>;
  /** Report rollups (services/reportService.ts): a catalogue of buckets, and per bucket its counters per day, block and month. */
  reportBuckets: Model<ReportBucketRecord>;
  reportCells: Model<ReportCellRecord>;
  /** The satisfaction register: pages of closures per IST day, the day's page count, and each closure's page. */
  registerPages: Model<RegisterPageRecord>;
  registerDays: Model<RegisterDayRecord>;
  registerTickets: Model<RegisterTicketRecord>;
  /** The directory of places and officers as imported, and its history (services/directoryStore.ts). */
  directoryVersions: Model<DirectoryVersionRecord>;
  directoryHistory: Model<DirectoryHistoryRecord>;
  /** Planned shutdowns, one document per area (services/shutdownService.ts). */
  shutdownAreas: Model<ShutdownAreaRecord>;
  /** Area incidents (services/incidentService.ts), the area's open incident, and its recent-complaint window. */
  incidents: Model<IncidentRecord>;
  incidentAreas: Model<IncidentAreaRecord>;
  incidentWindows: Model<IncidentWindowRecord>;
}

/**
 * The projection for reading a whole document. The embedded server deep-copies a document for an exclusion
 * projection while it holds the collection's lock; with no projection it serialises the live stored object after
 * releasing the lock, so a concurrent update can be seen half-applied (measured: findAndModify returning "after"
 * gave 129 distinct values for 200 concurrent $inc). Excluding a field that never exists costs nothing on MongoDB.
 */
export const wholeDocument = { _consistentSnapshot: 0 } as const;

/**
 * The connection must be opened with `autoCreate: false, autoIndex: false` (db/database.ts does): mongoose's own
 * createCollection racing its syncIndexes() fails on the embedded server, so ensureCollections() does that work.
 */
export function createModels(connection: Connection): Models {
  return {
    tickets: connection.model<TicketRecord>('Ticket', ticketSchema, 'tickets'),
    counters: connection.model<CounterRecord>('Counter', counterSchema, 'counters'),
    duplicateGuards: connection.model<DuplicateGuardRecord>('DuplicateGuard', duplicateGuardSchema, 'duplicate_guards'),
    consumerIndex: connection.model<ConsumerIndexRecord>('ConsumerIndex', consumerIndexSchema, 'consumer_index'),
    officerQueues: connection.model<OfficerQueueRecord>('OfficerQueue', officerQueueSchema, 'officer_queues'), // officer page
    identityLinks: connection.model<IdentityLinkRecord>('IdentityLink', identityLinkSchema, 'identity_links'),
    verificationCodes: connection.model<VerificationCodeRecord>('VerificationCode', verificationCodeSchema, 'verification_codes'),
    botState: connection.model<BotStateRecord>('BotState', botStateSchema, 'bot_state'),
    consumerChannels: connection.model<ConsumerChannelRecord>('ConsumerChannel', consumerChannelSchema, 'consumer_channels'),
    officerNotifications: connection.model<OfficerNotificationRecord>('OfficerNotification', officerNotificationSchema, 'officer_notifications'),
    handoffRequests: connection.model<HandoffRequestRecord>('HandoffRequest', handoffRequestSchema, 'handoff_requests'),
    activeHandoffs: connection.model<ActiveHandoffRecord>('ActiveHandoff', activeHandoffSchema, 'active_handoffs'), // live handoff
    evidence: connection.model<EvidenceRecord>('Evidence', evidenceSchema, 'evidence'), // agent console
    handoffWaitStats: connection.model<HandoffWaitStatsRecord>('HandoffWaitStats', handoffWaitStatsSchema, 'handoff_wait_stats'),
    callbacks: connection.model<CallbackRecord>('Callback', callbackSchema, 'callbacks'),
    callbacksDone: connection.model<CallbackDoneRecord>('CallbackDone', callbackDoneSchema, 'callbacks_done'),
    ticketWatch: connection.model<TicketWatchRecord>('TicketWatch', ticketWatchSchema, 'ticket_watch'),
    staffUsers: connection.model<StaffUserRecord>('StaffUser', staffUserSchema, 'staff_users'),
    staffSessions: connection.model<StaffSessionRecord>('StaffSession', staffSessionSchema, 'staff_sessions'),
    leases: connection.model<LeaseRecord>('Lease', leaseSchema, 'leases'),
    reportBuckets: connection.model<ReportBucketRecord>('ReportBucket', reportBucketSchema, 'report_buckets'),
    reportCells: connection.model<ReportCellRecord>('ReportCell', reportCellSchema, 'report_cells'),
    registerPages: connection.model<RegisterPageRecord>('RegisterPage', registerPageSchema, 'register_pages'),
    registerDays: connection.model<RegisterDayRecord>('RegisterDay', registerDaySchema, 'register_days'),
    registerTickets: connection.model<RegisterTicketRecord>('RegisterTicket', registerTicketSchema, 'register_tickets'),
    directoryVersions: connection.model<DirectoryVersionRecord>('DirectoryVersion', directoryVersionSchema, 'directory_versions'),
    directoryHistory: connection.model<DirectoryHistoryRecord>('DirectoryHistory', directoryHistorySchema, 'directory_history'),
    shutdownAreas: connection.model<ShutdownAreaRecord>('ShutdownArea', shutdownAreaSchema, 'shutdown_areas'),
    incidents: connection.model<IncidentRecord>('Incident', incidentSchema, 'incidents'),
    incidentAreas: connection.model<IncidentAreaRecord>('IncidentArea', incidentAreaSchema, 'incident_areas'),
    incidentWindows: connection.model<IncidentWindowRecord>('IncidentWindow', incidentWindowSchema, 'incident_windows'),
    ...createDirectLineModels(connection),
    ...createWhatsAppWebModels(connection),
    ...createWhatsAppCloudModels(connection),
    ...createOfficerAlertModels(connection), // officer alerts
  };
}

/**
 * Creates every collection and declared index. Idempotent, and safe when other processes start at the same moment.
 * Collections are created through createIndex, never the `create` command: on the embedded server `create` checks
 * and creates without holding the database's lock, so concurrent starts corrupted its index catalogue (a later
 * dropDatabase failed with "index not found with name [_id_]"), while createIndexes runs entirely under that lock.
 * On MongoDB, createIndex on `{_id: 1}` creates the collection and is otherwise a no-op.
 */
export async function ensureCollections(models: Models): Promise<void> {
  for (const model of Object.values(models) as Model<unknown>[]) {
    await model.collection.createIndex({ _id: 1 });
    for (const [fields, options] of model.schema.indexes()) {
      await model.collection.createIndex(fields as Record<string, 1 | -1>, options as mongo.CreateIndexesOptions);
    }
  }
}
