// The live handoff end to end over Direct Line, in the whole helpline as `npm start` assembles it (its workers
// running): a web consumer asks for a person over the Direct Line REST API, sees handoff.initiate and the honest
// queue message, is offered a callback by the running timer when nobody accepts in time, keeps waiting, and an agent
// accepts, writes and completes through the staff API — every step read back from the conversation's activities.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityJson } from '../../bot/adapters/directLineAdapter.js';
import type { Database } from '../../db/database.js';
import { textsFor } from '../../dialogs/texts.js';
import { createHelpline, type Helpline } from '../../server/helpline.js';
import { Directory } from '../../services/directory.js';
import { officeHoursSchema } from '../../services/officeHours.js';
import { eventually } from '../support/fakeWhatsAppWebClient.js';
import { agentDesk, closeHelpline, staffApiCaller, type StaffApiCall } from '../support/staffApiClient.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('handoff_direct_line');
const en = textsFor('en');
const secret = 'handoff-directline-secret-0123456789abcdefghij';
let helpline: Helpline;
let server: Server;
let origin: string;
let call: StaffApiCall;

beforeAll(async () => {
  const database: Database = { connection: db.connection, models: db.models, close: async () => {} };
  helpline = createHelpline(database, Directory.loadDefault(), {
    directLineSecret: secret,
    webChatCookieSecret: 'handoff-webchat-cookie-secret-9876543210zyx',
    staffSessionTtlMs: 60 * 60_000,
    satisfactionReminderDelaysMs: [60 * 60_000],
    satisfactionUnconfirmedAfterMs: 2 * 60 * 60_000,
    handoffOfficeHours: officeHoursSchema.parse('00:00-24:00'),
    handoffCallbackAfterMs: 1_500,
    sweepIntervalMs: 200,
    log: () => {},
  });
  server = helpline.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  call = staffApiCaller(origin);
  await helpline.start();
});

afterAll(async () => {
  await closeHelpline(server, helpline);
});

/** A web consumer speaking the Direct Line REST protocol, as Web Chat's directlinejs does. */
async function directLineConsumer() {
  const generated = await fetch(`${origin}/v3/directline/tokens/generate`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: '{}' });
  expect(generated.status).toBe(200);
  const { conversationId, token } = (await generated.json()) as { conversationId: string; token: string };
  const base = `${origin}/v3/directline/conversations/${conversationId}/activities`;
  let watermark = '';
  const fromBot = async (): Promise<ActivityJson[]> => {
    const response = await fetch(`${base}?watermark=${watermark}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { activities: ActivityJson[]; watermark: string };
    watermark = body.watermark;
    return body.activities.filter((activity) => activity.from?.role !== 'user' && activity.from?.id !== 'consumer');
  };
  return {
    async say(text: string): Promise<ActivityJson[]> {
      const posted = await fetch(base, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', from: { id: 'consumer' }, text }),
      });
      expect(posted.status).toBe(200);
      await helpline.webChat.idle();
      return fromBot();
    },
    /** Waits until the bot has sent at least `count` more activities of its own. */
    async receive(count: number): Promise<ActivityJson[]> {
      const received: ActivityJson[] = [];
      await eventually(async () => {
        received.push(...(await fromBot()));
        expect(received.length).toBeGreaterThanOrEqual(count);
      }, 10_000);
      return received;
    },
  };
}

const messageTexts = (activities: ActivityJson[]) => activities.filter((activity) => activity.type === 'message').map((activity) => activity.text);
const events = (activities: ActivityJson[]) => activities.filter((activity) => activity.type === 'event').map((activity) => [activity.name, (activity.value as { state?: string } | undefined)?.state]);

describe('a person over Direct Line', () => {
  it('ask → initiate and the queue message → the timer offers a callback → "no" keeps the place → accept, reply, complete → the bot resumes', { timeout: 60_000 }, async () => {
    const desk = await agentDesk(call, helpline.staffAuth, { username: 'asha-dl', password: 'asha-directline-password', name: 'Asha Verma' });
    const consumer = await directLineConsumer();
    await consumer.say('Good morning');

    const asked = await consumer.say('I want to talk to a person');
    expect(events(asked)).toEqual([['handoff.initiate', undefined]]);
    expect(messageTexts(asked)).toEqual([en.handoffQueued({ position: 1, officeHours: '00:00-24:00', callbackAfterMinutes: 1 })]);

    // Nobody accepts within HANDOFF_CALLBACK_AFTER: the running timer offers a callback, once.
    const offer = await consumer.receive(1);
    expect(messageTexts(offer)).toEqual([en.callbackOffer(undefined)]);
    expect(messageTexts(await consumer.say('no'))).toEqual([en.callbackDeclinedWaiting]);

    const [entry] = (await call('GET', '/handoffs', desk.token)).body.handoffs as Array<{ id: string; status: string }>;
    expect(entry).toMatchObject({ status: 'waiting' });
    expect((await call('POST', `/handoffs/${entry!.id}/accept`, desk.token, {})).body).toEqual({ delivered: true });
    const accepted = await consumer.receive(2);
    expect(events(accepted)).toEqual([['handoff.status', 'accepted']]);
    expect(messageTexts(accepted)).toEqual([en.handoffAccepted('Asha')]);

    expect(messageTexts(await consumer.say('My bill is wrong'))).toEqual([]);
    await call('POST', `/handoffs/${entry!.id}/messages`, desk.token, { text: 'Hello, I am Asha. Your account number, please?' });
    expect(messageTexts(await consumer.receive(1))).toEqual(['Hello, I am Asha. Your account number, please?']);
    await call('POST', `/handoffs/${entry!.id}/complete`, desk.token, {});
    const completed = await consumer.receive(2);
    expect(events(completed)).toEqual([['handoff.status', 'completed']]);
    expect(messageTexts(completed)).toEqual([en.handoffCompleted]);
    expect(messageTexts(await consumer.say('hello'))).toEqual([en.welcome]);
    expect(await db.models.handoffRequests.findById(entry!.id).lean()).toMatchObject({ status: 'completed', agentUsername: 'asha-dl' });
  });
});
