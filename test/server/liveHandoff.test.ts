// The live handoff end to end: the real bot over the harness and the staff API over real HTTP, on the real
// embedded database. A consumer asks for a person in Hindi, waits in the queue, an agent accepts, they talk, the
// bot stays silent, the agent hands back and the bot resumes. Plus who may do what, and the bot's per-turn cost.
import type { Server } from 'node:http';
import { ActivityTypes } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { textsFor } from '../../dialogs/texts.js';
import { createApp } from '../../server/app.js';
import { createStaffApiRouter } from '../../server/staffApi/staffApiRouter.js';
import { StaffAuthService } from '../../services/staffAuthService.js';
import { StaffService } from '../../services/staffService.js';
import { createBotHarness, ticketNumberIn, type BotHarness } from '../support/botHarness.js';
import { listenOnLoopback, type StaffApiCall } from '../support/staffApiClient.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('live_handoff');
const operator = { role: 'system', id: 'test-operator' } as const;
const hi = textsFor('hi');
const en = textsFor('en');

/** The queue message with the harness's settings (always open, a callback offered after 5 minutes), no estimate yet. */
function queued(texts: typeof hi, position: number, expectedWaitMinutes?: number): string {
  return texts.handoffQueued({ position, officeHours: '00:00-24:00', callbackAfterMinutes: 5, ...(expectedWaitMinutes === undefined ? {} : { expectedWaitMinutes }) });
}

let harness: BotHarness;
let server: Server;
let call: StaffApiCall;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  harness = createBotHarness(db.models);
  const auth = new StaffAuthService(db.models, harness.directory);
  const staff = new StaffService(db.models, harness.tickets, harness.directory);
  const app = createApp({ connection: db.connection, routers: [['/api', createStaffApiRouter({ auth, staff, handoffs: harness.handoffs })]] });
  ({ server, call } = await listenOnLoopback(app));
  const accounts = [
    { username: 'asha', password: 'asha-password-1', role: 'agent' as const, name: 'Asha Verma' },
    { username: 'ravi', password: 'ravi-password-1', role: 'agent' as const, name: 'Ravi Kumar' },
    { username: 'meera', password: 'meera-password-1', role: 'supervisor' as const, name: 'Meera Singh' },
    { username: 'pradeep', password: 'pradeep-password', role: 'officer' as const, officerId: 'je-gomti-nagar-1' },
  ];
  for (const account of accounts) {
    await auth.createUser(account, operator);
    const login = await call('POST', '/auth/login', undefined, { username: account.username, password: account.password });
    expect(login.status).toBe(200);
    tokens[account.username] = login.body.token;
  }
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

describe('the round trip', () => {
  it('Hindi ask → queue + initiate event; accept; messages both ways with the bot silent; complete → the bot resumes', async () => {
    const identity = harness.newIdentity('handoff');
    const chat = harness.consumer('webchat', identity.userId);
    await chat.say('नमस्ते');
    const asked = await chat.say('किसी व्यक्ति से बात करनी है');
    expect(asked.texts).toEqual([queued(hi, 1)]);
    // The handoff.initiate event itself is checked in the next test; here the transcript the agent reads.
    const queue = await call('GET', '/handoffs', tokens.asha);
    expect(queue.status).toBe(200);
    expect(queue.body.handoffs).toHaveLength(1);
    const entry = queue.body.handoffs[0];
    expect(entry).toMatchObject({ status: 'waiting', channel: 'webchat', reason: 'asked', language: 'hi' });
    expect(typeof entry.waitingSeconds).toBe('number');
    const id: string = entry.id;

    const detail = await call('GET', `/handoffs/${id}`, tokens.asha);
    expect(detail.status).toBe(200);
    const transcriptTexts = detail.body.handoff.transcript.map((line: { text: string }) => line.text);
    expect(transcriptTexts[0]).toBe('नमस्ते');
    expect(transcriptTexts).toContain('किसी व्यक्ति से बात करनी है');
    expect(detail.body.handoff.transcript.some((line: { from: string }) => line.from === 'bot')).toBe(true);

    // Before an agent: a message is passed on (one short line), a complaint does not start registration.
    const early = await chat.say('5 घंटे से बिजली नहीं है, <b>जल्दी</b>');
    expect(early.texts).toEqual([hi.handoffPassedOn]);

    // Accepted: handoff.status accepted, and the consumer is told who joined.
    const accepted = await call('POST', `/handoffs/${id}/accept`, tokens.asha, {});
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ delivered: true });
    const joined = chat.unread();
    expect(joined.texts).toEqual([hi.handoffAccepted('Asha')]);
    expect((await call('POST', `/handoffs/${id}/accept`, tokens.ravi, {})).status).toBe(409);

    // The bot is silent; the consumer's messages reach the agent as data.
    const during = await chat.say('मीटर जल गया है, शिकायत दर्ज करें');
    expect(during.replies).toEqual([]);
    const read = await call('GET', `/handoffs/${id}`, tokens.asha);
    expect(read.body.handoff).toMatchObject({ status: 'accepted', agent: { username: 'asha', name: 'Asha Verma' } });
    expect(read.body.handoff.messages.map((line: { from: string; text: string }) => [line.from, line.text])).toEqual([
      ['consumer', '5 घंटे से बिजली नहीं है, <b>जल्दी</b>'],
      ['consumer', 'मीटर जल गया है, शिकायत दर्ज करें'],
    ]);
    expect(await db.models.tickets.countDocuments({ 'consumer.channelUserId': identity.userId })).toBe(0);

    // The agent's reply reaches the consumer as plain text from the bot account.
    const reply = await call('POST', `/handoffs/${id}/messages`, tokens.asha, { text: 'नमस्ते, मैं आशा हूँ। आपका खाता संख्या बताइए।' });
    expect(reply.status).toBe(200);
    const received = chat.unread();
    expect(received.texts).toEqual(['नमस्ते, मैं आशा हूँ। आपका खाता संख्या बताइए।']);
    expect(received.replies[0]!.textFormat).toBe('plain');
    expect(received.replies[0]!.activity.from?.id).toBe('santushti-bot');

    // Complete: handoff.status completed, the bot says it is back, and a new complaint registers normally.
    const completed = await call('POST', `/handoffs/${id}/complete`, tokens.asha, {});
    expect(completed.status).toBe(200);
    expect(chat.unread().texts).toEqual([hi.handoffCompleted]);
    expect((await call('GET', '/handoffs', tokens.asha)).body.handoffs).toEqual([]);
    expect((await call('GET', `/handoffs/${id}`, tokens.asha)).body.handoff.status).toBe('completed');

    const resumed = await chat.say('5 घंटे से बिजली नहीं है');
    expect(resumed.texts).toEqual([hi.askAccount]);
    await chat.say(identity.accountNumber);
    await chat.say(identity.mobile);
    await chat.say('गोमती नगर');
    const registered = await chat.say('हाँ');
    expect(ticketNumberIn(registered.text)).toBeDefined();
  });

  it('sends handoff.initiate with the transcript and handoff.status events to the conversation', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('events').userId);
    const events: Array<{ name?: string; value?: unknown; attachments?: Array<{ contentType: string; content: { activities: Array<{ text: string }> } }> }> = [];
    const original = harness.adapter.sendActivities.bind(harness.adapter);
    const spy = vi.spyOn(harness.adapter, 'sendActivities').mockImplementation(async (context, activities) => {
      for (const activity of activities) if (activity.type === ActivityTypes.Event && activity.conversation?.id === chat.conversationId) events.push(activity as never);
      return original(context, activities);
    });
    try {
      await chat.say('Good morning');
      await chat.say('Talk to a person');
      const id = (await call('GET', '/handoffs', tokens.ravi)).body.handoffs.at(-1).id as string;
      await call('POST', `/handoffs/${id}/accept`, tokens.ravi, {});
      await call('POST', `/handoffs/${id}/complete`, tokens.meera, {}); // a supervisor may complete
      expect(chat.unread().texts).toEqual([en.handoffAccepted('Ravi'), en.handoffCompleted]);
    } finally {
      spy.mockRestore();
    }
    expect(events.map((event) => event.name)).toEqual(['handoff.initiate', 'handoff.status', 'handoff.status']);
    const transcript = events[0]!.attachments?.find((attachment) => (attachment as { name?: string }).name === 'Transcript');
    expect(transcript?.content.activities.map((activity) => activity.text)[0]).toBe('Good morning');
    expect((events[1]!.value as { state: string }).state).toBe('accepted');
    expect((events[2]!.value as { state: string }).state).toBe('completed');
  });

  it.each([
    { reason: 'not_understood', messages: ['kya hai ye', 'asdf qwerty'] },
    { reason: 'upset', messages: ['namaste', 'kitni baar complaint karu, koi sunta nahi!!!'] },
  ])('starting by itself ($reason) sends the same handoff.initiate with the transcript', async ({ reason, messages }) => {
    const chat = harness.consumer('webchat', harness.newIdentity(reason).userId);
    const events: Array<{ name?: string; value?: { reason?: string }; attachments?: Array<{ name?: string; content: { activities: Array<{ text: string }> } }> }> = [];
    const original = harness.adapter.sendActivities.bind(harness.adapter);
    const spy = vi.spyOn(harness.adapter, 'sendActivities').mockImplementation(async (context, activities) => {
      for (const activity of activities) if (activity.type === ActivityTypes.Event && activity.conversation?.id === chat.conversationId) events.push(activity as never);
      return original(context, activities);
    });
    try {
      for (const message of messages) await chat.say(message);
    } finally {
      spy.mockRestore();
    }
    expect(events.map((event) => [event.name, event.value?.reason])).toEqual([['handoff.initiate', reason]]);
    const transcript = events[0]!.attachments?.find((attachment) => attachment.name === 'Transcript');
    expect(transcript?.content.activities.map((activity) => activity.text)).toEqual(expect.arrayContaining(messages));
    expect(await db.models.activeHandoffs.findById(`channel:webchat:${chat.userId}`).lean()).toMatchObject({ reason, status: 'waiting' });
    // Both conversations were in Hinglish: answered in Hinglish.
    expect((await chat.say('cancel')).texts).toEqual([textsFor('hl').handoffCancelled]);
  });

  it('"cancel" while waiting ends the handoff (failed) and the bot resumes', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('cancel').userId);
    await chat.say('I want to talk to a human');
    const cancelled = await chat.say('cancel');
    expect(cancelled.texts).toEqual([en.handoffCancelled]);
    expect(cancelled.choices).toEqual(en.menuChoices);
    const request = await db.models.handoffRequests.findOne({ consumerKey: `webchat:${chat.userId}` }).lean();
    expect(request?.status).toBe('failed');
    expect(await db.models.activeHandoffs.findById(`channel:webchat:${chat.userId}`).lean()).toBeNull();
    expect((await chat.say('no electricity since morning')).texts).toEqual([en.askAccount]);
  });
});

describe('permissions', () => {
  it('401 without a token, 403 for officers, 403 for another agent, 404 for an unknown id, 409 out of state, 400 for a bad body', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('perm').userId);
    await chat.say('agent se baat karao');
    const id = (await call('GET', '/handoffs', tokens.asha)).body.handoffs.at(-1).id as string;

    for (const [method, path] of [['GET', '/handoffs'], ['GET', `/handoffs/${id}`], ['POST', `/handoffs/${id}/accept`], ['POST', `/handoffs/${id}/messages`], ['POST', `/handoffs/${id}/complete`]] as const) {
      const body = method === 'GET' ? undefined : path.endsWith('/messages') ? { text: 'x' } : {};
      expect((await call(method, path, undefined, body)).status, `${method} ${path}`).toBe(401);
      expect((await call(method, path, tokens.pradeep, body)).status, `${method} ${path}`).toBe(403);
    }
    expect((await call('GET', '/handoffs/handoff_0000000000000000', tokens.asha)).status).toBe(404);
    expect((await call('POST', `/handoffs/${id}/messages`, tokens.asha, { text: 'too early' })).status).toBe(409);
    expect((await call('POST', `/handoffs/${id}/complete`, tokens.asha, {})).status).toBe(409);

    expect((await call('POST', `/handoffs/${id}/accept`, tokens.asha, {})).status).toBe(200);
    expect((await call('POST', `/handoffs/${id}/accept`, tokens.asha, {})).status).toBe(409);
    expect((await call('POST', `/handoffs/${id}/messages`, tokens.ravi, { text: 'not mine' })).status).toBe(403);
    expect((await call('POST', `/handoffs/${id}/messages`, tokens.meera, { text: 'not mine either' })).status).toBe(403);
    expect((await call('POST', `/handoffs/${id}/complete`, tokens.ravi, {})).status).toBe(403);
    expect((await call('POST', `/handoffs/${id}/messages`, tokens.asha, { text: 'x'.repeat(2_001) })).status).toBe(400);
    expect((await call('POST', `/handoffs/${id}/messages`, tokens.asha, { text: '   ' })).status).toBe(400);
    expect((await call('POST', `/handoffs/${id}/messages`, tokens.asha, { text: 'ok', html: true })).status).toBe(400);
    expect((await call('POST', `/handoffs/${id}/complete`, tokens.asha, {})).status).toBe(200);
    expect((await call('POST', `/handoffs/${id}/complete`, tokens.asha, {})).status).toBe(409);
    expect((await call('POST', `/handoffs/${id}/messages`, tokens.asha, { text: 'after the end' })).status).toBe(409);
  });

  it('the queue lists waiting handoffs oldest first, with positions told honestly', async () => {
    const first = harness.consumer('webchat', harness.newIdentity('q1').userId);
    const second = harness.consumer('webchat', harness.newIdentity('q2').userId);
    const before = (await call('GET', '/handoffs', tokens.meera)).body.handoffs.filter((entry: { status: string }) => entry.status === 'waiting').length;
    // The earlier tests' accepts are the estimate's samples (fewer than three: no estimate).
    const estimate = (position: number) => harness.handoffs.service.expectedWaitMinutes(position);
    expect((await first.say('I want to talk to a human')).texts).toEqual([queued(en, before + 1, await estimate(before + 1))]);
    expect((await second.say('I want to talk to a human')).texts).toEqual([queued(en, before + 2, await estimate(before + 2))]);
    const queue = (await call('GET', '/handoffs', tokens.meera)).body.handoffs as Array<{ createdAt: string }>;
    const times = queue.map((entry) => Date.parse(entry.createdAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});

describe('cost per turn', () => {
  it('the bot checks for an open handoff with a single read by _id (and nothing else on the handoff collections)', async () => {
    const chat = harness.consumer('webchat', harness.newIdentity('cost').userId);
    await chat.say('hello');
    const commands: Array<{ name: string; command: Record<string, unknown> }> = [];
    const client = db.connection.getClient();
    const listener = (event: { commandName: string; command: Record<string, unknown> }) => commands.push({ name: event.commandName, command: event.command });
    client.on('commandStarted', listener);
    try {
      await chat.say('what can you do?');
    } finally {
      client.off('commandStarted', listener);
    }
    const handoffCommands = commands.filter(({ command }) => Object.values(command).some((value) => value === 'active_handoffs' || value === 'handoff_requests'));
    expect(handoffCommands).toHaveLength(1);
    expect(handoffCommands[0]!.name).toBe('find');
    expect(handoffCommands[0]!.command.filter).toEqual({ _id: `channel:webchat:${chat.userId}` });
  });
});
