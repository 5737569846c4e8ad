// The base of every consumer dialog: one question at a time, asked again in the consumer's current language, and
// the interruptions that work anywhere — cancel, start over, help, a person, a change of language.
import { ActivityTypes, MessageFactory, type TurnContext } from 'botbuilder';
import { Dialog, DialogReason, type DialogContext, type DialogInstance, type DialogTurnResult } from 'botbuilder-dialogs';
import type { Understanding } from './understanding/index.js';
import { consumerFrom, textsForTurn, type DialogServices } from './consumerTurn.js';
import type { Texts } from './texts.js';

const understandingKey = Symbol('santushti.understanding');
const personRequestKey = Symbol('santushti.personRequest');

/** Why a dialog decided the consumer needs a person (the bot starts the live handoff once the dialogs are done). */
export type PersonRequestReason = 'not_understood' | 'upset';

/** Understanding is computed once per turn by the bot and shared by every dialog that looks at the message. */
export function rememberUnderstanding(context: TurnContext, understanding: Understanding): void {
  context.turnState.set(understandingKey, understanding);
}

export function understandingOf(context: TurnContext): Understanding | undefined {
  return context.turnState.get(understandingKey) as Understanding | undefined;
}

/** A dialog asks for the consumer to be handed to a person at the end of this turn. */
export function requestPerson(context: TurnContext, reason: PersonRequestReason): void {
  context.turnState.set(personRequestKey, reason);
}

export function personRequestedIn(context: TurnContext): PersonRequestReason | undefined {
  return context.turnState.get(personRequestKey) as PersonRequestReason | undefined;
}

/**
 * Whether a registration's "duplicate" is another complaint already open, and not the ticket this very message
 * registered: a turn run again after an outage (the ticket stored, the reply not) finds its own ticket, created after
 * the message arrived, and must answer as the registration it made.
 */
export function isOtherOpenComplaint(context: TurnContext, found: { duplicate: boolean; ticket: { createdAt: Date | string } }): boolean {
  if (!found.duplicate) return false;
  const sentAt = context.activity.timestamp;
  const arrived = sentAt ? new Date(sentAt).getTime() : Number.NaN;
  return !(Number.isFinite(arrived) && new Date(found.ticket.createdAt).getTime() >= arrived);
}

export interface Question {
  text: string;
  choices?: string[];
}

export async function say(context: TurnContext, text: string, choices?: string[]): Promise<void> {
  await context.sendActivity(choices?.length ? MessageFactory.suggestedActions(choices, text) : MessageFactory.text(text));
}

export abstract class ConsumerDialog<State extends object> extends Dialog<State> {
  constructor(
    id: string,
    protected readonly services: DialogServices,
  ) {
    super(id);
  }

  /** Starts with the options; returns the next question, or ends the dialog. */
  protected abstract start(dc: DialogContext, state: State, texts: Texts): Promise<Question | DialogTurnResult>;
  /** Takes the consumer's reply to the current question; returns the next question, or ends the dialog. */
  protected abstract answer(dc: DialogContext, state: State, understanding: Understanding, texts: Texts): Promise<Question | DialogTurnResult>;
  /** The current question again (after an interruption, a language change, or a child dialog). */
  protected abstract currentQuestion(state: State, texts: Texts): Question | undefined;
  /** May the current question be skipped? Then "chhodo"/"छोड़ो" is an answer (skip it), not a cancel. */
  protected skippable(_state: State): boolean {
    return false;
  }
  /** Asked before a cancel throws away what the consumer already gave; undefined cancels at once. */
  protected confirmCancel(_state: State, _texts: Texts): Question | undefined {
    return undefined;
  }

  override async beginDialog(dc: DialogContext, options?: State): Promise<DialogTurnResult> {
    const state = { ...(options ?? {}) } as State;
    dc.activeDialog!.state = state;
    return this.respond(dc, await this.start(dc, state, await textsForTurn(this.services, dc.context)));
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    if (dc.context.activity.type !== ActivityTypes.Message) return Dialog.EndOfTurn;
    const understanding = understandingOf(dc.context);
    if (!understanding) return Dialog.EndOfTurn;
    const interrupted = await this.interrupt(dc, understanding);
    if (interrupted) return interrupted;
    const state = dc.activeDialog!.state as State;
    return this.respond(dc, await this.answer(dc, state, understanding, await textsForTurn(this.services, dc.context)));
  }

  override async resumeDialog(dc: DialogContext, _reason: DialogReason, _result?: unknown): Promise<DialogTurnResult> {
    await this.repromptDialog(dc.context, dc.activeDialog!);
    return Dialog.EndOfTurn;
  }

  override async repromptDialog(context: TurnContext, instance: DialogInstance<State>): Promise<void> {
    const question = this.currentQuestion(instance.state, await textsForTurn(this.services, context));
    if (question) await say(context, question.text, question.choices);
  }

  private async respond(dc: DialogContext, next: Question | DialogTurnResult): Promise<DialogTurnResult> {
    if ('status' in next) return next;
    await say(dc.context, next.text, next.choices);
    return Dialog.EndOfTurn;
  }

  /** Interruptions that mean the same thing in every dialog. Returns undefined when the message is an answer. */
  private async interrupt(dc: DialogContext, understanding: Understanding): Promise<DialogTurnResult | undefined> {
    const texts = await textsForTurn(this.services, dc.context);
    if (understanding.switchTo) {
      // The bot has already switched the profile's language this turn; ask again in it.
      await say(dc.context, texts.languageSwitched);
      await this.repromptDialog(dc.context, dc.activeDialog!);
      return Dialog.EndOfTurn;
    }
    const state = dc.activeDialog!.state as State;
    switch (understanding.intent) {
      case 'cancel': {
        if (understanding.skip && this.skippable(state)) return undefined;
        const question = this.confirmCancel(state, texts);
        if (question) {
          await say(dc.context, question.text, question.choices);
          return Dialog.EndOfTurn;
        }
        await say(dc.context, texts.cancelled, texts.menuChoices);
        return dc.cancelAllDialogs();
      }
      case 'restart': {
        // The cancellation's own result, as for cancel: returning "waiting" here would leave the root dialog on the
        // stack with nothing inside it, and the consumer's next message would end it without an answer.
        const cancelled = await dc.cancelAllDialogs();
        await say(dc.context, `${texts.restarted}\n${texts.welcome}`, texts.menuChoices);
        return cancelled;
      }
      case 'help':
        await say(dc.context, texts.help);
        await this.repromptDialog(dc.context, dc.activeDialog!);
        return Dialog.EndOfTurn;
      case 'human':
        await this.services.handoffs.recordRequest(consumerFrom(dc.context), 'asked', understanding.text);
        await say(dc.context, texts.handoffRecorded);
        await this.repromptDialog(dc.context, dc.activeDialog!);
        return Dialog.EndOfTurn;
      default:
        return undefined;
    }
  }
}
