// The environment, validated once at start-up: a bad value stops the process with a message naming every problem.
import { resolve } from 'node:path';
import { z } from 'zod';
import { defaultDatabaseHeap } from '../db/embeddedMongo.js';
import { resolveSlaLimits, type SlaLimits } from '../services/slaPolicy.js';
import { officeHoursSchema } from '../services/officeHours.js';
import { ConfigError } from './configError.js';
import { whatsAppCloudOptionsFromEnv, type WhatsAppCloudChannelOptions } from './whatsappCloud/whatsAppCloudConfig.js';

export { ConfigError };

const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration like 90s, 15m, 4h or 2d')
  .transform((value) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value)!;
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
    return Math.round(Number(match[1]) * unit);
  });

const secret = z.string().min(32, 'must be at least 32 characters');

// A zero limit would escalate every ticket the moment it is registered, all the way to the CE.
const slaLimit = duration.refine((ms) => ms > 0, 'a time limit longer than zero, e.g. 4h or 7d').optional();

const countLimit = z.coerce.number().int().min(1, 'a whole number of at least 1');

const proxyEntry = /^(loopback|linklocal|uniquelocal|[0-9A-Fa-f:.]+(\/\d{1,3})?)$/;
export const trustProxy = z
  .string()
  .transform((value, context): boolean | number | string[] => {
    const text = value.trim();
    if (text === 'true') return true;
    if (text === 'false') return false;
    if (/^\d{1,2}$/.test(text)) return Number(text);
    const entries = text.split(',').map((entry) => entry.trim()).filter(Boolean);
    if (entries.length > 0 && entries.every((entry) => proxyEntry.test(entry))) return entries;
    context.addIssue({ code: 'custom', message: 'true, false, a number of hops, or addresses/subnets like loopback,10.0.0.0/8' });
    return z.NEVER;
  })
  .or(z.boolean());

const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  HOST: z.string().min(1).default('127.0.0.1'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/, 'letters, digits, _ and - only').default('santushti'),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_DB_MAX_HEAP: z.string().regex(/^\d+[mMgG]$/, 'like 192m or 1g').default(defaultDatabaseHeap),
  DIRECTORY_FILE: z.string().min(1).optional(),
  /** Coordinates of the localities for location pins (docs/consumer-media.md); default data/lesa.coordinates.json. */
  LOCALITY_COORDINATES_FILE: z.string().min(1).optional(),
  DIRECTLINE_SECRET: secret.optional(),
  WEBCHAT_COOKIE_SECRET: secret.optional(),
  STAFF_SESSION_TTL: duration.default(12 * 3_600_000),
  SATISFACTION_REMINDERS: z
    .string()
    .default('4h,20h')
    .transform((value, context) => {
      const parts = value.split(',').map((part) => part.trim()).filter(Boolean);
      const parsed = parts.map((part) => duration.safeParse(part));
      if (parsed.some((result) => !result.success)) {
        context.addIssue({ code: 'custom', message: 'a comma-separated list of durations, e.g. 4h,20h' });
        return z.NEVER;
      }
      return parsed.map((result) => result.data!);
    }),
  SATISFACTION_UNCONFIRMED_AFTER: duration.default(24 * 3_600_000),
  // Per-category time limits for one owner; unset ones keep the defaults in services/slaPolicy.ts.
  SLA_BILL: slaLimit,
  SLA_METER: slaLimit,
  SLA_NEW_CONNECTION: slaLimit,
  SLA_SUPPLY: slaLimit,
  SLA_THEFT: slaLimit,
  SLA_TRANSFORMER: slaLimit,
  /** One owner's time limit on an emergency ticket (live wire, sparking, fire, shock), whatever its category. */
  EMERGENCY_SLA: slaLimit,
  // Live handoff: when agents work (India time), and how long a consumer waits before a callback is offered.
  HANDOFF_OFFICE_HOURS: officeHoursSchema.prefault('08:00-20:00'),
  HANDOFF_CALLBACK_AFTER: duration.refine((ms) => ms > 0, 'a wait longer than zero, e.g. 5m').default(5 * 60_000),
  // How long after a callback-confirmed closure the consumer can still say "no" on their channel and reopen it.
  CALLBACK_REJECT_WINDOW: duration.refine((ms) => ms > 0, 'a window longer than zero, e.g. 7d').default(7 * 86_400_000),
  // Logging (server/logger.ts): json for production and log shippers, pretty for a terminal; default pretty on a terminal.
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  // Area incidents: this many supply complaints from one locality within the window open one incident.
  INCIDENT_THRESHOLD: z.coerce.number().int().min(1).max(100_000).default(5),
  INCIDENT_WINDOW: duration.refine((ms) => ms > 0, 'a window longer than zero, e.g. 30m').default(30 * 60_000),
  // Abuse limits (docs/limits.md): counts per window, each at least 1.
  LIMIT_WEBCHAT_SESSIONS_PER_HOUR: countLimit.default(30),
  LIMIT_MESSAGES_PER_MINUTE: countLimit.default(20),
  LIMIT_REGISTRATIONS_PER_DAY: countLimit.default(5),
  LIMIT_WHATSAPP_MESSAGES_PER_MINUTE: countLimit.default(20),
  // Open Direct Line streams (WebSockets) one client address may hold in one process (docs/direct-line-stream.md).
  LIMIT_STREAMS_PER_ADDRESS: countLimit.default(50),
  // Web chat conversations nobody wrote in for this long are deleted with their activities (a sweep).
  CONVERSATION_IDLE_EXPIRY: duration.refine((ms) => ms >= 3_600_000, 'at least 1h, e.g. 30d').default(30 * 86_400_000),
  // The web chat identity cookie's lifetime; "forget me" in the page ends it sooner.
  WEBCHAT_COOKIE_LIFETIME: duration.refine((ms) => ms >= 60_000, 'at least 1m, e.g. 90d').default(90 * 86_400_000),
  // express "trust proxy": false (default: the socket's address is the client's), true, a number of proxy hops, or a
  // comma-separated list of proxy addresses/subnets (e.g. loopback,10.0.0.0/8).
  TRUST_PROXY: trustProxy.default(false),
  // Web Push to officers (services/officerAlertService.ts): who the push services may contact about our alerts. The
  // VAPID keys are generated once into DATA_DIR/vapid.json.
  WEB_PUSH_SUBJECT: z.string().regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, 'a mailto: address or an https: URL').default('mailto:helpline@localhost'),
  WHATSAPP_WEB_ENABLED: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  WHATSAPP_WEB_DATA_PATH: z.string().min(1).optional(),
  WHATSAPP_WEB_CHROMIUM: z.string().min(1).default('/usr/bin/chromium'),
  WHATSAPP_WEB_PAIRING_NUMBER: z.string().regex(/^[1-9]\d{6,14}$/, 'country code and number, digits only, e.g. 919876543210').optional(),
});

export type Config = z.infer<typeof configSchema> & {
  dataDir: string;
  embeddedDbFile: string;
  /** SLA_* over the defaults. */
  slaLimitsMs: SlaLimits;
  /** The WhatsApp Cloud API door's settings (WHATSAPP_CLOUD_*), or undefined when none is set. */
  whatsAppCloud?: WhatsAppCloudChannelOptions;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable in a .env file means "not set", not "set to nothing".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration (see .env.example):\n${problems.join('\n')}`);
  }
  if (parsed.data.DIRECTLINE_SECRET && parsed.data.DIRECTLINE_SECRET === parsed.data.WEBCHAT_COOKIE_SECRET) {
    throw new ConfigError('Invalid configuration (see .env.example):\n  WEBCHAT_COOKIE_SECRET: must differ from DIRECTLINE_SECRET');
  }
  const dataDir = resolve(parsed.data.DATA_DIR);
  const slaLimitsMs = resolveSlaLimits({
    bill: parsed.data.SLA_BILL,
    meter: parsed.data.SLA_METER,
    new_connection: parsed.data.SLA_NEW_CONNECTION,
    supply: parsed.data.SLA_SUPPLY,
    theft: parsed.data.SLA_THEFT,
    transformer: parsed.data.SLA_TRANSFORMER,
  });
  return { ...parsed.data, dataDir, embeddedDbFile: resolve(dataDir, 'santushti.mv'), slaLimitsMs, whatsAppCloud: whatsAppCloudOptionsFromEnv(env) };
}
