// Registering a complaint: take everything the first message already carries, ask only for what is missing — one
// question at a time — read the summary back, and register on "yes".
import type { DialogContext, DialogTurnResult } from 'botbuilder-dialogs';
import type { TicketCategory } from '../models/ticketTypes.js';
import { toAsciiDigits } from '../services/consumerIdentity.js';
import { ConcurrentUpdateError } from '../services/errors.js';
import type { ResolvedPlace } from '../services/directory.js';
import { ConsumerDialog, isOtherOpenComplaint, say, type Question } from './consumerDialog.js';
import { tellIncidentAfterRegistration } from './incidentReply.js';
import { attachHeldMedia, pinnedPlaceOf } from './consumerMedia.js';
import { consumerFrom, placeName, type DialogServices } from './consumerTurn.js';
import { categoryChoiceOrder, followUpTextsFor, shutdownTextsFor, type ComplaintDraft, type Texts } from './texts.js';
import {
  classifyCategory,
  classifyProblems,
  classifyYesNo,
  detectCorrection,
  extractEntities,
  placeDetailIn,
  problemWordsIn,
  readLandmarkAnswer,
  readNumberAnswer,
  type ComplaintField,
  type Understanding,
} from './understanding/index.js';

export const REGISTER_COMPLAINT_DIALOG = 'registerComplaint';

type Slot =
  | 'category'
  | 'description'
  | 'whichMobile'
  | 'accountNumber'
  | 'applicationNumber'
  | 'mobile'
  | 'place'
  | 'landmark'
  | 'confirm'
  | 'whatToChange'
  | 'cancelConfirm';

/** The fields the "what should I change?" buttons offer, in the order of `changeChoices` (the last button discards). */
const changeOrder: ComplaintField[] = ['category', 'description', 'place', 'mobile', 'accountNumber'];

export interface RegisterComplaintState {
  category?: TicketCategory;
  description?: string;
  accountNumber?: string;
  /** True once the consumer said they have no account number at hand. */
  accountSkipped?: boolean;
  mobile?: string;
  /** A theft reporter who gave no mobile: the report is registered without one. */
  mobileSkipped?: boolean;
  /** A new connection's application number, and whether the consumer said they have none at hand. */
  applicationNumber?: string;
  applicationSkipped?: boolean;
  /** Other problems named in the same message ("… aur meter bhi tez chal raha hai"): one more ticket each. */
  alsoCategories?: TicketCategory[];
  /** Each problem's own words when the consumer named several ("bill 18000 aaya hai" / "meter bhi tez chal raha hai"). */
  problemWords?: Partial<Record<TicketCategory, string>>;
  place?: ResolvedPlace;
  /** Sector, block, house or landmark, in the consumer's words, beside the locality the directory matched. */
  placeDetail?: string;
  /** Asked for a landmark in a large locality, the consumer chose not to give one. */
  landmarkSkipped?: boolean;
  district?: string;
  /** An address we could not match to a locality, kept as the consumer wrote it once they confirm it. */
  addressText?: string;
  unmatchedAddress?: string;
  asking?: Slot;
  /** Two unlabelled numbers that could each be the mobile or the account: asked which is which. */
  eitherNumbers?: string[];
  /** The question to go back to when the consumer does not want to cancel after all. */
  askingBeforeCancel?: Slot;
  unclearConfirmations?: number;
  /** The text that started the dialog: its understanding fills the slots it can. */
  firstText?: string;
}

/** A landmark answer is kept up to this many characters (as `placeDetailIn` keeps a detail clause). */
const LONGEST_LANDMARK = 120;

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
    this.takePin(state, dc.context);
    return this.next(dc, state, texts);
  }

  protected async answer(dc: DialogContext, state: RegisterComplaintState, understanding: Understanding, texts: Texts) {
    const text = understanding.text.trim();
    // A location pin (dialogs/consumerMedia.ts) answers where, whatever was asked; the read-back shows it.
    if (this.takePin(state, dc.context)) return this.next(dc, state, texts);
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
      case 'whichMobile': {
        const numbers = state.eitherNumbers ?? [];
        const mobile = readNumberAnswer(text, 'mobile');
        if (!mobile || !numbers.includes(mobile)) return this.ask(state, 'whichMobile', texts);
        state.mobile = mobile;
        const account = numbers.find((number) => number !== mobile);
        if (account) state.accountNumber = account;
        delete state.eitherNumbers;
        break;
      }
      case 'accountNumber': {
        // A number first: "acc no 23456 78901" carries a "no" that is part of its label, not "I don't have one".
        if (takeNumber(state, 'accountNumber', text)) break;
        // "skip", "chhodo", "छोड़ें", "pata nahi", or just "no"/"nahi hai": they do not have it at hand.
        if (understanding.skip || isSkipWord(text, texts) || classifyYesNo(text) === 'no') {
          state.accountSkipped = true;
          break;
        }
        return { text: texts.badAccount, choices: texts.skipWords.slice(0, 1) };
      }
      case 'applicationNumber': {
        const application = applicationNumberIn(text);
        if (application) state.applicationNumber = application;
        else if (understanding.skip || classifyYesNo(text) === 'no') state.applicationSkipped = true;
        else return { text: texts.badApplication, choices: texts.skipWords.slice(0, 1) };
        break;
      }
      case 'mobile':
        if (takeNumber(state, 'mobile', text)) break;
        // "mobile nahi dunga, gupt rakhna hai": a theft report needs no mobile.
        if (onlyTheft(state) && (understanding.skip || classifyYesNo(text) === 'no')) {
          state.mobileSkipped = true;
          break;
        }
        return { text: texts.badMobile };
      case 'place': {
        const place = understanding.entities.place ?? this.services.directory.resolvePlace({ locality: text });
        if (place) {
          state.place = place;
          state.placeDetail = placeDetailIn(text);
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
      case 'landmark': {
        // "skip", "chhodo", "pata nahi", "nahi": registered without one. A bare "haan"/"ok" is no landmark: asked again.
        // Another locality named: the place moves there.
        const landmark = isSkipWord(text, texts) ? 'skip' : readLandmarkAnswer(text);
        if (landmark === 'skip') {
          state.landmarkSkipped = true;
          break;
        }
        if (landmark === 'none') return this.ask(state, 'landmark', texts);
        const elsewhere = understanding.entities.place;
        if (elsewhere && elsewhere.locality !== state.place?.locality) {
          state.place = elsewhere;
          state.placeDetail = placeDetailIn(text);
        } else {
          // The consumer's words as written: "sector 14, hanuman mandir ke paas", "H.No. 12/345", "pani tanki wali gali".
          state.placeDetail = text.slice(0, LONGEST_LANDMARK);
        }
        break;
      }
      case 'confirm': {
        const yesNo = classifyYesNo(text);
        // "aur meter wali bhi darj karo": one more problem, read back again with the rest.
        const added = yesNo === 'no' ? [] : classifyProblems(text).filter((problem) => !categoriesOf(state).includes(problem));
        if (added.length > 0) {
          state.alsoCategories = [...(state.alsoCategories ?? []), ...added];
          // Its own words are the message that added it ("aur meter bhi tez chal raha hai, woh bhi darj karo").
          const words = problemWordsIn(text);
          state.problemWords = { ...state.problemWords, ...Object.fromEntries(added.map((category) => [category, words[category] ?? text.slice(0, 300)])) };
          break;
        }
        // "nahi, mobile 8299012345 hai", "account galat hai": that field is corrected, and read back again.
        if (this.correct(state, understanding, yesNo)) break;
        if (yesNo === 'no') return this.ask(state, 'whatToChange', texts);
        if (yesNo === 'unclear') {
          state.unclearConfirmations = (state.unclearConfirmations ?? 0) + 1;
          return this.ask(state, 'confirm', texts);
        }
        return this.register(dc, state, texts);
      }
      case 'whatToChange': {
        const choice = texts.changeChoices.findIndex((label) => label.toLowerCase() === text.toLowerCase());
        if (choice === changeOrder.length) {
          await dc.context.sendActivity(texts.notRegistered);
          return dc.endDialog({ registered: false });
        }
        const field = changeOrder[choice];
        if (field) this.clear(state, field);
        else if (!this.correct(state, understanding, 'no')) return this.ask(state, 'whatToChange', texts);
        break;
      }
      case 'cancelConfirm': {
        const yesNo = classifyYesNo(text);
        if (yesNo === 'yes') {
          await say(dc.context, texts.cancelled, texts.menuChoices);
          return dc.cancelAllDialogs();
        }
        if (yesNo === 'no') {
          const back = state.askingBeforeCancel ?? this.firstMissing(state);
          delete state.askingBeforeCancel;
          return this.ask(state, back, texts);
        }
        return this.ask(state, 'cancelConfirm', texts);
      }
      default:
        break;
    }
    return this.next(dc, state, texts);
  }

  protected currentQuestion(state: RegisterComplaintState, texts: Texts): Question | undefined {
    return state.asking ? this.question(state, state.asking, texts) : undefined;
  }

  protected override skippable(state: RegisterComplaintState): boolean {
    return (
      state.asking === 'accountNumber' || state.asking === 'applicationNumber' || state.asking === 'landmark' || (state.asking === 'mobile' && onlyTheft(state))
    );
  }

  /** A complaint the consumer has already told us something about is not thrown away on one word: asked once. */
  protected override confirmCancel(state: RegisterComplaintState, texts: Texts): Question | undefined {
    if (state.asking === 'cancelConfirm') return undefined;
    const given = state.description !== undefined || state.place !== undefined || state.addressText !== undefined || state.asking === 'confirm';
    if (!given) return undefined;
    state.askingBeforeCancel = state.asking;
    return this.ask(state, 'cancelConfirm', texts);
  }

  /**
   * A message at the read-back that names a field ("mobile 8299012345 hai", "account galat hai", "jagah Aliganj hai")
   * changes that field: the new value when it carries one, otherwise the field is asked again. A "yes" that merely
   * mentions a field ("haan, mobile sahi hai") is not a correction. Returns whether anything changed.
   */
  private correct(state: RegisterComplaintState, understanding: Understanding, yesNo: string): boolean {
    const text = understanding.text;
    const { fields, saysWrong } = detectCorrection(text);
    if (fields.length === 0 || (yesNo === 'yes' && !saysWrong)) return false;
    for (const field of fields) {
      switch (field) {
        case 'mobile':
        case 'accountNumber':
          if (!takeNumber(state, field, text)) this.clear(state, field);
          break;
        case 'place': {
          const place = understanding.entities.place;
          this.clear(state, field);
          if (place) {
            state.place = place;
            state.placeDetail = placeDetailIn(text);
          }
          break;
        }
        default:
          this.clear(state, field);
      }
    }
    return true;
  }

  /** The place a location pin resolved to this turn, if any, replaces the place (never stored before the read-back). */
  private takePin(state: RegisterComplaintState, context: DialogContext['context']): boolean {
    const pinned = pinnedPlaceOf(context);
    if (!pinned) return false;
    this.clear(state, 'place');
    state.place = pinned.place;
    state.placeDetail = pinned.detail;
    return true;
  }

  /** Forgets a field so that it is asked again. */
  private clear(state: RegisterComplaintState, field: ComplaintField): void {
    switch (field) {
      case 'accountNumber':
        delete state.accountNumber;
        delete state.accountSkipped;
        break;
      case 'place':
        delete state.place;
        delete state.placeDetail;
        delete state.landmarkSkipped;
        delete state.addressText;
        delete state.unmatchedAddress;
        delete state.district;
        break;
      case 'description':
        delete state.description;
        delete state.problemWords;
        break;
      default:
        delete state[field];
    }
  }

  /** Picks up whatever a message carries: category, account and mobile numbers, the locality, the district. */
  private fillFrom(state: RegisterComplaintState, text: string, isFirstMessage: boolean): void {
    const entities = extractEntities(text, this.services.directory);
    const category = classifyCategory(text)?.category;
    if (isFirstMessage && category) {
      state.category ??= category;
      if (text.trim().length >= descriptiveLength) state.description ??= text.trim();
      const others = classifyProblems(text).filter((problem) => problem !== state.category);
      if (others.length > 0) {
        state.alsoCategories = others;
        state.problemWords = problemWordsIn(text.trim());
      }
    }
    if (entities.eitherNumbers && !(state.accountNumber && state.mobile)) state.eitherNumbers = entities.eitherNumbers;
    state.accountNumber ??= entities.accountNumber;
    state.mobile ??= entities.mobile;
    if (!state.place && entities.place) {
      state.place = entities.place;
      state.placeDetail = placeDetailIn(text);
    }
    state.district ??= entities.district;
  }

  private async next(dc: DialogContext, state: RegisterComplaintState, texts: Texts): Promise<Question | DialogTurnResult> {
    const missing = this.firstMissing(state);
    return this.ask(state, missing, texts);
  }

  private firstMissing(state: RegisterComplaintState): Slot {
    if (!state.category) return 'category';
    if (!state.description) return 'description';
    if (state.eitherNumbers) return 'whichMobile';
    // A new connection has no bill yet: its application number instead. A theft reporter's own account is not asked.
    if (state.category === 'new_connection') {
      if (!state.applicationNumber && !state.applicationSkipped) return 'applicationNumber';
    } else if (state.category !== 'theft' && !state.accountNumber && !state.accountSkipped) {
      return 'accountNumber';
    }
    if (!state.mobile && !(onlyTheft(state) && state.mobileSkipped)) return 'mobile';
    if (!state.place && !state.addressText) return 'place';
    // A large locality's name alone does not find the spot (the directory flags them): a landmark is asked, once.
    if (state.place && !state.placeDetail && !state.landmarkSkipped && this.services.directory.isLargeLocality(state.place.locality)) return 'landmark';
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
      case 'whichMobile':
        return { text: texts.askWhichMobile(state.eitherNumbers ?? []), choices: state.eitherNumbers ?? [] };
      case 'accountNumber':
        return { text: texts.askAccount, choices: texts.skipWords.slice(0, 1) };
      case 'applicationNumber':
        return { text: texts.askApplication, choices: texts.skipWords.slice(0, 1) };
      case 'mobile':
        return onlyTheft(state) ? { text: texts.askMobileTheft, choices: texts.skipWords.slice(0, 1) } : { text: texts.askMobile };
      case 'place':
        return { text: texts.askLocality };
      case 'landmark':
        return {
          text: followUpTextsFor(texts.code).askLandmark(placeName(this.services, texts, state.place?.locality ?? state.place?.subDivision ?? '')),
          choices: texts.skipWords.slice(0, 1),
        };
      case 'confirm':
        return { text: texts.summary(this.draftOf(state, texts)), choices: texts.yesNoChoices };
      case 'whatToChange':
        return { text: texts.askWhatToChange, choices: texts.changeChoices };
      case 'cancelConfirm':
        return { text: texts.confirmCancel, choices: texts.yesNoChoices };
    }
  }

  /** The complaint as read back, with place names in the consumer's script where the directory has them. */
  private draftOf(state: RegisterComplaintState, texts: Texts): ComplaintDraft {
    const local = (name: string | undefined) => (name ? placeName(this.services, texts, name) : name);
    return {
      category: state.category!,
      description: state.description ?? '',
      accountNumber: storedAccount(state.category, state.accountNumber),
      alsoCategories: state.alsoCategories,
      ...(state.alsoCategories?.length && state.problemWords ? { problemWords: state.problemWords } : {}),
      applicationNumber: state.applicationNumber,
      mobile: state.mobile,
      locality: state.place ? local(state.place.locality ?? state.place.subDivision) : state.addressText,
      placeDetail: state.place ? state.placeDetail : undefined,
      district: local(state.place?.district ?? state.district),
    };
  }

  /** Registers the complaint, and one more for each other problem the consumer named (one read-back listed them all). */
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
    const numbers: string[] = [];
    try {
      for (const category of categoriesOf(state)) {
        const account = storedAccount(category, state.accountNumber);
        const found = await this.services.tickets.register(
          {
            category,
            description: descriptionFor(state, category).slice(0, 2000),
            consumer: {
              channel: consumer.channel,
              channelUserId: consumer.channelUserId,
              mobile: state.mobile,
              accountNumber: account,
              applicationNumber: category === 'new_connection' ? state.applicationNumber : undefined,
              // Theft is reported in confidence by default: officers never see who reported it.
              anonymous: category === 'theft' ? true : undefined,
              language: texts.code,
            },
            place: place
              ? {
                  district: place.district,
                  locality: place.locality ?? place.subDivision,
                  subDivision: place.subDivision,
                  ...(state.placeDetail ? { addressText: state.placeDetail.slice(0, 300) } : {}),
                }
              : { district: state.district ?? 'Unknown', addressText: state.addressText },
          },
          consumer,
        );
        const { ticket } = found;
        numbers.push(ticket._id);
        const duplicate = isOtherOpenComplaint(dc.context, found);
        if (duplicate) {
          await dc.context.sendActivity(texts.duplicate(ticket._id, ticket.status));
        } else if (ticket.officer) {
          await dc.context.sendActivity(texts.registered(ticket._id, ticket.level, ticket.officer.name));
        } else {
          await dc.context.sendActivity(texts.registeredUnassigned(ticket._id));
          // Outside the directory: said plainly what the helpline covers; a supervisor routes it (ticket.waitingForPerson).
          if (!place) await dc.context.sendActivity(texts.outsideDirectory(this.services.directory.districts().map((name) => placeName(this.services, texts, name)).join(', ')));
        }
        if (!duplicate && category === 'theft') await dc.context.sendActivity(texts.theftRegistered);
        // A planned shutdown runs there: say so, and when supply is expected back (no incident is told: it is no fault).
        if (ticket.plannedShutdown && !duplicate) await dc.context.sendActivity(shutdownTextsFor(texts.code).planned(new Date(ticket.plannedShutdown.endsAt)));
        else if (!duplicate) await tellIncidentAfterRegistration(dc.context, this.services, texts, ticket);
      }
      // Photos or bills sent while the complaint was being registered join its (first) ticket now.
      if (numbers[0]) await attachHeldMedia(dc.context, this.services, numbers[0]);
      if (state.mobile) profile.mobile = state.mobile;
      const account = storedAccount(state.category!, state.accountNumber);
      if (account) profile.accountNumber = account;
      await this.services.profile.set(dc.context, profile);
      return dc.endDialog({ registered: true, ticketNumber: numbers[0], ticketNumbers: numbers });
    } catch (error) {
      if (error instanceof ConcurrentUpdateError) {
        await dc.context.sendActivity(texts.turnError);
        return dc.endDialog({ registered: numbers.length > 0, ticketNumbers: numbers });
      }
      throw error;
    }
  }
}

/** The complaint's category first, then each other problem named with it. */
function categoriesOf(state: RegisterComplaintState): TicketCategory[] {
  return [state.category!, ...(state.alsoCategories ?? []).filter((category) => category !== state.category)];
}

/** Staff read the whole message after a problem's own words on each ticket of a message that named several. */
const WHOLE_MESSAGE_LABEL = 'पूरा संदेश / whole message:';

/**
 * What a ticket's description keeps: the consumer's message as written; when it named several problems, this problem's
 * own words first and then the whole message, so nothing the consumer said is lost from any of the tickets.
 */
function descriptionFor(state: RegisterComplaintState, category: TicketCategory): string {
  const whole = state.description!;
  const own = categoriesOf(state).length > 1 ? state.problemWords?.[category]?.slice(0, 300) : undefined;
  return own && own !== whole ? `${own}\n\n${WHOLE_MESSAGE_LABEL} ${whole}` : whole;
}

/** Only theft reports: then no mobile is required. */
function onlyTheft(state: RegisterComplaintState): boolean {
  return categoriesOf(state).every((category) => category === 'theft');
}

/** A tapped suggested action ("मीटर", "Meter") maps straight back to its category. */
function choiceCategory(text: string, texts: Texts): TicketCategory | undefined {
  const index = texts.categoryChoices.findIndex((choice) => choice.toLowerCase() === text.toLowerCase());
  return index >= 0 ? categoryChoiceOrder[index] : undefined;
}

/** The account number only where the category asks for one: not a theft reporter's, not a new connection's. */
function storedAccount(category: TicketCategory | undefined, accountNumber: string | undefined): string | undefined {
  return category === 'theft' || category === 'new_connection' ? undefined : accountNumber;
}

/** An application number as printed on a receipt: the first word of 4–30 letters, digits, "-" or "/" with a digit in it. */
function applicationNumberIn(text: string): string | undefined {
  const word = toAsciiDigits(text)
    .toUpperCase()
    .split(/[\s,;:.]+/)
    .find((part) => /^[A-Z0-9][A-Z0-9/-]{3,29}$/.test(part) && /\d/.test(part));
  return word;
}

/** Stores the number a message gives for the field (see readNumberAnswer); false when it gives none. */
function takeNumber(state: RegisterComplaintState, field: 'mobile' | 'accountNumber', text: string): boolean {
  const value = readNumberAnswer(text, field === 'mobile' ? 'mobile' : 'account');
  if (!value) return false;
  if (field === 'mobile') {
    state.mobile = value;
  } else {
    state.accountNumber = value;
    delete state.accountSkipped;
  }
  return true;
}

/** The skip button's own word, or any of the text set's skip words typed ("छोड़ें", "skip"). */
function isSkipWord(text: string, texts: Texts): boolean {
  return texts.skipWords.some((word) => text.toLowerCase() === word.toLowerCase());
}

function sameAddress(a: string, b: string): boolean {
  const normalise = (value: string) => value.toLowerCase().replace(/[\s\p{P}]+/gu, '');
  return normalise(a) === normalise(b);
}

