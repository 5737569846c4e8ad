// The ticket panel of the agent console: an agent talking to a consumer in a live handoff opens a ticket in that
// consumer's name and sees their tickets. The consumer's identity is the handoff's (the channel and user they wrote
// from), never something the agent types, so the ticket is theirs: they find it under "my complaints", its updates
// reach them on their channel, and only their own "yes" can close it. The agent is the actor of the registration.
import { z } from 'zod';
import type { HandoffRequestRecord } from '../models/handoffRequestModel.js';
import { wholeDocument, type Models } from '../models/index.js';
import { CONSUMER_CHANNELS, TICKET_CATEGORIES, type ConsumerChannel } from '../models/ticketTypes.js';
import { NotPermittedError } from './errors.js';
import { HandoffNotFoundError } from './liveHandoffService.js';
import { actorFor, type StaffPrincipal } from './staffAuthService.js';
import { toSummary, type StaffTicketSummary } from './staffService.js';
import { LIMITS, parseInput, registerTicketSchema } from './ticketInput.js';
import type { TicketService } from './ticketService.js';

const place = registerTicketSchema.shape.place.shape;
const consumer = registerTicketSchema.shape.consumer.shape;

/** What the agent fills in; who the consumer is comes from the handoff. */
export const handoffTicketSchema = z.strictObject({
  category: z.enum(TICKET_CATEGORIES),
  description: registerTicketSchema.shape.description,
  place: z.strictObject({ district: place.district, locality: place.locality, addressText: place.addressText }),
  mobile: consumer.mobile.unwrap().meta({ description: 'The consumer\'s mobile as they gave it: 10 digits, +91…, 0…' }),
  accountNumber: consumer.accountNumber,
});
export type HandoffTicketInput = z.input<typeof handoffTicketSchema>;

export interface OpenedTicket {
  ticket: StaffTicketSummary;
  /** The consumer already had an open ticket for the same complaint: that one is returned, nothing new was made. */
  duplicate: boolean;
}

export const HANDOFF_TICKETS_LISTED = 20;

export class HandoffTicketService {
  constructor(
    private readonly models: Pick<Models, 'handoffRequests'>,
    private readonly tickets: TicketService,
  ) {}

  /** The accepting agent (or a supervisor) registers a complaint for the handoff's consumer. */
  async open(principal: StaffPrincipal, handoffId: string, input: HandoffTicketInput): Promise<OpenedTicket> {
    const request = parseInput(handoffTicketSchema, input);
    const handoff = await this.handoffFor(principal, handoffId);
    if (principal.role === 'agent' && handoff.agentUsername !== principal.username) {
      throw new NotPermittedError('Accept the handoff first: only its agent, or a supervisor, opens tickets for its consumer.');
    }
    const { channel, channelUserId } = consumerOf(handoff);
    const result = await this.tickets.register(
      {
        category: request.category,
        description: request.description,
        consumer: {
          channel,
          channelUserId,
          mobile: request.mobile,
          ...(request.accountNumber ? { accountNumber: request.accountNumber } : {}),
          ...(handoff.language ? { language: handoff.language } : {}),
        },
        place: request.place,
      },
      actorFor(principal),
      'console',
    );
    return { ticket: toSummary(result.ticket), duplicate: result.duplicate };
  }

  /** The handoff consumer's tickets, newest first, through their channel identity's index document. */
  async list(principal: StaffPrincipal, handoffId: string): Promise<StaffTicketSummary[]> {
    const handoff = await this.handoffFor(principal, handoffId);
    const tickets = await this.tickets.listForConsumer({ role: 'consumer', ...consumerOf(handoff) }, HANDOFF_TICKETS_LISTED);
    // An emergency of theirs is the first thing the agent sees (the order is otherwise kept).
    return [...tickets.filter((ticket) => ticket.emergency), ...tickets.filter((ticket) => !ticket.emergency)].map(toSummary);
  }

  private async handoffFor(principal: StaffPrincipal, handoffId: string): Promise<HandoffRequestRecord> {
    if (principal.role !== 'agent' && principal.role !== 'supervisor') throw new NotPermittedError('The ticket panel is for agents and supervisors.');
    if (!/^handoff_[0-9a-f]{16}$/.test(handoffId)) throw new HandoffNotFoundError(handoffId);
    const handoff = await this.models.handoffRequests.findById(handoffId, wholeDocument).lean<HandoffRequestRecord>();
    if (!handoff) throw new HandoffNotFoundError(handoffId);
    return handoff;
  }
}

function consumerOf(handoff: HandoffRequestRecord): { channel: ConsumerChannel; channelUserId: string } {
  const channel = CONSUMER_CHANNELS.find((known) => known === handoff.channel);
  if (!channel || !handoff.channelUserId || handoff.channelUserId.length > LIMITS.channelUserId) {
    throw new NotPermittedError(`Handoff ${handoff._id} came from a channel tickets cannot be opened for.`);
  }
  return { channel, channelUserId: handoff.channelUserId };
}
