// A proactive turn that fails (the bot's state store hiccups while the question is being put) is not counted as
// delivered: the question stays owed, is asked again on the next attempt, and only then counts as shown.
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { textsFor } from '../../dialogs/texts.js';
import { createBotHarness, ticketNumberIn, type BotHarness } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_proactive_failures');
let harness: BotHarness;
beforeAll(() => {
  harness = createBotHarness(db.models);
});
const en = textsFor('en');

describe('a failing proactive turn', () => {
  it('leaves the satisfaction question in the outbox, unshown, until a later attempt puts it on screen', async () => {
    const identity = harness.newIdentity('proactive');
    const chat = harness.consumer('webchat', identity.userId);
    await chat.say(`My meter is burnt in Gomti Nagar, mobile ${identity.mobile}, account ${identity.accountNumber}`);
    const number = ticketNumberIn((await chat.say('yes')).text)!;
    await harness.tickets.claimResolution(number, harness.officer('sd-gomti-nagar', 'JE'), { note: 'Meter replaced' });

    harness.storage.failNext('read');
    await chat.deliver(number);
    let ticket = await harness.tickets.get(number);
    expect(ticket.claim?.shownAt).toBeUndefined();
    const owed = ticket.outbox.find((effect) => effect.eventType === 'ticket.resolution_claimed' && effect.kind === 'consumer.notify');
    expect(owed).toMatchObject({ attempts: 1 });
    expect(owed?.lastError).toContain('failed before it finished');

    // The first retry waits two seconds.
    await sleep(2_100);
    const question = await chat.deliver(number);
    expect(question.text).toContain(en.satisfactionQuestion(number, 'JE', ticket.officer?.name, 'Meter replaced').split('\n')[1]!);
    ticket = await harness.tickets.get(number);
    expect(ticket.claim?.shownAt).toBeInstanceOf(Date);
    expect(ticket.outbox.filter((effect) => effect.kind === 'consumer.notify')).toEqual([]);

    const closed = await chat.say('yes, it works now');
    expect(closed.texts).toEqual([en.closedThanks(number)]);
    expect((await harness.tickets.get(number)).status).toBe('closed');
  });
});
