// What every channel adapter of ours shares with the Bot Framework contract: the overloads of
// continueConversationAsync (proactive turns), the check that a reference belongs to this channel, and the honest
// refusal to edit or delete messages that none of our channels can take back.
import { BotAdapter, type ConversationReference, type TurnContext } from 'botbuilder';
import type { ClaimsIdentity } from 'botframework-connector';

export type BotLogic = (context: TurnContext) => Promise<void>;

export abstract class ChannelAdapter extends BotAdapter {
  /** The `channelId` on this adapter's activities and conversation references. */
  abstract readonly channelId: string;
  /** How the channel is named in error messages ("web chat", "WhatsApp"). */
  protected abstract readonly channelName: string;

  /** Runs a proactive turn in the conversation the reference names (the reference is already checked). */
  protected abstract continueIn(reference: Partial<ConversationReference>, logic: BotLogic): Promise<void>;

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
