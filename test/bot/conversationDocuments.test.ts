// Conversation documents (issue 15, item 1) on the real database: what a web chat turn costs in database commands, a
// final write whose reply was lost, and two processes taking turns on one conversation with its state in the document.
import { ActivityTypes, ConversationState, UserState, type Activity } from 'botbuilder';
import mongoose from 'mongoose';
import { afterEach, expect, it } from 'vitest';
import { channelAccount, conversationAccount, DirectLineAdapter, newWebChatUserId, type BotLogic } from '../../bot/adapters/directLineAdapter.js';
import { MongoStorage } from '../../bot/mongoStorage.js';
import type { Models } from '../../models/index.js';
import { commandsDuring as countCommands } from '../support/commandsDuring.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('conversation_documents');

/** The database commands the test's connection sends while `task` runs, by name (handshakes and pings left out). */
function commandsDuring(task: () => Promise<unknown>): Promise<string[]> {
  return countCommands(db.connection, task);
}

/** A bot that keeps a turn counter in conversation state and the consumer's language in user state, as ours does. */
function countingBot(storage: MongoStorage): BotLogic {
  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);
  const turns = conversationState.createProperty<number>('turns');
  const profile = userState.createProperty<{ language?: string }>('profile');
  return async (context) => {
    const turn = (await turns.get(context, 0)) + 1;
    await turns.set(context, turn);
    const known = await profile.get(context, {});
    if (context.activity.type === ActivityTypes.Message) await profile.set(context, { ...known, language: context.activity.text?.startsWith('नमस्ते') ? 'hi' : 'en' });
    await context.sendActivity(`turn ${turn} (${known.language ?? '?'})`);
    await userState.saveChanges(context, false);
    await conversationState.saveChanges(context, false);
  };
}

function message(conversationId: string, userId: string, text: string, clientActivityID?: string): Partial<Activity> {
  return {
    type: ActivityTypes.Message,
    text,
    from: channelAccount(userId, 'user'),
    conversation: conversationAccount(conversationId),
    ...(clientActivityID ? { channelData: { clientActivityID } } : {}),
  };
}

async function botTexts(adapter: DirectLineAdapter, conversationId: string): Promise<string[]> {
  return ((await adapter.transcript(conversationId)) ?? []).filter((activity) => activity.from?.role === 'bot').map((activity) => activity.text ?? '');
}

const restore: Array<() => void> = [];
afterEach(() => {
  while (restore.length > 0) restore.pop()!();
});

it('runs an ordinary consumer turn in two database commands and opens a conversation in one (issue 15: ≤ 4 each; ~18 and 13 before)', async () => {
  const adapter = new DirectLineAdapter(db.models);
  const logic = countingBot(new MongoStorage(db.models));
  const userId = newWebChatUserId();
  let conversationId = '';
  const start = await commandsDuring(async () => {
    const opened = await adapter.createConversation(userId, logic);
    conversationId = opened.conversationId;
    await opened.turnCompleted;
  });
  // The welcome turn runs first and its one write inserts the document with the welcome in it; the user's state (the
  // id was just issued: nothing to read) only got an empty default, which is not written to its own document.
  // (Before the conversation start was folded into one insert: ['insert', 'update', 'update'].)
  expect(start).toEqual(['insert']);
  // A returning user (an id from a cookie) may have state from an earlier conversation: it is read once.
  const returning = await commandsDuring(async () => (await adapter.createConversation(userId, logic)).turnCompleted);
  expect(returning).toEqual(['find', 'insert']);
  await (await adapter.processActivity(message(conversationId, userId, 'नमस्ते', 'c-1'), logic)).turnCompleted;

  const turn = await commandsDuring(async () => (await adapter.processActivity(message(conversationId, userId, 'second', 'c-2'), logic)).turnCompleted);
  // The take (lease + the message + the pending mark, returning the document as it was) and the final write. The user's
  // state changed in this turn (hi → en), so it is also written to its own document for the user's other conversations.
  expect(turn).toEqual(['findAndModify', 'update', 'update']);
  const unchanged = await commandsDuring(async () => (await adapter.processActivity(message(conversationId, userId, 'third', 'c-3'), logic)).turnCompleted);
  expect(unchanged).toEqual(['findAndModify', 'update']);
  // A poll is one read of the document.
  expect(await commandsDuring(() => adapter.readActivities(conversationId, 0))).toEqual(['find']);
  expect(await botTexts(adapter, conversationId)).toEqual(['turn 1 (?)', 'turn 2 (?)', 'turn 3 (hi)', 'turn 4 (en)']);
});

it('recognises a final write that landed although its reply was lost, and runs the turn once', async () => {
  // The fault is injected at the boundary of the real database (the model, and the driver collection under it, which
  // the turn's hot path uses): the next turn write is applied, then its connection "closes" before the answer, as in
  // the database-restart test.
  let loseNext = false;
  const conversations = db.models.directLineConversations;
  const losingUpdateOne =
    <A extends unknown[], R>(updateOne: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await updateOne(...args);
      if (loseNext && JSON.stringify(args[1]).includes('"head"')) {
        loseNext = false;
        throw new mongoose.mongo.MongoNetworkError('injected: connection closed after the write was applied');
      }
      return result;
    };
  const collection = new Proxy(conversations.collection, {
    get(target, property, receiver) {
      if (property === 'updateOne') return losingUpdateOne(target.updateOne.bind(target));
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const models = {
    ...db.models,
    directLineConversations: new Proxy(conversations, {
      get(target, property, receiver) {
        if (property === 'collection') return collection;
        if (property !== 'updateOne') return Reflect.get(target, property, receiver) as unknown;
        return losingUpdateOne(target.updateOne.bind(target));
      },
    }),
  } as Models;
  const adapter = new DirectLineAdapter(models, { unavailableRetryMs: 5_000 });
  const logic = countingBot(new MongoStorage(db.models));
  const userId = newWebChatUserId();
  const opened = await adapter.createConversation(userId, logic);
  await opened.turnCompleted;
  loseNext = true;
  await (await adapter.processActivity(message(opened.conversationId, userId, 'hello', 'lost-1'), logic)).turnCompleted;
  expect(loseNext).toBe(false);
  await (await adapter.processActivity(message(opened.conversationId, userId, 'again', 'lost-2'), logic)).turnCompleted;
  expect(await botTexts(adapter, opened.conversationId)).toEqual(['turn 1 (?)', 'turn 2 (?)', 'turn 3 (en)']);
  const document = await db.models.directLineConversations.findById(opened.conversationId, { pendingTurn: 1, lease: 1 }).lean();
  expect(document?.pendingTurn).toBeUndefined();
  expect(document?.lease).toBeUndefined();
});

it('lets two processes take turns on one conversation: each turn reads the state the other one wrote, resends answered once', async () => {
  const processes = [new DirectLineAdapter(db.models), new DirectLineAdapter(db.models)];
  const logic = countingBot(new MongoStorage(db.models));
  const userId = newWebChatUserId();
  const opened = await processes[0]!.createConversation(userId, logic);
  await opened.turnCompleted;
  const ids: string[] = [];
  for (let index = 0; index < 6; index++) {
    const processed = await processes[index % 2]!.processActivity(message(opened.conversationId, userId, `m${index}`, `two-${index}`), logic);
    ids.push(processed.id);
    await processed.turnCompleted;
  }
  // The same activity resent to both processes at once: one stored copy, the first id, no turn.
  const resent = await Promise.all(processes.map((adapter) => adapter.processActivity(message(opened.conversationId, userId, 'm5', 'two-5'), logic)));
  await Promise.all(resent.map((processed) => processed.turnCompleted));
  expect(resent.map((processed) => processed.id)).toEqual([ids[5], ids[5]]);
  expect(await botTexts(processes[1]!, opened.conversationId)).toEqual(Array.from({ length: 7 }, (_, index) => `turn ${index + 1} (${index < 2 ? '?' : 'en'})`));
  const users = ((await processes[0]!.transcript(opened.conversationId)) ?? []).filter((activity) => activity.from?.role === 'user');
  expect(users.map((activity) => activity.id)).toEqual(ids);
});

it('stores the replies of a turn that outlived its lease after the turn that took over, and drops its stale state', async () => {
  const impatient = new DirectLineAdapter(db.models, { stuckTurnMs: 200 });
  const storage = new MongoStorage(db.models);
  const counting = countingBot(storage);
  let release: () => void = () => undefined;
  const stuck = new Promise<void>((resolve) => {
    release = resolve;
  });
  const logic: BotLogic = async (context) => {
    if (context.activity.text === 'hang') {
      await stuck;
      await context.sendActivity('late answer');
      return;
    }
    await counting(context);
  };
  const userId = newWebChatUserId();
  const opened = await impatient.createConversation(userId, logic);
  await opened.turnCompleted;
  const hanging = await impatient.processActivity(message(opened.conversationId, userId, 'hang'), logic);
  const next = await impatient.processActivity(message(opened.conversationId, userId, 'next'), logic);
  await next.turnCompleted;
  release();
  await hanging.turnCompleted;
  const texts = ((await impatient.transcript(opened.conversationId)) ?? []).map((activity) => activity.text);
  expect(texts).toEqual(['turn 1 (?)', 'hang', 'next', 'turn 2 (?)', 'late answer']);
});
