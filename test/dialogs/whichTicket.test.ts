// Issue 12 item 7, one question at a time: "a 'solved?' question for an older ticket … the consumer's 'haan' meant for
// one thing then closes another ticket." When two of the consumer's tickets both wait for "is it solved?" (the older
// question was put off with "we will ask later", then the newer one arrived), a bare "haan"/"yes"/"nahi" could be for
// either: the bot asks WHICH complaint, with a button naming each, and answers only the one chosen. Over the real bot
// and database; on the old main the bare answer went to the newest question (or the first listed ticket) unasked.
import { beforeAll, describe, expect, it } from 'vitest';
import { followUpTextsFor, textsFor, type Language } from '../../dialogs/texts.js';
import type { StaffActor, TicketCategory, TicketRecord } from '../../models/ticketTypes.js';
import { createBotHarness, ticketNumberIn, type BotHarness, type ConsumerChat } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_which_ticket');
let harness: BotHarness;
let je: StaffActor;
let sdoName: string;
beforeAll(() => {
  harness = createBotHarness(db.models);
  je = harness.officer('sd-gomti-nagar', 'JE');
  sdoName = harness.officer('sd-gomti-nagar', 'SDO').name!;
});

interface Style {
  language: Language;
  meter: (mobile: string, account: string) => string;
  bill: string;
  locality: string;
  yes: string;
  no: string;
  unclear: string;
}

const styles: Style[] = [
  {
    language: 'hl',
    meter: (mobile, account) => `meter jal gaya hai, gomti nagar, mobile ${mobile}, account ${account}`,
    bill: 'bill bahut zyada aaya hai',
    locality: 'gomti nagar',
    yes: 'haan',
    no: 'nahi',
    unclear: 'kal dekhenge',
  },
  {
    language: 'hi',
    meter: (mobile, account) => `मीटर जल गया है, गोमती नगर, मोबाइल ${mobile}, खाता ${account}`,
    bill: 'बिल बहुत ज़्यादा आया है',
    locality: 'गोमती नगर',
    yes: 'हाँ',
    no: 'नहीं',
    unclear: 'पता नहीं',
  },
  {
    language: 'en',
    meter: (mobile, account) => `my meter is burnt, gomti nagar, mobile ${mobile}, account ${account}`,
    bill: 'my electricity bill is too high',
    locality: 'Gomti Nagar',
    yes: 'yes',
    no: 'no',
    unclear: 'maybe',
  },
];

async function ticket(number: string): Promise<TicketRecord> {
  return harness.tickets.get(number);
}

/**
 * A meter complaint (older) and a bill complaint (newer), both claimed fixed; the older question was put off ("we will
 * ask later" after three unclear answers), then the newer one was delivered and is on screen. Both wait for an answer.
 */
async function twoOpenQuestions(style: Style, label: string): Promise<{ chat: ConsumerChat; older: string; newer: string }> {
  const texts = textsFor(style.language);
  const identity = harness.newIdentity(label);
  const chat = harness.consumer('webchat', identity.userId);
  await chat.say(style.meter(identity.mobile, identity.accountNumber));
  const older = ticketNumberIn((await chat.say(style.yes)).text)!;
  expect((await chat.say(style.bill)).texts).toEqual([texts.askLocality]);
  await chat.say(style.locality);
  const newer = ticketNumberIn((await chat.say(style.yes)).text)!;
  expect(newer).toBeDefined();
  expect(newer).not.toBe(older);

  await harness.tickets.claimResolution(older, je, { note: 'meter badal diya' });
  expect((await chat.deliver(older)).texts).toHaveLength(1);
  for (let attempt = 0; attempt < 3; attempt += 1) await chat.say(style.unclear);
  await harness.tickets.claimResolution(newer, je, { note: 'bill sudhar diya' });
  expect((await chat.deliver(newer)).texts).toEqual([texts.satisfactionQuestion(newer, 'JE', je.name, 'bill sudhar diya')]);
  for (const number of [older, newer]) expect((await ticket(number)).claim?.shownAt).toBeInstanceOf(Date);
  return { chat, older, newer };
}

function whichQuestion(language: Language, answer: 'yes' | 'no', tickets: Array<{ number: string; category: TicketCategory }>) {
  const follow = followUpTextsFor(language);
  return { text: follow.askWhichTicket(answer, tickets), choices: tickets.map((ticket) => follow.whichTicketButton(ticket)) };
}

describe('a bare yes with two open "is it solved?" questions asks which complaint it is for (issue 12 item 7)', () => {
  it.each(styles)('$language: "$yes" → which one? (a button per ticket); the older one chosen is closed, the newer is asked again', async (style) => {
    // Old main: the bare yes closed the newer ticket without asking.
    const texts = textsFor(style.language);
    const { chat, older, newer } = await twoOpenQuestions(style, `which-yes-${style.language}`);
    const which = await chat.say(style.yes);
    const expected = whichQuestion(style.language, 'yes', [
      { number: newer, category: 'bill' },
      { number: older, category: 'meter' },
    ]);
    expect(which.texts).toEqual([expected.text]);
    expect(which.choices).toEqual(expected.choices);
    // Nothing closed yet.
    expect((await ticket(newer)).status).toBe('awaiting_confirmation');
    expect((await ticket(older)).status).toBe('awaiting_confirmation');

    // The older complaint's button: only that one closes; the newer one's question comes back, named.
    const chosen = await chat.say(expected.choices[1]!);
    expect(chosen.texts).toEqual([texts.closedThanks(older), texts.satisfactionQuestion(newer, 'JE', je.name, 'bill sudhar diya')]);
    expect((await ticket(older)).closure).toMatchObject({ provenance: 'consumer_confirmed' });
    expect((await ticket(newer)).status).toBe('awaiting_confirmation');

    // One question open now: a bare yes answers it.
    expect((await chat.say(style.yes)).texts).toEqual([texts.closedThanks(newer)]);
    expect((await ticket(newer)).status).toBe('closed');
  });

  it('with no question on screen, a bare "nahi" asks which too; the sequence part alone picks one, and only that one reopens', async () => {
    // Old main: the "nahi" reopened the newest ticket listed, unasked.
    const hl = textsFor('hl');
    const { chat, older, newer } = await twoOpenQuestions(styles[0]!, 'which-no-root');
    // Put the newer question off as well: nothing is on screen, both still wait.
    for (let attempt = 0; attempt < 3; attempt += 1) await chat.say('kal dekhenge');
    const which = await chat.say('nahi');
    expect(which.texts).toEqual([whichQuestion('hl', 'no', [{ number: newer, category: 'bill' }, { number: older, category: 'meter' }]).text]);
    expect((await ticket(newer)).status).toBe('awaiting_confirmation');

    const sequence = older.split('-').at(-1)!;
    const chosen = await chat.say(sequence);
    expect(chosen.texts[0]).toBe(hl.reopened(older, 'SDO', sdoName));
    expect((await ticket(older)).status).toBe('reopened');
    expect((await ticket(newer)).status).toBe('awaiting_confirmation');
    expect((await ticket(newer)).closure).toBeUndefined();
  });

  it('an answer that names its ticket ("haan, <number> theek ho gaya") is taken for that ticket without asking', async () => {
    const hl = textsFor('hl');
    const { chat, older, newer } = await twoOpenQuestions(styles[0]!, 'which-named');
    const turn = await chat.say(`haan, ${older} theek ho gaya`);
    expect(turn.texts).toEqual([hl.closedThanks(older), hl.satisfactionQuestion(newer, 'JE', je.name, 'bill sudhar diya')]);
    expect((await ticket(older)).status).toBe('closed');
    expect((await ticket(newer)).status).toBe('awaiting_confirmation');
  });

  it('at "which one?", anything that names no open ticket is asked again, twice at most, and never closes either', async () => {
    const hl = textsFor('hl');
    const { chat, older, newer } = await twoOpenQuestions(styles[0]!, 'which-unclear');
    const which = await chat.say('haan');
    for (const reply of ['haan', 'dono']) expect((await chat.say(reply)).texts).toEqual(which.texts);
    expect((await chat.say('pata nahi')).texts).toEqual([hl.satisfactionLater]);
    for (const number of [older, newer]) expect((await ticket(number)).status).toBe('awaiting_confirmation');
  });
});
