// The front door: the welcome and its menu, the reply language read from what the consumer types and remembered,
// and an explicit choice of language that sticks. Runs the real bot on the test database.
import { beforeAll, describe, expect, it } from 'vitest';
import { textsFor } from '../../dialogs/texts.js';
import { createBotHarness, storedLanguageOf, type BotHarness } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_welcome');
let harness: BotHarness;
beforeAll(() => {
  harness = createBotHarness(db.models);
});

const hi = textsFor('hi');
const en = textsFor('en');

const profileOf = (userId: string) => storedLanguageOf(db.models, userId);

describe('welcome and menu', () => {
  it('greets a consumer who opens the chat in Hindi, with the menu as buttons, before knowing their language', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('join').userId);
    const turn = await chat.join();
    expect(turn.texts).toEqual([hi.welcome]);
    expect(turn.choices).toEqual(hi.menuChoices);
    expect(turn.replies[0]!.textFormat).toBe('plain');
  });

  it.each([
    { style: 'Hindi (Devanagari)', message: 'नमस्ते', language: 'hi' as const },
    { style: 'Hinglish', message: 'namaste ji', language: 'hl' as const },
    { style: 'English', message: 'Good morning', language: 'en' as const },
  ])('answers a $style greeting with the welcome and menu in its language', async ({ message, language }) => {
    const texts = textsFor(language);
    const chat = harness.consumer('webchat', harness.newIdentity('greet').userId);
    const turn = await chat.say(message);
    expect(turn.texts).toEqual([texts.welcome]);
    expect(turn.choices).toEqual(texts.menuChoices);
  });

  it.each([
    { style: 'Hindi', tap: hi.menuChoices[2]!, language: 'hi' as const },
    { style: 'English', tap: en.menuChoices[2]!, language: 'en' as const, before: 'Good morning' },
  ])('a tapped $style menu button does what it says ("My complaints")', async ({ tap, language, before }) => {
    const texts = textsFor(language);
    const chat = harness.consumer('webchat', harness.newIdentity('menu').userId);
    if (before) await chat.say(before);
    const turn = await chat.say(tap);
    expect(turn.texts).toEqual([texts.noComplaints]);
  });
});

describe('the reply language follows what the consumer types, and is remembered', () => {
  const cases = [
    { style: 'Hindi (Devanagari)', problem: 'बिजली नहीं है', language: 'hi' as const },
    { style: 'Hinglish', problem: 'bijli nahi hai', language: 'hl' as const },
    { style: 'English', problem: 'no electricity', language: 'en' as const },
  ];

  it.each(cases)('$style: replies in that language, and keep to it through answers without words (numbers)', async ({ problem, language }) => {
    const texts = textsFor(language);
    const identity = harness.newIdentity('detect');
    const chat = harness.consumer('webchat', identity.userId);

    expect((await chat.say(problem)).texts).toEqual([texts.askAccount]);
    // Digits carry no language: the remembered one is used.
    expect((await chat.say(identity.accountNumber)).texts).toEqual([texts.askMobile]);
    expect((await chat.say(identity.mobile)).texts).toEqual([texts.askLocality]);
    expect(await profileOf(identity.userId)).toMatchObject({ language });
    expect((await profileOf(identity.userId)).languageChosen).toBeUndefined();
  });

  it('the language is remembered in a later conversation of the same consumer (user state)', async () => {
    const identity = harness.newIdentity('remember');
    await harness.consumer('webchat', identity.userId).say('Good morning');
    const later = harness.consumer('webchat', identity.userId);
    const turn = await later.say('🙂');
    expect(turn.texts).toEqual([en.didNotUnderstand]);
    expect(turn.choices).toEqual(en.menuChoices);
  });

  it('a consumer who writes English and taps the English menu button stays in English', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('button').userId);
    await chat.say('Good morning');
    const turn = await chat.say(en.menuChoices[0]!); // "Register a complaint"
    expect(turn.texts).toEqual([en.askCategory]);
    expect(turn.choices).toEqual(en.categoryChoices);
  });
});

describe('an explicit choice of language sticks', () => {
  it.each([
    { request: 'English please', from: 'namaste ji', to: 'en' as const, otherLanguage: 'बिजली नहीं है, मीटर भी खराब है' },
    { request: 'हिंदी में', from: 'Good morning', to: 'hi' as const, otherLanguage: 'my meter is burnt' },
    { request: 'hindi mein baat karo', from: 'hello there', to: 'hi' as const, otherLanguage: 'the bill is wrong, please check' },
  ])('"$request" switches to it, and later messages in the other language do not switch back', async ({ request, from, to, otherLanguage }) => {
    const texts = textsFor(to);
    const identity = harness.newIdentity('switch');
    const chat = harness.consumer('webchat', identity.userId);
    await chat.say(from);

    const switched = await chat.say(request);
    expect(switched.texts).toEqual([texts.languageSwitched]);
    expect(switched.choices).toEqual(texts.menuChoices);
    expect(await profileOf(identity.userId)).toEqual({ language: to, languageChosen: true });

    // A complaint typed in the other language is still answered in the chosen one.
    const next = await chat.say(otherLanguage);
    expect(next.texts).toEqual([texts.askAccount]);
    expect(await profileOf(identity.userId)).toMatchObject({ language: to, languageChosen: true });
  });

  it('tapping the "English" button in the Hindi menu switches, and the English menu offers "हिंदी" back', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('tap-switch').userId);
    const welcome = await chat.join();
    const english = await chat.say(welcome.choices[4]!);
    expect(english.texts).toEqual([en.languageSwitched]);
    expect(english.choices).toEqual(en.menuChoices);
    const hindi = await chat.say(english.choices[4]!);
    expect(hindi.texts).toEqual([hi.languageSwitched]);
    expect(hindi.choices).toEqual(hi.menuChoices);
  });

  it.each([
    { style: 'Hinglish → English', problem: 'bijli nahi hai', request: 'English please', to: 'en' as const },
    { style: 'English → Hindi', problem: 'no electricity', request: 'हिंदी में', to: 'hi' as const },
    { style: 'English → Hindi (Hinglish request)', problem: 'no electricity', request: 'hindi mein baat karo', to: 'hi' as const },
  ])('$style in the middle of registration: says so and asks the same question again in the new language', async ({ problem, request, to }) => {
    const texts = textsFor(to);
    const chat = harness.consumer('webchat', harness.newIdentity('switch-mid').userId);
    await chat.say(problem);
    const turn = await chat.say(request);
    expect(turn.texts).toEqual([texts.languageSwitched, texts.askAccount]);
    expect(turn.choices).toEqual([texts.skipWords[0]]);
    // The registration carries on.
    expect((await chat.say(texts.skipWords[0]!)).texts).toEqual([texts.askMobile]);
  });
});
