// Issue 12 item 8: out of office hours, "haan jaldi call karo 9918012345 pe" queues a callback on that number. On the
// old main only a bare number did; the sentence was passed on to nobody and the offer repeated.
import { beforeAll, describe, expect, it } from 'vitest';
import { textsFor } from '../../dialogs/texts.js';
import { maskMobile } from '../../services/consumerIdentity.js';
import { officeHoursSchema } from '../../services/officeHours.js';
import { createBotHarness, type BotHarness } from '../support/botHarness.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dialog_callback_in_line');
// Consumers here write Hinglish (Latin letters): they are answered in Hinglish (issue 12 item 6).
const hl = textsFor('hl');
const en = textsFor('en');
// 2026-11-29 is a Sunday: the agents (Mon-Sat) are away.
const sundayMorning = new Date('2026-11-29T05:30:00Z');
let harness: BotHarness;
beforeAll(() => {
  harness = createBotHarness(db.models, { now: () => sundayMorning, handoff: { officeHours: officeHoursSchema.parse('Mon-Sat 09:00-18:00'), callbackAfterMs: 300_000 } });
});

describe('a callback asked for with the number in the same line', () => {
  it.each([
    { text: 'haan jaldi call karo 9918012345 pe', mobile: '9918012345', texts: hl, ask: 'kisi insaan se baat karni hai' },
    { text: 'yes please call me on +91 99180 12346', mobile: '9918012346', texts: en, ask: 'I want to talk to a person' },
  ])('issue example: "$text"', async ({ text, mobile, texts, ask }) => {
    const chat = harness.consumer('webchat', harness.newIdentity('callback').userId);
    expect((await chat.say(ask)).texts).toEqual([texts.handoffOffHours('Mon-Sat 09:00-18:00', undefined)]);
    const turn = await chat.say(text);
    expect(turn.texts).toEqual([texts.callbackRequested(maskMobile(mobile))]);
    expect(await db.models.callbacks.countDocuments({ channelUserId: chat.userId, mobile })).toBe(1);
  });

  it('a "no" with no number still declines', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('declines').userId);
    await chat.say('I want to talk to a person');
    expect((await chat.say('no thanks')).texts).toEqual([en.callbackDeclinedOffHours]);
    expect(await db.models.callbacks.countDocuments({ channelUserId: chat.userId })).toBe(0);
  });
});
