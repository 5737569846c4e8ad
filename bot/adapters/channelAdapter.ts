// What every channel adapter of ours shares with the Bot Framework contract: the overloads of
// continueConversationAsync (proactive turns), the check that a reference belongs to this channel, and the honest
// refusal to edit or delete messages that none of our channels can take back.
import { setTimeout as sleep } from 'node:timers/promises';
import { ActivityTypes, BotAdapter, INVOKE_RESPONSE_KEY, type Activity, type ConversationReference, type ResourceResponse, type TurnContext } from 'botbuilder';
import type { ClaimsIdentity } from 'botframework-connector';

export type BotLogic = (context: TurnContext) => Promise<void>;

export abstract class ChannelAdapter extends BotAdapter {
  /** The `channelId` on this adapter's activities and conversation references. */
  abstract readonly channelId: string;
  /** How the channel is named in error messages ("web chat", "WhatsApp"). */
  protected abstract readonly channelName: string;

  /** The longest `delay` activity honoured inside a turn. */
  protected abstract readonly maxDelayMs: number;

  /** Runs a proactive turn in the conversation the reference names (the reference is already checked). */
  protected abstract continueIn(reference: Partial<ConversationReference>, logic: BotLogic): Promise<void>;

  /** Sends (or stores) one outgoing activity that is not a delay or an invoke response; '' when the channel has no use for it. */
  protected abstract sendOne(context: TurnContext, activity: Partial<Activity>): Promise<string>;

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type === 'delay') {
        const requested = typeof activity.value === 'number' ? activity.value : 1_000;
        await sleep(Math.min(Math.max(requested, 0), this.maxDelayMs));
        responses.push({ id: '' });
      } else if (activity.type === ActivityTypes.InvokeResponse) {
        context.turnState.set(INVOKE_RESPONSE_KEY, activity);
        responses.push({ id: '' });
      } else {
        responses.push({ id: await this.sendOne(context, activity) });
      }
    }
    return responses;
  }

  override async updateActivity(): Promise<void> {
    throw new Error(`The ${this.channelName} channel cannot change a sent message; send a new one instead.`);
  }

  override async deleteActivity(): Promise<void> {
    throw new Error(`The ${this.channelName} channel cannot delete a sent message.`);
  }

  /** @deprecated Bot Framework's old signature; use continueConversationAsync. */
  async continueConversation(reference: Partial<ConversationReference>, logic: BotLogic): Promise<void> {
    await this.continueConversationAsync('', reference, logic);
  }

  /** The app id or claims are accepted for the adapter contract; no channel of ours needs them. */
  override async continueConversationAsync(botAppId: string, reference: Partial<ConversationReference>, logic: BotLogic): Promise<void>;
  override async continueConversationAsync(claimsIdentity: ClaimsIdentity, reference: Partial<ConversationReference>, logic: BotLogic): Promise<void>;
  override async continueConversationAsync(
    claimsIdentity: ClaimsIdentity,
    reference: Partial<ConversationReference>,
    audience: string,
    logic: BotLogic,
  ): Promise<void>;
  override async continueConversationAsync(
    _botAppIdOrClaims: string | ClaimsIdentity,
    reference: Partial<ConversationReference>,
    logicOrAudience: BotLogic | string,
    maybeLogic?: BotLogic,
  ): Promise<void> {
    const logic = typeof logicOrAudience === 'function' ? logicOrAudience : maybeLogic;
    if (!logic) throw new TypeError('continueConversationAsync needs the logic to run');
    if (reference.channelId !== undefined && reference.channelId !== this.channelId) {
      throw new Error(`This adapter serves channel "${this.channelId}", not "${reference.channelId}".`);
    }
    await this.continueIn(reference, logic);
  }
}
