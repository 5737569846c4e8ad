// Who is talking and in which language: read from the turn, never from what the client claims about itself.
import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { LimitVerdict } from '../services/abuseLimits.js';
import type { ConsumerActor, ConsumerChannel } from '../models/ticketTypes.js';
import { indianMobileOfWhatsAppId } from '../services/consumerIdentity.js';
import type { Directory } from '../services/directory.js';
import type { IncidentService } from '../services/incidentService.js';
import type { IdentityService } from '../services/identityService.js';
import type { TicketService } from '../services/ticketService.js';
import type { MediaServices } from './consumerMedia.js';
import { currentLanguage, type LanguageMemory } from './replyLanguage.js';
import { textsFor, type Language, type Texts } from './texts.js';

/** Remembered per consumer (user state): their language and what they told us once, so we never ask twice. */
export interface ConsumerProfile extends LanguageMemory {
  mobile?: string;
  accountNumber?: string;
  /** Messages in a row the bot could not understand: at two, a person is offered. */
  notUnderstoodInARow?: number;
}

export interface HandoffRequests {
  /** Records that the consumer asked for a person; returns when it is stored. */
  recordRequest(consumer: ConsumerActor, reason: 'asked' | 'not_understood' | 'upset', lastText: string): Promise<void>;
}

export interface MobileVerifier {
  /**
   * Sends a one-time code to the WhatsApp of `mobile` if, and only if, it is the mobile `ticketNumber` was registered
   * with. Resolves the same either way, so the answer reveals nothing about the ticket.
   */
  sendCode(request: { ticketNumber: string; mobile: string; consumer: ConsumerActor }): Promise<void>;
  /** True when `code` is the live code sent for this ticket and mobile to this very consumer (the identity model's rule). */
  confirmCode(request: { ticketNumber: string; mobile: string; consumer: ConsumerActor; code: string }): Promise<boolean>;
}

export interface DialogServices {
  tickets: TicketService;
  directory: Directory;
  handoffs: HandoffRequests;
  profile: StatePropertyAccessor<ConsumerProfile>;
  /** Area incidents (services/incidentService.ts); without it complaints are not counted into incidents. */
  incidents?: IncidentService;
  /** Registrations per identity per day (services/abuseLimits.ts); absent: unlimited. */
  registrationLimit?: (consumerKey: string) => Promise<LimitVerdict>;
  /**
   * Proves a typed mobile before a ticket registered with it is shown on a new device (the status dialog). Without
   * one, a typed mobile never opens a ticket: the consumer is told to write from that number's WhatsApp.
   */
  verifier?: MobileVerifier;
  /** Linking a typed mobile to a web chat by a one-time code (dialogs/verifyIdentity.ts); absent: not offered. */
  identities?: IdentityService;
  /** Consumers' photos, bills, voice notes (dialogs/consumerMedia.ts); absent: the doors' "send text" line stands. */
  media?: MediaServices;
}

const channelsById: Record<string, ConsumerChannel> = {
  webchat: 'webchat',
  directline: 'webchat',
  test: 'webchat',
  emulator: 'webchat',
  whatsapp: 'whatsapp',
  'whatsapp-web': 'whatsapp',
  'whatsapp-cloud': 'whatsapp',
};

/**
 * The consumer behind this turn. The channel id and `from.id` are set by our own adapters from what they verified
 * (a Direct Line token, a WhatsApp sender); a WhatsApp sender's number is a verified mobile. Both WhatsApp doors use
 * the sender's digits with country code ("919876543210") as `from.id`, so one consumer is one identity on either.
 * Anything the client put in channelData is ignored.
 */
export function consumerFrom(context: TurnContext): ConsumerActor {
  const { channelId, from } = context.activity;
  const channel = channelsById[channelId] ?? 'webchat';
  const actor: ConsumerActor = { role: 'consumer', channel, channelUserId: from.id };
  if (channel === 'whatsapp') {
    // Only a +91 sender has an Indian mobile; a foreign wa_id (Singapore 6591234567) is an identity without one.
    const verifiedMobile = indianMobileOfWhatsAppId(from.id);
    if (verifiedMobile) actor.verifiedMobile = verifiedMobile;
  }
  return actor;
}

export async function languageOf(services: DialogServices, context: TurnContext): Promise<Language> {
  return currentLanguage(await services.profile.get(context, {}), context.activity.locale);
}

export async function textsForTurn(services: DialogServices, context: TurnContext): Promise<Texts> {
  return textsFor(await languageOf(services, context));
}

/** A place named in the consumer's script: the directory's Hindi name in Hindi replies, as stored otherwise. */
export function placeName(services: Pick<DialogServices, 'directory'>, texts: Texts, name: string): string {
  return texts.code === 'hi' ? (services.directory.hindiNameOf(name) ?? name) : name;
}
