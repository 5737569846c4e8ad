// Reaching a person, and the words that work anywhere in a conversation (help, cancel, start over), in Hindi,
// Hinglish and English. Asking for a person hands the conversation off (the live round trip is in
// liveHandoff.test.ts); after two messages in a row the bot did not understand, a request is recorded.
import { beforeAll, describe, expect, it } from 'vitest';
import { textsFor, type Language, type Texts } from '../../dialogs/texts.js';
import { createBotHarness, type BotHarness, type ConsumerChat } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_handoff');
let harness: BotHarness;
beforeAll(() => {
  harness = createBotHarness(db.models);
});

/** The queue message up to the position (which depends on the other waiting handoffs of this file). */
function queuedPrefix(texts: Texts): string {
  return texts.handoffQueued({ position: 99, officeHours: '', callbackAfterMinutes: 5 }).split('99')[0]!;
}

async function handoffsOf(userId: string) {
  return db.models.handoffRequests.find({ consumerKey: `webchat:${userId}` }).sort({ createdAt: 1 }).lean();
}

async function ticketCount(userId: string): Promise<number> {
  return db.models.tickets.countDocuments({ 'consumer.channelUserId': userId });
}

describe('"talk to a person"', () => {
  it.each([
    { style: 'Hindi (Devanagari)', language: 'hi' as Language, ask: 'किसी व्यक्ति से बात करनी है' },
    { style: 'Hinglish', language: 'hl' as Language, ask: 'kisi insaan se baat karni hai' },
    { style: 'English', language: 'en' as Language, ask: 'I want to talk to a human' },
    { style: 'English (after writing English)', language: 'en' as Language, ask: 'talk to a person', before: 'Good morning' },
    { style: 'English (the menu button)', language: 'en' as Language, ask: 'Talk to a person', before: 'Good morning' },
  ])('$style: handed off — an honest answer (queue position, call 1912), and the request stored for the agents', async ({ language, ask, before }) => {
    const texts = textsFor(language);
    const chat = harness.consumer('webchat', harness.newIdentity('human').userId);
    if (before) await chat.say(before);
    const turn = await chat.say(ask);
    // Live handoff: the position depends on the other waiting handoffs of this file.
    expect(turn.texts).toHaveLength(1);
    expect(turn.text).toMatch(new RegExp(`^${queuedPrefix(texts)}\\d+`));
    expect(turn.text).toContain('1912');

    const requests = await handoffsOf(chat.userId);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ channel: 'webchat', reason: 'asked', lastText: ask, status: 'waiting' });
    const stored = await db.models.handoffRequests.collection.findOne({ consumerKey: `webchat:${chat.userId}` });
    expect(stored?.reason).toBe('asked'); // in the handoff_requests collection itself
    expect(db.models.handoffRequests.collection.collectionName).toBe('handoff_requests');
  });

  it.each([
    { style: 'Hindi (Devanagari)', language: 'hi' as Language, problem: 'बिजली नहीं है', ask: 'किसी व्यक्ति से बात करें' },
    { style: 'Hinglish', language: 'hl' as Language, problem: 'bijli nahi hai', ask: 'agent se baat karao' },
    { style: 'English', language: 'en' as Language, problem: 'no electricity', ask: 'I want to speak to someone' },
  ])('$style, in the middle of registering: handed off, the registration stops; cancelling brings the bot back', async ({ language, problem, ask }) => {
    const texts = textsFor(language);
    const chat = harness.consumer('webchat', harness.newIdentity('human-mid').userId);
    await chat.say(problem);
    const turn = await chat.say(ask);
    expect(turn.texts).toHaveLength(1);
    expect(turn.text).toContain('1912');
    expect(await handoffsOf(chat.userId)).toHaveLength(1);
    // While waiting, an answer is passed on to the agent, not taken by the registration.
    expect((await chat.say(texts.skipWords[0]!)).texts).toEqual([texts.handoffPassedOn]);
    expect((await chat.say(language === 'hi' ? 'रद्द' : 'cancel')).texts).toEqual([texts.handoffCancelled]);
    expect((await handoffsOf(chat.userId))[0]).toMatchObject({ status: 'failed' });
    expect(await ticketCount(chat.userId)).toBe(0);
  });
});

describe('two messages in a row not understood → a person is offered', () => {
  it.each([
    { style: 'Hindi (Devanagari)', language: 'hi' as Language, greeting: 'नमस्ते', first: 'ये क्या है', second: 'क ख ग' },
    { style: 'Hinglish', language: 'hl' as Language, greeting: 'namaste ji', first: 'kya hai ye', second: 'asdf qwerty' },
    { style: 'English', language: 'en' as Language, greeting: 'Good morning', first: 'what is this', second: 'blah blah' },
  ])('$style', async ({ language, greeting, first, second }) => {
    const texts = textsFor(language);
    const chat = harness.consumer('webchat', harness.newIdentity('misses').userId);
    await chat.say(greeting);

    const once = await chat.say(first);
    expect(once.texts).toEqual([texts.didNotUnderstand]);
    expect(once.choices).toEqual(texts.menuChoices);
    expect(await handoffsOf(chat.userId)).toEqual([]);

    // The second miss hands them to a person by itself: handoff.initiate with the transcript, and the queue message.
    const twice = await chat.say(second);
    expect(twice.texts).toHaveLength(1);
    expect(twice.text.startsWith(`${texts.handoffNotUnderstood}\n${queuedPrefix(texts)}`)).toBe(true);
    const requests = await handoffsOf(chat.userId);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ reason: 'not_understood', lastText: second, status: 'waiting' });
    expect((await db.models.handoffRequests.findById(requests[0]!._id).lean())?.transcript?.map((line) => line.text)).toContain(first);

    // Now waiting for a person: the next message goes to them, not to another "not understood".
    expect((await chat.say(first)).texts).toEqual([texts.handoffPassedOn]);
    expect(await ticketCount(chat.userId)).toBe(0);
  });

  it('a message understood in between resets the count', async () => {
    const texts = textsFor('hl'); // the consumer writes Hinglish
    const chat = harness.consumer('webchat', harness.newIdentity('reset').userId);
    await chat.say('kya hai ye');
    await chat.say('namaste ji');
    expect((await chat.say('asdf qwerty')).texts).toEqual([texts.didNotUnderstand]);
    expect(await handoffsOf(chat.userId)).toEqual([]);
  });
});

describe('a clearly upset consumer is handed to a person, with an apology', () => {
  it.each([
    { style: 'Hindi (Devanagari)', language: 'hi' as Language, message: 'बकवास सेवा है, कोई सुनवाई नहीं होती' },
    { style: 'Hinglish', language: 'hl' as Language, message: 'kitni baar complaint karu, koi sunta nahi!!!' },
    { style: 'English', language: 'en' as Language, message: 'This is RIDICULOUS, worst service ever!!!', before: 'Good morning' },
  ])('$style', async ({ language, message, before }) => {
    const texts = textsFor(language);
    const chat = harness.consumer('webchat', harness.newIdentity('upset').userId);
    if (before) await chat.say(before);
    const turn = await chat.say(message);
    expect(turn.texts).toHaveLength(1);
    expect(turn.text.startsWith(`${texts.handoffUpset}\n${queuedPrefix(texts)}`)).toBe(true);
    const requests = await handoffsOf(chat.userId);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ reason: 'upset', lastText: message, status: 'waiting' });
    expect(requests[0]!.transcript?.map((line) => line.text)).toContain(message);
    expect(await ticketCount(chat.userId)).toBe(0);
  });

  it.each([
    { style: 'a long wait alone', message: '3 din se light nahi hai' },
    { style: 'one mild word', message: 'bahut pareshan hain hum, meter jal gaya' },
    { style: 'shouting alone', message: 'BIJLI KAB AAYEGI BATAO' },
  ])('$style is an ordinary complaint, not a handoff', async ({ message }) => {
    const chat = harness.consumer('webchat', harness.newIdentity('mild').userId);
    const turn = await chat.say(message);
    expect(turn.text).not.toContain(textsFor('hi').handoffUpset);
    expect(await handoffsOf(chat.userId)).toEqual([]);
  });
});

interface InterruptionCase {
  style: string;
  language: Language;
  problem: string;
  help: string;
  cancel: string;
  restart: string;
}

const interruptions: InterruptionCase[] = [
  { style: 'Hindi (Devanagari)', language: 'hi', problem: 'बिजली नहीं है', help: 'मुझे मदद चाहिए', cancel: 'रद्द करो', restart: 'फिर से शुरू करो' },
  { style: 'Hinglish', language: 'hl', problem: 'bijli nahi hai', help: 'madad chahiye', cancel: 'cancel karo', restart: 'shuru se karo' },
  { style: 'English', language: 'en', problem: 'no electricity', help: 'help', cancel: 'please cancel', restart: 'start over' },
];

/** Starts a registration and answers up to the mobile question. */
async function halfRegistered(chat: ConsumerChat, problem: string, language: Language): Promise<void> {
  const texts = textsFor(language);
  expect((await chat.say(problem)).texts).toEqual([texts.askAccount]);
  expect((await chat.say(texts.skipWords[0]!)).texts).toEqual([texts.askMobile]);
}

describe.each(interruptions)('in the middle of registration, in $style', (c) => {
  const texts = textsFor(c.language);

  it('help: explains, asks the same question again, and the registration goes on', async () => {
    const identity = harness.newIdentity('help');
    const chat = harness.consumer('webchat', identity.userId);
    await halfRegistered(chat, c.problem, c.language);
    const turn = await chat.say(c.help);
    expect(turn.texts).toEqual([texts.help, texts.askMobile]);
    expect((await chat.say(identity.mobile)).texts).toEqual([texts.askLocality]);
  });

  it('cancel: stops, shows the menu, and nothing is registered; an answer afterwards is not taken as one', async () => {
    const identity = harness.newIdentity('cancel');
    const chat = harness.consumer('webchat', identity.userId);
    await halfRegistered(chat, c.problem, c.language);
    // A half-filled complaint is not thrown away on one word: asked once (issue 12).
    const ask = await chat.say(c.cancel);
    expect(ask.texts).toEqual([texts.confirmCancel]);
    expect(ask.choices).toEqual(texts.yesNoChoices);
    const turn = await chat.say(texts.yesNoChoices[0]!);
    expect(turn.texts).toEqual([texts.cancelled]);
    expect(turn.choices).toEqual(texts.menuChoices);

    const after = await chat.say(identity.mobile);
    expect(after.texts).toEqual([texts.didNotUnderstand]);
    expect(await ticketCount(identity.userId)).toBe(0);
  });

  it('start over: says so, shows the welcome, and a new complaint starts from the beginning', async () => {
    const identity = harness.newIdentity('restart');
    const chat = harness.consumer('webchat', identity.userId);
    await halfRegistered(chat, c.problem, c.language);
    const turn = await chat.say(c.restart);
    expect(turn.texts).toEqual([`${texts.restarted}\n${texts.welcome}`]);
    expect(turn.choices).toEqual(texts.menuChoices);

    // The skipped account number of the abandoned registration is forgotten: it is asked again.
    expect((await chat.say(c.problem)).texts).toEqual([texts.askAccount]);
    expect(await ticketCount(identity.userId)).toBe(0);
  });

  it('cancel at the summary registers nothing', async () => {
    const identity = harness.newIdentity('cancel-summary');
    const chat = harness.consumer('webchat', identity.userId);
    await halfRegistered(chat, c.problem, c.language);
    await chat.say(identity.mobile);
    const summary = await chat.say(c.language === 'en' ? 'Gomti Nagar' : 'गोमती नगर');
    expect(summary.choices).toEqual(texts.yesNoChoices);
    expect((await chat.say(c.cancel)).texts).toEqual([texts.confirmCancel]);
    expect((await chat.say(texts.yesNoChoices[0]!)).texts).toEqual([texts.cancelled]);
    expect(await ticketCount(identity.userId)).toBe(0);
  });
});
