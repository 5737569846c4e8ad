// The web chat adapter and its store on the real database: turn order per conversation, concurrency across them,
// idempotent proactive sends, and streams that never skip an activity when older ones move out of the document.
import { ActivityTypes, TurnContext, type Activity } from 'botbuilder';
import { beforeAll, describe, expect, it } from 'vitest';
import { trusted } from 'mongoose';
import {
  activityIdFor,
  channelAccount,
  conversationAccount,
  DirectLineAdapter,
  DirectLineConversationNotFoundError,
  DirectLineConversationStore,
  newWebChatUserId,
  type BotLogic,
} from '../../bot/adapters/directLineAdapter.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('directline_adapter');
let adapter: DirectLineAdapter;

beforeAll(() => {
  adapter = new DirectLineAdapter(db.models);
});

const doNothing: BotLogic = async () => undefined;

function message(conversationId: string, userId: string, text: string): Partial<Activity> {
  return { type: ActivityTypes.Message, text, from: channelAccount(userId, 'user'), conversation: conversationAccount(conversationId) };
}

async function newConversation(target: DirectLineAdapter = adapter): Promise<{ conversationId: string; userId: string }> {
  const userId = newWebChatUserId();
  const opened = await target.createConversation(userId, doNothing);
  await opened.turnCompleted;
  return { conversationId: opened.conversationId, userId };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('turns', () => {
  it('runs the turns of one conversation one at a time, in the order they arrived', async () => {
    const { conversationId, userId } = await newConversation();
    const events: string[] = [];
    const logic: BotLogic = async (context) => {
      events.push(`start ${context.activity.text ?? ''}`);
      await pause(Math.random() * 15);
      events.push(`end ${context.activity.text ?? ''}`);
    };
    const processed = await Promise.all(Array.from({ length: 10 }, (_, index) => adapter.processActivity(message(conversationId, userId, `${index}`), logic)));
    await Promise.all(processed.map((item) => item.turnCompleted));
    expect(events).toEqual(Array.from({ length: 10 }, (_, index) => [`start ${index}`, `end ${index}`]).flat());
    const stored = (await adapter.transcript(conversationId)) ?? [];
    expect(stored.map((activity) => activity.text)).toEqual(Array.from({ length: 10 }, (_, index) => `${index}`));
    expect(stored.map((activity) => activity.id)).toEqual(processed.map((item) => item.id));
  });

  it('runs turns of different conversations at the same time', async () => {
    const first = await newConversation();
    const second = await newConversation();
    let secondStarted: () => void = () => undefined;
    const secondHasStarted = new Promise<void>((resolve) => {
      secondStarted = resolve;
    });
    const logic: BotLogic = async (context) => {
      if (context.activity.conversation.id === second.conversationId) {
        secondStarted();
        return;
      }
      // Finishes only if the other conversation's turn can start while this one is still running.
      await Promise.race([secondHasStarted, pause(5_000).then(() => Promise.reject(new Error('turns were serialised across conversations')))]);
      await context.sendActivity('both ran');
    };
    const a = await adapter.processActivity(message(first.conversationId, first.userId, 'a'), logic);
    const b = await adapter.processActivity(message(second.conversationId, second.userId, 'b'), logic);
    await Promise.all([a.turnCompleted, b.turnCompleted]);
    const transcript = (await adapter.transcript(first.conversationId)) ?? [];
    expect(transcript.map((activity) => activity.text)).toEqual(['a', 'both ran']);
  });

  it('lets the next turn go when one is stuck, and a turn may continue its own conversation', async () => {
    const impatient = new DirectLineAdapter(db.models, { stuckTurnMs: 200 });
    const { conversationId, userId } = await newConversation(impatient);
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    const logic: BotLogic = async (context) => {
      if (context.activity.text === 'hang') {
        await stuck;
        return;
      }
      await impatient.continueConversationAsync('', TurnContext.getConversationReference(context.activity), async (inner) => {
        await inner.sendActivity('from inside the turn');
      });
    };
    const hanging = await impatient.processActivity(message(conversationId, userId, 'hang'), logic);
    const startedAt = Date.now();
    const next = await impatient.processActivity(message(conversationId, userId, 'next'), logic);
    await next.turnCompleted;
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    release();
    await hanging.turnCompleted;
    const texts = ((await impatient.transcript(conversationId)) ?? []).map((activity) => activity.text);
    expect(texts).toEqual(['hang', 'next', 'from inside the turn']);
  });

  it('welcomes a new conversation once with a conversationUpdate that is not stored', async () => {
    const seen: Partial<Activity>[] = [];
    const logic: BotLogic = async (context) => {
      seen.push(context.activity);
      await context.sendActivity('Welcome');
    };
    const userId = newWebChatUserId();
    const opened = await Promise.all(Array.from({ length: 10 }, () => adapter.openConversationForUser(userId, logic, 'hi-IN')));
    await Promise.all(opened.map((item) => item.turnCompleted));
    expect(new Set(opened.map((item) => item.conversationId)).size).toBe(1);
    expect(opened.filter((item) => item.created)).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'conversationUpdate', locale: 'hi-IN', channelId: 'webchat' });
    expect(seen[0]?.membersAdded?.map((member) => member.id)).toContain(userId);
    const transcript = (await adapter.transcript(opened[0]?.conversationId ?? '')) ?? [];
    expect(transcript.map((activity) => activity.text)).toEqual(['Welcome']);
    expect(transcript[0]?.replyToId).toBeUndefined();
  });

  it('refuses an unknown conversation, another channel, and updating or deleting', async () => {
    await expect(adapter.processActivity(message('NoSuchConversation01', 'u', 'hi'), doNothing)).rejects.toBeInstanceOf(
      DirectLineConversationNotFoundError,
    );
    const unknown = { channelId: 'webchat', conversation: conversationAccount('NoSuchConversation02') };
    await expect(adapter.continueConversationAsync('', unknown, doNothing)).rejects.toBeInstanceOf(DirectLineConversationNotFoundError);
    const whatsapp = { channelId: 'whatsapp', conversation: conversationAccount('NoSuchConversation03') };
    await expect(adapter.continueConversationAsync('', whatsapp, doNothing)).rejects.toThrow(/webchat/);

    const { conversationId, userId } = await newConversation();
    const failures: string[] = [];
    const processed = await adapter.processActivity(message(conversationId, userId, 'edit'), async (context) => {
      for (const attempt of [() => context.updateActivity({ id: 'x', text: 'y' }), () => context.deleteActivity('x')]) {
        await attempt().catch((error: Error) => failures.push(error.message));
      }
    });
    await processed.turnCompleted;
    expect(failures).toHaveLength(2);
    for (const failure of failures) expect(failure).toMatch(/cannot/);
  });

  it('tells the caller when a proactive turn fails and no error handler takes it', async () => {
    const { conversationId } = await newConversation();
    const reference = { channelId: 'webchat', conversation: conversationAccount(conversationId) };
    await expect(
      adapter.continueConversationAsync('', reference, async () => {
        throw new Error('sender down');
      }),
    ).rejects.toThrow('sender down');
  });

  it('stores messages, events and typing but not delays or traces; the transcript leaves typing out', async () => {
    const { conversationId, userId } = await newConversation();
    const processed = await adapter.processActivity(message(conversationId, userId, 'hello'), async (context) => {
      await context.sendActivities([
        { type: ActivityTypes.Typing },
        { type: 'delay', value: 10 },
        { type: ActivityTypes.Trace, name: 'debug', value: { secret: 'internal' } },
        { type: ActivityTypes.Event, name: 'handoff.status', value: { state: 'accepted' } },
        { type: ActivityTypes.Message, text: 'answer' },
      ]);
    });
    await processed.turnCompleted;
    const everything = (await adapter.transcript(conversationId, { includeTyping: true })) ?? [];
    expect(everything.map((activity) => activity.type)).toEqual(['message', 'typing', 'event', 'message']);
    const forAgents = (await adapter.transcript(conversationId)) ?? [];
    expect(forAgents.map((activity) => activity.type)).toEqual(['message', 'event', 'message']);
  });
});

describe('store', () => {
  it('moves older activities out of the document and still pages every one of them from any watermark', async () => {
    const store = new DirectLineConversationStore(db.models, { windowKeep: 3, windowMax: 5 });
    const { conversationId } = await store.createConversation(newWebChatUserId());
    const ids: string[] = [];
    for (let index = 1; index <= 12; index++) ids.push((await store.append(conversationId, () => ({ type: 'message', text: `m${index}` }))).id);
    expect(ids).toEqual(Array.from({ length: 12 }, (_, index) => activityIdFor(conversationId, index + 1)));

    const document = await db.models.directLineConversations.findById(conversationId, { window: 1, windowFrom: 1, head: 1 }).lean();
    expect(document?.head).toBe(12);
    expect(document?.window?.length).toBeLessThanOrEqual(5);
    expect(document?.window?.[0]?.seq).toBe(document?.windowFrom);
    const movedOut = await db.models.directLineActivities.find({ _id: trusted({ $in: ids }) }, { seq: 1 }).lean();
    expect(movedOut.length).toBeGreaterThanOrEqual(12 - 5);

    for (const watermark of [0, 1, 4, 7, 9, 12]) {
      const page = await store.readAfter(conversationId, watermark);
      expect(page?.activities.map((activity) => activity.text)).toEqual(Array.from({ length: 12 - watermark }, (_, index) => `m${watermark + index + 1}`));
      expect(page?.watermark).toBe(12);
    }
    expect((await store.readAfter(conversationId, 2, 3))?.activities.map((activity) => activity.text)).toEqual(['m3', 'm4', 'm5']);
    expect(((await store.transcript(conversationId)) ?? []).length).toBe(12);
  });

  it('stores an idempotent send once however many senders race, also from another process', async () => {
    const store = new DirectLineConversationStore(db.models);
    const otherProcess = new DirectLineConversationStore(db.models);
    const { conversationId } = await store.createConversation(newWebChatUserId());
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        (index % 2 === 0 ? store : otherProcess).appendOnce(conversationId, 'notification-17', () => ({ type: 'message', text: 'resolved' })),
      ),
    );
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    const texts = ((await store.transcript(conversationId)) ?? []).map((activity) => activity.text);
    expect(texts).toEqual(['resolved']);
  });

  it('gives the same user the same conversation, and each conversation a history of its own', async () => {
    const store = new DirectLineConversationStore(db.models);
    const userId = newWebChatUserId();
    const first = await store.conversationForUser(userId);
    const second = await store.conversationForUser(userId);
    expect(first).toEqual({ conversationId: first.conversationId, created: true });
    expect(second).toEqual({ conversationId: first.conversationId, created: false });
    expect(await store.readAfter('not a conversation id', 0)).toBeNull();
    expect(await store.transcript('NoSuchConversation04')).toBeNull();
  });
});

