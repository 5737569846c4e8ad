// Registering a complaint: take everything the first message already carries, ask only for what is missing — one
// question at a time — read the summary back, and register on "yes".
import type { DialogContext, DialogTurnResult } from 'botbuilder-dialogs';
import type { TicketCategory } from '../models/ticketTypes.js';
import { ConcurrentUpdateError } from '../services/errors.js';
import type { ResolvedPlace } from '../services/directory.js';
import { normaliseAccountNumber, normaliseMobile } from '../services/consumerIdentity.js';
import { ConsumerDialog, type Question } from './consumerDialog.js';
import { consumerFrom, placeName, type DialogServices } from './consumerTurn.js';
import { categoryChoiceOrder, type ComplaintDraft, type Texts } from './texts.js';
import { classifyCategory, classifyYesNo, extractEntities, type Understanding } from './understanding/index.js';

export const REGISTER_COMPLAINT_DIALOG = 'registerComplaint';

type Slot = 'category' | 'description' | 'accountNumber' | 'mobile' | 'place' | 'confirm';

export interface RegisterComplaintState {
  category?: TicketCategory;
  description?: string;
  accountNumber?: string;
  /** True once the consumer said they have no account number at hand. */
  accountSkipped?: boolean;
  mobile?: string;
  place?: ResolvedPlace;
  district?: string;
  /** An address we could not match to a locality, kept as the consumer wrote it once they confirm it. */
  addressText?: string;
  unmatchedAddress?: string;
  asking?: Slot;
  unclearConfirmations?: number;
  /** The text that started the dialog: its understanding fills the slots it can. */
  firstText?: string;
}

/** A first message this long, with a category in it, already describes the problem. */
const descriptiveLength = 12;

export class RegisterComplaintDialog extends ConsumerDialog<RegisterComplaintState> {
  constructor(services: DialogServices) {
    super(REGISTER_COMPLAINT_DIALOG, services);
  }

  protected async start(dc: DialogContext, state: RegisterComplaintState, texts: Texts) {
    const profile = await this.services.profile.get(dc.context, {});
    const consumer = consumerFrom(dc.context);
    state.mobile ??= consumer.verifiedMobile ?? profile.mobile;
    state.accountNumber ??= profile.accountNumber;
    if (state.firstText) this.fillFrom(state, state.firstText, true);
    delete state.firstText;
    return this.next(dc, state, texts);
  }

  protected async answer(dc: DialogContext, state: RegisterComplaintState, understanding: Understanding, texts: Texts) {
    const text = understanding.text.trim();
    switch (state.asking) {
      case 'category': {
        const category = choiceCategory(text, texts) ?? understanding.category;
        if (!category) return this.ask(state, 'category', texts);
        state.category = category;
        // "meter jal gaya hai" answers the category and describes the problem at once.
        if (!state.description && understanding.category && text.length >= descriptiveLength) state.description = text;
        break;
      }
      case 'description':
        if (!text) return this.ask(state, 'description', texts);
        state.description = text;
        this.fillFrom(state, text, false);
        break;
      case 'accountNumber': {
        // "skip", "छोड़ें", or just "no"/"nahi hai": they do not have it at hand.
        if (texts.skipWords.some((word) => text.toLowerCase() === word.toLowerCase()) || classifyYesNo(text) === 'no') {
          state.accountSkipped = true;
          break;
        }
        const account = normaliseAccountNumber(text) ?? understanding.entities.accountNumber;
        if (!account) return { text: texts.badAccount, choices: texts.skipWords.slice(0, 1) };
        state.accountNumber = account;
        break;
      }
      case 'mobile': {
        const mobile = normaliseMobile(text) ?? understanding.entities.mobile;
        if (!mobile) return { text: texts.badMobile };
        state.mobile = mobile;
        break;
      }
      case 'place': {
        const place = understanding.entities.place ?? this.services.directory.resolvePlace({ locality: text });
        if (place) {
          state.place = place;
        } else if (state.unmatchedAddress && sameAddress(state.unmatchedAddress, text)) {
          // Sent twice on purpose: record it as written and let staff route it.
          state.addressText = text.slice(0, 300);
          state.district ??= understanding.entities.district;
        } else {
          state.unmatchedAddress = text;
          return { text: texts.unknownLocality(text.slice(0, 80)) };
        }
        break;
      }
      case 'confirm': {
        const yesNo = classifyYesNo(text);
        if (yesNo === 'no') {
          await dc.context.sendActivity(texts.notRegistered);
          return dc.endDialog({ registered: false });
        }
        if (yesNo === 'unclear') {
          state.unclearConfirmations = (state.unclearConfirmations ?? 0) + 1;
          return this.ask(state, 'confirm', texts);
        }
        return this.register(dc, state, texts);
      }
      default:
        break;
    }
    return this.next(dc, state, texts);
  }

  protected currentQuestion(state: RegisterComplaintState, texts: Texts): Question | undefined {
    return state.asking ? this.question(state, state.asking, texts) : undefined;
  }

  /** Picks up whatever a message carries: category, account and mobile numbers, the locality, the district. */
  private fillFrom(state: RegisterComplaintState, text: string, isFirstMessage: boolean): void {
    const entities = extractEntities(text, this.services.directory);
    const category = classifyCategory(text)?.category;
    if (isFirstMessage && category) {
      state.category ??= category;
      if (text.trim().length >= descriptiveLength) state.description ??= text.trim();
    }
    state.accountNumber ??= entities.accountNumber;
    state.mobile ??= entities.mobile;
    state.place ??= entities.place;
    state.district ??= entities.district;
  }

  private async next(dc: DialogContext, state: RegisterComplaintState, texts: Texts): Promise<Question | DialogTurnResult> {
    const missing = this.firstMissing(state);
    return this.ask(state, missing, texts);
  }

  private firstMissing(state: RegisterComplaintState): Slot {
    if (!state.category) return 'category';
    if (!state.description) return 'description';
    if (!state.accountNumber && !state.accountSkipped) return 'accountNumber';
    if (!state.mobile) return 'mobile';
    if (!state.place && !state.addressText) return 'place';
    return 'confirm';
  }

  private ask(state: RegisterComplaintState, slot: Slot, texts: Texts): Question {
    state.asking = slot;
    return this.question(state, slot, texts);
  }

  private question(state: RegisterComplaintState, slot: Slot, texts: Texts): Question {
    switch (slot) {
      case 'category':
        return { text: texts.askCategory, choices: texts.categoryChoices };
      case 'description':
        return { text: texts.askDescription };
      case 'accountNumber':
        return { text: texts.askAccount, choices: texts.skipWords.slice(0, 1) };
      case 'mobile':
        return { text: texts.askMobile };
      case 'place':
        return { text: texts.askLocality };
      case 'confirm':
        return { text: texts.summary(this.draftOf(state, texts)), choices: texts.yesNoChoices };
    }
  }

  /** The complaint as read back, with place names in the consumer's script where the directory has them. */
  private draftOf(state: RegisterComplaintState, texts: Texts): ComplaintDraft {
    const local = (name: string | undefined) => (name ? placeName(this.services, texts, name) : name);
    return {
      category: state.category!,
      description: state.description ?? '',
      accountNumber: state.accountNumber,
      mobile: state.mobile,
      locality: state.place ? local(state.place.locality ?? state.place.subDivision) : state.addressText,
      district: local(state.place?.district ?? state.district),
    };
  }

  private async register(dc: DialogContext, state: RegisterComplaintState, texts: Texts): Promise<DialogTurnResult> {
    const consumer = consumerFrom(dc.context);
    const profile = await this.services.profile.get(dc.context, {});
    const place = state.place;
    // Registrations per identity per day: past the limit the consumer is told, and nothing is registered.
    const verdict = await this.services.registrationLimit?.(`${consumer.channel}:${consumer.channelUserId}`);
    if (verdict && !verdict.allowed) {
      await dc.context.sendActivity(texts.tooManyRegistrations);
      return dc.endDialog();
    }
    try {
      const { ticket, duplicate } = await this.services.tickets.register(
        {
          category: state.category!,
          description: state.description!.slice(0, 2000),
          consumer: {
            channel: consumer.channel,
            channelUserId: consumer.channelUserId,
            mobile: state.mobile!,
            accountNumber: state.accountNumber,
            language: profile.language ?? 'hi',
          },
          place: place
            ? { district: place.district, locality: place.locality ?? place.subDivision, subDivision: place.subDivision }
            : { district: state.district ?? 'Unknown', addressText: state.addressText },
        },
        consumer,
      );
      // Remember what they told us so the next complaint asks less.
      profile.mobile = state.mobile;
      if (state.accountNumber) profile.accountNumber = state.accountNumber;
      await this.services.profile.set(dc.context, profile);

      if (duplicate) {
        await dc.context.sendActivity(texts.duplicate(ticket._id, ticket.status));
      } else if (ticket.officer) {
        await dc.context.sendActivity(texts.registered(ticket._id, ticket.level, ticket.officer.name));
      } else {
        await dc.context.sendActivity(texts.registeredUnassigned(ticket._id));
      }
      return dc.endDialog({ registered: true, ticketNumber: ticket._id });
    } catch (error) {
      if (error instanceof ConcurrentUpdateError) {
        await dc.context.sendActivity(texts.turnError);
        return dc.endDialog({ registered: false });
      }
      throw error;
    }
  }
}

/** A tapped suggested action ("मीटर", "Meter") maps straight back to its category. */
function choiceCategory(text: string, texts: Texts): TicketCategory | undefined {
  const index = texts.categoryChoices.findIndex((choice) => choice.toLowerCase() === text.toLowerCase());
  return index >= 0 ? categoryChoiceOrder[index] : undefined;
}

function sameAddress(a: string, b: string): boolean {
  const normalise = (value: string) => value.toLowerCase().replace(/[\s\p{P}]+/gu, '');
  return normalise(a) === normalise(b);
}
