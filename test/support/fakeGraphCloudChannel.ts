// The WhatsApp Cloud door of a served helpline, pointed at the fake Graph API, with its channel plugin captured when the
// helpline makes it: `const door = fakeGraphCloudChannel(graph, { … }); serveHelpline(db, directory, { channels:
// [door.factory] }); door.plugin()`.
import type { ChannelFactory, ChannelPlugin } from '../../server/helpline.js';
import { createWhatsAppCloudChannel } from '../../server/whatsappCloud/whatsAppCloudChannel.js';
import type { FakeGraphApi } from './fakeGraphApi.js';

export function fakeGraphCloudChannel(
  graph: FakeGraphApi,
  secrets: { appSecret: string; verifyToken: string; accessToken: string; phoneNumberId: string },
): { factory: ChannelFactory; plugin: () => ChannelPlugin } {
  let captured: ChannelPlugin | undefined;
  const make = createWhatsAppCloudChannel({
    ...secrets,
    apiBase: graph.apiBase,
    templates: { statusUpdate: 'santushti_status_update', satisfactionQuestion: 'santushti_satisfaction', language: 'hi' },
    retry: { baseDelayMs: 5 },
  });
  return {
    factory: (context) => (captured = make(context)),
    plugin: () => {
      if (!captured) throw new Error('The helpline has not made the WhatsApp Cloud door yet.');
      return captured;
    },
  };
}
