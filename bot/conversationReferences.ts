// Where each consumer can be reached proactively: the conversation reference of their latest conversation on a
// channel. Written only when it changes, so an ordinary turn costs no extra write.
import type { ConversationReference } from 'botbuilder';
import { wholeDocument, type Models } from '../models/index.js';
import { channelIdentityKey } from '../services/consumerIdentity.js';
import type { Language } from '../dialogs/texts.js';

export interface ReachableConsumer {
  reference: Partial<ConversationReference>;
  language?: Language;
}

export class ConversationReferences {
  /** What this process last wrote per consumer, to skip identical writes. */
  private readonly lastWritten = new Map<string, string>();

  constructor(private readonly models: Pick<Models, 'consumerChannels'>) {}

  async remember(channel: string, channelUserId: string, reference: Partial<ConversationReference>, language: Language | undefined): Promise<void> {
    const key = channelIdentityKey(channel, channelUserId);
    // The incoming message's id changes every turn and no adapter's proactive send reads it: kept, it made every
    // turn's reference look new and cost a write per turn (measured by npm run bench); left out, the skip works.
    const { activityId: _changesEveryTurn, ...lasting } = reference;
    const json = JSON.stringify(lasting);
    const fingerprint = `${language ?? ''}|${json}`;
    if (this.lastWritten.get(key) === fingerprint) return;
    await this.models.consumerChannels.updateOne({ _id: key }, { $set: { reference: json, language, updatedAt: new Date() } }, { upsert: true });
    this.lastWritten.set(key, fingerprint);
    if (this.lastWritten.size > 50_000) this.lastWritten.clear();
  }

  async find(channel: string, channelUserId: string): Promise<ReachableConsumer | undefined> {
    const record = await this.models.consumerChannels.findById(channelIdentityKey(channel, channelUserId), wholeDocument).lean();
    if (!record) return undefined;
    return { reference: JSON.parse(record.reference) as Partial<ConversationReference>, language: record.language };
  }
}
