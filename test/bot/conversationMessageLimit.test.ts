// Issue 15: the per-conversation message limit counted by the turn's take in the conversation document, on the real
// database: exact when two processes take messages of one conversation at once, a refusal stores nothing, the window
// ends, and a resend of an accepted message is answered (not refused) even over the limit.
import { setTimeout as sleep } from 'node:timers/promises';
import { ActivityTypes, type Activity } from 'botbuilder';
import { expect, it } from 'vitest';
import {
  channelAccount,
  conversationAccount,
  ConversationMessageLimitError,
  DirectLineAdapter,
  newWebChatUserId,
  type BotLogic,
} from '../../bot/adapters/directLineAdapter.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('conversation_message_limit');
const echo: BotLogic = async (context) => {
  if (context.activity.type === ActivityTypes.Message) await context.sendActivity(`echo ${context.activity.text ?? ''}`);
};

function message(conversationId: string, userId: string, text: string): Partial<Activity> {
  return {
    type: ActivityTypes.Message,
    text,
    from: channelAccount(userId, 'user'),
    conversation: conversationAccount(conversationId),
    channelData: { clientActivityID: `client-${text}` },
  };
}

it('two processes at once: exactly the limit is accepted, the rest refused with a retry time, nothing refused stored', async () => {
  const processes = [new DirectLineAdapter(db.models), new DirectLineAdapter(db.models)];
  const userId = newWebChatUserId();
  const { conversationId } = await processes[0]!.createConversation(userId, echo);
  const messageLimit = { points: 5, durationMs: 60_000 };
  const outcomes = await Promise.all(
    Array.from({ length: 12 }, async (_, index) => {
      try {
        const processed = await processes[index % 2]!.processActivity(message(conversationId, userId, `m${index}`), echo, { messageLimit });
        await processed.turnCompleted;
        return 'accepted';
      } catch (error) {
        if (error instanceof ConversationMessageLimitError) {
          expect(error.retryAfterSeconds).toBeGreaterThan(0);
          expect(error.retryAfterSeconds).toBeLessThanOrEqual(60);
          return 'refused';
        }
        throw error;
      }
    }),
  );
  expect(outcomes.filter((outcome) => outcome === 'accepted')).toHaveLength(5);
  expect(outcomes.filter((outcome) => outcome === 'refused')).toHaveLength(7);
  await Promise.all(processes.map((adapter) => adapter.idle()));
  const transcript = (await processes[1]!.transcript(conversationId)) ?? [];
  expect(transcript.filter((activity) => activity.from?.role !== 'bot')).toHaveLength(5);
  expect(transcript.filter((activity) => activity.from?.role === 'bot' && activity.text?.startsWith('echo'))).toHaveLength(5);
});

it('a window ends (whole seconds, as rate-limiter-flexible counts); a resend of an accepted message is answered with its id, over the limit too', async () => {
  const adapter = new DirectLineAdapter(db.models);
  const userId = newWebChatUserId();
  const { conversationId } = await adapter.createConversation(userId, echo);
  const messageLimit = { points: 2, durationMs: 1_000 };
  const first = await adapter.processActivity(message(conversationId, userId, 'one'), echo, { messageLimit });
  await adapter.processActivity(message(conversationId, userId, 'two'), echo, { messageLimit });
  await expect(adapter.processActivity(message(conversationId, userId, 'three'), echo, { messageLimit })).rejects.toBeInstanceOf(ConversationMessageLimitError);
  // The same client activity id again (its answer was lost): the first id, no second turn, not counted.
  expect((await adapter.processActivity(message(conversationId, userId, 'one'), echo, { messageLimit })).id).toBe(first.id);
  await sleep(1_100);
  await expect(adapter.processActivity(message(conversationId, userId, 'four'), echo, { messageLimit })).resolves.toMatchObject({ id: expect.any(String) });
  await adapter.idle();
  const texts = ((await adapter.transcript(conversationId)) ?? []).filter((activity) => activity.from?.role !== 'bot').map((activity) => activity.text);
  expect(texts).toEqual(['one', 'two', 'four']);
});
