// Issue 11 through the real bot: identities cannot be borrowed. A web chat consumer's typed mobile does not make the
// WhatsApp account of that number the ticket's consumer, and a second web chat identity reporting the same complaint
// is never told the first one's ticket. Each case closed or leaked on the code before this change.
import { beforeAll, describe, expect, it } from 'vitest';
import { textsFor } from '../../dialogs/texts.js';
import type { StaffActor } from '../../models/ticketTypes.js';
import { createBotHarness, ticketNumberIn, type BotHarness } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_identity');
const en = textsFor('en');
let harness: BotHarness;
let je: StaffActor;
beforeAll(() => {
  harness = createBotHarness(db.models);
  je = harness.officer('sd-gomti-nagar', 'JE');
});

async function registerOnWebChat(label: string, mobile?: string) {
  const identity = harness.newIdentity(label);
  const chat = harness.consumer('webchat', identity.userId);
  const typedMobile = mobile ?? identity.mobile;
  await chat.say(`my meter is burnt, gomti nagar, mobile ${typedMobile}, account ${identity.accountNumber}`);
  const confirmed = await chat.say('yes');
  return { chat, identity, mobile: typedMobile, confirmed, number: ticketNumberIn(confirmed.text) };
}

describe('a WhatsApp message from the typed mobile is not the consumer', () => {
  it('issue 11 example 1: the question was shown on web chat; "haan" from WhatsApp 91<that mobile> does not close the ticket', async () => {
    const { chat, mobile, number } = await registerOnWebChat('asked');
    expect(number).toBeDefined();
    const { claimId } = await harness.tickets.claimResolution(number!, je, { note: 'Replaced the burnt meter' });
    const question = await chat.deliver(number!);
    expect(question.texts).toEqual([en.satisfactionQuestion(number!, 'JE', je.name, 'Replaced the burnt meter')]);
    const shown = await harness.tickets.get(number!);
    expect(shown.claim).toMatchObject({ id: claimId, shownTo: { channel: 'webchat', channelUserId: chat.userId } });
    expect(shown.claim?.shownTo?.messageId).toBeTruthy();

    const stranger = harness.consumer('whatsapp', `91${mobile}`);
    const reply = await stranger.say('haan');
    expect(reply.text).not.toContain(number!);
    const after = await harness.tickets.get(number!);
    expect(after.status).toBe('awaiting_confirmation');
    expect(after.closure).toBeUndefined();
    // That WhatsApp's "my complaints" does not list it either.
    expect((await stranger.say('my complaints')).text).not.toContain(number!);

    // The web chat consumer who was asked closes it.
    expect((await chat.say('yes')).texts).toEqual([en.closedThanks(number!)]);
    expect((await harness.tickets.get(number!)).closure).toMatchObject({ provenance: 'consumer_confirmed', by: { id: `webchat:${chat.userId}` } });
  });
});

describe('the same complaint from another web chat identity', () => {
  it('issue 11 example 4: is not told the first ticket\'s number, gets its own (linked), and "my complaints" lists it', async () => {
    const first = await registerOnWebChat('first');
    expect(first.number).toBeDefined();
    const identity = harness.newIdentity('second');
    const second = harness.consumer('webchat', identity.userId);
    await second.say(`my meter is burnt, gomti nagar, mobile ${first.mobile}, account ${first.identity.accountNumber}`);
    const confirmed = await second.say('yes');
    expect(confirmed.text).not.toContain(first.number!);
    const own = ticketNumberIn(confirmed.text);
    expect(own).toBeDefined();
    expect(own).not.toBe(first.number);
    expect((await harness.tickets.get(own!)).consumer.channelUserId).toBe(identity.userId);
    expect((await harness.tickets.get(own!)).linkedTickets).toEqual([first.number]);
    const listed = await second.say('my complaints');
    expect(listed.text).toContain(own!);
    expect(listed.text).not.toContain(first.number!);
  });
});

describe('verifying the typed mobile links it (issue 11 item 1)', () => {
  it('a code shown in the web chat and sent from that WhatsApp links the two: then the WhatsApp lists the ticket, but only the identity shown the question closes it', async () => {
    const { chat, mobile, number } = await registerOnWebChat('verify');
    // The helpline cannot reach that WhatsApp yet (it never wrote): a code is shown to send from it.
    const asked = await chat.say(`link ${mobile}`);
    const code = /\b(\d{6})\b/.exec(asked.text)?.[1];
    expect(code, asked.text).toBeDefined();
    expect(asked.texts).toEqual([en.verification.codeToSend(code!, `${mobile.slice(0, 2)}******${mobile.slice(-2)}`)]);

    const whatsApp = harness.consumer('whatsapp', `91${mobile}`);
    expect((await whatsApp.say('my complaints')).text).not.toContain(number!);
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await whatsApp.say(wrong)).texts).toEqual([en.verification.wrongCode]);
    expect((await whatsApp.say(code!)).texts).toEqual([en.verification.linked]);
    expect((await whatsApp.say('my complaints')).text).toContain(number!);

    // The question goes to the web chat; the linked WhatsApp's "haan" still does not close it.
    await harness.tickets.claimResolution(number!, je, { note: 'Replaced the burnt meter' });
    await chat.deliver(number!);
    await whatsApp.say('haan');
    expect((await harness.tickets.get(number!)).status).toBe('awaiting_confirmation');
    expect((await chat.say('yes')).texts).toEqual([en.closedThanks(number!)]);
  });
});
