// Emergencies (live wire, sparking, fire, shock): the safety advice goes out the moment one is recognised — before any
// question, in whatever dialog the consumer was — and then an emergency ticket is registered with as few questions as
// possible (where, and a number to call only when neither is known yet; no read-back). When it ends, the dialog the
// consumer was in asks its question again.
import type { DialogContext, DialogTurnResult } from 'botbuilder-dialogs';
import type { TicketCategory } from '../models/ticketTypes.js';
import type { ResolvedPlace } from '../services/directory.js';
import { normaliseMobile } from '../services/consumerIdentity.js';
import { ConcurrentUpdateError } from '../services/errors.js';
import { ConsumerDialog, isOtherOpenComplaint, say, type Question } from './consumerDialog.js';
import { consumerFrom, languageOf, type DialogServices } from './consumerTurn.js';
import { emergencyTextsFor, type Texts } from './texts.js';
import { classifyCategory, extractEntities, type EmergencyKind, type Understanding } from './understanding/index.js';

export const EMERGENCY_DIALOG = 'emergency';

export interface EmergencyState {
  kind: EmergencyKind;
  /** The consumer's own words, stored as the ticket's description. */
  description: string;
  category?: TicketCategory;
  place?: ResolvedPlace;
  district?: string;
  addressText?: string;
  mobile?: string;
  asking?: 'place' | 'mobile';
}

/**
 * The early check the bot runs on every message, before live handoffs and dialogs: an emergency gets the safety advice
 * at once and starts the emergency report on top of whatever was going on. Returns false when the message is not an
 * emergency, or when an emergency report is already under way (the message then answers its question).
 */
export async function interruptForEmergency(dc: DialogContext, services: DialogServices, understanding: Understanding): Promise<boolean> {
  if (!understanding.emergency || dc.activeDialog?.id === EMERGENCY_DIALOG) return false;
  await say(dc.context, emergencyTextsFor(await languageOf(services, dc.context)).safety);
  await dc.beginDialog(EMERGENCY_DIALOG, { kind: understanding.emergency, description: understanding.text.trim().slice(0, 2000) } satisfies EmergencyState);
  return true;
}

export class EmergencyDialog extends ConsumerDialog<EmergencyState> {
  constructor(services: DialogServices) {
    super(EMERGENCY_DIALOG, services);
  }

  protected async start(dc: DialogContext, state: EmergencyState, texts: Texts) {
    const profile = await this.services.profile.get(dc.context, {});
    state.category = classifyCategory(state.description)?.category ?? 'supply';
    state.mobile = consumerFrom(dc.context).verifiedMobile ?? profile.mobile;
    this.fillFrom(state, state.description);
    return this.next(dc, state, texts);
  }

  protected async answer(dc: DialogContext, state: EmergencyState, understanding: Understanding, texts: Texts) {
    const text = understanding.text.trim();
    if (state.asking === 'place') {
      if (!text) return this.question(state, texts)!;
      this.fillFrom(state, text);
      // No second try in an emergency: an address the directory does not know is recorded as written, for staff.
      if (!state.place) state.addressText = text.slice(0, 300);
    } else if (state.asking === 'mobile') {
      const mobile = normaliseMobile(text) ?? understanding.entities.mobile;
      if (!mobile) return { text: texts.badMobile };
      state.mobile = mobile;
    }
    return this.next(dc, state, texts);
  }

  protected currentQuestion(state: EmergencyState, texts: Texts): Question | undefined {
    return this.question(state, texts);
  }

  private question(state: EmergencyState, texts: Texts): Question | undefined {
    const emergency = emergencyTextsFor(texts.code);
    if (state.asking === 'place') return { text: emergency.askPlace };
    if (state.asking === 'mobile') return { text: emergency.askMobile };
    return undefined;
  }

  private fillFrom(state: EmergencyState, text: string): void {
    const entities = extractEntities(text, this.services.directory);
    state.place ??= entities.place ?? this.services.directory.resolvePlace({ locality: text.trim().slice(0, 120) });
    state.district ??= entities.district;
    state.mobile ??= entities.mobile;
  }

  private async next(dc: DialogContext, state: EmergencyState, texts: Texts): Promise<Question | DialogTurnResult> {
    if (!state.place && !state.addressText) state.asking = 'place';
    else if (!state.mobile) state.asking = 'mobile';
    else return this.register(dc, state, texts);
    return this.question(state, texts)!;
  }

  private async register(dc: DialogContext, state: EmergencyState, texts: Texts): Promise<DialogTurnResult> {
    const consumer = consumerFrom(dc.context);
    const profile = await this.services.profile.get(dc.context, {});
    const emergency = emergencyTextsFor(texts.code);
    const place = state.place;
    try {
      const found = await this.services.tickets.register(
        {
          category: state.category ?? 'supply',
          description: state.description,
          consumer: { channel: consumer.channel, channelUserId: consumer.channelUserId, mobile: state.mobile!, accountNumber: profile.accountNumber, language: texts.code },
          place: place
            ? { district: place.district, locality: place.locality ?? place.subDivision, subDivision: place.subDivision }
            : { district: state.district ?? 'Unknown', addressText: state.addressText },
          emergency: true,
        },
        consumer,
      );
      const { ticket } = found;
      const duplicate = isOtherOpenComplaint(dc.context, found);
      profile.mobile = state.mobile;
      await this.services.profile.set(dc.context, profile);
      if (duplicate) await say(dc.context, texts.duplicate(ticket._id, ticket.status));
      else await say(dc.context, ticket.officer ? emergency.registered(ticket._id, ticket.officer.name) : emergency.registeredUnassigned(ticket._id));
      return dc.endDialog({ registered: true, ticketNumber: ticket._id });
    } catch (error) {
      if (error instanceof ConcurrentUpdateError) {
        await say(dc.context, texts.turnError);
        return dc.endDialog({ registered: false });
      }
      throw error;
    }
  }
}
