// The whatsapp-web.js door as a helpline channel: the adapter, the supervisors' linking page, start/stop and health.
// whatsapp-web.js (and with it puppeteer) is imported only when the first client is built, so loading this module
// starts nothing; tests hand in a fake client instead.
import { resolve } from 'node:path';
import type { Client, ClientOptions } from 'whatsapp-web.js';
import { WhatsAppWebAdapter, whatsAppWebChannelId } from '../../bot/adapters/whatsAppWebAdapter.js';
import type { Scheduler, WhatsAppWebClientLike } from '../../bot/adapters/whatsAppWebConnection.js';
import { describeError } from '../../bot/adapters/whatsAppWebMapping.js';
import type { ChannelFactory } from '../helpline.js';
import { lazyQrRenderer, type QrRenderer } from './qrRendering.js';
import { createWhatsAppWebStaffRouter } from './whatsAppWebStaffRouter.js';

// The real client must fit the boundary the adapter is written (and tested) against.
type RealClientFitsTheBoundary = Client extends WhatsAppWebClientLike ? true : never;
export const realClientFitsTheBoundary: RealClientFitsTheBoundary = true;

export const whatsAppWebStaffPath = '/staff/whatsapp-web';

export interface WhatsAppWebChannelOptions {
  /** Where LocalAuth keeps the linked session (a Chromium profile). Default `.data/whatsapp-web`. */
  dataPath?: string;
  /** Default Debian's `/usr/bin/chromium` (puppeteer's own browser download is skipped). */
  chromiumPath?: string;
  /**
   * Link by phone number instead of QR: the number (country code and digits) whose WhatsApp will be the helpline's.
   * The 8-character code then shown on the supervisors' page is typed on that phone.
   */
  pairingPhoneNumber?: string;
  /** The boundary: builds a client for a session folder. Default: the real whatsapp-web.js Client. */
  clientFactory?: (authDataPath: string) => WhatsAppWebClientLike | Promise<WhatsAppWebClientLike>;
  /** Default 5 s doubling up to 5 min, with jitter. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  schedule?: Scheduler;
  random?: () => number;
  watchdogIntervalMs?: number;
  destroyTimeoutMs?: number;
  /** Draws the QR; default: whichever QR package is installed (none today: the raw text is shown). */
  qrRenderer?: QrRenderer;
}

export const defaultWhatsAppWebDataPath = '.data/whatsapp-web';
export const defaultChromiumPath = '/usr/bin/chromium';

export function createWhatsAppWebChannel(options: WhatsAppWebChannelOptions = {}): ChannelFactory {
  const authDataPath = resolve(options.dataPath ?? defaultWhatsAppWebDataPath);
  const chromiumPath = options.chromiumPath ?? defaultChromiumPath;
  const clientFactory =
    options.clientFactory ?? ((dataPath: string) => createRealWhatsAppWebClient({ dataPath, chromiumPath, pairingPhoneNumber: options.pairingPhoneNumber }));

  return (context) => {
    const log = context.log;
    const qrRenderer = options.qrRenderer ?? lazyQrRenderer();

    const adapter = new WhatsAppWebAdapter({
      models: context.models,
      logic: context.logic,
      log,
      now: context.now,
      clientFactory: () => clientFactory(authDataPath),
      reconnect: options.reconnect,
      schedule: options.schedule,
      random: options.random,
      watchdogIntervalMs: options.watchdogIntervalMs,
      destroyTimeoutMs: options.destroyTimeoutMs,
      onQr: (qr) => void printQr(qr, qrRenderer, log),
      onPairingCode: (code) => log(`[whatsapp-web] pairing code for the helpline phone: ${code} (WhatsApp → Linked devices → Link with phone number)`),
      // The per-sender message limit is counted from the conversation document (no rate_limits command per message).
      messageLimit: context.limits?.settings.whatsAppMessagesPerSender,
    });

    return {
      channelIds: [whatsAppWebChannelId],
      adapter,
      routers: [
        [
          whatsAppWebStaffPath,
          createWhatsAppWebStaffRouter({ connection: adapter.connection, staffAuth: context.staffAuth, qrRenderer }),
        ],
      ],
      start: () => adapter.start(),
      stop: () => adapter.stop(),
      health: () => ({ ...adapter.health() }),
    };
  };
}

async function printQr(qr: string, renderer: QrRenderer, log: (line: string) => void): Promise<void> {
  try {
    const art = await renderer.terminal(qr);
    log(`[whatsapp-web] link the helpline phone: WhatsApp → Settings → Linked devices → Link a device, and scan this QR (supervisors also see it at ${whatsAppWebStaffPath}/):`);
    if (art) {
      log(art);
    } else {
      log(`[whatsapp-web] no QR package is installed (npm install qrcode), so here is the QR's text for any QR generator: ${qr}`);
    }
  } catch (error) {
    log(`[whatsapp-web] could not print the QR: ${describeError(error)}`);
  }
}

export interface RealClientSettings {
  dataPath: string;
  chromiumPath: string;
  pairingPhoneNumber?: string;
}

/** The real whatsapp-web.js client: a headless Chromium with the session in `dataPath`. Building it starts nothing. */
export async function createRealWhatsAppWebClient(settings: RealClientSettings): Promise<WhatsAppWebClientLike> {
  const { default: whatsAppWeb } = await import('whatsapp-web.js');
  const clientOptions: ClientOptions = {
    authStrategy: new whatsAppWeb.LocalAuth({ dataPath: settings.dataPath }),
    puppeteer: {
      executablePath: settings.chromiumPath,
      headless: true,
      // No sandbox: the service runs as a user Chromium's sandbox cannot set up in a container; /dev/shm is small there.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    },
  };
  if (settings.pairingPhoneNumber) clientOptions.pairWithPhoneNumber = { phoneNumber: settings.pairingPhoneNumber, showNotification: true };
  return new whatsAppWeb.Client(clientOptions);
}
