// Issue 12 item 5, "status any way it is asked", over the real bot and database. Each example from the issue is a
// case here; on the old main each of them failed (refused as a number, started a new registration, was not
// understood, or asked for a number the consumer did not need to give).
import { beforeAll, describe, expect, it } from 'vitest';
import { summaryOf } from '../../dialogs/statusDialog.js';
import type { MobileVerifier } from '../../dialogs/consumerTurn.js';
import { formatDateTime, textsFor, type Language } from '../../dialogs/texts.js';
import type { StaffActor, TicketCategory } from '../../models/ticketTypes.js';
import { createBotHarness, type BotHarness, type ConsumerChat, type Identity } from '../support/botHarness.js';
import { complaintFor } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_status_any_way');
// Consumers here write Hinglish (Latin letters): they are answered in Hinglish (issue 12 item 6).
const hl = textsFor('hl');
const en = textsFor('en');

/** Stands in for engineer idn's one-time-code service: a code goes out only for the ticket's own mobile. */
class RecordingVerifier implements MobileVerifier {
  readonly sent: Array<{ ticketNumber: string; mobile: string }> = [];
  private readonly codes = new Map<string, string>();
  constructor(private readonly harness: () => BotHarness) {}
  async sendCode({ ticketNumber, mobile, consumer }: Parameters<MobileVerifier['sendCode']>[0]): Promise<void> {
    const ticket = await this.harness().tickets.get(ticketNumber);
    if (ticket.consumer.mobile !== mobile) return;
    this.sent.push({ ticketNumber, mobile });
    this.codes.set(`${consumer.channelUserId}|${ticketNumber}|${mobile}`, '482913');
  }
  async confirmCode({ ticketNumber, mobile, consumer, code }: Parameters<MobileVerifier['confirmCode']>[0]): Promise<boolean> {
    return this.codes.get(`${consumer.channelUserId}|${ticketNumber}|${mobile}`) === code;
  }
}

let harness: BotHarness;
let bare: BotHarness;
let verifier: RecordingVerifier;
let je: StaffActor;
beforeAll(() => {
  verifier = new RecordingVerifier(() => harness);
  harness = createBotHarness(db.models, { verifier });
  bare = createBotHarness(db.models);
  je = harness.officer('sd-gomti-nagar', 'JE');
});

interface Opened {
  chat: ConsumerChat;
  identity: Identity;
  number: string;
}

/** A consumer who greeted the bot (so it knows their language) and has one ticket, registered from this chat. */
async function withTicket(label: string, greeting: string, category: TicketCategory = 'supply', on: BotHarness = harness): Promise<Opened> {
  const identity = on.newIdentity(label);
  const chat = on.consumer('webchat', identity.userId);
  await chat.say(greeting);
  const { ticket } = await on.tickets.register(complaintFor({ actor: chat.actor, mobile: identity.mobile }, { category }), chat.actor);
  await on.tickets.assign(ticket._id, { role: 'system', id: 'test' });
  return { chat, identity, number: ticket._id };
}

async function statusLine(language: Language, number: string): Promise<string> {
  const texts = textsFor(language);
  return texts.ticketStatus(summaryOf(await harness.tickets.get(number), harness, texts));
}

describe('ticket numbers in any case and spacing, or only the sequence part', () => {
  it('issue example "up 261204 00002": spaces for dashes, lower case', async () => {
    const { chat, number } = await withTicket('spaced', 'namaste ji');
    const spoken = number.toLowerCase().replace(/-/g, ' ');
    expect((await chat.say(spoken)).texts).toEqual([await statusLine('hl', number)]);
  });

  it('issue example "00002": only the sequence part, when one of their tickets ends with it', async () => {
    const { chat, number } = await withTicket('sequence', 'namaste ji');
    const sequence = number.split('-')[2]!;
    expect((await chat.say(sequence)).texts).toEqual([await statusLine('hl', number)]);
    // Also as the answer to "which number?" and after "status".
    expect((await chat.say(`status ${sequence}`)).texts).toEqual([await statusLine('hl', number)]);
  });

  it('a sequence part none of their tickets ends with is not found (nobody else\'s ticket is looked at)', async () => {
    const owner = await withTicket('seq-owner', 'namaste ji');
    const stranger = harness.consumer('webchat', harness.newIdentity('seq-stranger').userId);
    await stranger.say('namaste ji');
    const sequence = owner.number.split('-')[2]!;
    const turn = await stranger.say(sequence);
    expect(turn.texts).toEqual([hl.sequenceNotFound(sequence)]);
    expect(turn.text).not.toContain(owner.number);
  });
});

describe('asked without a number: answered from their open tickets, not a new registration', () => {
  it.each([
    { example: 'I want to check my complaint', greeting: 'Good morning', language: 'en' as Language },
    { example: 'light kab aayegi', greeting: 'namaste ji', language: 'hl' as Language },
    { example: 'mera complaint number kya tha', greeting: 'namaste ji', language: 'hl' as Language },
    { example: 'kab tak theek hoga?', greeting: 'namaste ji', language: 'hl' as Language },
    { example: 'status batao', greeting: 'namaste ji', language: 'hl' as Language },
    { example: 'बिजली कब आएगी', greeting: 'नमस्ते', language: 'hi' as Language },
  ])('issue example "$example"', async ({ example, greeting, language }) => {
    const { chat, number } = await withTicket('ask', greeting);
    const turn = await chat.say(example);
    expect(turn.texts).toEqual([await statusLine(language, number)]);
    expect(turn.text).not.toContain(textsFor(language).askTicketNumber);
    expect(await db.models.tickets.countDocuments({ 'consumer.channelUserId': chat.userId })).toBe(1);
  });

  it('with the latest progress note and the expected time', async () => {
    const { chat, number } = await withTicket('eta', 'namaste ji');
    const expectedBy = new Date(Date.now() + 6 * 3_600_000);
    await harness.tickets.noteProgress(number, je, { note: 'replacement arriving by 6 pm', expectedBy: expectedBy.toISOString() });
    await chat.deliver(number);
    const turn = await chat.say('light kab aayegi');
    expect(turn.texts).toEqual([await statusLine('hl', number)]);
    expect(turn.text).toContain('"replacement arriving by 6 pm"');
    expect(turn.text).toContain(`anumanit samay: ${formatDateTime('hl', expectedBy)}`);
  });

  it('several open tickets: each of them', async () => {
    const { chat, identity, number } = await withTicket('two', 'namaste ji', 'supply');
    const { ticket: meter } = await harness.tickets.register(complaintFor({ actor: chat.actor, mobile: identity.mobile }, { category: 'meter' }), chat.actor);
    const turn = await chat.say('status batao');
    expect(turn.texts).toEqual([[hl.yourComplaints(2), `• ${await statusLine('hl', meter._id)}`, `• ${await statusLine('hl', number)}`].join('\n')]);
  });

  it('a problem none of their open tickets is about is a new complaint, and with no tickets "light kab aayegi" registers', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('fresh').userId);
    const turn = await chat.say('light kab aayegi, 5 ghante se nahi hai');
    expect(turn.text).not.toContain(hl.askTicketNumber);
    expect(turn.texts).toEqual([hl.askAccount]);
  });

  it('with no tickets at all, "status batao" asks for the number', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('none').userId);
    expect((await chat.say('status batao')).texts).toEqual([hl.askTicketNumber]);
  });
});

describe('from a new device: the number plus the mobile it was registered with, proven by a one-time code', () => {
  it('the code comes back: the status is shown; a typed mobile alone shows nothing', async () => {
    const { number, identity } = await withTicket('owner-phone', 'namaste ji');
    const laptop = harness.consumer('webchat', harness.newIdentity('laptop').userId);
    await laptop.say('namaste ji');
    expect((await laptop.say(number)).texts).toEqual([hl.ticketNotFound(number)]);
    const asked = await laptop.say(identity.mobile);
    expect(asked.texts).toEqual([hl.recoverAskCode]);
    expect(asked.text).not.toContain('Gomti');
    expect(verifier.sent).toContainEqual({ ticketNumber: number, mobile: identity.mobile });

    expect((await laptop.say('111111')).texts).toEqual([hl.recoverBadCode]);
    const shown = await laptop.say('482913');
    expect(shown.texts).toEqual([await statusLine('hl', number)]);
  });

  it('a wrong mobile gets the same answer, and no code ever opens it', async () => {
    const { number } = await withTicket('owner-2', 'namaste ji');
    const snoop = harness.consumer('webchat', harness.newIdentity('snoop').userId);
    await snoop.say('namaste ji');
    await snoop.say(number);
    expect((await snoop.say('9123456780')).texts).toEqual([hl.recoverAskCode]);
    expect(verifier.sent.some((sent) => sent.mobile === '9123456780')).toBe(false);
    await snoop.say('482913');
    await snoop.say('482913');
    const last = await snoop.say('482913');
    expect(last.texts).toEqual([hl.recoverFailed]);
    expect(last.text).not.toContain('Gomti');
  });

  it('without a verifier, a typed mobile never opens a ticket', async () => {
    const { number, identity } = await withTicket('owner-3', 'Good morning', 'supply', bare);
    const other = bare.consumer('webchat', bare.newIdentity('other').userId);
    await other.say('Good morning');
    expect((await other.say(number)).texts).toEqual([en.ticketNotFound(number)]);
    const turn = await other.say(`my mobile is ${identity.mobile}`);
    expect(turn.texts).toEqual([en.recoverUnavailable]);
    expect(turn.text).not.toContain('Gomti');
  });
});
