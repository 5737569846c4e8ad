// The front desk: each new message that is not an answer to a pending question is routed here — to register a
// complaint, check status, answer a pending "is it solved?", reach a person, or see the menu.
import { ComponentDialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { requestPerson, say, understandingOf } from './consumerDialog.js';
import { consumerFrom, textsForTurn, type DialogServices } from './consumerTurn.js';
import { REGISTER_COMPLAINT_DIALOG, RegisterComplaintDialog } from './registerComplaintDialog.js';
import { SATISFACTION_DIALOG, SatisfactionDialog, openQuestionsOf } from './satisfactionDialog.js';
import { STATUS_DIALOG, StatusDialog, sequenceOnly } from './statusDialog.js';
import { answerCallbackClosure, isClosedOnCallback } from './callbackClosureAnswer.js';
import { handleVerification } from './verifyIdentity.js';
import { pinnedPlaceOf } from './consumerMedia.js';

export const ROOT_DIALOG = 'root';

/** Not understood this many times in a row: the consumer is handed to a person. */
const notUnderstoodLimit = 2;

export class RootDialog extends ComponentDialog {
  constructor(private readonly services: DialogServices) {
    super(ROOT_DIALOG);
    this.addDialog(new RegisterComplaintDialog(services));
    this.addDialog(new StatusDialog(services));
    this.addDialog(new SatisfactionDialog(services));
  }

  protected override async onBeginDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    const understanding = understandingOf(innerDc.context);
    const texts = await textsForTurn(this.services, innerDc.context);
    const consumer = consumerFrom(innerDc.context);
    // A location pin with nothing else going on: a complaint at that place (its read-back confirms the place).
    if (pinnedPlaceOf(innerDc.context)) return innerDc.beginDialog(REGISTER_COMPLAINT_DIALOG, {});
    if (!understanding) return innerDc.endDialog();
    // Linking a mobile to this chat by a one-time code (issue 11): handled before anything else reads the message.
    if (await handleVerification(innerDc.context, this.services, texts, understanding.text)) return innerDc.endDialog();

    if (understanding.switchTo) {
      await say(innerDc.context, texts.languageSwitched, texts.menuChoices);
      return innerDc.endDialog();
    }
    const menu = texts.menuChoices;
    // A tapped menu button arrives as its own text.
    const choice = menu.indexOf(understanding.text.trim());
    const intent = choice === 0 ? 'register' : choice === 1 ? 'status' : choice === 2 ? 'my_complaints' : choice === 3 ? 'human' : understanding.intent;

    // Only a bare answer ("haan", "👎", "yes it works") answers a claim that is not on screen: a yes or no inside a
    // request ("yes please help", "band karo", "no, talk to a person") is that request, and must never close or
    // reopen a ticket.
    if (understanding.yesNo !== 'unclear' && intent === 'none') {
      const tickets = await this.services.tickets.listForConsumer(consumer);
      const open = openQuestionsOf(tickets);
      const pending = open[0];
      // The question is not on screen (put away by a cancel, a handoff, a new conversation): a bare yes — an "ok",
      // "theek hai" that may answer something else — only brings the question back, named, with its own buttons; the
      // yes that closes must answer it. A no is taken (it reopens; it never closes). With more than one open, either
      // is taken only once the consumer says which ticket it is for (dialogs/satisfactionDialog.ts).
      if (pending) {
        const { category: _category, ...question } = pending;
        const answerNow = understanding.yesNo === 'no' || open.length > 1;
        return innerDc.beginDialog(SATISFACTION_DIALOG, { ...question, ...(answerNow ? { answerNow: true } : {}) });
      }
      const closedOnCall = tickets.find(isClosedOnCallback);
      if (closedOnCall) {
        await answerCallbackClosure(innerDc.context, this.services, closedOnCall, understanding.yesNo, texts);
        return innerDc.endDialog();
      }
    }
    if (intent !== 'none' || understanding.category) await this.resetMisses(innerDc);
    switch (intent) {
      case 'register':
        return innerDc.beginDialog(REGISTER_COMPLAINT_DIALOG, { firstText: choice === 0 ? undefined : understanding.text });
      case 'status': {
        // "status 00002": only the sequence part of a number.
        const sequence = understanding.entities.ticketNumber ? undefined : /(?<![\d-])(\d{3,9})(?![\d-])/.exec(understanding.text)?.[1];
        return innerDc.beginDialog(STATUS_DIALOG, { ticketNumber: understanding.entities.ticketNumber, ...(sequence ? { sequence } : {}) });
      }
      case 'my_complaints':
        return innerDc.beginDialog(STATUS_DIALOG, { listAll: true });
      case 'human':
        await this.services.handoffs.recordRequest(consumer, 'asked', understanding.text);
        await say(innerDc.context, texts.handoffRecorded, menu);
        return innerDc.endDialog();
      case 'help':
        await say(innerDc.context, texts.help, menu);
        return innerDc.endDialog();
      case 'greeting':
      case 'cancel':
      case 'restart':
        await say(innerDc.context, texts.welcome, menu);
        return innerDc.endDialog();
      default:
        break;
    }
    if (understanding.category) {
      return innerDc.beginDialog(REGISTER_COMPLAINT_DIALOG, { firstText: understanding.text });
    }
    // A few digits alone ("00002"): the sequence part of one of their complaint numbers.
    const sequence = sequenceOnly(understanding.text);
    if (sequence) return innerDc.beginDialog(STATUS_DIALOG, { sequence });
    return this.notUnderstood(innerDc);
  }

  protected override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    await this.resetMisses(innerDc);
    return super.onContinueDialog(innerDc);
  }

  protected override async endComponent(outerDc: DialogContext, result: unknown): Promise<DialogTurnResult> {
    return outerDc.endDialog(result);
  }

  private async notUnderstood(innerDc: DialogContext): Promise<DialogTurnResult> {
    const texts = await textsForTurn(this.services, innerDc.context);
    const profile = await this.services.profile.get(innerDc.context, {});
    const misses = (profile.notUnderstoodInARow ?? 0) + 1;
    profile.notUnderstoodInARow = misses;
    await this.services.profile.set(innerDc.context, profile);
    if (misses >= notUnderstoodLimit) {
      profile.notUnderstoodInARow = 0;
      // The bot opens the handoff after this turn's dialogs (it says why, and sends handoff.initiate).
      requestPerson(innerDc.context, 'not_understood');
    } else {
      await say(innerDc.context, texts.didNotUnderstand, texts.menuChoices);
    }
    return innerDc.endDialog();
  }

  private async resetMisses(innerDc: DialogContext): Promise<void> {
    const profile = await this.services.profile.get(innerDc.context, {});
    if (profile.notUnderstoodInARow) {
      profile.notUnderstoodInARow = 0;
      await this.services.profile.set(innerDc.context, profile);
    }
  }
}
