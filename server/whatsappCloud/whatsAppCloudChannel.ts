// The WhatsApp Cloud API door as a helpline channel: its adapter, its webhook at /webhooks/whatsapp, start/stop and
// health. Its settings: whatsAppCloudConfig.ts.
import { WhatsAppCloudAdapter, whatsAppCloudChannelId } from '../../bot/adapters/whatsAppCloudAdapter.js';
import { WhatsAppCloudGraphApi } from '../../bot/adapters/whatsAppCloudGraphApi.js';
import { planTemplateMessage } from '../../bot/adapters/whatsAppCloudMessages.js';
import type { ChannelFactory } from '../helpline.js';
import { createWhatsAppCloudWebhookRouter } from './webhookRouter.js';
import { defaultGraphApiBase, whatsAppCloudWebhookPath, type WhatsAppCloudChannelOptions } from './whatsAppCloudConfig.js';

// Kept importable from here for existing callers; the settings live in whatsAppCloudConfig.ts so that reading the
// configuration never loads the adapter.
export { defaultGraphApiBase, whatsAppCloudOptionsFromEnv, whatsAppCloudWebhookPath, type WhatsAppCloudChannelOptions } from './whatsAppCloudConfig.js';

export function createWhatsAppCloudChannel(options: WhatsAppCloudChannelOptions): ChannelFactory {
  return (context) => {
    const graph = new WhatsAppCloudGraphApi({
      apiBase: options.apiBase ?? defaultGraphApiBase,
      phoneNumberId: options.phoneNumberId,
      accessToken: options.accessToken,
      ...options.retry,
      log: context.log,
    });
    const adapter = new WhatsAppCloudAdapter(context.models, {
      graph,
      phoneNumberId: options.phoneNumberId,
      templates: options.templates,
      now: context.now,
      log: context.log,
      recoveryIntervalMs: options.recoveryIntervalMs,
      // The per-sender message limit is counted from the conversation document (no rate_limits command per message).
      messageLimit: context.limits?.settings.whatsAppMessagesPerSender,
    });
    const router = createWhatsAppCloudWebhookRouter({
      adapter,
      logic: context.logic,
      appSecret: options.appSecret,
      verifyToken: options.verifyToken,
      log: context.log,
    });
    return {
      channelIds: [whatsAppCloudChannelId],
      adapter,
      routers: [[whatsAppCloudWebhookPath, router]],
      start: () => adapter.start(context.logic),
      stop: () => adapter.stop(),
      health: () => adapter.health(),
      // Officer alerts always go as the officer template: an officer is rarely inside a 24-hour window.
      officerAlerts: options.officerAlertTemplate
        ? {
            sendOfficerAlert: async (to: string, text: string) => {
              const [message] = planTemplateMessage(text, [], { ...options.templates, statusUpdate: options.officerAlertTemplate! }).messages;
              await graph.sendMessage(to, message!.body);
            },
          }
        : undefined,
    };
  };
}
