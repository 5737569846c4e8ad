// What the WhatsApp Cloud door stored of consumers' messages, read from the database as it is kept: in each sender's
// conversation document (waiting in the inbox, or among the latest processed in the log) and, once moved out of the
// document, in the inbound collection. For tests (it scans): the door itself reads documents by `_id` only.
import type { Models } from '../../models/index.js';
import { processedInbound } from '../../models/whatsAppCloudModels.js';

export interface StoredWhatsAppMessage {
  id: string;
  from: string;
  content: string;
  sentAt: Date;
  processedAt?: Date;
  processed: boolean;
}

const prefix = 'whatsapp-cloud:';

/** Every stored message (of one sender, or of all), each once. */
export async function storedWhatsAppMessages(models: Pick<Models, 'whatsAppConversations' | 'whatsAppCloudInbound'>, from?: string): Promise<StoredWhatsAppMessage[]> {
  const documents = await models.whatsAppConversations.find(from === undefined ? {} : { _id: `${prefix}${from}` }, { inbox: 1, log: 1 }).lean();
  const found = new Map<string, StoredWhatsAppMessage>();
  for (const document of documents) {
    const sender = document._id.startsWith(prefix) ? document._id.slice(prefix.length) : document._id;
    for (const entry of document.log ?? []) found.set(entry.id, { id: entry.id, from: sender, content: entry.content, sentAt: entry.sentAt, processedAt: entry.processedAt, processed: true });
    for (const entry of document.inbox ?? []) found.set(entry.id, { id: entry.id, from: sender, content: entry.content, sentAt: entry.sentAt, processed: false });
  }
  const moved = await models.whatsAppCloudInbound.find(from === undefined ? {} : { from }, { from: 1, content: 1, sentAt: 1, processedAt: 1, claim: 1 }).lean();
  for (const record of moved) {
    if (!found.has(record._id)) found.set(record._id, { id: record._id, from: record.from, content: record.content, sentAt: record.sentAt, processedAt: record.processedAt, processed: record.claim === processedInbound });
  }
  return [...found.values()];
}

/** One stored message of a sender, or undefined when it was never stored. */
export async function storedWhatsAppMessage(models: Pick<Models, 'whatsAppConversations' | 'whatsAppCloudInbound'>, from: string, id: string): Promise<StoredWhatsAppMessage | undefined> {
  return (await storedWhatsAppMessages(models, from)).find((message) => message.id === id);
}
