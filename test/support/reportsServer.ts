// The report routes (and the dashboard) served over real HTTP on a test database, with staff accounts and a helper
// that closes a ticket through the real TicketService with a chosen claimant.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StaffActor } from '../../models/ticketTypes.js';
import { createApp } from '../../server/app.js';
import { createDashboardRouter } from '../../server/dashboard/dashboardRouter.js';
import { createReportsRouter } from '../../server/staffApi/reportsRouter.js';
import { createShutdownsRouter } from '../../server/staffApi/shutdownsRouter.js';
import { ShutdownService } from '../../services/shutdownService.js';
import { createIncidentsRouter } from '../../server/staffApi/incidentsRouter.js';
import { IncidentService } from '../../services/incidentService.js';
import { createStaffApiRouter } from '../../server/staffApi/staffApiRouter.js';
import { Directory } from '../../services/directory.js';
import { NotificationService } from '../../services/notificationService.js';
import { ReportService } from '../../services/reportService.js';
import { StaffAuthService, type CreateStaffUserInput } from '../../services/staffAuthService.js';
import { StaffService } from '../../services/staffService.js';
import { TicketService } from '../../services/ticketService.js';
import type { TestDatabase } from './testDatabase.js';
import { complaintFor, newConsumer } from './ticketFixtures.js';

export const reportAccounts = {
  agent: { username: 'asha', password: 'asha-password-1', role: 'agent' },
  supervisor: { username: 'meera', password: 'meera-password-1', role: 'supervisor' },
  officer: { username: 'pradeep', password: 'pradeep-password', role: 'officer', officerId: 'je-gomti-nagar-1' },
} as const satisfies Record<string, CreateStaffUserInput>;

export interface ReportsServer {
  baseUrl: string;
  directory: Directory;
  auth: StaffAuthService;
  tickets: TicketService;
  notifications: NotificationService;
  /** Registers a ticket at the locality, has `claimant` claim it and the consumer say yes. */
  closeWithClaimant(locality: string, claimant: StaffActor, category?: 'supply' | 'bill'): Promise<string>;
  close(): Promise<void>;
}

export async function startReportsServer(db: TestDatabase): Promise<ReportsServer> {
  const directory = Directory.loadDefault();
  const tickets = new TicketService(db.models, directory);
  const reports = new ReportService(db.models, undefined, directory);
  const auth = new StaffAuthService(db.models, directory);
  const app = createApp({
    connection: db.connection,
    routers: [
      ['/api', createStaffApiRouter({ auth, staff: new StaffService(db.models, tickets, directory) })],
      ['/api', createReportsRouter({ auth, reports, directory })],
      ['/api', createShutdownsRouter({ auth, shutdowns: new ShutdownService(db.models, directory) })],
      ['/api', createIncidentsRouter({ auth, incidents: new IncidentService(db.models, directory, tickets, { log: () => {} }) })],
      ['/dashboard', createDashboardRouter()],
    ],
  });
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  for (const account of Object.values(reportAccounts)) await auth.createUser(account, { role: 'system', id: 'test-operator' });
  const notifications = new NotificationService(db.models, { notifyConsumer: async () => 'delivered' }, { log: () => {}, reports });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    directory,
    auth,
    tickets,
    notifications,
    async closeWithClaimant(locality, claimant, category = 'supply') {
      const consumer = newConsumer();
      const { ticket } = await tickets.register(complaintFor(consumer, { place: { district: 'Lucknow', locality }, category }), consumer.actor);
      const { claimId } = await tickets.claimResolution(ticket._id, claimant, { note: 'Repaired' });
      await tickets.recordClaimShown(ticket._id, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
      await tickets.answerResolution(ticket._id, consumer.actor, { claimId, answer: 'yes' });
      return ticket._id;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
