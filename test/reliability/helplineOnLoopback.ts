// The whole helpline (createHelpline, as `npm start` assembles it) on a test database, listening on 127.0.0.1, with
// the WhatsApp Cloud door open to a fake Graph API: what the reliability tests send their raw requests to.
import type { Server } from 'node:http';
import type { WhatsAppCloudAdapter } from '../../bot/adapters/whatsAppCloudAdapter.js';
import type { ChannelFactory, ChannelPlugin, Helpline } from '../../server/helpline.js';
import { createWhatsAppCloudChannel } from '../../server/whatsappCloud/whatsAppCloudChannel.js';
import { Directory } from '../../services/directory.js';
import { FakeGraphApi } from '../support/fakeGraphApi.js';
import { serveHelpline } from '../support/servedHelpline.js';
import type { TestDatabase } from '../support/testDatabase.js';

export const loopbackSecrets = {
  directLine: 'reliability-directline-secret-0123456789abcdefghij',
  whatsApp: { appSecret: 'reliability-app-secret-0123456789abcdef', verifyToken: 'reliability-verify-token-0123456789', phoneNumberId: '109876543299' },
};

export interface LoopbackHelpline {
  helpline: Helpline;
  server: Server;
  port: number;
  graph: FakeGraphApi;
  cloud: WhatsAppCloudAdapter;
  /** Everything the helpline logged. */
  log: string[];
  stop(): Promise<void>;
}

export async function startLoopbackHelpline(
  db: TestDatabase,
  options: { channels?: ChannelFactory[] } = {},
): Promise<LoopbackHelpline> {
  const graph = await FakeGraphApi.start();
  const cloudFactory = createWhatsAppCloudChannel({
    ...loopbackSecrets.whatsApp,
    accessToken: 'reliability-access-token-abcdefghijklmnop',
    apiBase: graph.apiBase,
    templates: { statusUpdate: 'santushti_status_update', satisfactionQuestion: 'santushti_satisfaction', language: 'hi' },
    retry: { baseDelayMs: 5 },
  });
  let cloud: ChannelPlugin | undefined;
  const served = await serveHelpline(db, Directory.loadDefault(), {
    channels: [
      (context) => {
        cloud = cloudFactory(context);
        return cloud;
      },
      ...(options.channels ?? []),
    ],
    directLineSecret: loopbackSecrets.directLine,
    webChatCookieSecret: 'reliability-webchat-cookie-secret-9876543210zyx',
    // Nothing moves in the background between a request and the checks that follow it.
    sweepIntervalMs: 60 * 60_000,
  });
  return {
    helpline: served.helpline,
    server: served.server,
    port: served.port,
    graph,
    cloud: cloud!.adapter as WhatsAppCloudAdapter,
    log: served.log,
    async stop() {
      await served.close();
      await graph.close();
    },
  };
}
