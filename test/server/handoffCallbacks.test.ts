// Waiting for a person, honestly, and being called back: the queue message with an estimated wait and office hours
// (on an injected clock), the callback offer made outside office hours and by the timer after a restart — once, even
// with two workers on one database — the callback queue's API (who may do what, and what each outcome does), and the
// consumer's "no" to a closure a supervisor recorded on a phone call. The real bot, services and embedded database.
import type { Server } from 'node:http';
import { ConversationState } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationReferences } from '../../bot/conversationReferences.js';
import { LiveHandoff } from '../../bot/liveHandoff.js';
import { textsFor } from '../../dialogs/texts.js';
import type { StaffActor } from '../../models/ticketTypes.js';
import { createApp } from '../../server/app.js';
import { createCallbacksRouter } from '../../server/staffApi/callbacksRouter.js';
import { CallbackOfferTimer } from '../../services/callbackOfferTimer.js';
import { CallbackService } from '../../services/callbackService.js';
import { maskMobile } from '../../services/consumerIdentity.js';
import { LiveHandoffService } from '../../services/liveHandoffService.js';
import { officeHoursSchema } from '../../services/officeHours.js';
import { ReportService } from '../../services/reportService.js';
import type { StaffPrincipal } from '../../services/staffAuthService.js';
import { StaffAuthService } from '../../services/staffAuthService.js';
import { createBotHarness, type BotHarness, type ConsumerChat } from '../support/botHarness.js';
import { complaintFor } from '../support/ticketFixtures.js';
import { listenOnLoopback, type StaffApiCall } from '../support/staffApiClient.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('handoff_callbacks');
// These consumers write Hinglish, and are answered in Hinglish (Latin letters).
const hl = textsFor('hl');
const en = textsFor('en');
const officeHours = officeHoursSchema.parse('Mon-Sat 09:00-18:00');
const callbackAfterMs = 5 * 60_000;
const operator = { role: 'system', id: 'test-operator' } as const;
const je: StaffActor = { role: 'officer', id: 'je-gomti-nagar-1', name: 'JE' };

// 2026-11-30 is a Monday: 11:00 in India is 05:30 UTC. 2026-11-29 is a Sunday.
const mondayMorning = new Date('2026-11-30T05:30:00Z');
const sundayMorning = new Date('2026-11-29T05:30:00Z');
let clock = mondayMorning;
const now = () => clock;
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

let harness: BotHarness;
let server: Server;
let call: StaffApiCall;
const tokens: Record<string, string> = {};
const timerLog: string[] = [];

const agentPrincipal = (username: string): StaffPrincipal => ({ username, role: 'agent', name: username, sessionId: 'test', expiresAt: new Date(8.64e15) });

/** Another process on the same database: its own handoff service and bot side, reaching chats through the harness. */
function anotherProcess(): CallbackOfferTimer {
  const service = new LiveHandoffService(db.models, now, { officeHours, callbackAfterMs });
  const live = new LiveHandoff({
    service,
    conversationState: new ConversationState(harness.storage),
    references: new ConversationReferences(db.models),
    adapterFor: (channelId) => (channelId === 'webchat' ? harness.adapter : undefined),
    botAppId: '',
  });
  return new CallbackOfferTimer(service, live, { log: (line) => timerLog.push(line) });
}

function newChat(label: string): ConsumerChat {
  return harness.consumer('webchat', harness.newIdentity(label).userId);
}

async function handoffOf(chat: ConsumerChat) {
  return db.models.handoffRequests.findOne({ consumerKey: `webchat:${chat.userId}` }).sort({ createdAt: -1 }).lean();
}

beforeAll(async () => {
  harness = createBotHarness(db.models, { now, handoff: { officeHours, callbackAfterMs } });
  const auth = new StaffAuthService(db.models, harness.directory);
  const callbacks = new CallbackService(db.models, harness.tickets, { log: () => {} });
  const app = createApp({ connection: db.connection, routers: [['/api', createCallbacksRouter({ auth, callbacks })]] });
  ({ server, call } = await listenOnLoopback(app));
  const accounts = [
    { username: 'asha', password: 'asha-password-1', role: 'agent' as const, name: 'Asha Verma' },
    { username: 'meera', password: 'meera-password-1', role: 'supervisor' as const, name: 'Meera Singh' },
    { username: 'rakesh', password: 'rakesh-password-1', role: 'supervisor' as const, name: 'Rakesh Gupta' },
    { username: 'pradeep', password: 'pradeep-password', role: 'officer' as const, officerId: 'je-gomti-nagar-1' },
  ];
  for (const account of accounts) {
    await auth.createUser(account, operator);
    tokens[account.username] = (await auth.login({ username: account.username, password: account.password }, '127.0.0.1')).token;
  }
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

describe('the queue message', () => {
  it('tells the position, an estimate from recent accepts (none before there are three), and the office hours', async () => {
    clock = mondayMorning;
    const queued = (position: number, expectedWaitMinutes?: number) =>
      hl.handoffQueued({ position, officeHours: 'Mon-Sat 09:00-18:00', callbackAfterMinutes: 5, ...(expectedWaitMinutes ? { expectedWaitMinutes } : {}) });
    const early = [newChat('w1'), newChat('w2'), newChat('w3')];
    expect((await early[0]!.say('kisi insaan se baat karni hai')).texts).toEqual([queued(1)]);
    expect(queued(1)).toContain(hl.handoffQueued({ position: 1, officeHours: 'Mon-Sat 09:00-18:00', callbackAfterMinutes: 5 }).split('\n')[1]!);
    await early[1]!.say('kisi insaan se baat karni hai');
    await early[2]!.say('kisi insaan se baat karni hai');

    // One agent accepts them after 60, 120 and 180 seconds: the median wait is 120 s.
    for (const chat of early) {
      advance(60_000);
      await harness.handoffs.accept(agentPrincipal('asha'), (await handoffOf(chat))!._id);
    }
    const next = newChat('w4');
    expect((await next.say('kisi insaan se baat karni hai')).texts).toEqual([queued(1, 2)]);
    const after = newChat('w5');
    expect((await after.say('kisi insaan se baat karni hai')).texts).toEqual([queued(2, 4)]);
    // A second agent at work halves it.
    await harness.handoffs.accept(agentPrincipal('ravi'), (await handoffOf(next))!._id);
    expect(await harness.handoffs.service.expectedWaitMinutes(2)).toBe(2);
    await after.say('cancel');
  });

  it('outside office hours: agents are away, and a callback is offered at once instead of a queue', async () => {
    clock = sundayMorning;
    const chat = newChat('offhours');
    const asked = await chat.say('I want to talk to a person');
    expect(asked.texts).toEqual([en.handoffOffHours('Mon-Sat 09:00-18:00', undefined)]);
    expect(asked.choices).toEqual(en.yesNoChoices);
    // Yes without a number on file: which number? A bad one is asked again; a good one queues the callback.
    expect((await chat.say('yes')).texts).toEqual([en.callbackAskMobile]);
    expect((await chat.say('tomorrow')).texts).toEqual([en.callbackBadMobile]);
    const requested = await chat.say('98765 01234');
    expect(requested.texts).toEqual([en.callbackRequested(maskMobile('9876501234'))]);
    const request = await handoffOf(chat);
    expect(request).toMatchObject({ status: 'failed', endReason: 'callback requested' });
    expect(await db.models.callbacks.findById(`handoff:${request!._id}`).lean()).toMatchObject({ kind: 'handoff', mobile: '9876501234', channelUserId: chat.userId });
    // The bot is back.
    expect((await chat.say('hello')).texts).toEqual([en.welcome]);

    // On WhatsApp the number is on file (the sender's): a plain "haan" is enough.
    const onWhatsApp = harness.consumer('whatsapp', '919876512345');
    expect((await onWhatsApp.say('kisi insaan se baat karni hai')).texts).toEqual([hl.handoffOffHours('Mon-Sat 09:00-18:00', maskMobile('9876512345'))]);
    expect((await onWhatsApp.say('haan')).texts).toEqual([hl.callbackRequested(maskMobile('9876512345'))]);
    expect(await db.models.callbacks.countDocuments({ channelUserId: '919876512345', mobile: '9876512345' })).toBe(1);

    const declines = newChat('offhours-no');
    await declines.say('I want to talk to a person');
    // Something else typed while the offer stands: the offer again, now naming the ways out.
    const unrelated = await declines.say('my bill is wrong');
    expect(unrelated.texts).toEqual([`${en.handoffOffHours('Mon-Sat 09:00-18:00', undefined)} ${en.offHoursWayBack}`]);
    expect((await declines.say('no')).texts).toEqual([en.callbackDeclinedOffHours]);
    expect(await handoffOf(declines)).toMatchObject({ status: 'failed', endReason: 'callback declined' });
    clock = mondayMorning;
  });
});

describe('the callback offer timer', () => {
  it('fires after a restart (the due time is in the database), exactly once, and "no" keeps the consumer waiting', async () => {
    clock = mondayMorning;
    const chat = newChat('restart');
    await chat.say('I want to talk to a person');
    // The process that queued them stops; time passes; a new process's timer finds the due offer.
    advance(callbackAfterMs - 1_000);
    const restarted = anotherProcess();
    await restarted.checkDue();
    expect(chat.unread().texts).toEqual([]);
    advance(2_000);
    await restarted.checkDue();
    const offer = chat.unread();
    expect(offer.texts).toEqual([en.callbackOffer(undefined)]);
    expect(offer.choices).toEqual(en.yesNoChoices);
    const handoffId = (await handoffOf(chat))?._id;
    const [listed] = (await harness.handoffs.list(agentPrincipal('asha'))).filter((entry) => entry.id === handoffId);
    expect(listed?.callbackOfferedAt).toBeInstanceOf(Date); // agents see the offer is pending
    await restarted.checkDue();
    await anotherProcess().checkDue();
    expect(chat.unread().texts).toEqual([]);

    expect((await chat.say('no')).texts).toEqual([en.callbackDeclinedWaiting]);
    advance(60 * 60_000);
    await restarted.checkDue();
    expect(chat.unread().texts).toEqual([]);
    expect((await handoffOf(chat))?.status).toBe('waiting');
    // Still waiting: messages go to the agent again.
    expect((await chat.say('hello?')).texts).toEqual([en.handoffPassedOn]);
    expect(timerLog).toEqual([]);
  });

  it('two workers on one database offer it once; yes and a number put the consumer in the callback queue', async () => {
    clock = mondayMorning;
    const chat = newChat('two-workers');
    await chat.say('I want to talk to a person');
    advance(callbackAfterMs + 1_000);
    await Promise.all([anotherProcess().checkDue(), anotherProcess().checkDue(), anotherProcess().checkDue()]);
    expect(chat.unread().texts).toEqual([en.callbackOffer(undefined)]);

    expect((await chat.say('yes')).texts).toEqual([en.callbackAskMobile]);
    expect((await chat.say('9876505678')).texts).toEqual([en.callbackRequested(maskMobile('9876505678'))]);
    const request = await handoffOf(chat);
    expect(request).toMatchObject({ status: 'failed', endReason: 'callback requested' });
    expect(await db.models.activeHandoffs.countDocuments({ handoffId: request!._id })).toBe(0);
  });
});

describe('the callback queue API', () => {
  /** A web consumer's ticket whose claim nobody answered: `ticket.unconfirmed` enqueues it through the outbox. */
  async function unconfirmedTicket(chat: ConsumerChat, claimedBy: StaffActor) {
    const mobile = `97${String(Date.now()).slice(-8)}`;
    const { ticket } = await harness.tickets.register(complaintFor({ actor: chat.actor, mobile }), chat.actor);
    const { claimId } = await harness.tickets.claimResolution(ticket._id, claimedBy, { note: 'Fuse replaced at the pole' });
    await harness.tickets.recordClaimShown(ticket._id, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
    await harness.tickets.markUnconfirmed(ticket._id, { role: 'system', id: 'satisfaction-timer' });
    await chat.deliver(ticket._id);
    return { number: ticket._id, claimId, mobile };
  }

  it('who may list, claim and record; unreachable keeps it queued; a yes closes as callback-confirmed', async () => {
    const chat = newChat('ticket-callback');
    const meera: StaffActor = { role: 'supervisor', id: 'meera', name: 'Meera Singh' };
    const { number, claimId, mobile } = await unconfirmedTicket(chat, meera);
    await chat.deliver(number); // a second drain enqueues nothing more
    const id = `ticket:${number}:${claimId}`;

    expect((await call('GET', '/callbacks')).status).toBe(401);
    expect((await call('GET', '/callbacks', tokens.pradeep)).status).toBe(403);
    const listed = await call('GET', '/callbacks', tokens.asha);
    expect(listed.status).toBe(200);
    expect(listed.body.callbacks.filter((entry: { id: string }) => entry.id === id)).toEqual([
      expect.objectContaining({ id, kind: 'ticket', ticketNumber: number, mobile, attempts: 0, language: 'hi' }),
    ]);

    expect((await call('POST', `/callbacks/${id}/claim`, tokens.asha, {})).status).toBe(403); // agents: not ticket calls
    expect((await call('POST', `/callbacks/${id}/claim`, tokens.meera, {})).status).toBe(403); // she claimed the fix
    expect((await call('POST', `/callbacks/${id}/claim`, tokens.pradeep, {})).status).toBe(403);
    expect((await call('POST', `/callbacks/${id}/outcome`, tokens.rakesh, { answer: 'yes' })).status).toBe(409); // not claimed
    expect((await call('POST', `/callbacks/${id}/claim`, tokens.rakesh, {})).status).toBe(200);
    expect((await call('POST', `/callbacks/${id}/claim`, tokens.rakesh, { force: true })).status).toBe(400);
    expect((await call('POST', '/callbacks/ticket:UP-000000-00000:nope/claim', tokens.rakesh, {})).status).toBe(404);
    expect((await call('POST', `/callbacks/${id}/outcome`, tokens.rakesh, { answer: 'maybe' })).status).toBe(400);

    const unreachable = await call('POST', `/callbacks/${id}/outcome`, tokens.rakesh, { answer: 'unreachable', note: 'Switched off, 11:05' });
    expect(unreachable.status).toBe(200);
    expect(unreachable.body.callback).toMatchObject({ id, attempts: 1, lastNote: 'Switched off, 11:05' });
    expect(unreachable.body.callback.claimedBy).toBeUndefined();
    expect((await harness.tickets.get(number)).status).toBe('unconfirmed');

    expect((await call('POST', `/callbacks/${id}/claim`, tokens.rakesh, {})).status).toBe(200);
    const answered = await call('POST', `/callbacks/${id}/outcome`, tokens.rakesh, { answer: 'yes', note: 'Consumer confirms supply since morning' });
    expect(answered.status).toBe(200);
    expect(answered.body).toEqual({ callback: null, ticketStatus: 'closed' });
    const closed = await harness.tickets.get(number);
    expect(closed.closure).toMatchObject({ provenance: 'callback_confirmed', by: { role: 'supervisor', id: 'rakesh' } });
    expect((await call('GET', '/callbacks', tokens.meera)).body.callbacks.some((entry: { id: string }) => entry.id === id)).toBe(false);
    expect(await db.models.callbacksDone.findById(id).lean()).toMatchObject({ outcome: 'yes', attempts: 1, doneBy: { username: 'rakesh' } });
  });

  it('a "no" on the call reopens one level up; a ticket answered in the chat meanwhile leaves the queue by itself', async () => {
    const noChat = newChat('callback-no');
    const { number, claimId } = await unconfirmedTicket(noChat, je);
    const id = `ticket:${number}:${claimId}`;
    await call('POST', `/callbacks/${id}/claim`, tokens.meera, {});
    const answered = await call('POST', `/callbacks/${id}/outcome`, tokens.meera, { answer: 'no', note: 'Still no supply' });
    expect(answered.body).toEqual({ callback: null, ticketStatus: 'reopened' });
    expect((await harness.tickets.get(number)).level).toBe('SDO');

    const chatChat = newChat('callback-chat');
    const other = await unconfirmedTicket(chatChat, je);
    // The question had left the screen: a bare "haan" brings it back (issue 12 item 7), the "haan" to it closes.
    const askedAgain = await chatChat.say('haan');
    expect(askedAgain.texts).toHaveLength(1);
    expect(askedAgain.texts[0]).toContain(other.number);
    expect(askedAgain.choices).toEqual(hl.yesNoChoices);
    expect((await chatChat.say('haan')).texts).toEqual([hl.closedThanks(other.number)]);
    const listed = (await call('GET', '/callbacks', tokens.meera)).body.callbacks as Array<{ id: string; ticketNumber?: string }>;
    expect(listed.some((entry) => entry.ticketNumber === other.number)).toBe(false);
    expect(await db.models.callbacksDone.findById(`ticket:${other.number}:${other.claimId}`).lean()).toMatchObject({ outcome: 'answered_in_chat' });
  });

  it('a handoff callback: an agent claims it and records done', async () => {
    const [entry] = ((await call('GET', '/callbacks', tokens.asha)).body.callbacks as Array<{ id: string; kind: string }>).filter((callback) => callback.kind === 'handoff');
    expect(entry).toBeDefined();
    expect((await call('POST', `/callbacks/${entry!.id}/claim`, tokens.asha, {})).status).toBe(200);
    expect((await call('POST', `/callbacks/${entry!.id}/outcome`, tokens.asha, { answer: 'yes' })).status).toBe(400);
    const done = await call('POST', `/callbacks/${entry!.id}/outcome`, tokens.asha, { outcome: 'done', note: 'Explained the bill' });
    expect(done.body).toEqual({ callback: null });
    expect(await db.models.callbacksDone.findById(entry!.id).lean()).toMatchObject({ outcome: 'done', note: 'Explained the bill' });
  });
});

describe('a closure recorded on a callback, and the consumer told of it', () => {
  async function closedOnCallback(chat: ConsumerChat) {
    await chat.say('namaste'); // the bot can reach them from now on
    const mobile = `96${String(Date.now()).slice(-8)}`;
    const { ticket } = await harness.tickets.register(complaintFor({ actor: chat.actor, mobile }), chat.actor);
    const { claimId } = await harness.tickets.claimResolution(ticket._id, je, { note: 'Transformer fuse replaced' });
    await harness.tickets.recordClaimShown(ticket._id, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
    await harness.tickets.markUnconfirmed(ticket._id, { role: 'system', id: 'satisfaction-timer' });
    await chat.deliver(ticket._id);
    await harness.tickets.recordCallbackAnswer(ticket._id, { role: 'supervisor', id: 'rakesh', name: 'Rakesh Gupta' }, { claimId, answer: 'yes', note: 'Called 11:10' });
    return ticket._id;
  }

  it('is told on their channel; their "nahi" within the window reopens and escalates it (recorded, reported as rejected)', async () => {
    const chat = newChat('reject-callback');
    const number = await closedOnCallback(chat);
    const closed = await harness.tickets.get(number);
    const told = await chat.deliver(number);
    expect(told.texts).toEqual([hl.callbackClosed(number, closed.closure!.rejectableUntil!)]);
    expect(told.choices).toEqual(hl.yesNoChoices);
    expect(closed.closure!.rejectableUntil!.getTime() - closed.closure!.at.getTime()).toBe(7 * 86_400_000);
    const reports = new ReportService(db.models, undefined, harness.directory);
    const lucknow = async () => (await reports.hotspots({ role: 'supervisor' }, { by: 'district' })).rows.find((row) => row.key === 'Lucknow')!;
    const beforeRejection = await lucknow();

    const rejected = await chat.say('nahi');
    const reopened = await harness.tickets.get(number);
    expect(rejected.texts).toEqual([hl.reopened(number, 'SDO', reopened.officer?.name)]);
    expect(reopened).toMatchObject({ status: 'reopened', level: 'SDO' });
    expect(reopened.closure).toBeUndefined();
    expect(reopened.events.at(-1)).toMatchObject({ type: 'ticket.rejected', from: 'closed', to: 'reopened', actor: { role: 'consumer' }, data: { afterClosure: true } });
    expect((await harness.tickets.verify(number)).ok).toBe(true);
    await harness.notifications.drainTicket(number);
    // Reported as a rejected resolution, and open again (the closure had taken it off the open count).
    const afterRejection = await lucknow();
    expect(afterRejection.rejected - beforeRejection.rejected).toBe(1);
    expect(afterRejection.open - beforeRejection.open).toBe(1);
    expect(await db.models.officerNotifications.countDocuments({ ticketNumber: number, officerId: reopened.officer!.id })).toBe(1);
  });

  it('after the window, "nahi" is politely refused and the ticket stays closed; "haan" keeps it closed', async () => {
    const chat = newChat('late-reject');
    const number = await closedOnCallback(chat);
    await chat.deliver(number);
    expect((await chat.say('haan')).texts).toEqual([hl.callbackClosureKept(number)]);
    // Eight days pass.
    await db.models.tickets.updateOne({ _id: number }, { $set: { 'closure.rejectableUntil': new Date(Date.now() - 86_400_000) } });
    expect((await chat.say('nahi')).texts).toEqual([hl.callbackRejectTooLate(number)]);
    expect((await harness.tickets.get(number)).status).toBe('closed');
    // Its status line says how it was closed: on a phone call, not in the chat.
    expect((await chat.say(number)).text).toContain('Band (phone call par aapki pushti se)');
  });
});
