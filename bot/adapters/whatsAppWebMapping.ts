// Pure mappings between whatsapp-web.js and Bot Framework: chat ids and consumer digits, which messages a consumer
// meant for us, and suggested actions as numbered options (buttons and lists are deprecated in whatsapp-web.js).
import type { Activity, CardAction } from 'botbuilder';
import { maskMobile, toAsciiDigits } from '../../services/consumerIdentity.js';

export const whatsAppWebChannelId = 'whatsapp-web';
const conversationPrefix = `${whatsAppWebChannelId}:`;

/** E.164 digits without "+": country code and number, 7 to 15 digits ("919876543210"). */
const digitsPattern = /^[1-9]\d{6,14}$/;

export function isConsumerDigits(value: string): boolean {
  return digitsPattern.test(value);
}

/** "919876543210@c.us" → "919876543210"; anything that is not a one-to-one phone chat → undefined. */
export function digitsOfPhoneChat(chatId: string): string | undefined {
  const match = /^(\d+)@c\.us$/.exec(chatId);
  return match?.[1] !== undefined && isConsumerDigits(match[1]) ? match[1] : undefined;
}

export function phoneChatIdFor(digits: string): string {
  return `${digits}@c.us`;
}

export function conversationIdFor(digits: string): string {
  return `${conversationPrefix}${digits}`;
}

/** The consumer's digits from our conversation id, or undefined when it is not one of ours. */
export function digitsOfConversation(conversationId: string | undefined): string | undefined {
  if (!conversationId?.startsWith(conversationPrefix)) return undefined;
  const digits = conversationId.slice(conversationPrefix.length);
  return isConsumerDigits(digits) ? digits : undefined;
}

/**
 * Who a chat id belongs to. WhatsApp is moving one-to-one chats to "linked ids" (`…@lid`) that hide the number;
 * those must be resolved to the phone number through the client before we know the consumer.
 */
export type ChatKind = 'phone' | 'lid' | 'other';

export function chatKindOf(chatId: string): ChatKind {
  if (/^\d+@c\.us$/.test(chatId)) return 'phone';
  if (/^\d+@lid$/.test(chatId)) return 'lid';
  return 'other';
}

/** whatsapp-web.js `Message.type` values that carry something the consumer sent us to read or see. */
const consumerContentTypes = new Set([
  'image',
  'video',
  'audio',
  'ptt',
  'document',
  'sticker',
  'location',
  'vcard',
  'multi_vcard',
  'poll_creation',
  'album',
  'list_response',
  'buttons_response',
  'template_button_reply',
  'interactive',
]);

/** Photos, documents (bills), voice notes and audio: fetched with downloadMedia() and checked by the bot. */
const mediaTypes = new Set(['image', 'document', 'ptt', 'audio']);

/**
 * What to do with a message: `text` goes to the bot; `media` (a photo, a bill, a voice note) and `location` go to the
 * bot as an attachment or a pin; `unsupported` is something else a person sent (a video, a sticker, a contact) and we
 * say what can be sent; `ignore` is WhatsApp's own traffic (notifications, revocations, receipts of encryption
 * changes, call logs), to which answering would be noise.
 */
export function classifyMessageType(type: string, body: string): 'text' | 'media' | 'location' | 'unsupported' | 'ignore' {
  if (type === 'chat') return body.trim() === '' ? 'ignore' : 'text';
  if (mediaTypes.has(type)) return 'media';
  if (type === 'location') return 'location';
  return consumerContentTypes.has(type) ? 'unsupported' : 'ignore';
}

/** A location message's coordinates as numbers, or undefined when they are missing or not numbers. */
export function pinOf(location: { latitude: number | string; longitude: number | string } | undefined): { latitude: number; longitude: number } | undefined {
  if (!location) return undefined;
  const latitude = Number(location.latitude);
  const longitude = Number(location.longitude);
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  return { latitude, longitude };
}

/** Said, in both languages because we may not know theirs yet, to what the bot cannot take (videos, stickers…). */
export const onlyTextUnderstood =
  'माफ़ कीजिए, यह संदेश मैं नहीं ले सकता — कृपया अपनी बात टाइप करके भेजें, या फ़ोटो, PDF, वॉइस नोट या लोकेशन भेजें।\nSorry, I cannot take this kind of message — please type your message, or send a photo, a PDF, a voice note or a location.';

export interface NumberedOption {
  /** What the consumer sees after the number. */
  title: string;
  /** What the bot receives when the consumer answers with the number (what tapping the button would have sent). */
  value: string;
}

export function optionsOf(activity: Partial<Activity>): NumberedOption[] {
  const actions: CardAction[] = activity.suggestedActions?.actions ?? [];
  return actions.flatMap((action) => {
    const title = typeof action.title === 'string' && action.title.trim() !== '' ? action.title : typeof action.value === 'string' ? action.value : '';
    const value = typeof action.value === 'string' && action.value.trim() !== '' ? action.value : title;
    return title.trim() === '' ? [] : [{ title, value }];
  });
}

/** The text as the consumer reads it: the message, then "1. हाँ\n2. नहीं". */
export function renderWithOptions(text: string | undefined, options: NumberedOption[]): string {
  const body = (text ?? '').trimEnd();
  if (options.length === 0) return body;
  const list = options.map((option, index) => `${index + 1}. ${option.title}`).join('\n');
  return body === '' ? list : `${body}\n\n${list}`;
}

/**
 * A reply that is only an option's number ("2", "२", " 2. ") becomes that option's value; anything else, or a number
 * with no option behind it, stays what they typed.
 */
export function resolveNumberedReply(text: string, optionValues: readonly string[]): string {
  const match = /^\s*(\d{1,2})\s*[.)]?\s*$/.exec(toAsciiDigits(text));
  if (!match?.[1]) return text;
  return optionValues[Number(match[1]) - 1] ?? text;
}

/** Worth looking up the stored options for: only a bare number can be an answer by number. */
export function looksLikeOptionNumber(text: string): boolean {
  return /^\s*\d{1,2}\s*[.)]?\s*$/.test(toAsciiDigits(text));
}

/** Logs never carry a whole phone number: any run of 7+ digits (a number, a chat id, a message id) is masked. */
export function maskNumbersIn(text: string): string {
  return text.replace(/\d{7,}/g, (digits) => maskMobile(digits));
}

/** An error as one log-safe line. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return maskNumbersIn(text).slice(0, 300);
}
