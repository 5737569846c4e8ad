// The whole helpline assembled on one database: services, the bot, the web chat channel, the staff API and the
// background workers. `npm start` uses it, and so do the end-to-end tests and the benchmarks.
import { ConversationState, UserState, type TurnContext } from 'botbuilder';
import type { Express } from 'express';
import { DirectLineAdapter } from '../bot/adapters/directLineAdapter.js';
import { BotConsumerNotifier } from '../bot/consumerNotifier.js';
import { ConversationReferences } from '../bot/conversationReferences.js';
import { MongoStorage } from '../bot/mongoStorage.js';
import { PlainTextMiddleware } from '../bot/plainTextMiddleware.js';
import { SantushtiBot } from '../bot/santushtiBot.js';
import { createTurnErrorHandler } from '../bot/turnErrorHandler.js';
import type { Database } from '../db/database.js';
import type { Directory } from '../services/directory.js';
import { HandoffService } from '../services/handoffService.js';
import { NotificationService } from '../services/notificationService.js';
import { SatisfactionTimers } from '../services/satisfactionTimers.js';
import { StaffAuthService } from '../services/staffAuthService.js';
import { StaffService } from '../services/staffService.js';
import { TicketService } from '../services/ticketService.js';
import { createApp } from './app.js';
import { createDirectLineRouter } from './directLine/directLineRouter.js';
import { DirectLineTokenService } from './directLine/tokenService.js';
import { createWebChatPageRouter } from './directLine/webChatPageRouter.js';
import { createStaffApiRouter } from './staffApi/staffApiRouter.js';

export interface HelplineOptions {
  directLineSecret: string;
  webChatCookieSecret: string;
  staffSessionTtlMs: number;
  satisfactionReminderDelaysMs: number[];
  satisfactionUnconfirmedAfterMs: number;
  /** How often undelivered messages and due reminders are looked for. */
  sweepIntervalMs?: number;
  now?: () => Date;
  log?: (line: string) => void;
}

export interface Helpline {
  app: Express;
  tickets: TicketService;
  notifications: NotificationService;
  timers: SatisfactionTimers;
  webChat: DirectLineAdapter;
  staffAuth: StaffAuthService;
  bot: SantushtiBot;
  /** Starts the background workers (outbox sweep, satisfaction timers). */
  start(): void;
  /** Stops the workers and lets running turns finish; the caller then closes the database. */
  stop(): Promise<void>;
}

export function createHelpline(database: Database, directory: Directory, options: HelplineOptions): Helpline {
  const { models } = database;
  const log = options.log ?? ((line: string) => console.log(line));
  // The ticket service tells the notifier when a write queued effects; the notifier needs the bot, which needs
  // the ticket service: the late binding below breaks the cycle.
  let notifications: NotificationService | undefined;
  const tickets = new TicketService(models, directory, { now: options.now, onEffectsQueued: (number) => notifications?.wake(number) });

  const storage = new MongoStorage(models);
  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);
  const references = new ConversationReferences(models);
  const bot = new SantushtiBot({ conversationState, userState, tickets, directory, handoffs: new HandoffService(models), references });

  const webChat = new DirectLineAdapter(models, { bot: { id: 'santushti-bot', name: 'Santushti' } });
  webChat.use(new PlainTextMiddleware());
  webChat.onTurnError = createTurnErrorHandler(conversationState);
  const logic = (context: TurnContext) => bot.run(context);
  const directLineTokens = new DirectLineTokenService(options.directLineSecret);

  notifications = new NotificationService(
    models,
    new BotConsumerNotifier({ bot, tickets, references, adapters: { webchat: webChat }, botAppId: '' }),
    { now: options.now, sweepIntervalMs: options.sweepIntervalMs, log },
  );
  const timers = new SatisfactionTimers(models, tickets, {
    reminderDelaysMs: options.satisfactionReminderDelaysMs,
    unconfirmedAfterMs: options.satisfactionUnconfirmedAfterMs,
    checkIntervalMs: options.sweepIntervalMs,
    now: options.now,
    log,
  });

  const staffAuth = new StaffAuthService(models, directory, { sessionTtlMs: options.staffSessionTtlMs });
  const staff = new StaffService(models, tickets, directory);

  const app = createApp({
    connection: database.connection,
    routers: [
      ['/v3/directline', createDirectLineRouter({ adapter: webChat, tokens: directLineTokens, logic })],
      ['/api', createStaffApiRouter({ auth: staffAuth, staff })],
      ['/', createWebChatPageRouter({ adapter: webChat, tokens: directLineTokens, logic, cookieSecret: options.webChatCookieSecret })],
    ],
  });

  return {
    app,
    tickets,
    notifications,
    timers,
    webChat,
    staffAuth,
    bot,
    start() {
      notifications!.start();
      timers.start();
    },
    async stop() {
      await notifications!.stop();
      await timers.stop();
      await webChat.idle();
    },
  };
}
