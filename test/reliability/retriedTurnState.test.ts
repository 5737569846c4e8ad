// A web chat turn whose state write landed but whose connection closed before the reply (the database stopping
// mid-turn) is run again by the adapter. Found by the database-restart test: the re-run applied the same message to
// the dialog a second time, one step further on ("…5 घंटे से बिजली नहीं है" answered the account question as "no",
// the mobile question was never shown, and the consumer's "छोड़ें" then landed on the mobile question). Here the
// fault is injected at the storage boundary of the real database, on each of the two state writes a turn makes.
import { ActivityTypes, type Activity } from 'botbuilder';
import { expect, it } from 'vitest';
import { channelAccount, conversationAccount, DirectLineAdapter, newWebChatUserId } from '../../bot/adapters/directLineAdapter.js';
import { PlainTextMiddleware } from '../../bot/plainTextMiddleware.js';
import { createTurnErrorHandler } from '../../bot/turnErrorHandler.js';
import { texts } from '../../dialogs/texts.js';
import { createBotHarness } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('retried_turn_state');
const hi = texts.hi;

it.each([
  ['conversation state', '/conversations/'],
  ['user state', '/users/'],
])('runs a turn whose %s write landed but lost its reply exactly once', async (_label, keyPart) => {
  const harness = createBotHarness(db.models);
  const adapter = new DirectLineAdapter(db.models, { unavailableRetryMs: 5_000 });
  adapter.use(new PlainTextMiddleware());
  const log: string[] = [];
  adapter.onTurnError = createTurnErrorHandler(harness.conversationState, (line) => log.push(line));
  const logic = (context: Parameters<typeof harness.bot.run>[0]) => harness.bot.run(context);

  const userId = newWebChatUserId();
  const opened = await adapter.createConversation(userId, logic);
  await opened.turnCompleted;
  const say = async (text: string) => {
    const activity: Partial<Activity> = { type: ActivityTypes.Message, text, from: channelAccount(userId, 'user'), conversation: conversationAccount(opened.conversationId) };
    await (await adapter.processActivity(activity, logic)).turnCompleted;
  };

  harness.storage.loseNextWriteReply(keyPart);
  await say('गोमती नगर में 5 घंटे से बिजली नहीं है');
  await say('छोड़ें');

  const transcript = (await adapter.transcript(opened.conversationId)) ?? [];
  const botTexts = transcript.filter((activity) => activity.from?.role === 'bot').map((activity) => activity.text ?? '');
  expect(botTexts).toHaveLength(3);
  expect(botTexts[0]).toContain(hi.welcome);
  expect(botTexts[1]).toContain(hi.askAccount);
  expect(botTexts[2]).toContain(hi.askMobile);
  expect(log).toEqual([]);
});
