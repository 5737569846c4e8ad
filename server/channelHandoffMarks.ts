// The conversation documents a live handoff marks before it opens and unmarks after it ends
// (services/liveHandoffService.ts HandoffMarks): web chat's (each of the user's conversations) and WhatsApp's (the
// consumer's document on either door: `whatsapp-cloud:<digits>`, `whatsapp-web:<digits>`). A turn skips the
// `active_handoffs` read only while its document says 0 marks.
import type { DirectLineAdapter } from '../bot/adapters/directLineAdapter.js';
import { conversationIdFor as cloudConversationIdFor } from '../bot/adapters/whatsAppCloudAdapter.js';
import { WhatsAppConversationStore } from '../bot/adapters/whatsAppConversationStore.js';
import { conversationIdFor as webConversationIdFor } from '../bot/adapters/whatsAppWebMapping.js';
import type { Models } from '../models/index.js';
import type { HandoffMarks } from '../services/liveHandoffService.js';

export function channelHandoffMarks(webChat: Pick<DirectLineAdapter, 'markHandoff' | 'unmarkHandoff'>, models: Pick<Models, 'whatsAppConversations'>): HandoffMarks {
  // Marked by `_id` only; the doors' own stores write everything else of these documents.
  const whatsApp = new WhatsAppConversationStore(models.whatsAppConversations);
  return {
    markHandoff: (channel, channelUserId) =>
      channel === 'whatsapp' ? whatsApp.markHandoff([cloudConversationIdFor(channelUserId), webConversationIdFor(channelUserId)]) : webChat.markHandoff(channel, channelUserId),
    unmarkHandoff: (channel, marked) => (channel === 'whatsapp' ? whatsApp.unmarkHandoff(marked) : webChat.unmarkHandoff(channel, marked)),
  };
}
