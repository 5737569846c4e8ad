// The consumer's answer to "our supervisor recorded on a phone call that complaint X is solved; reply no if it is
// not" (bot/consumerNotifier.ts says it). Reached from the front desk (a bare yes / no) and from a "is it solved?"
// question still on screen for the same claim. A "no" within the window reopens the ticket one level up — the ticket
// service decides who and until when; after the window, a polite refusal.
import type { TurnContext } from 'botbuilder';
import type { TicketHead } from '../models/ticketTypes.js';
import { RejectionWindowClosedError } from '../services/ticketLifecycle.js';
import { say } from './consumerDialog.js';
import { consumerFrom, type DialogServices } from './consumerTurn.js';
import type { Texts } from './texts.js';

export function isClosedOnCallback(ticket: Pick<TicketHead, 'status' | 'closure'>): boolean {
  return ticket.status === 'closed' && ticket.closure?.provenance === 'callback_confirmed';
}

export async function answerCallbackClosure(context: TurnContext, services: DialogServices, ticket: TicketHead, answer: 'yes' | 'no', texts: Texts): Promise<void> {
  if (answer === 'yes') {
    await say(context, texts.callbackClosureKept(ticket._id), texts.menuChoices);
    return;
  }
  try {
    const reopened = await services.tickets.rejectCallbackClosure(ticket._id, consumerFrom(context));
    await say(context, texts.reopened(reopened._id, reopened.level, reopened.officer?.name), texts.menuChoices);
  } catch (error) {
    if (!(error instanceof RejectionWindowClosedError)) throw error;
    await say(context, texts.callbackRejectTooLate(ticket._id), texts.menuChoices);
  }
}
