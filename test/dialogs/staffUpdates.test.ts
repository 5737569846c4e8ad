// Issue 12 item 8 and the small list, over the real bot and database: what staff write reaches the consumer (the
// officer's note quoted, the expected time), a ticket an agent opens is announced, and the small wording defects.
// On the old main: the first note arrived as a bare "work started", later notes and agent-opened tickets not at all,
// "आपकी 1 शिकायतें", "00:00-24:00 बजे तक", and "जोड़ रहा हूँ" twice in one reply.
import { beforeAll, describe, expect, it } from 'vitest';
import { formatDateTime, hoursPhrase, textsFor, type Language } from '../../dialogs/texts.js';
import type { StaffActor } from '../../models/ticketTypes.js';
import { InvalidInputError } from '../../services/errors.js';
import { createBotHarness, type BotHarness, type ConsumerChat, type Identity } from '../support/botHarness.js';
import { agent, complaintFor } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_staff_updates');
let harness: BotHarness;
let je: StaffActor;
beforeAll(() => {
  harness = createBotHarness(db.models);
  je = harness.officer('sd-gomti-nagar', 'JE');
});

async function chatWithTicket(label: string, greeting: string): Promise<{ chat: ConsumerChat; identity: Identity; number: string }> {
  const identity = harness.newIdentity(label);
  const chat = harness.consumer('webchat', identity.userId);
  await chat.say(greeting);
  const { ticket } = await harness.tickets.register(complaintFor({ actor: chat.actor, mobile: identity.mobile }), chat.actor);
  await harness.tickets.assign(ticket._id, { role: 'system', id: 'test' });
  await chat.deliver(ticket._id);
  return { chat, identity, number: ticket._id };
}

describe('progress notes and expected times reach the consumer, in their language, the note quoted', () => {
  it.each([
    { style: 'Hinglish', greeting: 'namaste ji', language: 'hl' as Language },
    { style: 'English', greeting: 'Good morning', language: 'en' as Language },
  ])('$style: issue example "replacement arriving by 6 pm" — the first note is not a bare "work started"', async ({ greeting, language }) => {
    const texts = textsFor(language);
    const { chat, number } = await chatWithTicket('notes', greeting);
    const expectedBy = new Date(Date.now() + 5 * 3_600_000);
    await harness.tickets.noteProgress(number, je, { note: 'replacement arriving by 6 pm', expectedBy: expectedBy.toISOString() });
    const first = await chat.deliver(number);
    expect(first.texts).toEqual([texts.update.workStarted(number, 'replacement arriving by 6 pm', expectedBy)]);
    expect(first.text).toContain('"replacement arriving by 6 pm"');
    expect(first.text).toContain(formatDateTime(language, expectedBy));

    // A later note, without an expected time, is delivered too (it was dropped).
    await harness.tickets.noteProgress(number, je, { note: 'transformer fuse ordered' });
    const second = await chat.deliver(number);
    expect(second.texts).toEqual([texts.update.progressNoted(number, 'transformer fuse ordered', undefined)]);
    expect(second.text).toContain('"transformer fuse ordered"');
  });

  it('the latest note and expected time are kept on the ticket; an expected time in the past is refused', async () => {
    const { number } = await chatWithTicket('kept', 'namaste ji');
    const expectedBy = new Date(Date.now() + 2 * 3_600_000);
    await harness.tickets.noteProgress(number, je, { note: 'crew on the way', expectedBy: expectedBy.toISOString() });
    expect((await harness.tickets.get(number)).progress).toMatchObject({ note: 'crew on the way', expectedBy });
    await expect(harness.tickets.noteProgress(number, je, { note: 'late', expectedBy: '2020-01-01T10:00:00+05:30' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(harness.tickets.noteProgress(number, je, { note: 'odd', expectedBy: 'tomorrow' })).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('a ticket an agent opens is announced to the consumer (issue 12 small list)', () => {
  it('the number, the category and who has it, in their language', async () => {
    const identity = harness.newIdentity('agent-opened');
    const chat = harness.consumer('webchat', identity.userId);
    await chat.say('namaste ji');
    const { ticket } = await harness.tickets.register(complaintFor({ actor: chat.actor, mobile: identity.mobile }, { category: 'meter' }), agent, 'console');
    const told = await chat.deliver(ticket._id);
    // They wrote Hinglish, so they are told in Hinglish (Latin letters).
    const hl = textsFor('hl');
    expect(told.texts).toEqual([hl.update.openedByStaff(ticket._id, 'meter', ticket.level, ticket.officer?.name)]);
    expect(told.text).toContain(ticket._id);
  });
});

describe('the small list', () => {
  it('"आपकी 1 शिकायतें": one complaint is singular', async () => {
    const { chat } = await chatWithTicket('plural', 'नमस्ते');
    const turn = await chat.say('मेरी शिकायतें');
    expect(turn.text.startsWith('आपकी 1 शिकायत:\n')).toBe(true);
    expect(turn.text).not.toContain('1 शिकायतें');
    expect(textsFor('en').yourComplaints(1)).toBe('Your 1 complaint:');
  });

  it('"00:00-24:00 बजे तक": round-the-clock hours read as "24 घंटे"', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('hours').userId);
    const turn = await chat.say('kisi insaan se baat karni hai');
    // Hinglish in, Hinglish out: "24 ghante" (and "24 घंटे" in Devanagari, below).
    expect(turn.text).toContain('24 ghante');
    expect(turn.text).not.toContain('00:00-24:00');
    expect(turn.text).not.toContain('बजे तक');
    await chat.say('cancel');
    expect(textsFor('hi').handoffOffHours('Mon-Sat 09:00-18:00', undefined)).toContain('सोम-शनि 09:00 से 18:00 बजे तक');
    expect(hoursPhrase('hi', '00:00-24:00')).toBe('हर दिन 24 घंटे');
  });

  it('"मैं आपको… जोड़ रहा हूँ" only once when two messages were not understood', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('twice').userId);
    await chat.say('namaste ji');
    await chat.say('kya hai ye');
    const turn = await chat.say('asdf qwerty');
    expect(turn.text.split('jod raha hoon').length - 1).toBe(1);
    expect(turn.text.startsWith(textsFor('hl').handoffNotUnderstood)).toBe(true);
    await chat.say('cancel');
  });
});
