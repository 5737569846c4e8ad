// "Is your problem solved?" — asked when staff claim a resolution. The consumer's yes closes the ticket through the
// ticket service's rule; a no reopens and escalates it; anything unclear is asked again, twice at most.
import type { DialogContext, DialogTurnResult } from 'botbuilder-dialogs';
import type { OfficerLevel, TicketCategory, TicketHead } from '../models/ticketTypes.js';
import { ClosureNotPermittedError, InvalidTransitionError, StaleClaimError } from '../services/errors.js';
import { answerCallbackClosure, isClosedOnCallback } from './callbackClosureAnswer.js';
import { ConsumerDialog, understandingOf, type Question } from './consumerDialog.js';
import { consumerFrom, type DialogServices } from './consumerTurn.js';
import { followUpTextsFor, type Texts } from './texts.js';
import type { Understanding } from './understanding/index.js';

export const SATISFACTION_DIALOG = 'satisfaction';

export interface SatisfactionState {
  ticketNumber: string;
  claimId: string;
  /** The question as first shown (who claimed what); reminders and re-asks show it again. */
  claimLevel?: OfficerLevel;
  claimOfficerName?: string;
  claimNote?: string;
  reminder?: boolean;
  /** The message that started the dialog already is the answer ("haan" typed with no question on screen). */
  answerNow?: boolean;
  unclearAnswers?: number;
  /**
   * A bare yes or no while more than one of the consumer's tickets waits for this answer: which ticket it is for is
   * asked first (a button naming each), and only the ticket chosen is answered (issue 12 item 7).
   */
  choosing?: { answer: 'yes' | 'no'; note: string; tickets: OpenQuestion[] };
}

/** A ticket whose "is it solved?" question has been put to the consumer and still waits for the answer. */
export interface OpenQuestion {
  ticketNumber: string;
  claimId: string;
  category: TicketCategory;
  claimNote?: string;
  claimLevel?: OfficerLevel;
  claimOfficerName?: string;
}

/** The consumer's tickets whose question was shown and is still unanswered, newest first (as listed). */
export function openQuestionsOf(tickets: TicketHead[]): OpenQuestion[] {
  return tickets.flatMap((ticket) =>
    (ticket.status === 'awaiting_confirmation' || ticket.status === 'unconfirmed') && ticket.claim?.shownAt
      ? [
          {
            ticketNumber: ticket._id,
            claimId: ticket.claim.id,
            category: ticket.category,
            claimNote: ticket.claim.note,
            claimLevel: ticket.level,
            claimOfficerName: ticket.officer?.name,
          },
        ]
      : [],
  );
}

/** The open question a message names: a full ticket number, or only its sequence part ("00002"). */
function namedIn(understanding: Understanding, open: OpenQuestion[]): OpenQuestion | undefined {
  const number = understanding.entities.ticketNumber;
  if (number) return open.find((question) => question.ticketNumber === number);
  const sequence = /(?<![\d-])(\d{3,9})(?![\d-])/.exec(understanding.text)?.[1];
  if (!sequence) return undefined;
  const matches = open.filter((question) => Number(question.ticketNumber.split('-').at(-1)) === Number(sequence));
  return matches.length === 1 ? matches[0] : undefined;
}

const maxUnclearAnswers = 2;

export class SatisfactionDialog extends ConsumerDialog<SatisfactionState> {
  constructor(services: DialogServices) {
    super(SATISFACTION_DIALOG, services);
  }

  protected async start(dc: DialogContext, state: SatisfactionState, texts: Texts) {
    const understanding = understandingOf(dc.context);
    if (state.answerNow && understanding) {
      delete state.answerNow;
      return this.answer(dc, state, understanding, texts);
    }
    return this.question(state, texts);
  }

  protected async answer(dc: DialogContext, state: SatisfactionState, understanding: Understanding, texts: Texts): Promise<Question | DialogTurnResult> {
    if (state.choosing) return this.choose(dc, state, state.choosing, understanding, texts);
    if (understanding.yesNo === 'unclear') return this.unclear(dc, state, texts, { text: texts.satisfactionUnclear, choices: texts.yesNoChoices });
    // One question at a time: when another ticket's question is open too, a bare yes or no could be for either.
    const open = openQuestionsOf(await this.services.tickets.listForConsumer(consumerFrom(dc.context)));
    if (open.length > 1) {
      const named = namedIn(understanding, open);
      if (!named) {
        state.choosing = { answer: understanding.yesNo, note: understanding.text.slice(0, 500), tickets: open };
        return this.whichQuestion(state.choosing, texts);
      }
      if (named.ticketNumber !== state.ticketNumber) return this.answerOther(dc, state, named, understanding.yesNo, understanding.text, texts);
    }
    return this.settle(dc, state, understanding.yesNo, understanding.text, texts);
  }

  /** The answer to "which complaint is your yes/no for?": a ticket's button, its number, or its sequence part. */
  private async choose(
    dc: DialogContext,
    state: SatisfactionState,
    choosing: NonNullable<SatisfactionState['choosing']>,
    understanding: Understanding,
    texts: Texts,
  ): Promise<Question | DialogTurnResult> {
    const chosen = namedIn(understanding, choosing.tickets);
    if (!chosen) return this.unclear(dc, state, texts, this.whichQuestion(choosing, texts));
    delete state.choosing;
    delete state.unclearAnswers;
    if (chosen.ticketNumber === state.ticketNumber) return this.settle(dc, state, choosing.answer, choosing.note, texts);
    return this.answerOther(dc, state, chosen, choosing.answer, choosing.note, texts);
  }

  /** Answers another open ticket's question; this dialog's own question is then asked again, named. */
  private async answerOther(dc: DialogContext, state: SatisfactionState, other: OpenQuestion, answer: 'yes' | 'no', note: string, texts: Texts) {
    await this.record(dc, other, answer, note, texts);
    return this.question(state, texts);
  }

  private async settle(dc: DialogContext, state: SatisfactionState, answer: 'yes' | 'no', note: string, texts: Texts): Promise<DialogTurnResult> {
    const status = await this.record(dc, state, answer, note, texts);
    return dc.endDialog(status ? { answered: true, status } : { answered: false });
  }

  /** Not an answer: the question again, twice at most, then "we will ask later" (nothing is closed or reopened). */
  private async unclear(dc: DialogContext, state: SatisfactionState, texts: Texts, again: Question): Promise<Question | DialogTurnResult> {
    state.unclearAnswers = (state.unclearAnswers ?? 0) + 1;
    if (state.unclearAnswers > maxUnclearAnswers) {
      await dc.context.sendActivity(texts.satisfactionLater);
      return dc.endDialog({ answered: false });
    }
    return again;
  }

  private whichQuestion(choosing: NonNullable<SatisfactionState['choosing']>, texts: Texts): Question {
    const follow = followUpTextsFor(texts.code);
    const tickets = choosing.tickets.map((question) => ({ number: question.ticketNumber, category: question.category }));
    return { text: follow.askWhichTicket(choosing.answer, tickets), choices: tickets.map((ticket) => follow.whichTicketButton(ticket)) };
  }

  /**
   * The consumer's answer to one ticket's question, through the ticket service's rule (only their own yes to the claim
   * shown to them closes it). Tells them what happened; returns the ticket's new status, or undefined when the question
   * no longer stands.
   */
  private async record(dc: DialogContext, question: Pick<OpenQuestion, 'ticketNumber' | 'claimId'>, answer: 'yes' | 'no', note: string, texts: Texts) {
    try {
      const ticket = await this.services.tickets.answerResolution(question.ticketNumber, consumerFrom(dc.context), {
        claimId: question.claimId,
        answer,
        note: note.slice(0, 500),
      });
      if (ticket.status === 'closed') {
        await dc.context.sendActivity(texts.closedThanks(ticket._id));
      } else {
        await dc.context.sendActivity(texts.reopened(ticket._id, ticket.level, ticket.officer?.name));
      }
      return ticket.status;
    } catch (error) {
      // Staff withdrew or replaced the claim meanwhile: this question no longer stands — unless a supervisor closed it
      // on a phone call for this very claim, which the consumer may still reject.
      // The question was put to another of the consumer's identities: the refusal is recorded; nothing closes here.
      if (error instanceof ClosureNotPermittedError) {
        await dc.context.sendActivity(texts.answerNotPossible);
        return undefined;
      }
      if (!(error instanceof StaleClaimError || error instanceof InvalidTransitionError)) throw error;
      const ticket = await this.services.tickets.getForConsumer(question.ticketNumber, consumerFrom(dc.context));
      if (isClosedOnCallback(ticket) && ticket.closure?.claimId === question.claimId) {
        await answerCallbackClosure(dc.context, this.services, ticket, answer, texts);
        return ticket.status;
      }
      await dc.context.sendActivity(texts.answerNotPossible);
      return undefined;
    }
  }

  protected currentQuestion(state: SatisfactionState, texts: Texts): Question {
    return state.choosing ? this.whichQuestion(state.choosing, texts) : this.question(state, texts);
  }

  private question(state: SatisfactionState, texts: Texts): Question {
    const text = state.reminder
      ? texts.satisfactionReminder(state.ticketNumber)
      : texts.satisfactionQuestion(state.ticketNumber, state.claimLevel ?? 'JE', state.claimOfficerName, state.claimNote ?? '');
    return { text, choices: texts.yesNoChoices };
  }
}
