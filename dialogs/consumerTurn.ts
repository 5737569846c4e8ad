// Who is talking and in which language: read from the turn, never from what the client claims about itself.
import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { ConsumerActor, ConsumerChannel } from '../models/ticketTypes.js';
import { indianMobileOfWhatsAppId } from '../services/consumerIdentity.js';
import type { Directory } from '../services/directory.js';
import type { IdentityService } from '../services/identityService.js';
import type { TicketService } from '../services/ticketService.js';
import { textsFor, type Language, type Texts } from './texts.js';

/** Remembered per consumer (user state): their language and what they told us once, so we never ask twice. */
export interface ConsumerProfile {
  language?: Language;
  /** True once the consumer asked for a language explicitly: then what they type no longer switches it. */
  languageChosen?: boolean;
  mobile?: string;
  accountNumber?: string;
  /** Messages in a row the bot could not understand: at two, a person is offered. */
  notUnderstoodInARow?: number;
}

export interface HandoffRequests {
  /** Records that the consumer asked for a person; returns when it is stored. */
  recordRequest(consumer: ConsumerActor, reason: 'asked' | 'not_understood' | 'upset', lastText: string): Promise<void>;
}

export interface DialogServices {
  tickets: TicketService;
  directory: Directory;
  handoffs: HandoffRequests;
  profile: StatePropertyAccessor<ConsumerProfile>;
  /** Linking a typed mobile to a web chat by a one-time code (dialogs/verifyIdentity.ts); absent: not offered. */
  identities?: IdentityService;
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
  return (await services.profile.get(context, {})).language ?? 'hi';
}

export async function textsForTurn(services: DialogServices, context: TurnContext): Promise<Texts> {
  return textsFor(await languageOf(services, context));
}

/** A place named in the consumer's script: the directory's Hindi name in Hindi replies, as stored otherwise. */
export function placeName(services: Pick<DialogServices, 'directory'>, texts: Texts, name: string): string {
  return texts.code === 'hi' ? (services.directory.hindiNameOf(name) ?? name) : name;
}
