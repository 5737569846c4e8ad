// The whole helpline assembled on one database: services, the bot, the web chat channel, the staff API and the
// background workers. `npm start` uses it, and so do the end-to-end tests and the benchmarks.
import { ConversationState, UserState, type BotAdapter, type TurnContext } from 'botbuilder';
import type { Server } from 'node:http';
import type { Express, Router } from 'express';
import { DirectLineAdapter } from '../bot/adapters/directLineAdapter.js';
import { BotConsumerNotifier } from '../bot/consumerNotifier.js';
import { IdentityService, mobileVerifierFor } from '../services/identityService.js';
import { ConversationReferences } from '../bot/conversationReferences.js';
import { LiveHandoff } from '../bot/liveHandoff.js';
import { MongoStorage } from '../bot/mongoStorage.js';
import { PlainTextMiddleware } from '../bot/plainTextMiddleware.js';
import { SantushtiBot } from '../bot/santushtiBot.js';
import { createTurnErrorHandler } from '../bot/turnErrorHandler.js';
import type { Database } from '../db/database.js';
import type { Directory } from '../services/directory.js';
import { HandoffService } from '../services/handoffService.js';
import { LiveHandoffService } from '../services/liveHandoffService.js';
import { CallbackOfferTimer } from '../services/callbackOfferTimer.js';
import { CallbackService } from '../services/callbackService.js';
import type { OfficeHours } from '../services/officeHours.js';
import { NotificationService } from '../services/notificationService.js';
import { ReportService } from '../services/reportService.js';
import { createReportsRouter } from './staffApi/reportsRouter.js';
import { createDashboardRouter } from './dashboard/dashboardRouter.js';
import { SatisfactionTimers } from '../services/satisfactionTimers.js';
import type { SlaLimits } from '../services/slaPolicy.js';
import { SlaTimers } from '../services/slaTimers.js';
import { StaffAuthService } from '../services/staffAuthService.js';
import { StaffService } from '../services/staffService.js';
import { TicketService } from '../services/ticketService.js';
import { lineLogger, type Logger } from './logger.js';
import { createDirectoryRouter } from './staffApi/directoryRouter.js';
import { DirectoryWatcher } from '../services/directoryStore.js';
import { IncidentService } from '../services/incidentService.js'; // incidents
import { createIncidentsRouter } from './staffApi/incidentsRouter.js'; // incidents
import { createApp } from './app.js';
import { createDirectLineRouter } from './directLine/directLineRouter.js';
import { DirectLineTokenService } from './directLine/tokenService.js';
import { createWebChatPageRouter } from './directLine/webChatPageRouter.js';
import { DirectLineStreamHub, expressAddressOf, streamSourceFor, type DirectLineStreamOptions } from './directLine/directLineStream.js'; // direct line stream
import { createStaffApiRouter } from './staffApi/staffApiRouter.js';
import { createAgentConsoleRouter } from './agentConsole/agentConsoleRouter.js';
import { createAgentTicketsRouter } from './staffApi/agentTicketsRouter.js';
import { createOfficerApiRouter } from './staffApi/officerRouter.js'; // officer page
import { createOfficerPageRouter } from './officerPage/officerPageRouter.js'; // officer page
import { OfficerDeskService } from '../services/officerDeskService.js'; // officer page
import { HandoffStreamHub, createHandoffStreamRouter } from './staffApi/handoffStream.js';
import { EvidenceService } from '../services/evidenceService.js';
import { HandoffTicketService } from '../services/handoffTicketService.js';
import { handoffVersionReader } from '../services/handoffVersions.js';
import { createCallbacksRouter } from './staffApi/callbacksRouter.js';
import { createShutdownsRouter } from './staffApi/shutdownsRouter.js';
import { ShutdownService } from '../services/shutdownService.js';
import { AbuseLimits, type AbuseLimitSettings } from '../services/abuseLimits.js';
import { bearerToken } from './staffApi/staffRoute.js';
import { ExpirySweep } from '../services/expirySweep.js';
import { textsFor } from '../dialogs/texts.js';
import { OfficerAlertService, type OfficerWhatsAppSender, type VapidKeys } from '../services/officerAlertService.js'; // officer alerts
import { ConsumerMediaService } from '../services/consumerMediaService.js'; // consumers' media
import { createDirectLineUploadHandler } from './directLine/uploadHandler.js'; // consumers' media
import { countedMessageVerdictOf } from '../bot/adapters/whatsAppConversationTurns.js'; // WhatsApp message limit from the conversation document
import { channelHandoffMarks } from './channelHandoffMarks.js'; // WhatsApp handoff marks

/** What a channel (a door consumers come through) needs from the helpline to plug in. */
export interface ChannelContext {
  /** The bot's turn handler: hand every incoming consumer activity to it through your adapter. */
  logic: (context: TurnContext) => Promise<void>;
  models: Database['models'];
  staffAuth: StaffAuthService;
  log: (line: string) => void;
  now: () => Date;
  /** Abuse limits: a channel counts each consumer message under whatsAppMessagesPerSender (or its own). */
  limits: AbuseLimits;
}

export interface ChannelPlugin {
  /** The `channelId`s its adapter puts on activities (conversation references carry them, so replies find it). */
  channelIds: string[];
  adapter: BotAdapter;
  /** Mounted before the web chat page, e.g. ['/webhooks/whatsapp', router]. */
  routers?: Array<[string, Router]>;
  start?(): Promise<void> | void;
  stop?(): Promise<void>;
  /** Reported under /healthz `channels`. */
  health?(): Record<string, unknown>;
  /** Sends officer alerts over this door (WhatsApp Cloud with an officer template). */
  officerAlerts?: OfficerWhatsAppSender;
}

export type ChannelFactory = (context: ChannelContext) => ChannelPlugin;

export interface HelplineOptions {
  /** Extra doors besides web chat (WhatsApp). */
  channels?: ChannelFactory[];
  directLineSecret: string;
  webChatCookieSecret: string;
  staffSessionTtlMs: number;
  satisfactionReminderDelaysMs: number[];
  satisfactionUnconfirmedAfterMs: number;
  /** Per-category time limits for one owner (SLA_*); default: services/slaPolicy.ts. */
  slaLimitsMs?: SlaLimits;
  /** EMERGENCY_SLA: one owner's time limit on an emergency ticket (default 1 h). */
  emergencySlaMs?: number;
  /** Supply complaints from one area within `incidentWindowMs` that open an incident (INCIDENT_THRESHOLD / INCIDENT_WINDOW). */
  incidentThreshold?: number;
  incidentWindowMs?: number;
  /** Live handoff: when agents work (HANDOFF_OFFICE_HOURS; default always) and when a callback is offered (HANDOFF_CALLBACK_AFTER). */
  handoffOfficeHours?: OfficeHours;
  handoffCallbackAfterMs?: number;
  /** How long a consumer can reject a callback-confirmed closure (CALLBACK_REJECT_WINDOW). */
  callbackRejectWindowMs?: number;
  /** How often undelivered messages and due reminders are looked for. */
  sweepIntervalMs?: number;
  /** How often the agent console's stream reads the handoff queue from the database (default 1 s). */
  handoffStreamPollMs?: number;
  /** How often a process looks for a newer imported directory (default 5 s). */
  directoryCheckIntervalMs?: number;
  /** Abuse limits (LIMIT_*, docs/limits.md); unset ones keep services/abuseLimits.ts defaults. */
  abuseLimits?: Partial<AbuseLimitSettings>;
  /** express "trust proxy" (TRUST_PROXY). Default false. */
  trustProxy?: boolean | number | string[];
  /** Web chat conversations idle this long are deleted with their activities (CONVERSATION_IDLE_EXPIRY). Default 30 days. */
  conversationIdleExpiryMs?: number;
  /** How often the expiry sweep runs (default 10 minutes). */
  expirySweepIntervalMs?: number;
  /** The web chat identity cookie's lifetime (WEBCHAT_COOKIE_LIFETIME). */
  webChatCookieLifetimeMs?: number;
  /** Officer alerts: Web Push with these VAPID keys (server/vapidKeys.ts); tests allow a loopback http push service. */
  officerAlerts?: { vapid?: VapidKeys; allowLoopbackHttpEndpoints?: boolean; numbersMaxAgeMs?: number };
  now?: () => Date;
  /** The helpline's logger (server/logger.ts): the access log, request ids, and every component's lines. */
  logger?: Logger;
  /** Overrides where components' lines go (tests); by default they go to `logger`, or to the console without one. */
  log?: (line: string) => void;
  /** The Direct Line WebSocket stream's tuning (docs/direct-line-stream.md); defaults suit production. */
  directLineStream?: Partial<Pick<DirectLineStreamOptions, 'pollIntervalMs' | 'heartbeatMs' | 'idleTimeoutMs' | 'maxStreamsPerAddress' | 'maxPayloadBytes'>>;
}

export interface Helpline {
  app: Express;
  tickets: TicketService;
  /** Area incidents (services/incidentService.ts). */
  incidents: IncidentService;
  notifications: NotificationService;
  timers: SatisfactionTimers;
  slaTimers: SlaTimers;
  /** Offers a callback to consumers nobody accepted in time. */
  callbackOffers: CallbackOfferTimer;
  callbacks: CallbackService;
  webChat: DirectLineAdapter;
  /**
   * The Direct Line WebSocket stream. `app.listen(...)` serves it on the server it creates; a server made otherwise
   * (http.createServer(app)) needs `directLineStream.attach(server)`.
   */
  directLineStream: DirectLineStreamHub;
  staffAuth: StaffAuthService;
  bot: SantushtiBot;
  /** Abuse limits shared by every door (services/abuseLimits.ts). */
  limits: AbuseLimits;
  /** Deletes expired rate-limit counters and idle web chat conversations. */
  expiry: ExpirySweep;
  /** Starts the background workers (outbox sweep, satisfaction timers) and the extra channels. */
  start(): Promise<void>;
  /** Stops the workers and lets running turns finish; the caller then closes the database. */
  stop(): Promise<void>;
}

export function createHelpline(database: Database, directory: Directory, options: HelplineOptions): Helpline {
  const { models } = database;
  const log = options.log ?? (options.logger ? lineLogger(options.logger) : (line: string) => console.log(line));
  // The ticket service tells the notifier when a write queued effects; the notifier needs the bot, which needs
  // the ticket service: the late binding below breaks the cycle.
  let notifications: NotificationService | undefined;
  const tickets = new TicketService(models, directory, {
    now: options.now,
    onEffectsQueued: (number) => notifications?.wake(number),
    // A new ticket's effects are delivered from the ticket as written, under a claim written with it (no lease, no read).
    registrationDrain: { claim: () => notifications?.claimRegistration(), deliver: (ticket) => notifications?.deliverRegistered(ticket) },
    callbackRejectWindowMs: options.callbackRejectWindowMs,
  });
  const callbacks = new CallbackService(models, tickets, { now: options.now, log });
  const incidents = new IncidentService(models, directory, tickets, {
    threshold: options.incidentThreshold,
    windowMs: options.incidentWindowMs,
    now: options.now,
    log,
    // Each incident is one fault in the hotspots, apart from the complaints it links (`reports` is made below).
    onOpened: (incident) => reports.countIncident(incident),
  });

  const storage = new MongoStorage(models);
  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);
  const references = new ConversationReferences(models);
  // Live handoff: agents' messages go out through the adapters below (filled in once the channels are known).
  // Its writes wake the agent console's stream (created below, with the staff auth it needs).
  let handoffStream: HandoffStreamHub | undefined;
  const liveHandoff = new LiveHandoff({
    service: new LiveHandoffService(models, options.now, {
      officeHours: options.handoffOfficeHours,
      callbackAfterMs: options.handoffCallbackAfterMs,
      callbacks,
      onChange: () => handoffStream?.wake(),
      // Web chat and WhatsApp conversation documents remember "no handoff open" (the turn skips that read).
      marks: channelHandoffMarks({ markHandoff: (...args) => webChat.markHandoff(...args), unmarkHandoff: (...args) => webChat.unmarkHandoff(...args) }, models),
    }),
    conversationState,
    references,
    adapterFor: (channelId) => adapters[channelId],
    botAppId: '',
  });
  // Verification codes go out through the consumer notifier, made once the bot exists (it needs the bot).
  let codeSender: BotConsumerNotifier | undefined;
  const identities = new IdentityService(models, {
    sendCode: async (whatsAppUserId, code, language) => (codeSender ? codeSender.sendCode(whatsAppUserId, code, language) : 'unreachable'),
  });
  const limits = new AbuseLimits(database.connection, { limits: options.abuseLimits, log });
  // Made once the channels are known (below), before any WhatsApp turn can run.
  let officerAlerts: OfficerAlertService | undefined;
  const bot = new SantushtiBot({
    identities,
    verifier: mobileVerifierFor(identities, tickets),
    conversationState,
    userState,
    tickets,
    directory,
    handoffs: new HandoffService(models),
    references,
    liveHandoff,
    incidents,
    limits,
    media: new ConsumerMediaService(models, tickets, options.now), // consumers' media
  });

  const logic = (context: TurnContext) => bot.run(context);
  // WhatsApp messages per sender per minute: the door has stored (and acknowledged) each message; past the limit the
  // bot does not process it, and the first one over gets one polite reply in the consumer's language.
  const whatsAppLogic = async (context: TurnContext) => {
    const { activity } = context;
    // An officer's own number (given for alerts): whatever it sends is no complaint and no consumer's answer.
    if (activity.type === 'message' && activity.from?.id && (await officerAlerts?.officerForWhatsApp(activity.from.id)) !== undefined) {
      log(`[santushti] a WhatsApp message from an officer's alert number was not taken as a consumer's (sender …${activity.from.id.replace(/@.*$/, '').slice(-4)})`);
      await context.sendActivity(textsFor(await bot.languageOf(context)).officerNumberNotice);
      return;
    }
    if (activity.type === 'message' && activity.from?.id) {
      // Counted by the door from its conversation document when it does (no command of its own), else here.
      const verdict = countedMessageVerdictOf(context) ?? (await limits.consume('whatsAppMessagesPerSender', activity.from.id));
      if (!verdict.allowed) {
        log(`[santushti] WhatsApp flood: a message over the per-sender limit was stored and not processed (sender …${activity.from.id.slice(-4)})`);
        if (verdict.firstRefusal) await context.sendActivity(textsFor(await bot.languageOf(context)).tooManyMessages);
        return;
      }
    }
    await logic(context);
  };
  const prepare = (adapter: BotAdapter) => {
    adapter.use(new PlainTextMiddleware());
    adapter.onTurnError = createTurnErrorHandler(conversationState, log);
  };
  const webChat = new DirectLineAdapter(models, { bot: { id: 'santushti-bot', name: 'Santushti' }, log });
  prepare(webChat);
  const directLineTokens = new DirectLineTokenService(options.directLineSecret);
  // The stream reads exactly what polling reads (readActivities, which also resumes a dead process's turn).
  const directLineStream = new DirectLineStreamHub({
    ...options.directLineStream,
    tokens: directLineTokens,
    source: streamSourceFor(webChat, logic),
    // The client address as express sees it for a request (TRUST_PROXY); `app` exists by the time a client connects.
    addressOf: (request) => expressAddressOf(app)(request),
    log,
  });

  const staffAuth = new StaffAuthService(models, directory, { sessionTtlMs: options.staffSessionTtlMs });
  const channels = (options.channels ?? []).map((factory) =>
    factory({ logic: whatsAppLogic, models, staffAuth, log, now: options.now ?? (() => new Date()), limits }),
  );
  const adapters: Record<string, BotAdapter> = { webchat: webChat };
  for (const channel of channels) {
    prepare(channel.adapter);
    for (const channelId of channel.channelIds) adapters[channelId] = channel.adapter;
  }

  const reports = new ReportService(models, options.now, directory);
  // Channels are known now: alerts go by Web Push, and by WhatsApp where a door offers it.
  const alerts = new OfficerAlertService(models, {
    vapid: options.officerAlerts?.vapid,
    allowLoopbackHttpEndpoints: options.officerAlerts?.allowLoopbackHttpEndpoints,
    officerNumbersMaxAgeMs: options.officerAlerts?.numbersMaxAgeMs, // an officer's number known to every process within this long
    whatsApp: channels.find((channel) => channel.officerAlerts)?.officerAlerts,
    now: options.now,
    log,
  });
  officerAlerts = alerts;
  codeSender = new BotConsumerNotifier({ bot, tickets, references, adapters, botAppId: '' });
  notifications = new NotificationService(models, codeSender, {
    now: options.now,
    sweepIntervalMs: options.sweepIntervalMs,
    log,
    reports,
    callbacks,
    officerAlerts: alerts,
  });
  const callbackOffers = new CallbackOfferTimer(liveHandoff.service, liveHandoff, { checkIntervalMs: options.sweepIntervalMs, log });
  const timers = new SatisfactionTimers(models, tickets, {
    reminderDelaysMs: options.satisfactionReminderDelaysMs,
    unconfirmedAfterMs: options.satisfactionUnconfirmedAfterMs,
    checkIntervalMs: options.sweepIntervalMs,
    now: options.now,
    log,
  });
  const slaTimers = new SlaTimers(models, tickets, {
    limitsMs: options.slaLimitsMs,
    emergencyLimitMs: options.emergencySlaMs,
    checkIntervalMs: options.sweepIntervalMs,
    now: options.now,
    log,
  });

  const idleExpiryMs = options.conversationIdleExpiryMs ?? 30 * 86_400_000;
  const expiry = new ExpirySweep(
    [
      { name: 'rate-limit counters', run: () => limits.sweep() },
      { name: 'idle web chat conversations', run: () => webChat.expireIdleConversations(new Date((options.now?.() ?? new Date()).getTime() - idleExpiryMs)) },
    ],
    { intervalMs: options.expirySweepIntervalMs, log },
  );

  const staff = new StaffService(models, tickets, directory);
  // An imported directory (npm run directory -- import, officer transfers) replaces the data file's, in every process.
  const directoryWatcher = new DirectoryWatcher(models, directory, { intervalMs: options.directoryCheckIntervalMs, log });
  handoffStream = new HandoffStreamHub(liveHandoff, staffAuth, handoffVersionReader(models), { pollIntervalMs: options.handoffStreamPollMs, log });

  const app = createApp({
    connection: database.connection,
    logger: options.logger,
    trustProxy: options.trustProxy,
    mayReadHealthDetails: async (request) => {
      const token = bearerToken(request);
      return token !== undefined && (await staffAuth.authenticate(token)).role === 'supervisor';
    },
    health: () => Object.fromEntries(channels.flatMap((channel) => (channel.health ? [[channel.channelIds.join('+'), channel.health()]] : []))),
    routers: [
      ['/v3/directline', createDirectLineRouter({ adapter: webChat, tokens: directLineTokens, logic, limits, stream: directLineStream, upload: createDirectLineUploadHandler({ adapter: webChat, logic }) })],
      // Agent console: the stream goes before the staff API, whose /handoffs/:id would take "stream" for an id.
      ['/api', createHandoffStreamRouter({ auth: staffAuth, hub: handoffStream })],
      ['/api', createStaffApiRouter({ auth: staffAuth, staff, handoffs: liveHandoff })],
      ['/api', createAgentTicketsRouter({ auth: staffAuth, handoffTickets: new HandoffTicketService(models, tickets), evidence: new EvidenceService(models, staff, options.now) })],
      ['/agent', createAgentConsoleRouter()],
      ['/api', createOfficerApiRouter({ auth: staffAuth, staff, desk: new OfficerDeskService(models, directory, { slaLimitsMs: options.slaLimitsMs, now: options.now }), alerts })],
      ['/officer', createOfficerPageRouter()],
      ['/api', createCallbacksRouter({ auth: staffAuth, callbacks })],
      ['/api', createShutdownsRouter({ auth: staffAuth, shutdowns: new ShutdownService(models, directory, options.now, reports) })],
      ['/api', createReportsRouter({ auth: staffAuth, reports, directory })],
      ['/api', createDirectoryRouter({ auth: staffAuth, models, directory, now: options.now })],
      ['/api', createIncidentsRouter({ auth: staffAuth, incidents })],
      ['/dashboard', createDashboardRouter()],
      ...channels.flatMap((channel) => channel.routers ?? []),
      ['/', createWebChatPageRouter({
        adapter: webChat,
        tokens: directLineTokens,
        logic,
        cookieSecret: options.webChatCookieSecret,
        limits,
        cookieLifetimeMs: options.webChatCookieLifetimeMs,
      })],
    ],
  });

  // Every server the app listens on serves the stream too.
  const listen = app.listen.bind(app) as (...args: unknown[]) => Server;
  app.listen = ((...args: unknown[]) => {
    const server = listen(...args);
    directLineStream.attach(server);
    return server;
  }) as typeof app.listen;

  return {
    app,
    directLineStream,
    tickets,
    incidents,
    notifications,
    timers,
    slaTimers,
    callbackOffers,
    callbacks,
    webChat,
    staffAuth,
    bot,
    limits,
    expiry,
    async start() {
      await directoryWatcher.start();
      expiry.start();
      notifications!.start();
      timers.start();
      slaTimers.start();
      callbackOffers.start();
      // Incident fan-outs a previous process died in the middle of (telling news, asking on restoration).
      void incidents.resumeFanOuts().catch((error: unknown) => log(`[incidents] resuming fan-outs failed: ${String(error)}`));
      for (const channel of channels) await channel.start?.();
    },
    async stop() {
      directoryWatcher.stop();
      directLineStream.close();
      handoffStream!.close();
      await expiry.stop();
      for (const channel of channels) await channel.stop?.();
      await notifications!.stop();
      await timers.stop();
      await slaTimers.stop();
      await callbackOffers.stop();
      await webChat.idle();
    },
  };
}
