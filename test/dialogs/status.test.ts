// "Where is my complaint?" in Hindi, Hinglish and English: one's own ticket by number shows its status line,
// someone else's reads as not found (nothing of it is shown), and "my complaints" lists only one's own.
import { beforeAll, describe, expect, it } from 'vitest';
import { summaryOf } from '../../dialogs/statusDialog.js';
import { textsFor, type Language } from '../../dialogs/texts.js';
import { createBotHarness, ticketNumberIn, type BotHarness, type ConsumerChat, type Identity } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_status');
let harness: BotHarness;
beforeAll(() => {
  harness = createBotHarness(db.models);
});

interface LanguageCase {
  style: string;
  language: Language;
  register: (identity: Identity) => string;
  secondComplaint: (identity: Identity) => string;
  yes: string;
  statusOf: (number: string) => string;
  askStatus: string;
  myComplaints: string;
}

const cases: LanguageCase[] = [
  {
    style: 'Hindi (Devanagari)',
    language: 'hi',
    register: ({ mobile, accountNumber }) => `मीटर जल गया है, गोमती नगर, मोबाइल ${mobile}, खाता ${accountNumber}`,
    secondComplaint: () => 'बिल गलत आया है, आलमबाग',
    yes: 'हाँ',
    statusOf: (number) => `शिकायत ${number} की स्थिति बताइए`,
    askStatus: 'शिकायत की स्थिति',
    myComplaints: 'मेरी शिकायतें',
  },
  {
    style: 'Hinglish',
    language: 'hl',
    register: ({ mobile, accountNumber }) => `meter jal gaya hai, gomti nagar, mobile ${mobile}, account ${accountNumber}`,
    secondComplaint: () => 'bill galat aaya hai, alambagh',
    yes: 'haan',
    statusOf: (number) => `${number} ka status batao`,
    askStatus: 'meri complaint ka status',
    myComplaints: 'meri saari complaints dikhao',
  },
  {
    style: 'English',
    language: 'en',
    register: ({ mobile, accountNumber }) => `my meter is burnt, gomti nagar, mobile ${mobile}, account ${accountNumber}`,
    secondComplaint: () => 'the bill is wrong, alambagh',
    yes: 'yes',
    statusOf: (number) => `what is the status of ${number}`,
    askStatus: 'complaint status',
    myComplaints: 'show my complaints',
  },
];

async function registered(chat: ConsumerChat, message: string, yes: string): Promise<string> {
  await chat.say(message);
  const number = ticketNumberIn((await chat.say(yes)).text);
  expect(number).toBeDefined();
  return number!;
}

async function statusLine(language: Language, number: string): Promise<string> {
  const texts = textsFor(language);
  return texts.ticketStatus(summaryOf(await harness.tickets.get(number), harness, texts));
}

describe.each(cases)('status in $style', (c) => {
  const texts = textsFor(c.language);

  it('their own ticket by number: the status line', async () => {
    const identity = harness.newIdentity('own');
    const chat = harness.consumer('webchat', identity.userId);
    const number = await registered(chat, c.register(identity), c.yes);

    const turn = await chat.say(c.statusOf(number));
    expect(turn.texts).toEqual([await statusLine(c.language, number)]);
    expect(turn.text).toContain('Pradeep Srivastava (Demo)');
  });

  it("someone else's ticket reads as not found, and nothing of it is shown", async () => {
    const owner = harness.newIdentity('owner');
    const ownerChat = harness.consumer('webchat', owner.userId);
    const theirs = await registered(ownerChat, c.register(owner), c.yes);

    const snoop = harness.newIdentity('snoop');
    const chat = harness.consumer('webchat', snoop.userId);
    const turn = await chat.say(c.statusOf(theirs));
    expect(turn.texts).toEqual([texts.ticketNotFound(theirs)]);
    for (const detail of ['Pradeep', 'Gomti', 'गोमती', owner.mobile, owner.accountNumber, texts.category('meter')]) {
      expect(turn.text).not.toContain(detail);
    }
  });

  it('without a number, their own ticket answers it: no number is asked for (issue 12)', async () => {
    const identity = harness.newIdentity('ask');
    const chat = harness.consumer('webchat', identity.userId);
    const number = await registered(chat, c.register(identity), c.yes);

    const answer = await chat.say(c.askStatus);
    expect(answer.texts).toEqual([await statusLine(c.language, number)]);
  });

  it('without a number and with no tickets on this chat, it asks for one (with a "my complaints" button), then looks it up', async () => {
    const owner = harness.newIdentity('ask-owner');
    const number = await registered(harness.consumer('webchat', owner.userId), c.register(owner), c.yes);
    const chat = harness.consumer('webchat', harness.newIdentity('ask').userId);
    if (c.language === 'en') await chat.say('Good morning');

    const question = await chat.say(c.askStatus);
    expect(question.texts).toEqual([texts.askTicketNumber]);
    expect(question.choices).toEqual([texts.menuChoices[2]]);
    const answer = await chat.say(number.toLowerCase());
    expect(answer.texts).toEqual([texts.ticketNotFound(number)]);
  });

  it('asked for a number, a consumer who describes a new problem instead is taken to registration', async () => {
    const identity = harness.newIdentity('switch');
    const chat = harness.consumer('webchat', identity.userId);
    await chat.say(c.askStatus);
    // Hinglish in Latin letters, so the bot now answers in Hinglish whatever it spoke before.
    const turn = await chat.say('meter jal gaya hai ghar ka');
    expect(turn.texts).toEqual([textsFor('hl').askAccount]);
  });

  it('"my complaints" lists only their own, newest first', async () => {
    const identity = harness.newIdentity('mine');
    const chat = harness.consumer('webchat', identity.userId);
    const first = await registered(chat, c.register(identity), c.yes);
    const second = await registered(chat, c.secondComplaint(identity), c.yes);
    expect(second).not.toBe(first);

    const other = harness.newIdentity('other');
    const otherNumber = await registered(harness.consumer('webchat', other.userId), c.register(other), c.yes);

    const turn = await chat.say(c.myComplaints);
    expect(turn.texts).toEqual([
      [texts.yourComplaints(2), `• ${await statusLine(c.language, second)}`, `• ${await statusLine(c.language, first)}`].join('\n'),
    ]);
    expect(turn.text).not.toContain(otherNumber);
  });

  it('"my complaints" with none yet says so', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('none').userId);
    if (c.language === 'en') await chat.say('Good morning');
    expect((await chat.say(c.myComplaints)).texts).toEqual([texts.noComplaints]);
  });
});
