// Issue 13 item 2 in the dialogs: a supply complaint from an area with an open incident is told at once what is
// known (and still gets its own ticket, linked); a consumer of that area with no open complaint who asks for their
// complaints hears the incident instead of a bare "closed". On the old code neither message existed.
import { beforeAll, describe, expect, it } from 'vitest';
import { textsFor } from '../../dialogs/texts.js';
import { createBotHarness, ticketNumberIn, type BotHarness } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_incidents');
let harness: BotHarness;
beforeAll(() => {
  harness = createBotHarness(db.models, { incidentThreshold: 2 });
});

const hi = textsFor('hi');
const en = textsFor('en');

/** Registers with the mobile and account labelled in the message's own language (as a consumer writing it would). */
async function register(label: string, message: string, yes: string, labels: [string, string] = ['मोबाइल', 'खाता']) {
  const identity = harness.newIdentity(label);
  const chat = harness.consumer('webchat', identity.userId);
  await chat.say(`${message}, ${labels[0]} ${identity.mobile}, ${labels[1]} ${identity.accountNumber}`);
  const turn = await chat.say(yes);
  return { chat, turn, number: ticketNumberIn(turn.text)! };
}

describe('a complaint into a known outage', () => {
  it('the complaint that makes the outage known, and every later one, is told at once in its language, with its own ticket linked', async () => {
    const first = await register('first', 'विवेक खंड में 3 घंटे से बिजली नहीं है', 'हाँ');
    expect(first.turn.text).not.toContain('बिजली कटौती');
    const second = await register('second', 'विवेक खंड में 3 घंटे से बिजली नहीं है', 'हाँ');
    const news = await harness.incidents!.incidentForPlace({ subDivisionId: 'sd-gomti-nagar', locality: 'Vivek Khand' });
    expect(news).toMatchObject({ locality: 'Vivek Khand', reports: 2 });
    // Its own ticket number first, then what is known — in Hindi, with the locality's Hindi name.
    expect(second.turn.texts[0]).toContain(second.number);
    expect(second.turn.texts.at(-1)).toBe(hi.incidentKnown({ ...news!, locality: 'विवेक खंड' }));
    for (const number of [first.number, second.number]) expect((await harness.tickets.get(number)).incidentId).toBe(news!.incidentId);

    const english = await register('english', 'no power in Vivek Khand since 3 hours', 'yes', ['mobile', 'account']);
    const later = await harness.incidents!.incidentForPlace({ subDivisionId: 'sd-gomti-nagar', locality: 'Vivek Khand' });
    expect(english.turn.texts.at(-1)).toBe(en.incidentKnown(later!));
    expect(english.turn.text).toContain('Power cut in Vivek Khand known since');
    expect((await harness.tickets.get(english.number)).incidentId).toBe(news!.incidentId);
  });

  it('a consumer of that area with no open complaint who asks for their complaints hears the outage, with no new ticket', async () => {
    // Their earlier complaint in Vishal Khand was closed on their own word.
    const earlier = await register('earlier', 'विशाल खंड में मीटर जल गया है', 'हाँ');
    const officer = harness.officer('sd-gomti-nagar', 'JE');
    const { claimId } = await harness.tickets.claimResolution(earlier.number, officer, { note: 'मीटर बदला' });
    await harness.tickets.recordClaimShown(earlier.number, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
    await harness.tickets.answerResolution(earlier.number, earlier.chat.actor, { claimId, answer: 'yes' });

    // An outage opens there (two neighbours' supply complaints).
    await register('n1', 'विशाल खंड में बिजली नहीं है', 'हाँ');
    await register('n2', 'विशाल खंड में बिजली नहीं है', 'हाँ');
    const news = await harness.incidents!.incidentForPlace({ subDivisionId: 'sd-gomti-nagar', locality: 'Vishal Khand' });
    expect(news).toBeDefined();

    const before = await harness.tickets.listForConsumer(earlier.chat.actor);
    const turn = await earlier.chat.say('मेरी शिकायतें');
    expect(turn.texts).toEqual([hi.incidentAnswer({ ...news!, locality: 'विशाल खंड' })]);
    expect(await harness.tickets.listForConsumer(earlier.chat.actor)).toHaveLength(before.length);
  });
});
