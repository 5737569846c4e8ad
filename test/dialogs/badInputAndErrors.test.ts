// What consumers (and attackers) really type: a 20,000-character paste, blanks, emoji, HTML and script, text that
// looks like a database operator. The bot answers politely, everything goes out as plain text, and nothing is
// stored wrongly. And when a turn fails, the consumer gets the apology in both languages and can carry on.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { textsFor, type Language } from '../../dialogs/texts.js';
import type { TicketRecord } from '../../models/ticketTypes.js';
import { createBotHarness, ticketNumberIn, type BotHarness } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_bad_input');
let harness: BotHarness;
beforeAll(() => {
  harness = createBotHarness(db.models);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const hi = textsFor('hi');
const en = textsFor('en');
const apology = `${hi.turnError}\n${en.turnError}`;

async function ticketsOf(userId: string): Promise<TicketRecord[]> {
  return db.models.tickets.find({ 'consumer.channelUserId': userId }).lean<TicketRecord[]>();
}

describe('bad input', () => {
  it('a 20,000-character paste of nothing meaningful: a polite "not understood", nothing stored but small state', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('paste').userId);
    const paste = 'lorem ipsum dolor '.repeat(1200).slice(0, 20_000);
    const turn = await chat.say(paste);
    expect(turn.texts).toEqual([hi.didNotUnderstand]);
    expect(await ticketsOf(chat.userId)).toEqual([]);
    // State keeps no copy of the paste (the conversation's state is written even though nothing is on its stack).
    for (const key of [`webchat/users/${chat.userId}/`, `webchat/conversations/${chat.conversationId}/`]) {
      const state = await db.models.botState.findById(key).lean();
      expect(state, key).not.toBeNull();
      expect(state!.json.length).toBeLessThan(5_000);
    }
  });

  it('a 20,000-character complaint registers with its first 2,000 characters as the description', async () => {
    const identity = harness.newIdentity('long');
    const chat = harness.consumer('webchat', identity.userId);
    const complaint = 'bijli nahi hai, poori gali mein andhera hai. '.repeat(500).slice(0, 20_000);
    // Hinglish, answered in Hinglish (issue 12 item 6).
    expect((await chat.say(complaint)).texts).toEqual([textsFor('hl').askAccount]);
    await chat.say('skip');
    await chat.say(identity.mobile);
    const summary = await chat.say('gomti nagar');
    expect(summary.choices).toEqual(textsFor('hl').yesNoChoices);
    const number = ticketNumberIn((await chat.say('haan')).text)!;
    const [ticket] = await ticketsOf(identity.userId);
    expect(ticket?._id).toBe(number);
    expect(ticket!.description).toBe(complaint.slice(0, 2_000).trim());
    expect(ticket!.category).toBe('supply');
  });

  it.each([
    { name: 'spaces', text: '     ' },
    { name: 'tabs and newlines', text: '\n\t \r\n' },
    { name: 'an empty message', text: '' },
  ])('whitespace only ($name): "not understood" with the menu, and it does not count as a miss', async ({ text }) => {
    const chat = harness.consumer('webchat', harness.newIdentity('blank').userId);
    const turn = await chat.say(text);
    expect(turn.texts).toEqual([hi.didNotUnderstand]);
    expect(turn.choices).toEqual(hi.menuChoices);
    await chat.say(text);
    expect(await db.models.handoffRequests.countDocuments({ consumerKey: `webchat:${chat.userId}` })).toBe(0);
  });

  it('whitespace in the middle of registration leaves the registration where it was', async () => {
    const identity = harness.newIdentity('blank-mid');
    const chat = harness.consumer('webchat', identity.userId);
    await chat.say('no electricity');
    await chat.say('   ');
    expect((await chat.say(identity.accountNumber)).texts).toEqual([en.askMobile]);
  });

  it.each(['🙏🙏🙏', '😀', '👍🏽👍🏽'])('emoji only (%s), with nothing pending: "not understood", nothing stored', async (emoji) => {
    const chat = harness.consumer('webchat', harness.newIdentity('emoji').userId);
    const turn = await chat.say(emoji);
    expect(turn.texts).toEqual([hi.didNotUnderstand]);
    expect(await ticketsOf(chat.userId)).toEqual([]);
  });

  it('HTML and script on their own: not understood, and every message goes out as plain text', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('script').userId);
    const turn = await chat.say('<script>alert(1)</script>');
    expect(turn.texts).toEqual([hi.didNotUnderstand]);
    expect(turn.replies.map((reply) => reply.textFormat)).toEqual(['plain']);
    expect(await ticketsOf(chat.userId)).toEqual([]);
  });

  it('HTML and script inside a complaint: stored exactly as typed and echoed as plain text, also in proactive messages', async () => {
    const identity = harness.newIdentity('script-complaint');
    const chat = harness.consumer('webchat', identity.userId);
    const complaint = `meter jal gaya hai <script>alert(1)</script> <img src=x onerror=alert(2)>, gomti nagar, mobile ${identity.mobile}, account ${identity.accountNumber}`;
    const summary = await chat.say(complaint);
    expect(summary.text).toContain('<script>alert(1)</script> <img src=x onerror=alert(2)>');
    expect(summary.replies.every((reply) => reply.textFormat === 'plain')).toBe(true);
    const done = await chat.say('haan');
    expect(done.replies.every((reply) => reply.textFormat === 'plain')).toBe(true);
    const number = ticketNumberIn(done.text)!;
    expect((await harness.tickets.get(number)).description).toBe(complaint);

    // Staff text with markup reaches the consumer as plain text too.
    const note = '<b>Meter badla</b> <a href="javascript:alert(3)">dekhein</a>';
    await harness.tickets.claimResolution(number, harness.officer('sd-gomti-nagar', 'JE'), { note });
    const question = await chat.deliver(number);
    expect(question.text).toContain(note);
    expect(question.replies.map((reply) => reply.textFormat)).toEqual(['plain']);
  });

  it('text that looks like database operators is only ever text', async () => {
    const identity = harness.newIdentity('operators');
    const chat = harness.consumer('webchat', identity.userId);
    const before = await db.models.tickets.countDocuments();

    expect((await chat.say('{"$gt":""}')).texts).toEqual([hi.didNotUnderstand]);
    // ("sleep" and "true" read as English words.)
    // The second miss in a row hands the consumer to a person.
    expect((await chat.say('{"$where": "sleep(5000) || true"}')).text.startsWith(en.handoffNotUnderstood)).toBe(true);
    expect(await db.models.tickets.countDocuments()).toBe(before);
    const [handoff] = await db.models.handoffRequests.find({ consumerKey: `webchat:${identity.userId}` }).lean();
    expect(handoff?.lastText).toBe('{"$where": "sleep(5000) || true"}');

    // As answers inside a registration (in English: the operators' words read as English).
    expect((await chat.say('cancel')).texts).toEqual([en.handoffCancelled]); // back from the handoff to the bot
    await chat.say('no electricity');
    expect((await chat.say('{"$ne": null}')).texts).toEqual([en.badAccount]);
    await chat.say('skip');
    expect((await chat.say('{"$gt": ""}')).texts).toEqual([en.badMobile]);
    await chat.say(identity.mobile);
    const operator = '{"$where": "this.status == \'closed\'", "$or": [{}]}';
    expect((await chat.say(operator)).texts).toEqual([en.unknownLocality(operator)]);
    await chat.say(operator);
    const number = ticketNumberIn((await chat.say('yes')).text)!;
    const ticket = await harness.tickets.get(number);
    expect(ticket.place).toEqual({ district: 'Unknown', addressText: operator });
    expect(ticket.status).toBe('registered');
    expect(await db.models.tickets.countDocuments()).toBe(before + 1);
  });

  it('a ticket number wrapped in operator-looking text finds nothing that is not theirs', async () => {
    const owner = harness.newIdentity('operator-owner');
    const ownerChat = harness.consumer('webchat', owner.userId);
    await ownerChat.say(`meter jal gaya hai, gomti nagar, mobile ${owner.mobile}, account ${owner.accountNumber}`);
    const theirs = ticketNumberIn((await ownerChat.say('haan')).text)!;

    const chat = harness.consumer('webchat', harness.newIdentity('operator-snoop').userId);
    const turn = await chat.say(`${theirs}", "consumer.channelUserId": {"$ne": ""}`);
    expect(turn.texts).toEqual([hi.ticketNotFound(theirs)]);
    expect(turn.text).not.toContain('Pradeep');
  });
});

describe('a turn that fails', () => {
  it.each([
    { style: 'Hindi (Devanagari)', language: 'hi' as Language, message: 'मीटर जल गया है, गोमती नगर', yes: 'हाँ' },
    { style: 'Hinglish', language: 'hl' as Language, message: 'meter jal gaya hai, gomti nagar', yes: 'haan' },
    { style: 'English', language: 'en' as Language, message: 'my meter is burnt, gomti nagar', yes: 'yes' },
  ])('$style: the ticket service failing once → the apology in both languages, and the next attempt works', async ({ language, message, yes }) => {
    const texts = textsFor(language);
    const identity = harness.newIdentity('fails');
    const chat = harness.consumer('webchat', identity.userId);
    const full = `${message}, mobile ${identity.mobile}, account ${identity.accountNumber}`;
    await chat.say(full);

    const logged = harness.log.length;
    vi.spyOn(harness.tickets, 'register').mockRejectedValueOnce(new Error('connection reset by peer'));
    const failed = await chat.say(yes);
    expect(failed.texts).toEqual([apology]);
    expect(failed.replies[0]!.textFormat).toBe('plain');
    expect(await ticketsOf(identity.userId)).toEqual([]);
    const lines = harness.log.slice(logged).join('\n');
    expect(lines).toContain('turn failed');
    expect(lines).toContain('connection reset by peer');
    expect(lines).not.toContain(identity.mobile);

    // The broken conversation was forgotten: the "yes" alone is not an answer to anything any more…
    expect((await chat.say(yes)).texts).toEqual([texts.didNotUnderstand]);
    // …and the complaint goes through when sent again.
    const summary = await chat.say(full);
    expect(summary.choices).toEqual(texts.yesNoChoices);
    const done = await chat.say(yes);
    const number = ticketNumberIn(done.text)!;
    expect(done.texts).toEqual([texts.registered(number, 'JE', 'Pradeep Srivastava (Demo)')]);
    expect((await ticketsOf(identity.userId)).map((ticket) => ticket._id)).toEqual([number]);
  });

  it('the state store failing once → the apology, and the next message is answered normally', async () => {
    const identity = harness.newIdentity('storage');
    const chat = harness.consumer('webchat', identity.userId);
    await chat.say('Good morning');

    harness.storage.failNext('read');
    const failed = await chat.say('no electricity');
    expect(failed.texts).toEqual([apology]);

    const next = await chat.say('no electricity');
    expect(next.texts).toEqual([en.askAccount]);
  });

  it('a failure while answering the satisfaction question never closes the ticket, and the answer can be given again', async () => {
    const identity = harness.newIdentity('answer-fails');
    const chat = harness.consumer('webchat', identity.userId);
    await chat.say(`meter jal gaya hai, gomti nagar, mobile ${identity.mobile}, account ${identity.accountNumber}`);
    const number = ticketNumberIn((await chat.say('haan')).text)!;
    await harness.tickets.claimResolution(number, harness.officer('sd-gomti-nagar', 'JE'), { note: 'Naya meter laga diya' });
    await chat.deliver(number);

    vi.spyOn(harness.tickets, 'answerResolution').mockRejectedValueOnce(new Error('write concern timeout'));
    expect((await chat.say('haan')).texts).toEqual([apology]);
    expect((await harness.tickets.get(number)).status).toBe('awaiting_confirmation');

    // The question is gone with the broken conversation, but the claim still waits: "haan" brings the question back
    // (a bare yes with no question on screen is not taken as the answer: issue 12 item 7), and "haan" answers it.
    expect((await chat.say('haan')).texts).toEqual([textsFor('hl').satisfactionQuestion(number, 'JE', harness.officer('sd-gomti-nagar', 'JE').name, 'Naya meter laga diya')]);
    expect((await chat.say('haan')).texts).toEqual([textsFor('hl').closedThanks(number)]);
    expect((await harness.tickets.get(number)).closure?.provenance).toBe('consumer_confirmed');
  });
});
