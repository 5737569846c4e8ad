// "Is your problem solved?" — asked when staff claim a resolution. The consumer's yes closes the ticket through the
// ticket service's rule; a no reopens and escalates it; anything unclear is asked again, twice at most.
import type { DialogContext, DialogTurnResult } from 'botbuilder-dialogs';
import type { OfficerLevel } from '../models/ticketTypes.js';
import { ClosureNotPermittedError, InvalidTransitionError, StaleClaimError } from '../services/errors.js';
import { answerCallbackClosure, isClosedOnCallback } from './callbackClosureAnswer.js';
import { ConsumerDialog, understandingOf, type Question } from './consumerDialog.js';
import { consumerFrom, type DialogServices } from './consumerTurn.js';
import type { Texts } from './texts.js';
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
    if (understanding.yesNo === 'unclear') {
      state.unclearAnswers = (state.unclearAnswers ?? 0) + 1;
      if (state.unclearAnswers > maxUnclearAnswers) {
        await dc.context.sendActivity(texts.satisfactionLater);
        return dc.endDialog({ answered: false });
      }
      return { text: texts.satisfactionUnclear, choices: texts.yesNoChoices };
    }
    try {
      const ticket = await this.services.tickets.answerResolution(state.ticketNumber, consumerFrom(dc.context), {
        claimId: state.claimId,
        answer: understanding.yesNo,
        note: understanding.text.slice(0, 500),
      });
      if (ticket.status === 'closed') {
        await dc.context.sendActivity(texts.closedThanks(ticket._id));
      } else {
        await dc.context.sendActivity(texts.reopened(ticket._id, ticket.level, ticket.officer?.name));
      }
      return dc.endDialog({ answered: true, status: ticket.status });
    } catch (error) {
      // Staff withdrew or replaced the claim meanwhile: this question no longer stands — unless a supervisor closed it
      // on a phone call for this very claim, which the consumer may still reject.
      // The question was put to another of the consumer's identities: the refusal is recorded; nothing closes here.
      if (error instanceof ClosureNotPermittedError) {
        await dc.context.sendActivity(texts.answerNotPossible);
        return dc.endDialog({ answered: false });
      }
      if (!(error instanceof StaleClaimError || error instanceof InvalidTransitionError)) throw error;
      const ticket = await this.services.tickets.getForConsumer(state.ticketNumber, consumerFrom(dc.context));
      if (isClosedOnCallback(ticket) && ticket.closure?.claimId === state.claimId) {
        await answerCallbackClosure(dc.context, this.services, ticket, understanding.yesNo, texts);
        return dc.endDialog({ answered: true, status: ticket.status });
      }
      await dc.context.sendActivity(texts.answerNotPossible);
      return dc.endDialog({ answered: false });
    }
  }

  protected currentQuestion(state: SatisfactionState, texts: Texts): Question {
    return this.question(state, texts);
  }

  private question(state: SatisfactionState, texts: Texts): Question {
    const text = state.reminder
      ? texts.satisfactionReminder(state.ticketNumber)
      : texts.satisfactionQuestion(state.ticketNumber, state.claimLevel ?? 'JE', state.claimOfficerName, state.claimNote ?? '');
    return { text, choices: texts.yesNoChoices };
  }
}
