// When a turn fails: apologise in both languages (we may not know theirs if state is what failed), forget the
// broken dialog stack so the next message starts cleanly, and log without the consumer's text or number.
import type { ConversationState, TurnContext } from 'botbuilder';
import { textsFor } from '../dialogs/texts.js';
import { maskPhoneNumbersIn } from '../services/consumerIdentity.js';

export function createTurnErrorHandler(conversationState: ConversationState, logLine: (line: string) => void = (line) => console.error(line)) {
  const log = (line: string) => logLine(maskPhoneNumbersIn(line));
  return async (context: TurnContext, error: Error): Promise<void> => {
    log(`[bot] turn failed in ${context.activity.channelId} conversation ${context.activity.conversation?.id ?? '?'}: ${error.stack ?? error.message}`);
    try {
      await context.sendActivity(`${textsFor('hi').turnError}\n${textsFor('en').turnError}`);
    } catch (sendError) {
      log(`[bot] could not apologise: ${String(sendError)}`);
    }
    try {
      await conversationState.delete(context);
    } catch (stateError) {
      log(`[bot] could not reset conversation state: ${String(stateError)}`);
    }
  };
}
