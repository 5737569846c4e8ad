// "Where is my complaint?" asked any way: by number (any case or spacing, or only its sequence part when one of the
// consumer's tickets ends with it), or without one ("status batao", "light kab aayegi", "kab tak theek hoga") —
// then the answer comes from the consumer's own open tickets, with the field's latest note and expected time. Another
// consumer's ticket reads as not found; from a new device, its number plus the mobile it was registered with lets the
// consumer back in, but only once that mobile is proven (a one-time code, through the `MobileVerifier`).
import type { DialogContext, DialogTurnResult } from 'botbuilder-dialogs';
import type { TicketHead, TicketStatus } from '../models/ticketTypes.js';
import { normaliseMobile } from '../services/consumerIdentity.js';
import { InvalidInputError, NotTicketOwnerError, TicketNotFoundError } from '../services/errors.js';
import { ConsumerDialog, understandingOf, type Question } from './consumerDialog.js';
import { answerFromIncident } from './incidentReply.js';
import { REGISTER_COMPLAINT_DIALOG } from './registerComplaintDialog.js';
import { consumerFrom, placeName, type DialogServices } from './consumerTurn.js';
import type { Texts, TicketSummary } from './texts.js';
import type { Understanding } from './understanding/index.js';

export const STATUS_DIALOG = 'status';

export interface StatusState {
  ticketNumber?: string;
  /** Only the sequence part of a number ("00002"): theirs if exactly one of their tickets ends with it. */
  sequence?: string;
  /** "My complaints": list them all. */
  listAll?: boolean;
  asked?: boolean;
  /** A number not found on this chat: the mobile it was registered with may be typed next (a new device). */
  recoverNumber?: string;
  /** That mobile, to which a one-time code was sent: the code is awaited. */
  recoverMobile?: string;
  recoverTries?: number;
}

const workOpen = new Set<TicketStatus>(['assigned', 'in_progress', 'reopened']);
const finished = new Set<TicketStatus>(['closed']);
/** A typed sequence part: a few digits alone, not long enough to be a mobile or an account number. */
const SEQUENCE_ONLY = /^\s*(?:#|no\.?|number|नंबर|संख्या)?\s*(\d{3,9})\s*$/iu;
const maxCodeTries = 3;

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
    // The field's latest word, while the work is still open: a note about a closed ticket would only confuse.
    ...(ticket.progress && workOpen.has(ticket.status)
      ? { ...(ticket.progress.note ? { progressNote: ticket.progress.note } : {}), ...(ticket.progress.expectedBy ? { expectedBy: new Date(ticket.progress.expectedBy) } : {}) }
      : {}),
  };
}

/** The sequence part typed alone ("00002", "no. 2"), if the message is only that. */
export function sequenceOnly(text: string): string | undefined {
  return SEQUENCE_ONLY.exec(text)?.[1];
}

export class StatusDialog extends ConsumerDialog<StatusState> {
  constructor(services: DialogServices) {
    super(STATUS_DIALOG, services);
  }

  protected async start(dc: DialogContext, state: StatusState, texts: Texts) {
    if (state.listAll) return this.listAll(dc, texts);
    if (state.ticketNumber) return this.showOne(dc, state, state.ticketNumber, texts);
    if (state.sequence) return this.showBySequence(dc, state, state.sequence, texts);
    return this.fromTheirTickets(dc, state, texts);
  }

  protected async answer(dc: DialogContext, state: StatusState, understanding: Understanding, texts: Texts) {
    if (state.recoverMobile && state.recoverNumber) return this.takeCode(dc, state, understanding, texts);
    if (understanding.entities.ticketNumber) return this.showOne(dc, state, understanding.entities.ticketNumber, texts);
    if (state.recoverNumber) {
      const mobile = normaliseMobile(understanding.text.trim()) ?? understanding.entities.mobile;
      if (mobile) return this.sendCode(dc, state, state.recoverNumber, mobile, texts);
    }
    const sequence = sequenceOnly(understanding.text);
    if (sequence) return this.showBySequence(dc, state, sequence, texts);
    if (understanding.intent === 'my_complaints') return this.listAll(dc, texts);
    // They describe a new problem instead of giving a number: that is a complaint, not an answer.
    if (understanding.intent === 'register' || understanding.category) {
      return dc.replaceDialog(REGISTER_COMPLAINT_DIALOG, { firstText: understanding.text });
    }
    return this.askNumber(state, texts);
  }

  protected currentQuestion(state: StatusState, texts: Texts): Question | undefined {
    if (state.recoverMobile) return { text: texts.recoverAskCode };
    if (state.recoverNumber) return { text: texts.ticketNotFound(state.recoverNumber) };
    return state.asked ? { text: texts.askTicketNumber } : undefined;
  }

  private askNumber(state: StatusState, texts: Texts): Question {
    state.asked = true;
    delete state.recoverNumber;
    return { text: texts.askTicketNumber, choices: [texts.menuChoices[2]!] };
  }

  /**
   * Asked without a number: their open tickets answer it. One open ticket: its status; several: each; only closed
   * ones: the list. A problem named in the question ("light kab aayegi") that none of their open tickets is about is
   * a new complaint; with no tickets at all, they may have registered elsewhere — ask for the number.
   */
  private async fromTheirTickets(dc: DialogContext, state: StatusState, texts: Texts): Promise<Question | DialogTurnResult> {
    const understanding = understandingOf(dc.context);
    const tickets = await this.services.tickets.listForConsumer(consumerFrom(dc.context));
    const open = tickets.filter((ticket) => !finished.has(ticket.status));
    const category = understanding?.category;
    if (category && understanding && !open.some((ticket) => ticket.category === category)) {
      return dc.replaceDialog(REGISTER_COMPLAINT_DIALOG, { firstText: understanding.text });
    }
    if (tickets.length === 0) return this.askNumber(state, texts);
    if (open.length === 0) return this.listAll(dc, texts);
    const relevant = category ? open.filter((ticket) => ticket.category === category) : open;
    await dc.context.sendActivity(this.lines(relevant, texts));
    return dc.endDialog();
  }

  private lines(tickets: TicketHead[], texts: Texts): string {
    if (tickets.length === 1) return texts.ticketStatus(summaryOf(tickets[0]!, this.services, texts));
    return [texts.yourComplaints(tickets.length), ...tickets.map((ticket) => `• ${texts.ticketStatus(summaryOf(ticket, this.services, texts))}`)].join('\n');
  }

  private async showBySequence(dc: DialogContext, state: StatusState, sequence: string, texts: Texts): Promise<Question | DialogTurnResult> {
    const tickets = await this.services.tickets.listForConsumer(consumerFrom(dc.context));
    const matches = tickets.filter((ticket) => Number(ticket._id.split('-')[2]) === Number(sequence));
    if (matches.length === 1) {
      await dc.context.sendActivity(texts.ticketStatus(summaryOf(matches[0]!, this.services, texts)));
      return dc.endDialog();
    }
    if (matches.length > 1) {
      // Two days' tickets can share a sequence: name them and let the consumer pick the full number.
      state.asked = true;
      return { text: texts.whichTicket(sequence), choices: matches.map((ticket) => ticket._id) };
    }
    await dc.context.sendActivity(texts.sequenceNotFound(sequence.slice(0, 12)));
    return dc.endDialog();
  }

  private async showOne(dc: DialogContext, state: StatusState, ticketNumber: string, texts: Texts): Promise<Question | DialogTurnResult> {
    try {
      const ticket = await this.services.tickets.getForConsumer(ticketNumber, consumerFrom(dc.context));
      await dc.context.sendActivity(texts.ticketStatus(summaryOf(ticket, this.services, texts)));
    } catch (error) {
      if (!(error instanceof NotTicketOwnerError || error instanceof TicketNotFoundError || error instanceof InvalidInputError)) throw error;
      // The same answer whether it exists or not; the mobile it was registered with may follow (a new device).
      if (!(error instanceof InvalidInputError)) {
        state.recoverNumber = ticketNumber;
        delete state.recoverMobile;
        return { text: texts.ticketNotFound(ticketNumber) };
      }
      await dc.context.sendActivity(texts.ticketNotFound(ticketNumber.slice(0, 40)));
    }
    return dc.endDialog();
  }

  /** A new device: the typed mobile proves nothing until a one-time code sent to it comes back. */
  private async sendCode(dc: DialogContext, state: StatusState, ticketNumber: string, mobile: string, texts: Texts): Promise<Question | DialogTurnResult> {
    const verifier = this.services.verifier;
    if (!verifier) {
      await dc.context.sendActivity(texts.recoverUnavailable);
      return dc.endDialog();
    }
    // Sent only if the mobile is the ticket's; the consumer is told the same either way, so nothing is revealed.
    await verifier.sendCode({ ticketNumber, mobile, consumer: consumerFrom(dc.context) });
    state.recoverMobile = mobile;
    state.recoverTries = 0;
    return { text: texts.recoverAskCode };
  }

  private async takeCode(dc: DialogContext, state: StatusState, understanding: Understanding, texts: Texts): Promise<Question | DialogTurnResult> {
    const code = /\d{4,8}/.exec(understanding.text)?.[0];
    const ticketNumber = state.recoverNumber!;
    const mobile = state.recoverMobile!;
    const consumer = consumerFrom(dc.context);
    if (code && (await this.services.verifier!.confirmCode({ ticketNumber, mobile, consumer, code }))) {
      // The verifier vouches for this consumer and this ticket (the identity service links the chat to the proven
      // WhatsApp and confirms only when that opens the ticket), so the ticket is read as theirs.
      const ticket = await this.services.tickets.get(ticketNumber);
      await dc.context.sendActivity(texts.ticketStatus(summaryOf(ticket, this.services, texts)));
      return dc.endDialog();
    }
    state.recoverTries = (state.recoverTries ?? 0) + 1;
    if (state.recoverTries >= maxCodeTries) {
      await dc.context.sendActivity(texts.recoverFailed);
      return dc.endDialog();
    }
    return { text: texts.recoverBadCode };
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
