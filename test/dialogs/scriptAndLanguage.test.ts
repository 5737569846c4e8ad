// Issue 12 item 6, over the real bot and database: replies in the script the consumer writes (Hinglish in Latin
// letters, Devanagari, English), no change of language on messages that carry none, the page's locale for the
// welcome, explicit requests for each of the three, and proactive messages in the stored script. Every test here
// failed on main before this change (noted per test).
import { beforeAll, describe, expect, it } from 'vitest';
import { textsFor } from '../../dialogs/texts.js';
import type { StaffPrincipal } from '../../services/staffAuthService.js';
import { createBotHarness, storedLanguageOf, ticketNumberIn, type BotHarness, type ConsumerChat } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_script');
let harness: BotHarness;
beforeAll(() => {
  harness = createBotHarness(db.models);
});

const hi = textsFor('hi');
const en = textsFor('en');
const hl = textsFor('hl');
const DEVANAGARI = /[\u0900-\u097F]/;

const profileOf = (userId: string) => storedLanguageOf(db.models, userId);

/** Every text the turn sent, and its buttons, are free of Devanagari. */
function expectLatinOnly(turn: { texts: string[]; choices: string[] }): void {
  for (const text of [...turn.texts, ...turn.choices]) expect(text, text).not.toMatch(DEVANAGARI);
}

describe('Hinglish in, Hinglish (Latin letters) out', () => {
  // Issue example: "Consumers writing Hindi in Latin letters always get Devanagari back". Failed on main: every reply
  // below came back in Devanagari.
  it('across a whole registration, with numbers, a place, "ok" and "haan" on the way', async () => {
    const identity = harness.newIdentity('hl-whole');
    const chat = harness.consumer('webchat', identity.userId);

    const asked = await chat.say('light nahi aa rahi 5 ghante se');
    expect(asked.texts).toEqual([hl.askAccount]);
    expectLatinOnly(asked);
    expect((await chat.say(identity.accountNumber)).texts).toEqual([hl.askMobile]);
    // "ok" is no mobile number, and no sign of a language either: asked again, in Hinglish.
    expect((await chat.say('ok')).texts).toEqual([hl.badMobile]);
    expect((await chat.say(identity.mobile)).texts).toEqual([hl.askLocality]);
    const summary = await chat.say('Gomti Nagar');
    expect(summary.texts[0]).toMatch(/^Kripya jaanch lijiye:/);
    expect(summary.choices).toEqual(hl.yesNoChoices);
    expectLatinOnly(summary);
    const registered = await chat.say('haan');
    const number = ticketNumberIn(registered.text)!;
    expect(registered.texts[0]).toMatch(/^✅ Aapki shikayat darj ho gayi\. Shikayat sankhya: UP-/);
    expectLatinOnly(registered);

    expect(await profileOf(identity.userId)).toMatchObject({ language: 'hl' });
    const stored = await harness.tickets.get(number);
    expect(stored.consumer.language).toBe('hl');
    // The status line, dates included, in Latin letters too.
    const status = await chat.say(`${number} ka status batao`);
    expect(status.texts[0]).toMatch(new RegExp(`^Shikayat ${number} \\(`));
    expectLatinOnly(status);
  });
});

describe('no change of language on a message that carries none', () => {
  // Issue example: "the language flips message to message: Hindi→English mid-registration — e.g. on … 'acc no
  // 2345678901' … or 'ok'". Failed on main: "acc no 2345678901" switched a Hindi registration to English.
  it.each([
    { style: 'Devanagari', language: 'hi' as const, problem: 'मीटर जल गया है' },
    { style: 'Hinglish', language: 'hl' as const, problem: 'mera meter jal gaya hai' },
    { style: 'English', language: 'en' as const, problem: 'my meter is burnt' },
  ])('$style: "acc no …", "ok", "mob …" and a place name keep the language', async ({ language, problem }) => {
    const texts = textsFor(language);
    const identity = harness.newIdentity(`neutral-${language}`);
    const chat = harness.consumer('webchat', identity.userId);
    expect((await chat.say(problem)).texts).toEqual([texts.askAccount]);
    expect((await chat.say(`acc no ${identity.accountNumber}`)).texts).toEqual([texts.askMobile]);
    expect((await chat.say('ok')).texts).toEqual([texts.badMobile]);
    expect((await chat.say(`mob ${identity.mobile}`)).texts).toEqual([texts.askLocality]);
    const summary = await chat.say('Gomti Nagar');
    expect(summary.choices).toEqual(texts.yesNoChoices);
    expect(await profileOf(identity.userId)).toMatchObject({ language });
  });

  it('Devanagari stays Devanagari through a short Latin "haan ji" and an "A/C No." answer', async () => {
    const identity = harness.newIdentity('deva-stays');
    const chat = harness.consumer('webchat', identity.userId);
    expect((await chat.say('बिजली नहीं आ रही सुबह से')).texts).toEqual([hi.askAccount]);
    expect((await chat.say(`A/C No. ${identity.accountNumber}`)).texts).toEqual([hi.askMobile]);
    expect((await chat.say(identity.mobile)).texts).toEqual([hi.askLocality]);
    const summary = await chat.say('Alambagh');
    expect(summary.texts[0]).toMatch(/^कृपया जाँच लें:/);
    const registered = await chat.say('haan ji');
    expect(registered.texts[0]).toMatch(/^✅ आपकी शिकायत दर्ज हो गई।/);
  });

  it('a clear change of script is followed: Hinglish, then a Devanagari sentence', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('script-change').userId);
    expect((await chat.say('bijli nahi aa rahi')).texts).toEqual([hl.askAccount]);
    expect((await chat.say('मेरे पास खाता संख्या नहीं है')).texts[0]).not.toMatch(/^[A-Za-z]/);
  });
});

describe("the page's locale sets the welcome", () => {
  // Issue example: "the English page opens with a Hindi welcome". Failed on main: the welcome was Hindi whatever the
  // page's locale.
  it.each([
    { locale: 'en-US', texts: en },
    { locale: 'en-IN', texts: en },
    { locale: 'hi-IN', texts: hi },
    { locale: 'hi-Latn', texts: hl },
  ])('$locale page: the welcome and menu in its language', async ({ locale, texts }) => {
    const chat = harness.consumer('webchat', harness.newIdentity('locale').userId, { locale });
    const welcome = await chat.join();
    expect(welcome.texts).toEqual([texts.welcome]);
    expect(welcome.choices).toEqual(texts.menuChoices);
  });

  it('English page: answers without words (numbers, emoji) stay English until the consumer writes otherwise', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('en-page').userId, { locale: 'en-US' });
    await chat.join();
    expect((await chat.say('🙂')).texts).toEqual([en.didNotUnderstand]);
    // Their own writing outranks the page.
    expect((await chat.say('bijli nahi aa rahi hai')).texts).toEqual([hl.askAccount]);
  });

  it('a language the consumer already showed outranks the page they open later', async () => {
    const identity = harness.newIdentity('remembered');
    await harness.consumer('webchat', identity.userId).say('light nahi hai kal se');
    const later = harness.consumer('webchat', identity.userId, { locale: 'en-US' });
    expect((await later.join()).texts).toEqual([hl.welcome]);
  });
});

describe('explicit requests switch, and stick', () => {
  // Failed on main for "hinglish me baat karo" (no such language) and for the Hinglish starting point.
  it.each([
    { request: 'English please', from: 'bijli nahi aa rahi', to: 'en' as const, later: 'mera meter bhi kharab hai' },
    { request: 'हिंदी में बात करो', from: 'no electricity since morning', to: 'hi' as const, later: 'the meter is also broken' },
    { request: 'hinglish me baat karo', from: 'बिजली नहीं आ रही', to: 'hl' as const, later: 'मीटर भी खराब है' },
  ])('"$request" mid-registration: said in the new language, same question again, and kept', async ({ request, from, to, later }) => {
    const texts = textsFor(to);
    const identity = harness.newIdentity(`ask-${to}`);
    const chat = harness.consumer('webchat', identity.userId);
    await chat.say(from);
    const switched = await chat.say(request);
    expect(switched.texts).toEqual([texts.languageSwitched, texts.askAccount]);
    expect(await profileOf(identity.userId)).toEqual({ language: to, languageChosen: true });
    // A sentence in another language afterwards does not switch back.
    const next = await chat.say(later);
    expect(next.texts.every((text) => Object.values(texts).includes(text) || text === texts.badAccount)).toBe(true);
    expect(await profileOf(identity.userId)).toEqual({ language: to, languageChosen: true });
  });
});

const agent: StaffPrincipal = { username: 'asha', role: 'agent', name: 'Asha Verma', sessionId: 'test', expiresAt: new Date(8.64e15) };

async function registerHinglish(chat: ConsumerChat, identity: { mobile: string; accountNumber: string }): Promise<string> {
  await chat.say(`meter jal gaya hai, gomti nagar, mobile ${identity.mobile}, account ${identity.accountNumber}`);
  return ticketNumberIn((await chat.say('haan')).text)!;
}

describe('proactive messages use the stored script', () => {
  // Failed on main: status updates and the "is it solved?" question reached a Hinglish writer in Devanagari.
  it('status updates, the satisfaction question and its answer reach a Hinglish writer in Hinglish', async () => {
    const identity = harness.newIdentity('hl-proactive');
    const chat = harness.consumer('webchat', identity.userId);
    const number = await registerHinglish(chat, identity);
    const je = harness.officer('sd-gomti-nagar', 'JE');

    await harness.tickets.startWork(number, je, {});
    expect((await chat.deliver(number)).texts).toEqual([hl.update.workStarted(number)]);
    await harness.tickets.claimResolution(number, je, { note: 'Naya meter laga diya' });
    const question = await chat.deliver(number);
    expect(question.texts).toEqual([hl.satisfactionQuestion(number, 'JE', je.name, 'Naya meter laga diya')]);
    expect(question.choices).toEqual(hl.yesNoChoices);
    expect((await chat.say('haan')).texts).toEqual([hl.closedThanks(number)]);
  });

  it('an agent joining a Hinglish writer\'s handoff is announced in Hinglish', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('hl-handoff').userId);
    const asked = await chat.say('kisi insaan se baat karni hai');
    expect(asked.texts[0]).toMatch(/^Theek hai, main aapko hamare karmachari se jod raha hoon\./);
    const handoff = await db.models.handoffRequests.findOne({ consumerKey: `webchat:${chat.userId}` }, { _id: 1, language: 1 }).lean();
    expect(handoff?.language).toBe('hl');
    await harness.handoffs.accept(agent, handoff!._id);
    expect(chat.unread().texts).toEqual([hl.handoffAccepted('Asha')]);
  });
});
