// "Where is my complaint?": by number, or all of the consumer's own. Another consumer's ticket reads as not found.
import type { DialogContext } from 'botbuilder-dialogs';
import type { TicketHead } from '../models/ticketTypes.js';
import { InvalidInputError, NotTicketOwnerError, TicketNotFoundError } from '../services/errors.js';
import { ConsumerDialog, type Question } from './consumerDialog.js';
import { answerFromIncident } from './incidentReply.js';
import { REGISTER_COMPLAINT_DIALOG } from './registerComplaintDialog.js';
import { consumerFrom, placeName, type DialogServices } from './consumerTurn.js';
import type { Texts, TicketSummary } from './texts.js';
import type { Understanding } from './understanding/index.js';

export const STATUS_DIALOG = 'status';

export interface StatusState {
  ticketNumber?: string;
  /** "My complaints": list them all. */
  listAll?: boolean;
  asked?: boolean;
}

export function summaryOf(ticket: TicketHead, services: Pick<DialogServices, 'directory'>, texts: Texts): TicketSummary {
  const locality = ticket.place.locality ? placeName(services, texts, ticket.place.locality) : ticket.place.addressText;
  return {
    number: ticket._id,
    category: ticket.category,
    status: ticket.status,
    level: ticket.level,
    officerName: ticket.officer?.name,
    locality,
    createdAt: new Date(ticket.createdAt),
    ...(ticket.closure?.provenance === 'callback_confirmed' ? { closedOnCallback: true } : {}),
  };
}

export class StatusDialog extends ConsumerDialog<StatusState> {
  constructor(services: DialogServices) {
    super(STATUS_DIALOG, services);
  }

  protected async start(dc: DialogContext, state: StatusState, texts: Texts) {
    if (state.listAll) return this.listAll(dc, texts);
    if (state.ticketNumber) return this.showOne(dc, state.ticketNumber, texts);
    state.asked = true;
    return { text: texts.askTicketNumber, choices: [texts.menuChoices[2]!] };
  }

  protected async answer(dc: DialogContext, _state: StatusState, understanding: Understanding, texts: Texts) {
    if (understanding.entities.ticketNumber) return this.showOne(dc, understanding.entities.ticketNumber, texts);
    if (understanding.intent === 'my_complaints') return this.listAll(dc, texts);
    // They describe a new problem instead of giving a number: that is a complaint, not an answer.
    if (understanding.intent === 'register' || understanding.category) {
      return dc.replaceDialog(REGISTER_COMPLAINT_DIALOG, { firstText: understanding.text });
    }
    return { text: texts.askTicketNumber, choices: [texts.menuChoices[2]!] };
  }

  protected currentQuestion(state: StatusState, texts: Texts): Question | undefined {
    return state.asked ? { text: texts.askTicketNumber } : undefined;
  }

  private async showOne(dc: DialogContext, ticketNumber: string, texts: Texts) {
    try {
      const ticket = await this.services.tickets.getForConsumer(ticketNumber, consumerFrom(dc.context));
      await dc.context.sendActivity(texts.ticketStatus(summaryOf(ticket, this.services, texts)));
    } catch (error) {
      if (!(error instanceof NotTicketOwnerError || error instanceof TicketNotFoundError || error instanceof InvalidInputError)) throw error;
      await dc.context.sendActivity(texts.ticketNotFound(ticketNumber.slice(0, 40)));
    }
    return dc.endDialog();
  }

  private async listAll(dc: DialogContext, texts: Texts) {
    const tickets = await this.services.tickets.listForConsumer(consumerFrom(dc.context));
    // No open complaint, but their place has an open incident: that is the answer to "when will power come?".
    if (await answerFromIncident(dc.context, this.services, texts, tickets)) return dc.endDialog();
    if (tickets.length === 0) {
      await dc.context.sendActivity(texts.noComplaints);
    } else {
      await dc.context.sendActivity([texts.yourComplaints(tickets.length), ...tickets.map((ticket) => `• ${texts.ticketStatus(summaryOf(ticket, this.services, texts))}`)].join('\n'));
    }
    return dc.endDialog();
  }
}
