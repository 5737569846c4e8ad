// How consumers are recognised: mobile and account numbers however they were typed, identity keys, and log masking.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { ConsumerActor, ConsumerIdentity } from '../models/ticketTypes.js';

const devanagariDigits = /[०-९]/g;

/** "९८७६५४३२१०" → "9876543210": consumers type Devanagari digits as often as ASCII ones. */
export function toAsciiDigits(text: string): string {
  return text.replace(devanagariDigits, (digit) => String(digit.charCodeAt(0) - 0x0966));
}

/**
 * A ten-digit Indian mobile number from "+91 98765-43210", "09876543210", "919876543210", "९८७६५४३२१०"…;
 * undefined when it is not one (Indian mobiles start with 6–9).
 */
export function normaliseMobile(raw: string): string | undefined {
  const digits = toAsciiDigits(raw).replace(/[\s\-().]/g, '');
  const match = /^(?:\+?91|0)?([6-9]\d{9})$/.exec(digits);
  return match?.[1];
}

/** The ten-digit consumer account number printed on the bill; spaces and dashes are allowed between digits. */
export function normaliseAccountNumber(raw: string): string | undefined {
  const digits = toAsciiDigits(raw).replace(/[\s-]/g, '');
  return /^\d{10}$/.test(digits) ? digits : undefined;
}

/** "9876543210" → "98******10": logs never carry a whole phone number. */
export function maskMobile(mobile: string): string {
  if (mobile.length <= 4) return '*'.repeat(mobile.length);
  return `${mobile.slice(0, 2)}${'*'.repeat(mobile.length - 4)}${mobile.slice(-2)}`;
}

/** Any run of ten or more digits in a log line (a WhatsApp conversation id carries the number) is masked. */
export function maskPhoneNumbersIn(text: string): string {
  return text.replace(/\d{10,}/g, (digits) => maskMobile(digits));
}

export function channelIdentityKey(channel: string, channelUserId: string): string {
  return `channel:${channel}:${channelUserId}`;
}

export function mobileIdentityKey(mobile: string): string {
  return `mobile:${mobile}`;
}

/** How a consumer is written into an event: the channel identity, which is what they proved by writing from it. */
export function consumerActorId(actor: Pick<ConsumerActor, 'channel' | 'channelUserId'>): string {
  return `${actor.channel}:${actor.channelUserId}`;
}

/**
 * The Indian mobile a WhatsApp sender proves by writing: only a wa_id of 91 followed by ten digits starting 6–9
 * ("919876543210" → "9876543210"). Any other wa_id is a foreign identity with no Indian mobile — the Singapore
 * "6591234567" is ten digits starting with 6, and must never be read as the Indian mobile 6591234567.
 */
export function indianMobileOfWhatsAppId(waId: string): string | undefined {
  const digits = waId.replace(/@c\.us$/, '');
  const match = /^91([6-9]\d{9})$/.exec(digits);
  if (!match) return undefined;
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  return parsed?.country === 'IN' || parsed?.countryCallingCode === '91' ? match[1] : undefined;
}

/** The channel identity key of a ticket's consumer, or of a consumer actor. */
export function identityKeyOf(identity: Pick<ConsumerIdentity, 'channel' | 'channelUserId'>): string {
  return channelIdentityKey(identity.channel, identity.channelUserId);
}

/**
 * Is this the ticket's own consumer? The same channel identity that registered it, or an identity linked to that one
 * by a verification code (services/identityService.ts: `linked` holds the keys linked to the actor). A mobile number
 * — typed by the consumer, by staff, or matching a WhatsApp sender's number — confers nothing by itself.
 */
export function isTicketOwner(ticketConsumer: ConsumerIdentity, actor: ConsumerActor, linked: ReadonlySet<string> = new Set()): boolean {
  if (ticketConsumer.channel === actor.channel && ticketConsumer.channelUserId === actor.channelUserId) return true;
  return linked.has(identityKeyOf(ticketConsumer));
}
