// Actors and inputs shared by the ticket tests, and a helper that walks a ticket to any status through the service.
import { randomBytes } from 'node:crypto';
import type { ConsumerActor, StaffActor, SystemActor, TicketHead, TicketStatus } from '../../models/ticketTypes.js';
import type { StaffPrincipal } from '../../services/staffAuthService.js';
import type { RegisterTicketInput } from '../../services/ticketInput.js';
import type { TicketService } from '../../services/ticketService.js';

export const agent: StaffActor = { role: 'agent', id: 'agent-asha', name: 'Asha (agent)' };
export const officer: StaffActor = { role: 'officer', id: 'je-gomti-nagar-1', name: 'JE Gomti Nagar' };
export const supervisor: StaffActor = { role: 'supervisor', id: 'sup-meera', name: 'Meera (supervisor)' };
export const otherSupervisor: StaffActor = { role: 'supervisor', id: 'sup-rakesh', name: 'Rakesh (supervisor)' };
export const slaTimer: SystemActor = { role: 'system', id: 'sla-timer' };

/** A logged-in staff member as the staff API hands one to a service. */
export const staffPrincipal = (role: StaffPrincipal['role'], extra: Partial<StaffPrincipal> = {}): StaffPrincipal => ({
  username: `${role}-user`,
  role,
  name: `${role} user`,
  sessionId: 's',
  expiresAt: new Date(Date.now() + 3_600_000),
  ...extra,
});

let consumerCounter = 0;

/** A fresh web-chat consumer with a mobile of their own, so tests never trip each other's duplicate guard. */
export function newConsumer(): { actor: ConsumerActor; mobile: string } {
  consumerCounter += 1;
  const mobile = `9${String(Date.now() % 1e5).padStart(5, '0')}${String(consumerCounter).padStart(4, '0')}`.slice(0, 10);
  return { actor: { role: 'consumer', channel: 'webchat', channelUserId: `web-${randomBytes(6).toString('hex')}` }, mobile };
}

export function complaintFor(
  consumer: { actor: ConsumerActor; mobile: string },
  overrides: Partial<RegisterTicketInput> = {},
): RegisterTicketInput {
  return {
    category: 'supply',
    description: 'Light nahi aa rahi 5 ghante se, poori gali mein',
    consumer: { channel: consumer.actor.channel, channelUserId: consumer.actor.channelUserId, mobile: consumer.mobile },
    place: { district: 'Lucknow', locality: 'Gomti Nagar' },
    ...overrides,
  };
}

/** Registers a ticket and drives it, by legitimate transitions, to the status asked for. */
export async function ticketIn(
  service: TicketService,
  status: TicketStatus,
): Promise<{ ticket: TicketHead; consumer: ConsumerActor; claimId?: string }> {
  const consumer = newConsumer();
  let { ticket } = await service.register(complaintFor(consumer, status === 'registered' ? { place: { district: 'Unknown district' } } : {}), consumer.actor);
  if (status === 'registered' || status === 'assigned') return { ticket, consumer: consumer.actor };
  if (status === 'in_progress') {
    ticket = await service.startWork(ticket._id, officer, { note: 'Lineman on the way' });
    return { ticket, consumer: consumer.actor };
  }
  const claimed = await service.claimResolution(ticket._id, officer, { note: 'Fuse replaced at the pole' });
  ticket = await service.recordClaimShown(ticket._id, claimed.claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
  if (status === 'awaiting_confirmation') return { ticket, consumer: consumer.actor, claimId: claimed.claimId };
  if (status === 'unconfirmed') {
    ticket = await service.markUnconfirmed(ticket._id, slaTimer);
    return { ticket, consumer: consumer.actor, claimId: claimed.claimId };
  }
  if (status === 'reopened') {
    ticket = await service.answerResolution(ticket._id, consumer.actor, { claimId: claimed.claimId, answer: 'no' });
    return { ticket, consumer: consumer.actor };
  }
  ticket = await service.answerResolution(ticket._id, consumer.actor, { claimId: claimed.claimId, answer: 'yes' });
  return { ticket, consumer: consumer.actor };
}
