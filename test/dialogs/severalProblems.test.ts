// Issue 12 item 3, several problems in one message: "bill 18000 aaya hai aur meter bhi tez chal raha hai" registered
// only the first; then each ticket stored the same whole message, so the meter's JE read about a bill. Now each ticket
// carries its own problem's words first and the whole message after them (nothing the consumer said is lost from
// either), and the read-back lists each problem with its words. Over the real bot and database.
import { beforeAll, describe, expect, it } from 'vitest';
import { placeName } from '../../dialogs/consumerTurn.js';
import { textsFor, type Language } from '../../dialogs/texts.js';
import type { TicketCategory, TicketRecord } from '../../models/ticketTypes.js';
import { createBotHarness, type BotHarness } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_several_problems');
let harness: BotHarness;
beforeAll(() => {
  harness = createBotHarness(db.models);
});

async function descriptionsOf(userId: string): Promise<Partial<Record<TicketCategory, string>>> {
  const tickets = await db.models.tickets.find({ 'consumer.channelUserId': userId }, { category: 1, description: 1 }).lean<TicketRecord[]>();
  return Object.fromEntries(tickets.map((ticket) => [ticket.category, ticket.description]));
}

const cases: Array<{ language: Language; problems: string; words: Partial<Record<TicketCategory, string>>; place: string; yes: string }> = [
  {
    language: 'hl',
    problems: 'bill 18000 aaya hai aur meter bhi tez chal raha hai',
    words: { bill: 'bill 18000 aaya hai', meter: 'meter bhi tez chal raha hai' },
    place: 'gomti nagar',
    yes: 'haan',
  },
  {
    language: 'hi',
    problems: 'बिल 18000 आया है और मीटर भी तेज़ चल रहा है',
    words: { bill: 'बिल 18000 आया है', meter: 'मीटर भी तेज़ चल रहा है' },
    place: 'गोमती नगर',
    yes: 'हाँ',
  },
  {
    language: 'en',
    problems: 'my bill is too high and the meter is running fast',
    words: { bill: 'my bill is too high', meter: 'the meter is running fast' },
    place: 'gomti nagar',
    yes: 'yes',
  },
];

describe('several problems in one message: each ticket gets its own words and the whole message (issue 12 item 3)', () => {
  it.each(cases)('$language: "$problems" → the read-back lists each with its words; each ticket stores its own words, then the whole message', async (example) => {
    // Old main: both tickets stored the whole message alone, and the read-back named the second problem without its words.
    const texts = textsFor(example.language);
    const identity = harness.newIdentity(`several-${example.language}`);
    const chat = harness.consumer('webchat', identity.userId);
    const message = `${example.problems}, ${example.place}, account ${identity.accountNumber}, mobile ${identity.mobile}`;
    const summary = await chat.say(message);
    expect(summary.text).toBe(
      texts.summary({
        category: 'bill',
        alsoCategories: ['meter'],
        problemWords: example.words,
        description: message,
        accountNumber: identity.accountNumber,
        mobile: identity.mobile,
        locality: placeName(harness, texts, 'Gomti Nagar'),
        district: placeName(harness, texts, 'Lucknow'),
      }),
    );
    for (const words of Object.values(example.words)) expect(summary.text).toContain(`"${words}"`);
    await chat.say(example.yes);

    const stored = await descriptionsOf(identity.userId);
    expect(Object.keys(stored).sort()).toEqual(['bill', 'meter']);
    for (const category of ['bill', 'meter'] as const) {
      const description = stored[category]!;
      expect(description.startsWith(`${example.words[category]}\n\n`)).toBe(true);
      expect(description.endsWith(message)).toBe(true); // the whole message, as written
    }
  });

  it('one problem in one message stores the message alone, as before', async () => {
    const identity = harness.newIdentity('several-one');
    const chat = harness.consumer('webchat', identity.userId);
    const message = `bill 18000 aaya hai, gomti nagar, account ${identity.accountNumber}, mobile ${identity.mobile}`;
    const summary = await chat.say(message);
    expect(summary.text).not.toContain('"bill 18000 aaya hai"');
    await chat.say('haan');
    expect(await descriptionsOf(identity.userId)).toEqual({ bill: message });
  });

  it('a transformer fault and the outage it causes stay one problem, its words including the outage; a bill beside them is a second', async () => {
    const identity = harness.newIdentity('several-transformer');
    const chat = harness.consumer('webchat', identity.userId);
    const message = `transformer jal gaya aur light nahi hai aur bill bhi galat aaya hai, chinhat, account ${identity.accountNumber}, mobile ${identity.mobile}`;
    await chat.say(message);
    await chat.say('haan');
    const stored = await descriptionsOf(identity.userId);
    expect(Object.keys(stored).sort()).toEqual(['bill', 'transformer']);
    expect(stored.transformer!.startsWith('transformer jal gaya, light nahi hai\n\n')).toBe(true);
    expect(stored.bill!.startsWith('bill bhi galat aaya hai\n\n')).toBe(true);
  });
});
