// Issue 15 on the whole helpline over Direct Line HTTP (createHelpline on the real embedded database, 127.0.0.1): what a
// web chat turn and a conversation start cost in database commands (counted with the driver's commandStarted events),
// the per-conversation message limit now kept in the conversation document, and a live handoff begun between two turns
// (in another conversation of the same consumer) stopping the bot at the next turn.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ActivityJson } from '../../bot/adapters/directLineAdapter.js';
import { textsFor } from '../../dialogs/texts.js';
import { Directory } from '../../services/directory.js';
import { officeHoursSchema } from '../../services/officeHours.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { agentDesk, staffApiCaller } from '../support/staffApiClient.js';
import { commandsDuring as countCommands } from '../support/commandsDuring.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('directline_turn_commands');
const en = textsFor('en');
const secret = 'e2e-directline-secret-0123456789abcdefghij';
const messageLimit = 6;
let served: ServedHelpline;

beforeAll(async () => {
  served = await serveHelpline(db, Directory.loadDefault(), {
    // The workers' own passes far away: the commands counted are the turn's.
    sweepIntervalMs: 3_600_000,
    expirySweepIntervalMs: 3_600_000,
    directoryCheckIntervalMs: 3_600_000,
    handoffOfficeHours: officeHoursSchema.parse('00:00-24:00'),
    handoffCallbackAfterMs: 3_600_000,
    abuseLimits: { messagesPerConversation: { points: messageLimit, durationMs: 60_000 } },
  });
  // Start-up's one-off commands (indexes, the workers' first passes) are over before anything is counted.
  const warmUp = await openConversation('dl_turnwarmup');
  await say(warmUp, 'hello');
  await sleep(500);
});

afterAll(async () => {
  await served.close();
});

/** The database commands sent while `task` runs, as `name collection`. */
function commandsDuring(task: () => Promise<unknown>): Promise<string[]> {
  return countCommands(db.connection, task, { detail: true });
}

/** A Direct Line client of one conversation (the secret opens it for `userId`, as a trusted backend would). */
async function openConversation(userId: string) {
  const opened = await fetch(`${served.baseUrl}/v3/directline/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user: { id: userId }, locale: 'en-IN' }),
  });
  expect(opened.status).toBe(201);
  const { conversationId, token } = (await opened.json()) as { conversationId: string; token: string };
  const base = `${served.baseUrl}/v3/directline/conversations/${conversationId}/activities`;
  let watermark = '';
  let serial = 0;
  return {
    conversationId,
    post(text: string): Promise<Response> {
      serial += 1;
      return fetch(base, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        // Web Chat sends the page's locale on every activity.
        body: JSON.stringify({ type: 'message', from: { id: userId }, text, locale: 'en-IN', channelData: { clientActivityID: `${conversationId}-${serial}` } }),
      });
    },
    /** What the bot said since the last call (one GET). */
    async fromBot(): Promise<ActivityJson[]> {
      const response = await fetch(`${base}?watermark=${watermark}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await response.json()) as { activities: ActivityJson[]; watermark: string };
      watermark = body.watermark;
      return body.activities.filter((activity) => activity.from?.role === 'bot');
    },
  };
}

type Client = Awaited<ReturnType<typeof openConversation>>;

/** Sends a message and waits for its turn; the bot's messages in answer. */
async function say(client: Client, text: string): Promise<string[]> {
  const posted = await client.post(text);
  expect(posted.status).toBe(200);
  await served.helpline.webChat.idle();
  return (await client.fromBot()).filter((activity) => activity.type === 'message').map((activity) => activity.text ?? '');
}

it('issue 15 targets: a conversation start (POST /conversations, the welcome turn, the GET that shows it) in ≤ 4 commands, an ordinary turn in ≤ 2 (were 7 and 4)', async () => {
  let client: Client | undefined;
  const start = await commandsDuring(async () => {
    client = await openConversation('dl_turncount1');
    await served.helpline.webChat.idle();
    expect((await client.fromBot()).map((activity) => activity.text)).toEqual([en.welcome]);
  });
  expect(start.length, start.join('\n')).toBeLessThanOrEqual(4);

  // The first message turn learns what the conversation's first turn must (the consumer's language, where to reach them).
  await say(client!, 'hello');
  const ordinary = await commandsDuring(async () => {
    const posted = await client!.post('hello');
    expect(posted.status).toBe(200);
    await served.helpline.webChat.idle();
  });
  // The take (lease + the message + the message counted + the pending mark) and the final write: no rate_limits
  // counter, no active_handoffs read.
  expect(ordinary.length, ordinary.join('\n')).toBeLessThanOrEqual(2);
  expect(ordinary.join('\n')).not.toMatch(/rate_limits|active_handoffs/);
  expect((await client!.fromBot()).filter((activity) => activity.type === 'message')).toHaveLength(1);
});

it('the message limit, now counted in the conversation document, still refuses past it with 429 + Retry-After; every accepted message gets its turn', async () => {
  const client = await openConversation('dl_turnlimit1');
  await served.helpline.webChat.idle();
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  let refusedBody: unknown;
  for (let index = 0; index < messageLimit + 3; index++) {
    const answer = await client.post(`hello ${index}`);
    statuses.push(answer.status);
    if (answer.status === 429) {
      retryAfter ??= answer.headers.get('retry-after');
      refusedBody ??= await answer.json();
    } else await answer.body?.cancel();
    await served.helpline.webChat.idle();
  }
  expect(statuses.filter((status) => status === 200)).toHaveLength(messageLimit);
  expect(statuses.slice(messageLimit)).toEqual([429, 429, 429]);
  expect(Number(retryAfter)).toBeGreaterThan(0);
  expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  expect(refusedBody).toMatchObject({ error: { code: 'too_many_requests' } });
  // Nothing refused was stored; everything accepted was, and answered.
  const transcript = (await served.helpline.webChat.transcript(client.conversationId)) ?? [];
  const consumerTexts = transcript.filter((activity) => activity.from?.role !== 'bot').map((activity) => activity.text);
  expect(consumerTexts).toEqual(Array.from({ length: messageLimit }, (_, index) => `hello ${index}`));
  expect((await db.models.directLineConversations.findById(client.conversationId, { pendingTurn: 1 }).lean())?.pendingTurn).toBeUndefined();
  // Another conversation has its own count.
  const other = await openConversation('dl_turnlimit2');
  expect((await other.post('hello')).status).toBe(200);
  await served.helpline.webChat.idle();
});

it('a live handoff begun between two turns (in another conversation of the same consumer) stops the bot answering the next turn; its end gives the bot back', async () => {
  const userId = 'dl_turnhandoff1';
  const first = await openConversation(userId);
  await served.helpline.webChat.idle();
  await first.fromBot();
  expect(await say(first, 'hello')).toEqual([en.welcome]);
  expect(await say(first, 'hello')).toEqual([en.welcome]);

  // Between two turns of `first`, the consumer asks for a person in another tab (another conversation).
  const second = await openConversation(userId);
  await served.helpline.webChat.idle();
  await second.fromBot();
  expect(await say(second, 'I want to talk to a person')).toEqual([en.handoffQueued({ position: 1, officeHours: '00:00-24:00', callbackAfterMinutes: 60 })]);

  // The next turn of `first` goes to the waiting handoff, not to the dialogs.
  expect(await say(first, 'my bill is wrong')).toEqual([en.handoffPassedOn]);
  const call = staffApiCaller(served.baseUrl);
  const desk = await agentDesk(call, served.helpline.staffAuth, { username: 'turn-agent', password: 'turn-agent-password-1', name: 'Ravi Kumar' });
  const [entry] = (await call('GET', '/handoffs', desk.token)).body.handoffs as Array<{ id: string }>;
  expect((await call('POST', `/handoffs/${entry!.id}/accept`, desk.token, {})).status).toBe(200);
  await served.helpline.webChat.idle();
  // The accept reaches the consumer's latest conversation (the one they wrote in last).
  const told = [...(await first.fromBot()), ...(await second.fromBot())].filter((activity) => activity.type === 'message');
  expect(told.map((activity) => activity.text)).toEqual([en.handoffAccepted('Ravi')]);
  // Accepted: the agent answers, the bot says nothing (in either conversation).
  expect(await say(first, 'hello?')).toEqual([]);
  expect(await say(second, 'hello?')).toEqual([]);
  await call('POST', `/handoffs/${entry!.id}/complete`, desk.token, {});
  await served.helpline.webChat.idle();
  // Completed: the bot answers again, and an ordinary turn is back to the take and the write.
  expect(await say(first, 'hello')).toEqual([en.welcome]);
  const ordinary = await commandsDuring(async () => {
    expect((await first.post('hello')).status).toBe(200);
    await served.helpline.webChat.idle();
  });
  expect(ordinary.join('\n')).not.toMatch(/active_handoffs/);
});
