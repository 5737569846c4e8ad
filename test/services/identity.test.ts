// Issue 11 items 1–5: who a consumer is, who may see and answer for a ticket, foreign WhatsApp numbers, duplicates
// without leaks, and escalation that stays up. Every "attack" case here closed, showed or leaked on the code before
// this change (each names the example it is); the real services on the embedded database.
import type { TurnContext } from 'botbuilder';
import { beforeAll, describe, expect, it } from 'vitest';
import { consumerFrom } from '../../dialogs/consumerTurn.js';
import type { ConsumerActor, StaffActor } from '../../models/ticketTypes.js';
import { indianMobileOfWhatsAppId, maskMobile } from '../../services/consumerIdentity.js';
import { Directory } from '../../services/directory.js';
import { ClosureNotPermittedError, NotPermittedError, NotTicketOwnerError } from '../../services/errors.js';
import { HandoffTicketService } from '../../services/handoffTicketService.js';
import { IdentityService, VerificationRateLimitedError, type VerificationCodeSender } from '../../services/identityService.js';
import { LiveHandoffService } from '../../services/liveHandoffService.js';
import { StaffAuthService, type StaffPrincipal } from '../../services/staffAuthService.js';
import { TicketService } from '../../services/ticketService.js';
import { complaintFor, newConsumer, officer, supervisor } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('identity');
const directory = Directory.loadDefault();
let tickets: TicketService;

beforeAll(() => {
  tickets = new TicketService(db.models, directory);
});

/** What the WhatsApp doors put on a turn: the sender's wa_id as `from.id`. Built by the bot's own consumerFrom. */
function whatsAppSender(waId: string): ConsumerActor {
  return consumerFrom({ activity: { channelId: 'whatsapp', from: { id: waId } } } as unknown as TurnContext);
}

/** A ticket registered on web chat by `web`, with a claim shown to that web chat identity. */
async function claimShownOnWebChat(web = newConsumer()) {
  const { ticket } = await tickets.register(complaintFor(web), web.actor);
  const { claimId } = await tickets.claimResolution(ticket._id, officer, { note: 'Fuse replaced at the pole' });
  await tickets.recordClaimShown(ticket._id, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat', {
    channel: 'webchat',
    channelUserId: web.actor.channelUserId,
    messageId: 'activity-1',
  });
  return { web, number: ticket._id, claimId };
}

describe('who may confirm: only an identity of the owner the question was shown to', () => {
  it('issue example 1: a WhatsApp "haan" from the mobile a web chat consumer typed does not close (it closed as consumer_confirmed)', async () => {
    const { web, number, claimId } = await claimShownOnWebChat();
    const stranger = whatsAppSender(`91${web.mobile}`);
    expect(stranger.verifiedMobile).toBe(web.mobile);
    await expect(tickets.answerResolution(number, stranger, { claimId, answer: 'yes', note: 'haan' })).rejects.toBeInstanceOf(NotTicketOwnerError);
    const after = await tickets.get(number);
    expect(after.status).toBe('awaiting_confirmation');
    expect(after.closure).toBeUndefined();
    expect(after.events.at(-1)).toMatchObject({ type: 'ticket.closure_refused', actor: { role: 'consumer', id: `whatsapp:91${web.mobile}` } });
    // Nor does that WhatsApp see the ticket at all.
    expect(await tickets.listForConsumer(stranger)).toEqual([]);
    await expect(tickets.getForConsumer(number, stranger)).rejects.toBeInstanceOf(NotTicketOwnerError);
    // The consumer who was asked still closes it.
    expect((await tickets.answerResolution(number, web.actor, { claimId, answer: 'yes' })).status).toBe('closed');
  });

  it('records the identity and the message the question was shown to', async () => {
    const { web, number, claimId } = await claimShownOnWebChat();
    const stored = await tickets.get(number);
    expect(stored.claim?.shownTo).toEqual({ channel: 'webchat', channelUserId: web.actor.channelUserId, messageId: 'activity-1' });
    expect(stored.events.at(-1)).toMatchObject({ type: 'ticket.claim_shown', claimId, data: { shownTo: `channel:webchat:${web.actor.channelUserId}`, messageId: 'activity-1' } });
  });

  it('a question cannot be recorded as shown to an identity that is not the owner\'s', async () => {
    const web = newConsumer();
    const { ticket } = await tickets.register(complaintFor(web), web.actor);
    const { claimId } = await tickets.claimResolution(ticket._id, officer, { note: 'Fixed' });
    await expect(
      tickets.recordClaimShown(ticket._id, claimId, { role: 'system', id: 'whatsapp-delivery' }, 'whatsapp', { channel: 'whatsapp', channelUserId: `91${web.mobile}` }),
    ).rejects.toBeInstanceOf(NotTicketOwnerError);
    expect((await tickets.get(ticket._id)).claim?.shownAt).toBeUndefined();
  });

  it('issue example 2: an agent who opens a ticket for a handoff with their own mobile cannot close it from their WhatsApp', async () => {
    const handoffs = new LiveHandoffService(db.models);
    const agentMobile = '9811100001';
    const asha: StaffPrincipal = { username: 'asha-idn', role: 'agent', name: 'Asha', sessionId: 'test', expiresAt: new Date(8.64e15) };
    const consumer = newConsumer().actor;
    const started = await handoffs.start({ consumer, reason: 'asked', lastText: 'बात करनी है', language: 'hi', transcript: [] });
    await handoffs.accept(asha, started.active.handoffId);
    const opened = await new HandoffTicketService(db.models, tickets).open(asha, started.active.handoffId, {
      category: 'supply',
      description: 'पूरी गली में बिजली नहीं है',
      place: { district: 'Lucknow', locality: 'Gomti Nagar' },
      mobile: agentMobile,
    });
    const number = opened.ticket.number;
    const { claimId } = await tickets.claimResolution(number, officer, { note: 'Restored' });
    await tickets.recordClaimShown(number, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');

    const agentsWhatsApp = whatsAppSender(`91${agentMobile}`);
    await expect(tickets.answerResolution(number, agentsWhatsApp, { claimId, answer: 'yes', note: 'haan' })).rejects.toBeInstanceOf(NotTicketOwnerError);
    expect((await tickets.get(number)).status).toBe('awaiting_confirmation');
    expect(await tickets.listForConsumer(agentsWhatsApp)).toEqual([]);
    // The handoff's own consumer is the one who can.
    expect((await tickets.answerResolution(number, consumer, { claimId, answer: 'yes' })).closure?.provenance).toBe('consumer_confirmed');
  });
});

describe('numbers: only +91 mobiles are Indian mobiles', () => {
  it.each([
    ['919876543210', '9876543210'],
    ['917012345678', '7012345678'],
    ['919876543210@c.us', '9876543210'],
    ['6591234567', undefined], // Singapore: ten digits starting 6
    ['447911123456', undefined], // UK
    ['14155552671', undefined], // US
    ['971501234567', undefined], // UAE
    ['9779812345678', undefined], // Nepal
    ['9876543210', undefined], // no country code: not a wa_id of India
    ['915876543210', undefined], // +91 but not a mobile (starts with 5)
  ])('wa_id %s → %s', (waId, mobile) => {
    expect(indianMobileOfWhatsAppId(waId)).toBe(mobile);
    expect(whatsAppSender(waId).verifiedMobile).toBe(mobile);
  });

  it('issue example 3: the Singapore sender 6591234567 is not the Indian mobile 6591234567 and sees none of its tickets', async () => {
    const web = { actor: newConsumer().actor, mobile: '6591234567' };
    const { ticket } = await tickets.register(complaintFor(web), web.actor);
    const { claimId } = await tickets.claimResolution(ticket._id, officer, { note: 'Fixed' });
    await tickets.recordClaimShown(ticket._id, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
    const singapore = whatsAppSender('6591234567');
    expect(singapore.verifiedMobile).toBeUndefined();
    expect((await tickets.listForConsumer(singapore)).map((listed) => listed._id)).not.toContain(ticket._id);
    await expect(tickets.answerResolution(ticket._id, singapore, { claimId, answer: 'yes' })).rejects.toBeInstanceOf(NotTicketOwnerError);
    expect((await tickets.get(ticket._id)).status).toBe('awaiting_confirmation');
  });
});

describe('duplicates without leaks: the guard works per owner identity', () => {
  it('issue example 4: a second web chat identity with the same category, place and mobile gets its own ticket, linked, and lists it', async () => {
    const first = newConsumer();
    const second = { actor: newConsumer().actor, mobile: first.mobile };
    const one = await tickets.register(complaintFor(first), first.actor);
    const two = await tickets.register(complaintFor(second), second.actor);
    expect(two.duplicate).toBe(false);
    expect(two.ticket._id).not.toBe(one.ticket._id);
    expect(two.ticket.consumer.channelUserId).toBe(second.actor.channelUserId);
    // Linked both ways, for staff.
    expect((await tickets.get(two.ticket._id)).linkedTickets).toEqual([one.ticket._id]);
    expect((await tickets.get(one.ticket._id)).linkedTickets).toEqual([two.ticket._id]);
    // Each consumer sees exactly their own.
    expect((await tickets.listForConsumer(second.actor)).map((ticket) => ticket._id)).toEqual([two.ticket._id]);
    expect((await tickets.listForConsumer(first.actor)).map((ticket) => ticket._id)).toEqual([one.ticket._id]);
    // The same identity reporting again still gets its own open ticket back.
    const again = await tickets.register(complaintFor(second), second.actor);
    expect(again).toMatchObject({ duplicate: true, ticket: { _id: two.ticket._id } });
  });
});

describe('escalation stays up', () => {
  it('after a consumer\'s "no" lifted it to the SDO, nobody but a supervisor with a reason gives it back to the JE', async () => {
    const { web, number, claimId } = await claimShownOnWebChat();
    const rejected = await tickets.answerResolution(number, web.actor, { claimId, answer: 'no' });
    expect(rejected).toMatchObject({ level: 'SDO', levelFloor: 'SDO' });
    const je = directory.officerFor('sd-gomti-nagar', 'JE');
    const sdo: StaffActor = { role: 'officer', id: directory.officerFor('sd-gomti-nagar', 'SDO').id };
    for (const actor of [officer, sdo, { role: 'agent', id: 'agent-x' } as StaffActor]) {
      await expect(tickets.assign(number, actor, { officerId: je.id, note: 'JE can handle it' })).rejects.toBeInstanceOf(NotPermittedError);
    }
    await expect(tickets.assign(number, supervisor, { officerId: je.id })).rejects.toThrow(/reason/);
    expect((await tickets.get(number)).level).toBe('SDO');
    // Upward or level moves stay open to staff.
    expect((await tickets.assign(number, sdo, { officerId: sdo.id })).level).toBe('SDO');
    const back = await tickets.assign(number, supervisor, { officerId: je.id, note: 'SDO on leave; JE has the spare transformer' });
    expect(back.level).toBe('JE');
    expect((await tickets.get(number)).events.at(-1)).toMatchObject({
      type: 'ticket.assigned',
      actor: { role: 'supervisor' },
      data: { belowLevelFloor: 'SDO', reason: 'SDO on leave; JE has the spare transformer' },
    });
  });
});

/** Stands in for the WhatsApp door: keeps what would have been sent, per wa_id. */
class SentCodes implements VerificationCodeSender {
  readonly sent = new Map<string, string>();
  async sendCode(whatsAppUserId: string, code: string) {
    this.sent.set(whatsAppUserId, code);
    return 'delivered' as const;
  }
}

describe('verification links a typed mobile to a web chat identity', () => {
  let clock = new Date('2026-12-04T06:00:00Z');
  const sender = new SentCodes();
  const identities = () => new IdentityService(db.models, sender, { now: () => clock });

  it('code to WhatsApp, typed back in the chat: the link lets that WhatsApp see the ticket, yet only answer a question shown to it', async () => {
    const { web, number, claimId } = await claimShownOnWebChat();
    const whatsApp = whatsAppSender(`91${web.mobile}`);
    expect(await identities().sendCodeToWhatsApp(web.actor, `+91 ${web.mobile}`, 'hi')).toBe('delivered');
    const code = sender.sent.get(`91${web.mobile}`)!;
    expect(code).toMatch(/^\d{6}$/);
    // Stored hashed, never as typed.
    const stored = await db.models.verificationCodes.findById(`chat:channel:webchat:${web.actor.channelUserId}`, { codeHash: 1, salt: 1 }).lean();
    expect(JSON.stringify(stored)).not.toContain(code);

    expect(await identities().confirmInChat(web.actor, code)).toBe('linked');
    expect((await tickets.listForConsumer(whatsApp)).map((ticket) => ticket._id)).toContain(number);
    // Single use.
    expect(await identities().confirmInChat(web.actor, code)).toBe('none');
    // The question was shown on web chat: the linked WhatsApp's "yes" is refused and recorded, nothing closes.
    await expect(tickets.answerResolution(number, whatsApp, { claimId, answer: 'yes' })).rejects.toBeInstanceOf(ClosureNotPermittedError);
    expect((await tickets.get(number)).status).toBe('awaiting_confirmation');

    // A later claim shown to the linked WhatsApp can be answered from it.
    await tickets.answerResolution(number, web.actor, { claimId, answer: 'no' });
    const next = await tickets.claimResolution(number, officer, { note: 'Transformer replaced' });
    await tickets.recordClaimShown(number, next.claimId, { role: 'system', id: 'whatsapp-delivery' }, 'whatsapp', { channel: 'whatsapp', channelUserId: whatsApp.channelUserId });
    await expect(tickets.answerResolution(number, web.actor, { claimId: next.claimId, answer: 'yes' })).rejects.toBeInstanceOf(ClosureNotPermittedError);
    expect((await tickets.answerResolution(number, whatsApp, { claimId: next.claimId, answer: 'yes' })).status).toBe('closed');
  });

  it('code shown in the chat, sent from that WhatsApp: only that sender redeems it', async () => {
    const web = newConsumer();
    const code = await identities().codeToSendFromWhatsApp(web.actor, web.mobile);
    const otherSender = whatsAppSender('919800000077');
    expect(await identities().confirmFromWhatsApp(otherSender, code)).toBe('none');
    expect(await identities().confirmFromWhatsApp(whatsAppSender(`91${web.mobile}`), code)).toBe('linked');
    expect(await identities().linkedTo(web.actor)).toEqual([`channel:whatsapp:91${web.mobile}`]);
    expect(await identities().linkedTo(otherSender)).toEqual([]);
  });

  it('a few wrong codes void it; codes expire; codes are issued a few times an hour', async () => {
    const web = newConsumer();
    await identities().sendCodeToWhatsApp(web.actor, web.mobile);
    const code = sender.sent.get(`91${web.mobile}`)!;
    const wrong = code === '000000' ? '111111' : '000000';
    const outcomes = [];
    for (let attempt = 0; attempt < 5; attempt++) outcomes.push(await identities().confirmInChat(web.actor, wrong));
    expect(outcomes).toEqual(['wrong_code', 'wrong_code', 'wrong_code', 'wrong_code', 'locked']);
    expect(await identities().confirmInChat(web.actor, code)).toBe('locked');

    await identities().sendCodeToWhatsApp(web.actor, web.mobile);
    const fresh = sender.sent.get(`91${web.mobile}`)!;
    clock = new Date(clock.getTime() + 11 * 60_000);
    expect(await identities().confirmInChat(web.actor, fresh)).toBe('expired');

    await identities().sendCodeToWhatsApp(web.actor, web.mobile);
    await expect(identities().sendCodeToWhatsApp(web.actor, web.mobile)).rejects.toBeInstanceOf(VerificationRateLimitedError);
    clock = new Date(clock.getTime() + 61 * 60_000);
    expect(await identities().sendCodeToWhatsApp(web.actor, web.mobile)).toBe('delivered');
    expect(await tickets.listForConsumer(whatsAppSender(`91${web.mobile}`))).toEqual([]);
  });

  it('racing redemptions of one right code link once and spend it', async () => {
    const web = newConsumer();
    await identities().sendCodeToWhatsApp(web.actor, web.mobile);
    const code = sender.sent.get(`91${web.mobile}`)!;
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => identities().confirmInChat(web.actor, code)));
    expect(outcomes.filter((outcome) => outcome === 'linked')).toHaveLength(1);
    expect(maskMobile(web.mobile)).not.toContain(web.mobile.slice(3, 7));
  });
});

describe('staff accounts', () => {
  it('a supervisor cannot create a supervisor account; the operator command can', async () => {
    const auth = new StaffAuthService(db.models, directory);
    const meera: StaffPrincipal = { username: 'meera-idn', role: 'supervisor', name: 'Meera', sessionId: 'test', expiresAt: new Date(8.64e15) };
    await expect(auth.createUser({ username: 'sup-minted', password: 'long-enough-pass', role: 'supervisor' }, meera)).rejects.toBeInstanceOf(NotPermittedError);
    expect(await db.models.staffUsers.exists({ _id: 'sup-minted' })).toBeNull();
    const created = await auth.createUser({ username: 'sup-operator', password: 'long-enough-pass', role: 'supervisor' }, { role: 'system', id: 'npm run users' });
    expect(created.role).toBe('supervisor');
    expect((await auth.createUser({ username: 'agent-by-sup', password: 'long-enough-pass', role: 'agent' }, meera)).role).toBe('agent');
  });
});
