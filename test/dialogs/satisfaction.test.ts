// "Is your problem solved?" end to end: a complaint registered through the chat, staff claim a resolution, the
// outbox is drained through the real BotConsumerNotifier (a proactive turn), the consumer answers. Only their yes
// closes the ticket; a no reopens it one level up; anything unclear is asked again and never closes it.
import { beforeAll, describe, expect, it } from 'vitest';
import { textsFor, type Language } from '../../dialogs/texts.js';
import type { StaffActor, TicketRecord } from '../../models/ticketTypes.js';
import { createBotHarness, ticketNumberIn, type BotHarness, type ConsumerChat, type Identity } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_satisfaction');
let harness: BotHarness;
let je: StaffActor;
let sdoName: string;
beforeAll(() => {
  harness = createBotHarness(db.models);
  je = harness.officer('sd-gomti-nagar', 'JE');
  sdoName = harness.officer('sd-gomti-nagar', 'SDO').name!;
});

type Style = 'Hindi (Devanagari)' | 'Hinglish' | 'English';

const registration: Record<Style, { language: Language; message: (identity: Identity) => string; yes: string; note: string }> = {
  'Hindi (Devanagari)': {
    language: 'hi',
    message: ({ mobile, accountNumber }) => `मीटर जल गया है, गोमती नगर, मोबाइल ${mobile}, खाता ${accountNumber}`,
    yes: 'हाँ',
    note: 'नया मीटर लगा दिया गया',
  },
  Hinglish: {
    language: 'hl',
    message: ({ mobile, accountNumber }) => `meter jal gaya hai, gomti nagar, mobile ${mobile}, account ${accountNumber}`,
    yes: 'haan',
    note: 'Naya meter laga diya',
  },
  English: {
    language: 'en',
    message: ({ mobile, accountNumber }) => `my meter is burnt, gomti nagar, mobile ${mobile}, account ${accountNumber}`,
    yes: 'yes',
    note: 'Replaced the burnt meter',
  },
};

interface Claimed {
  chat: ConsumerChat;
  identity: Identity;
  number: string;
  claimId: string;
  note: string;
  question: { texts: string[]; choices: string[] };
}

/** Registers through the chat, has the JE claim the fix, and delivers the question as production does. */
async function claimedTicket(style: Style, label: string): Promise<Claimed> {
  const { message, yes, note } = registration[style];
  const identity = harness.newIdentity(label);
  const chat = harness.consumer('webchat', identity.userId);
  await chat.say(message(identity));
  const number = ticketNumberIn((await chat.say(yes)).text)!;
  expect(number).toBeDefined();
  const { claimId } = await harness.tickets.claimResolution(number, je, { note });
  const question = await chat.deliver(number);
  return { chat, identity, number, claimId, note, question };
}

async function ticket(number: string): Promise<TicketRecord> {
  return harness.tickets.get(number);
}

describe('the proactive question', () => {
  it.each(['Hindi (Devanagari)', 'Hinglish', 'English'] as Style[])('%s: names who claimed the fix and their note, with yes/no buttons, and marks the claim shown', async (style) => {
    const texts = textsFor(registration[style].language);
    const { number, note, question, claimId } = await claimedTicket(style, 'question');
    expect(question.texts).toEqual([texts.satisfactionQuestion(number, 'JE', je.name, note)]);
    expect(question.texts[0]).toContain(je.name);
    expect(question.texts[0]).toContain(note);
    expect(question.choices).toEqual(texts.yesNoChoices);

    const stored = await ticket(number);
    expect(stored.status).toBe('awaiting_confirmation');
    expect(stored.claim).toMatchObject({ id: claimId, shownOn: 'webchat' });
    expect(stored.claim?.shownAt).toBeInstanceOf(Date);
    expect(stored.outbox.filter((effect) => effect.kind === 'consumer.notify')).toEqual([]);
  });
});

describe('yes closes the ticket, through the ticket service, as the consumer\'s confirmation', () => {
  it.each([
    { style: 'Hinglish' as Style, answer: 'haan' },
    { style: 'Hindi (Devanagari)' as Style, answer: 'हाँ' },
    { style: 'Hindi (Devanagari)' as Style, answer: '👍' },
    { style: 'English' as Style, answer: 'yes it works' },
    { style: 'English' as Style, answer: 'Yes' }, // the button
  ])('$style consumer answers "$answer"', async ({ style, answer }) => {
    const texts = textsFor(registration[style].language);
    const { chat, identity, number, claimId } = await claimedTicket(style, 'yes');
    const turn = await chat.say(answer);
    expect(turn.texts).toEqual([texts.closedThanks(number)]);

    const closed = await ticket(number);
    expect(closed.status).toBe('closed');
    expect(closed.closure).toMatchObject({ provenance: 'consumer_confirmed', claimId, by: { role: 'consumer', id: `webchat:${identity.userId}` } });
    expect(closed.events.at(-1)).toMatchObject({ type: 'ticket.confirmed', to: 'closed', claimId });
    expect(await harness.tickets.verify(number)).toMatchObject({ ok: true });
  });
});

describe('no reopens it at the next level, and says who has it now', () => {
  it.each([
    { style: 'Hinglish' as Style, answer: 'nahi' },
    { style: 'Hinglish' as Style, answer: 'abhi bhi light nahi hai' },
    { style: 'Hindi (Devanagari)' as Style, answer: 'नहीं' },
    { style: 'English' as Style, answer: '👎' },
    { style: 'English' as Style, answer: 'no it is not fixed' },
  ])('$style consumer answers "$answer"', async ({ style, answer }) => {
    const texts = textsFor(registration[style].language);
    const { chat, number, claimId } = await claimedTicket(style, 'no');
    const turn = await chat.say(answer);
    expect(turn.texts).toEqual([texts.reopened(number, 'SDO', sdoName)]);
    expect(turn.text).toContain(sdoName);

    const reopened = await ticket(number);
    expect(reopened).toMatchObject({ status: 'reopened', level: 'SDO', officer: { id: 'sdo-gomti-nagar', name: sdoName } });
    expect(reopened.closure).toBeUndefined();
    expect(reopened.claim).toBeUndefined();
    expect(reopened.events.at(-1)).toMatchObject({ type: 'ticket.rejected', claimId, evidence: { note: answer } });
  });
});

describe('an unclear answer never closes', () => {
  it.each([
    { style: 'Hinglish' as Style, answer: 'kal dekhenge' },
    { style: 'English' as Style, answer: 'maybe' },
    { style: 'Hindi (Devanagari)' as Style, answer: 'पता नहीं' },
  ])('$style: "$answer" is asked again twice, then "we will ask later", and the ticket still waits', async ({ style, answer }) => {
    const texts = textsFor(registration[style].language);
    const { chat, number } = await claimedTicket(style, 'unclear');
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const again = await chat.say(answer);
      expect(again.texts).toEqual([texts.satisfactionUnclear]);
      expect(again.choices).toEqual(texts.yesNoChoices);
    }
    const later = await chat.say(answer);
    expect(later.texts).toEqual([texts.satisfactionLater]);

    const waiting = await ticket(number);
    expect(waiting.status).toBe('awaiting_confirmation');
    expect(waiting.closure).toBeUndefined();
    expect(waiting.events.some((event) => event.type === 'ticket.confirmed' || event.type === 'ticket.rejected')).toBe(false);

    // The question is off the screen now: the next message is an ordinary one.
    expect((await chat.say('🙂')).texts).toEqual([texts.didNotUnderstand]);
  });

  it('a new complaint typed at the question is not taken as an answer', async () => {
    const texts = textsFor('hl');
    const { chat, number } = await claimedTicket('Hinglish', 'unclear-complaint');
    const turn = await chat.say('mera bill bahut zyada aaya hai');
    expect(turn.texts).toEqual([texts.satisfactionUnclear]);
    expect((await ticket(number)).status).toBe('awaiting_confirmation');
  });
});

describe('the question arriving in the middle of registering a second complaint', () => {
  it.each([
    { style: 'Hindi (Devanagari)' as Style, second: 'बिजली नहीं है', answer: 'हाँ', locality: 'गोमती नगर' },
    { style: 'Hinglish' as Style, second: 'bijli nahi hai', answer: 'haan', locality: 'gomti nagar' },
    { style: 'English' as Style, second: 'no electricity', answer: 'yes', locality: 'Gomti Nagar' },
  ])('$style (issue 12 item 7): the question waits until the registration ends; the read-back "yes" registers, then the question is asked', async ({ style, second, answer, locality }) => {
    const { language, message, yes, note } = registration[style];
    const texts = textsFor(language);
    const identity = harness.newIdentity('interleaved');
    const chat = harness.consumer('webchat', identity.userId);
    await chat.say(message(identity));
    const first = ticketNumberIn((await chat.say(yes)).text)!;

    // Second complaint: mobile and account are remembered, so the locality is what is asked.
    expect((await chat.say(second)).texts).toEqual([texts.askLocality]);

    await harness.tickets.claimResolution(first, je, { note });
    // Not pushed on top of the registration: nothing arrives, and the claim is not yet shown.
    expect((await chat.deliver(first)).texts).toEqual([]);
    expect((await ticket(first)).claim?.shownAt).toBeUndefined();

    // The registration carries on; its read-back's "yes" registers the second complaint and does not close the first.
    const summary = await chat.say(locality);
    expect(summary.text).toContain(second);
    const done = await chat.say(answer);
    const secondNumber = ticketNumberIn(done.texts[0]!)!;
    expect(secondNumber).not.toBe(first);
    expect(await ticket(secondNumber)).toMatchObject({ category: 'supply', status: 'assigned', description: second });
    expect((await ticket(first)).status).toBe('awaiting_confirmation');
    // Then the waiting question, named, with its own buttons.
    expect(done.texts.slice(1)).toEqual([texts.satisfactionQuestion(first, 'JE', je.name, note)]);
    expect(done.choices).toEqual(texts.yesNoChoices);
    expect((await ticket(first)).claim?.shownAt).toBeDefined();

    const answered = await chat.say(answer);
    expect(answered.texts).toEqual([texts.closedThanks(first)]);
    expect((await ticket(first)).status).toBe('closed');
  });
});

describe('typing an answer later, with no question on screen: a no is taken, a yes brings the question back first (issue 11/12 item 7)', () => {
  it.each([
    { style: 'Hinglish' as Style, answer: 'haan', expect: 'closed' as const },
    { style: 'Hindi (Devanagari)' as Style, answer: 'हाँ ठीक हो गया', expect: 'closed' as const },
    { style: 'English' as Style, answer: 'yes', expect: 'closed' as const },
    { style: 'English' as Style, answer: 'no', expect: 'reopened' as const },
  ])('$style: "$answer" in a new conversation the next day → $expect', async ({ style, answer, expect: outcome }) => {
    const texts = textsFor(registration[style].language);
    const { identity, number, note } = await claimedTicket(style, 'later');
    // They close the page; later they come back (same consumer, new conversation: the question is not on screen).
    const later = harness.consumer('webchat', identity.userId);
    let turn = await later.say(answer);
    if (outcome === 'closed') {
      // A bare yes may answer something else: the question comes back, named, and only the answer to it closes.
      expect(turn.texts).toEqual([texts.satisfactionQuestion(number, 'JE', je.name, note)]);
      expect((await ticket(number)).status).toBe('awaiting_confirmation');
      turn = await later.say(answer);
    }
    expect(turn.texts).toEqual([outcome === 'closed' ? texts.closedThanks(number) : texts.reopened(number, 'SDO', sdoName)]);
    const stored = await ticket(number);
    expect(stored.status).toBe(outcome);
    if (outcome === 'closed') expect(stored.closure?.provenance).toBe('consumer_confirmed');
  });

  it('after "we will ask later", a "haan" asks again (the question had left), and the "haan" to it closes it', async () => {
    const texts = textsFor('hl');
    const { chat, number, note } = await claimedTicket('Hinglish', 'later-same');
    for (let attempt = 0; attempt < 3; attempt += 1) await chat.say('kal dekhenge');
    expect((await chat.say('haan')).texts).toEqual([texts.satisfactionQuestion(number, 'JE', je.name, note)]);
    const turn = await chat.say('haan');
    expect(turn.texts).toEqual([texts.closedThanks(number)]);
    expect((await ticket(number)).closure?.provenance).toBe('consumer_confirmed');
  });

  it('a "haan" with nothing pending is not read as a confirmation of anything', async () => {
    const texts = textsFor('hl');
    const identity = harness.newIdentity('nothing-pending');
    const chat = harness.consumer('webchat', identity.userId);
    await chat.say(registration.Hinglish.message(identity));
    const number = ticketNumberIn((await chat.say('haan')).text)!;
    const turn = await chat.say('haan');
    expect(turn.texts).toEqual([texts.didNotUnderstand]);
    expect((await ticket(number)).status).toBe('assigned');
  });

  it('a claim not yet delivered to the consumer cannot be answered by a stray "yes"', async () => {
    const texts = textsFor('en');
    const identity = harness.newIdentity('undelivered');
    const chat = harness.consumer('webchat', identity.userId);
    await chat.say(registration.English.message(identity));
    const number = ticketNumberIn((await chat.say('yes')).text)!;
    await harness.tickets.claimResolution(number, je, { note: 'Replaced the burnt meter' });
    // Not drained: the consumer has not been shown the claim.
    const turn = await chat.say('yes');
    expect(turn.texts).toEqual([texts.didNotUnderstand]);
    expect((await ticket(number)).status).toBe('awaiting_confirmation');
  });
});

describe('reminders and newer claims replace the question on screen', () => {
  it.each(['Hindi (Devanagari)', 'Hinglish', 'English'] as Style[])('%s: a reminder while the question still waits; one answer settles it, and the old question does not come back', async (style) => {
    const { language, yes } = registration[style];
    const texts = textsFor(language);
    const { chat, number } = await claimedTicket(style, 'reminder');

    await harness.tickets.requestConfirmationAgain(number, { role: 'system', id: 'satisfaction-timer' });
    const reminder = await chat.deliver(number);
    expect(reminder.texts).toEqual([texts.satisfactionReminder(number)]);
    expect(reminder.choices).toEqual(texts.yesNoChoices);

    const answered = await chat.say(yes);
    expect(answered.texts).toEqual([texts.closedThanks(number)]);
    expect((await ticket(number)).status).toBe('closed');
    // Nothing is left waiting: the next message is an ordinary one.
    expect((await chat.say('🙂')).texts).toEqual([texts.didNotUnderstand]);
  });

  it('a claim withdrawn and made again while the first question was on screen: the new one is asked and answered', async () => {
    const texts = textsFor('hl');
    const { chat, number } = await claimedTicket('Hinglish', 'reclaimed');
    await harness.tickets.reopen(number, je, { note: 'Consumer ne phone karke bataya abhi bhi kharab hai' });
    expect((await chat.deliver(number)).texts).toEqual([texts.update.reopened(number)]);
    const { claimId } = await harness.tickets.claimResolution(number, je, { note: 'Doosra meter laga diya' });
    expect((await chat.deliver(number)).texts).toEqual([texts.satisfactionQuestion(number, 'JE', je.name, 'Doosra meter laga diya')]);

    expect((await chat.say('haan')).texts).toEqual([texts.closedThanks(number)]);
    expect((await ticket(number)).closure).toMatchObject({ provenance: 'consumer_confirmed', claimId });
    expect((await chat.say('🙂')).texts).toEqual([texts.didNotUnderstand]);
  });

  it('no answer at all → "unconfirmed" (not closed); a "yes" typed afterwards asks again, and the "yes" to that closes it', async () => {
    const texts = textsFor('en');
    const { chat, number, note } = await claimedTicket('English', 'unconfirmed');
    for (let attempt = 0; attempt < 3; attempt += 1) await chat.say('maybe');
    await harness.tickets.markUnconfirmed(number, { role: 'system', id: 'satisfaction-timer' });
    expect((await chat.deliver(number)).texts).toEqual([texts.update.unconfirmed(number)]);
    expect((await ticket(number)).status).toBe('unconfirmed');

    expect((await chat.say('yes')).texts).toEqual([texts.satisfactionQuestion(number, 'JE', je.name, note)]);
    expect((await chat.say('yes')).texts).toEqual([texts.closedThanks(number)]);
    expect((await ticket(number)).closure?.provenance).toBe('consumer_confirmed');
  });
});

/** The live handoff's queue message up to the position. */
function queuedPrefix(language: Language): string {
  return textsFor(language).handoffQueued({ position: 99, officeHours: '', callbackAfterMinutes: 5 }).split('99')[0]!;
}

describe('with a claim pending but no question on screen, a request is not read as the answer', () => {
  it.each([
    { style: 'Hinglish' as Style, message: 'band karo', reply: (language: Language) => textsFor(language).welcome, handoff: false },
    { style: 'English' as Style, message: 'yes please help', reply: (language: Language) => textsFor(language).help, handoff: false },
    // Live handoff: handed off; the queue position depends on the other waiting handoffs of this file.
    { style: 'English' as Style, message: 'no, talk to a person', reply: (language: Language) => queuedPrefix(language), handoff: true },
    { style: 'Hindi (Devanagari)' as Style, message: 'नहीं, किसी व्यक्ति से बात करनी है', reply: (language: Language) => queuedPrefix(language), handoff: true },
  ])('$style: "$message" does what it asks, and the ticket still waits for the answer', async ({ style, message, reply, handoff }) => {
    const { language } = registration[style];
    const { identity, number } = await claimedTicket(style, 'request');
    const later = harness.consumer('webchat', identity.userId);
    const turn = await later.say(message);
    if (handoff) {
      expect(turn.texts).toHaveLength(1);
      expect(turn.texts[0]!.startsWith(reply(language))).toBe(true);
    } else {
      expect(turn.texts).toEqual([reply(language)]);
    }

    const waiting = await ticket(number);
    expect(waiting.status).toBe('awaiting_confirmation');
    expect(waiting.level).toBe('JE');
    expect(waiting.closure).toBeUndefined();
    expect(await db.models.handoffRequests.countDocuments({ consumerKey: `webchat:${identity.userId}` })).toBe(handoff ? 1 : 0);
  });
});

describe('interruptions while the question is on screen', () => {
  it('Hindi (Devanagari): "रद्द करो" puts it away without answering; a later "हाँ" asks again first, then closes the ticket', async () => {
    const texts = textsFor('hi');
    const { chat, number, note } = await claimedTicket('Hindi (Devanagari)', 'cancel-question');
    const cancelled = await chat.say('रद्द करो');
    expect(cancelled.texts).toEqual([texts.cancelled]);
    expect((await ticket(number)).status).toBe('awaiting_confirmation');
    expect((await chat.say('हाँ')).texts).toEqual([texts.satisfactionQuestion(number, 'JE', je.name, note)]);
    expect((await ticket(number)).status).toBe('awaiting_confirmation');
    expect((await chat.say('हाँ')).texts).toEqual([texts.closedThanks(number)]);
    expect((await ticket(number)).status).toBe('closed');
  });

  it.each(['ok', 'theek hai', 'thik h'])('issue 11/12 item 7: after a cancel, a bare "%s" (which may answer something else) never closes the ticket', async (reply) => {
    const texts = textsFor('hl');
    const { chat, number } = await claimedTicket('Hinglish', 'bare-ok');
    expect((await chat.say('cancel karo')).texts).toEqual([texts.cancelled]);
    const turn = await chat.say(reply);
    expect(turn.text).not.toContain(texts.closedThanks(number));
    expect((await ticket(number)).status).toBe('awaiting_confirmation');
  });

  it('Hinglish: "English please" asks the same question again in English, and the answer counts', async () => {
    const en = textsFor('en');
    const { chat, number, note } = await claimedTicket('Hinglish', 'switch-question');
    const switched = await chat.say('English please');
    expect(switched.texts).toEqual([en.languageSwitched, en.satisfactionQuestion(number, 'JE', je.name, note)]);
    expect(switched.choices).toEqual(en.yesNoChoices);
    expect((await chat.say('nahi')).texts).toEqual([en.reopened(number, 'SDO', sdoName)]);
    expect((await ticket(number)).status).toBe('reopened');
  });

  it('English: "I want to talk to a human" hands off; the question waits (the ticket is still awaiting the answer)', async () => {
    const { chat, identity, number } = await claimedTicket('English', 'human-question');
    const turn = await chat.say('I want to talk to a human');
    expect(turn.texts).toHaveLength(1);
    expect(turn.texts[0]!.startsWith(queuedPrefix('en'))).toBe(true);
    expect(await db.models.handoffRequests.countDocuments({ consumerKey: `webchat:${identity.userId}`, reason: 'asked' })).toBe(1);
    expect((await ticket(number)).status).toBe('awaiting_confirmation');
  });
});
