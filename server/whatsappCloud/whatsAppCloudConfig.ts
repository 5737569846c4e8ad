// The WhatsApp Cloud API door's settings, read from the WHATSAPP_CLOUD_* variables. Apart from the channel (and its
// adapter) so that server/config.ts — which the admin commands load too — imports no channel code.
import { z } from 'zod';
import { ConfigError } from '../configError.js';

export const defaultGraphApiBase = 'https://graph.facebook.com/v21.0';
export const whatsAppCloudWebhookPath = '/webhooks/whatsapp';

export interface WhatsAppCloudChannelOptions {
  /** The Meta app's secret: webhook signatures are checked with it. */
  appSecret: string;
  /** What Meta's subscription handshake must present. */
  verifyToken: string;
  /** A system user's token for the Graph API. */
  accessToken: string;
  /** The business phone number's id (not the number itself). */
  phoneNumberId: string;
  /** Default https://graph.facebook.com/v21.0. */
  apiBase?: string;
  /** Approved templates for messages outside the 24-hour window; the body of each has one text parameter {{1}}. */
  templates: { statusUpdate: string; satisfactionQuestion: string; language?: string };
  /** An approved template with one body parameter for officer alerts (WHATSAPP_CLOUD_TEMPLATE_OFFICER_ALERT); none: no WhatsApp alerts. */
  officerAlertTemplate?: string;
  /** Graph API retries (tests shorten them). */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number; maxRetryAfterMs?: number };
  /** How often stored but unprocessed messages are looked for after start. Default 60 s. */
  recoveryIntervalMs?: number;
}

const envSchema = z.object({
  WHATSAPP_CLOUD_APP_SECRET: z.string().min(16, 'must be the Meta app secret'),
  WHATSAPP_CLOUD_VERIFY_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  WHATSAPP_CLOUD_ACCESS_TOKEN: z.string().min(20, 'must be a Graph API access token'),
  WHATSAPP_CLOUD_PHONE_NUMBER_ID: z.string().regex(/^\d{5,20}$/, 'must be the numeric phone number id'),
  WHATSAPP_CLOUD_API_BASE: z.url({ protocol: /^https?$/ }).default(defaultGraphApiBase),
  WHATSAPP_CLOUD_TEMPLATE_STATUS_UPDATE: z.string().regex(/^[a-z0-9_]{1,512}$/, 'a template name: lowercase letters, digits and _'),
  WHATSAPP_CLOUD_TEMPLATE_SATISFACTION: z.string().regex(/^[a-z0-9_]{1,512}$/, 'a template name: lowercase letters, digits and _'),
  WHATSAPP_CLOUD_TEMPLATE_OFFICER_ALERT: z.string().regex(/^[a-z0-9_]{1,512}$/, 'a template name: lowercase letters, digits and _').optional(),
  WHATSAPP_CLOUD_TEMPLATE_LANGUAGE: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a language code such as hi or en_US').default('hi'),
});

/**
 * The channel's options from WHATSAPP_CLOUD_* variables; undefined when none is set (the door stays closed). Throws a
 * ConfigError naming every bad or missing variable when some are set.
 */
export function whatsAppCloudOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): WhatsAppCloudChannelOptions | undefined {
  const present = Object.fromEntries(Object.entries(env).filter(([name, value]) => name.startsWith('WHATSAPP_CLOUD_') && value !== undefined && value !== ''));
  if (Object.keys(present).length === 0) return undefined;
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid WhatsApp Cloud configuration (see .env.example):\n${problems.join('\n')}`);
  }
  const config = parsed.data;
  return {
    appSecret: config.WHATSAPP_CLOUD_APP_SECRET,
    verifyToken: config.WHATSAPP_CLOUD_VERIFY_TOKEN,
    accessToken: config.WHATSAPP_CLOUD_ACCESS_TOKEN,
    phoneNumberId: config.WHATSAPP_CLOUD_PHONE_NUMBER_ID,
    apiBase: config.WHATSAPP_CLOUD_API_BASE,
    templates: {
      statusUpdate: config.WHATSAPP_CLOUD_TEMPLATE_STATUS_UPDATE,
      satisfactionQuestion: config.WHATSAPP_CLOUD_TEMPLATE_SATISFACTION,
      language: config.WHATSAPP_CLOUD_TEMPLATE_LANGUAGE,
    },
    officerAlertTemplate: config.WHATSAPP_CLOUD_TEMPLATE_OFFICER_ALERT,
  };
}
