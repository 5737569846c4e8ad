// How consumers are recognised: mobile and account numbers however they were typed, identity keys, and log masking.
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
 * Is this the ticket's own consumer? The same channel identity that registered it, or a channel-verified mobile
 * (a WhatsApp sender) equal to the ticket's mobile — so a consumer who registered on web chat can confirm from WhatsApp.
 */
export function isTicketOwner(ticketConsumer: ConsumerIdentity, actor: ConsumerActor): boolean {
  if (ticketConsumer.channel === actor.channel && ticketConsumer.channelUserId === actor.channelUserId) return true;
  return actor.verifiedMobile !== undefined && actor.verifiedMobile === ticketConsumer.mobile;
}
