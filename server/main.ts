// `npm start`: the database (embedded unless MONGODB_URI is set), the helpline, and the HTTP server.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { openConfiguredDatabase } from '../db/database.js';
import { EmbeddedDatabaseError } from '../db/embeddedMongo.js';
import { Directory, loadLocalityCoordinates } from '../services/directory.js';
import { ConfigError, loadConfig } from './config.js';
import { createHelpline, type ChannelFactory } from './helpline.js';
import { createWhatsAppCloudChannel } from './whatsappCloud/whatsAppCloudChannel.js';
import { createWhatsAppWebChannel } from './whatsappWeb/whatsAppWebChannel.js';
import { loadOrCreateLocalSecrets } from './localSecrets.js';
import { loadOrCreateVapidKeys } from './vapidKeys.js';
import { createLogger, lineLogger } from './logger.js';

// Until the configuration is read, a failure is logged as JSON at info level (the safe default for a service).
let logger = createLogger();

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const directory = config.DIRECTORY_FILE ? Directory.fromFile(config.DIRECTORY_FILE) : Directory.loadDefault();
  loadLocalityCoordinates(); // location pins (docs/consumer-media.md): a bad coordinates file fails here, at start

  let { DIRECTLINE_SECRET: directLineSecret, WEBCHAT_COOKIE_SECRET: webChatCookieSecret } = config;
  if (!directLineSecret || !webChatCookieSecret) {
    const { secrets, created } = loadOrCreateLocalSecrets(config.dataDir);
    directLineSecret ??= secrets.directLineSecret;
    webChatCookieSecret ??= secrets.webChatCookieSecret;
    logger.info(`${created ? 'generated' : 'using'} local secrets in ${config.dataDir}/secrets.json (set DIRECTLINE_SECRET and WEBCHAT_COOKIE_SECRET in production)`);
  }

  const vapid = loadOrCreateVapidKeys(config.dataDir);
  if (vapid.created) logger.info(`generated the Web Push (VAPID) keys for officer alerts in ${config.dataDir}/vapid.json`);

  const startedAt = Date.now();
  const database = await openConfiguredDatabase(config, 'refuse', lineLogger(logger));
  logger.info(database.embedded ? `embedded database ready in ${Date.now() - startedAt} ms (store ${config.embeddedDbFile})` : 'connected to MONGODB_URI');

  const channels: ChannelFactory[] = [];
  if (config.whatsAppCloud) channels.push(createWhatsAppCloudChannel(config.whatsAppCloud));
  if (config.WHATSAPP_WEB_ENABLED) {
    channels.push(
      createWhatsAppWebChannel({
        dataPath: config.WHATSAPP_WEB_DATA_PATH ?? join(config.dataDir, 'whatsapp-web'),
        chromiumPath: config.WHATSAPP_WEB_CHROMIUM,
        pairingPhoneNumber: config.WHATSAPP_WEB_PAIRING_NUMBER,
      }),
    );
  }
  const helpline = createHelpline(database, directory, {
    channels,
    officerAlerts: { vapid: { ...vapid.keys, subject: config.WEB_PUSH_SUBJECT } },
    directLineSecret,
    webChatCookieSecret,
    staffSessionTtlMs: config.STAFF_SESSION_TTL,
    satisfactionReminderDelaysMs: config.SATISFACTION_REMINDERS,
    satisfactionUnconfirmedAfterMs: config.SATISFACTION_UNCONFIRMED_AFTER,
    slaLimitsMs: config.slaLimitsMs,
    emergencySlaMs: config.EMERGENCY_SLA,
    handoffOfficeHours: config.HANDOFF_OFFICE_HOURS,
    handoffCallbackAfterMs: config.HANDOFF_CALLBACK_AFTER,
    callbackRejectWindowMs: config.CALLBACK_REJECT_WINDOW,
    logger,
    incidentThreshold: config.INCIDENT_THRESHOLD,
    incidentWindowMs: config.INCIDENT_WINDOW,
    trustProxy: config.TRUST_PROXY,
    webChatCookieLifetimeMs: config.WEBCHAT_COOKIE_LIFETIME,
    conversationIdleExpiryMs: config.CONVERSATION_IDLE_EXPIRY,
    directLineStream: { maxStreamsPerAddress: config.LIMIT_STREAMS_PER_ADDRESS },
    abuseLimits: {
      webChatSessionsPerAddress: { points: config.LIMIT_WEBCHAT_SESSIONS_PER_HOUR, durationMs: 3_600_000 },
      messagesPerConversation: { points: config.LIMIT_MESSAGES_PER_MINUTE, durationMs: 60_000 },
      registrationsPerIdentity: { points: config.LIMIT_REGISTRATIONS_PER_DAY, durationMs: 86_400_000 },
      whatsAppMessagesPerSender: { points: config.LIMIT_WHATSAPP_MESSAGES_PER_MINUTE, durationMs: 60_000 },
    },
  });
  const server = helpline.app.listen(config.PORT, config.HOST);
  // How long a client may take to send a whole request (Node's default is 5 minutes): a body that never ends holds its
  // connection only this long. A 2 MB evidence photo on a slow mobile link fits well inside it; server-sent event
  // streams are responses, which this does not limit.
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  await helpline.start();
  const { port } = server.address() as AddressInfo;
  const origin = `http://${config.HOST}:${port}`;
  logger.info(`web chat:  ${origin}/`);
  logger.info(`staff API: ${origin}/api (OpenAPI: ${origin}/api/openapi.json; add staff with npm run users -- add …)`);
  logger.info(`agents:    ${origin}/agent (the console)   supervisors: ${origin}/dashboard`);
  logger.info(`health:    ${origin}/healthz`);
  if (config.whatsAppCloud) logger.info(`WhatsApp Cloud API webhook: ${origin}/webhooks/whatsapp (put it behind your public HTTPS host)`);
  if (config.WHATSAPP_WEB_ENABLED) logger.info(`WhatsApp (linked phone): scan the QR printed below, or as a supervisor open ${origin}/staff/whatsapp-web/`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping`);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Web Chat's polling keeps connections alive; they would hold close() open.
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
    await closed;
    await helpline.stop();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof EmbeddedDatabaseError) {
    logger.fatal(error.message);
  } else {
    logger.fatal({ err: error }, 'failed to start');
  }
  process.exit(1);
});
