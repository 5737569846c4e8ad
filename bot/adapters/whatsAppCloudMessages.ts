// Pure mapping between WhatsApp Cloud API messages and what the bot reads and writes: the webhook shapes (validated
// with zod), an inbound message as the text the bot should see, and a bot message as the Graph API messages that carry
// it within WhatsApp's limits (reply buttons, a list, or numbered lines; an approved template outside the 24-hour window).
import { z } from 'zod';
import { texts } from '../../dialogs/texts.js';
import { toAsciiDigits } from '../../services/consumerIdentity.js';
import { withoutControlCharacters } from '../../services/ticketInput.js';

// ── Inbound ─────────────────────────────────────────────────────────────────────────────────────────────────────────

/** The envelope of every webhook POST; each change's `value` is validated on its own, so one odd part spoils nothing else. */
export const webhookPayloadSchema = z.object({
  object: z.string(),
  entry: z.array(
    z.object({
      id: z.string().optional(),
      changes: z.array(z.object({ field: z.string(), value: z.unknown() })),
    }),
  ),
});
export type WhatsAppWebhookPayload = z.infer<typeof webhookPayloadSchema>;

export const messagesChangeSchema = z.object({
  metadata: z.object({ phone_number_id: z.string().min(1) }),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});

/** A WhatsApp user's number as Meta writes it: digits with country code, no '+'. */
export const senderDigitsSchema = z.string().regex(/^\d{6,15}$/);
const unixSeconds = z
  .string()
  .regex(/^\d{1,12}$/)
  .transform((seconds) => new Date(Number(seconds) * 1000));
const replySchema = z.object({ id: z.string().max(256), title: z.string().max(1024) });
/** An image, document or audio message's media object: the id to fetch it by (GET /{media-id}), never the bytes. */
const mediaObjectSchema = z.object({
  id: z.string().min(1).max(256),
  mime_type: z.string().max(200).optional(),
  sha256: z.string().max(200).optional(),
  caption: z.string().max(4096).optional(),
  filename: z.string().max(512).optional(),
  voice: z.boolean().optional(),
});
const locationSchema = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  name: z.string().max(1000).optional(),
  address: z.string().max(1000).optional(),
});

export const inboundMessageSchema = z.object({
  id: z.string().min(1).max(512),
  from: senderDigitsSchema,
  timestamp: unixSeconds,
  type: z.string().min(1).max(64),
  text: z.object({ body: z.string().max(65_536) }).optional(),
  interactive: z.object({ type: z.string(), button_reply: replySchema.optional(), list_reply: replySchema.optional() }).optional(),
  button: z.object({ payload: z.string().max(1024).optional(), text: z.string().max(1024) }).optional(),
  image: mediaObjectSchema.optional(),
  document: mediaObjectSchema.optional(),
  audio: mediaObjectSchema.optional(),
  location: locationSchema.optional(),
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;

export const statusSchema = z.object({
  id: z.string().min(1).max(512),
  status: z.string(),
  timestamp: unixSeconds,
  recipient_id: z.string().optional(),
  errors: z.array(z.object({ code: z.number().optional(), title: z.string().optional() })).optional(),
});
export type DeliveryStatus = z.infer<typeof statusSchema>;

/** What the consumer sent, as the bot should read it. Stored with the message, so a restart reads it the same way. */
export type WhatsAppInboundContent =
  | { kind: 'text'; text: string; reply?: { id: string; title: string; via: 'button_reply' | 'list_reply' | 'template_button' } }
  /** A photo, a document (a bill) or a voice note / audio: fetched from the media endpoint when its turn runs. */
  | { kind: 'media'; type: WhatsAppMediaType; mediaId: string; mimeType?: string; sha256?: string; filename?: string; caption?: string; voice?: boolean }
  /** A location pin. */
  | { kind: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  /** Videos, stickers, contacts…: answered with a line saying what can be sent. */
  | { kind: 'unsupported'; type: string }
  /** Reactions and system notices: nothing to answer. */
  | { kind: 'ignored'; type: string };

const silentTypes = new Set(['reaction', 'system', 'request_welcome', 'ephemeral']);

export type WhatsAppMediaType = 'image' | 'document' | 'audio';

/** The content of a validated message; undefined when its type says text but the text is missing (a malformed message). */
export function contentOf(message: InboundMessage): WhatsAppInboundContent | undefined {
  switch (message.type) {
    case 'text':
      // A NUL or other control character has no place in a complaint: dropped here, before anything stores it.
      return message.text ? { kind: 'text', text: withoutControlCharacters(message.text.body) } : undefined;
    case 'interactive': {
      const interactive = message.interactive;
      if (!interactive) return undefined;
      const via = interactive.type === 'button_reply' ? 'button_reply' : interactive.type === 'list_reply' ? 'list_reply' : undefined;
      const reply = via === 'button_reply' ? interactive.button_reply : via === 'list_reply' ? interactive.list_reply : undefined;
      if (!via) return { kind: 'unsupported', type: `interactive.${interactive.type}`.slice(0, 64) };
      if (!reply) return undefined;
      return { kind: 'text', text: textOfReply(reply.id, reply.title), reply: { id: reply.id, title: reply.title, via } };
    }
    case 'button': {
      const button = message.button;
      if (!button) return undefined;
      const id = button.payload ?? '';
      return { kind: 'text', text: textOfReply(id, button.text), reply: { id, title: button.text, via: 'template_button' } };
    }
    case 'image':
    case 'document':
    case 'audio': {
      const media = message[message.type];
      if (!media) return undefined;
      const caption = media.caption ? withoutControlCharacters(media.caption) : undefined;
      return {
        kind: 'media',
        type: message.type,
        mediaId: media.id,
        ...(media.mime_type ? { mimeType: media.mime_type } : {}),
        ...(media.sha256 ? { sha256: media.sha256 } : {}),
        ...(media.filename ? { filename: withoutControlCharacters(media.filename) } : {}),
        ...(caption?.trim() ? { caption } : {}),
        ...(media.voice ? { voice: true } : {}),
      };
    }
    case 'location': {
      const location = message.location;
      if (!location) return undefined;
      return {
        kind: 'location',
        latitude: location.latitude,
        longitude: location.longitude,
        ...(location.name ? { name: withoutControlCharacters(location.name) } : {}),
        ...(location.address ? { address: withoutControlCharacters(location.address) } : {}),
      };
    }
    default:
      return silentTypes.has(message.type) ? { kind: 'ignored', type: message.type } : { kind: 'unsupported', type: message.type };
  }
}

/**
 * Choices travel as `choice:<the choice's full text>` in button, list-row and template-button ids, so a tap reads as
 * the whole choice even when its title had to be shortened, and an old message's button still means what it showed.
 */
const choiceIdPrefix = 'choice:';

export function choiceId(choice: string): string {
  return `${choiceIdPrefix}${choice}`;
}

/** The text a tapped reply stands for: the choice behind one of our ids, otherwise the title the consumer saw. */
export function textOfReply(id: string, title: string): string {
  return id.startsWith(choiceIdPrefix) && id.length > choiceIdPrefix.length ? id.slice(choiceIdPrefix.length) : title;
}

/** "2", "२", "2." → the second of the choices last offered as numbered lines; undefined when it is not such a reply. */
export function choiceForNumber(text: string, choices: readonly string[] | undefined): string | undefined {
  if (!choices?.length) return undefined;
  const match = /^\s*(\d{1,2})\s*[.)]?\s*$/.exec(toAsciiDigits(text));
  if (!match) return undefined;
  return choices[Number(match[1]) - 1];
}

/** The bilingual line for what the bot cannot take (videos, stickers, contacts…). */
export const onlyTextUnderstood =
  'माफ़ कीजिए, यह संदेश मैं नहीं ले सकता — कृपया अपनी बात लिखकर भेजें, या फ़ोटो, PDF, वॉइस नोट या लोकेशन भेजें।\nSorry, I cannot take this kind of message — please type your message, or send a photo, a PDF, a voice note or a location.';

// ── Outbound ────────────────────────────────────────────────────────────────────────────────────────────────────────

/** WhatsApp's limits (characters; counted here in UTF-16 units, which is never fewer than WhatsApp counts). */
export const whatsAppLimits = {
  textBody: 4096,
  interactiveBody: 1024,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  listRows: 10,
  rowTitle: 24,
  rowDescription: 72,
  rowId: 200,
  /** Our own bound for a template body parameter: the approved template's text and the parameter share 1024. */
  templateParameter: 900,
} as const;

/** The label of the button that opens a list ("choose"), in both languages since the adapter does not know theirs. */
const listButtonLabel = 'चुनें / Choose';
const numberedHint = '(जवाब में नंबर लिखें / reply with a number)';

export type GraphMessageKind = 'text' | 'buttons' | 'list' | 'template';

/** One Graph API message without its envelope (`messaging_product`, `to`), which the sender adds. */
export interface GraphMessage {
  kind: GraphMessageKind;
  body: Record<string, unknown>;
}

export interface OutgoingPlan {
  messages: GraphMessage[];
  /** Set when the choices went out as numbered lines: remember them so "2" maps back. */
  numberedChoices?: string[];
}

export interface TemplateNames {
  statusUpdate: string;
  satisfactionQuestion: string;
  /** The language code the templates were approved in. Default 'hi'. */
  language?: string;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Shortens to at most `max` units, cutting only between graphemes (never through a matra or an emoji) and adding "…". */
export function fitText(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = '';
  for (const { segment } of graphemes.segment(text)) {
    if (kept.length + segment.length + 1 > max) break;
    kept += segment;
  }
  return `${kept.trimEnd()}…`;
}

/** Splits a long text into pieces of at most `max` units, at line breaks where it can, else between graphemes. */
export function splitText(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const pieces: string[] = [];
  let current = '';
  const flush = () => {
    if (current) pieces.push(current);
    current = '';
  };
  for (const line of text.split('\n')) {
    const candidate = current ? `${current}\n${line}` : line;
    if (candidate.length <= max) {
      current = candidate;
      continue;
    }
    flush();
    if (line.length <= max) {
      current = line;
      continue;
    }
    for (const { segment } of graphemes.segment(line)) {
      if (current.length + segment.length > max) flush();
      current += segment;
    }
  }
  flush();
  return pieces;
}

function textMessages(text: string): GraphMessage[] {
  return splitText(text, whatsAppLimits.textBody).map((piece) => ({ kind: 'text', body: { type: 'text', text: { body: piece, preview_url: false } } }));
}

/**
 * An interactive message's body may hold 1024 characters: a longer text goes first as plain messages and the body
 * keeps the closing lines (the question the choices answer).
 */
function splitForInteractive(text: string): { before: string; body: string } {
  const lines = text.split('\n');
  let body = '';
  let index = lines.length;
  while (index > 0) {
    const candidate = body ? `${lines[index - 1]}\n${body}` : (lines[index - 1] ?? '');
    if (candidate.length > whatsAppLimits.interactiveBody) break;
    body = candidate;
    index--;
  }
  if (!body.trim()) return { before: text, body: '👇' };
  return { before: lines.slice(0, index).join('\n'), body };
}

function distinct(values: readonly string[]): boolean {
  return new Set(values).size === values.length;
}

/** A bot message with its choices as session messages (inside the 24-hour window). */
export function planSessionMessages(text: string, choices: readonly string[]): OutgoingPlan {
  const body = text.trim() ? text : '';
  if (choices.length === 0) return { messages: body ? textMessages(body) : [] };

  const ids = choices.map(choiceId);
  const { before, body: interactiveBody } = splitForInteractive(body || '👇');
  const leading = before.trim() ? textMessages(before) : [];

  if (
    choices.length <= whatsAppLimits.buttons &&
    choices.every((choice) => choice.length > 0 && choice.length <= whatsAppLimits.buttonTitle) &&
    ids.every((id) => id.length <= whatsAppLimits.buttonId) &&
    distinct(choices)
  ) {
    const buttons = choices.map((choice, index) => ({ type: 'reply', reply: { id: ids[index], title: choice } }));
    return {
      messages: [...leading, { kind: 'buttons', body: { type: 'interactive', interactive: { type: 'button', body: { text: interactiveBody }, action: { buttons } } } }],
    };
  }

  const titles = choices.map((choice) => fitText(choice, whatsAppLimits.rowTitle));
  if (
    choices.length <= whatsAppLimits.listRows &&
    choices.every((choice) => choice.trim().length > 0) &&
    ids.every((id) => id.length <= whatsAppLimits.rowId) &&
    distinct(titles) &&
    distinct(ids)
  ) {
    const rows = choices.map((choice, index) => {
      const row: Record<string, string> = { id: ids[index]!, title: titles[index]! };
      // The whole choice stays readable where the title had to be shortened.
      if (titles[index] !== choice) row.description = fitText(choice, whatsAppLimits.rowDescription);
      return row;
    });
    return {
      messages: [
        ...leading,
        {
          kind: 'list',
          body: { type: 'interactive', interactive: { type: 'list', body: { text: interactiveBody }, action: { button: listButtonLabel, sections: [{ rows }] } } },
        },
      ],
    };
  }

  return { messages: textMessages(withNumberedChoices(body, choices)), numberedChoices: [...choices] };
}

function withNumberedChoices(text: string, choices: readonly string[]): string {
  const lines = choices.map((choice, index) => `${index + 1}. ${choice}`);
  return [text.trim() ? `${text}\n` : '', ...lines, numberedHint].filter(Boolean).join('\n');
}

/** True when the choices are the bot's yes/no (the satisfaction question asks exactly that). */
export function isYesNoQuestion(choices: readonly string[]): boolean {
  if (choices.length !== 2) return false;
  return Object.values(texts).some((language) => language.yesNoChoices[0] === choices[0] && language.yesNoChoices[1] === choices[1]);
}

/**
 * A template body parameter may not contain line breaks, tabs or runs of spaces: lines are joined (with a space
 * after a sentence's end, " · " otherwise) and the result bounded.
 */
export function templateParameter(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  let joined = '';
  for (const line of lines) {
    if (!joined) joined = line;
    else joined += /[.।?!:…]$/.test(joined) ? ` ${line}` : ` · ${line}`;
  }
  return fitText(joined || '-', whatsAppLimits.templateParameter);
}

/**
 * The approved template that carries a bot message outside the 24-hour window: the satisfaction question (yes/no)
 * as the satisfactionQuestion template with its two quick-reply buttons, anything else as the statusUpdate template
 * with the text (and any other choices as numbered lines) as its body parameter.
 */
export function planTemplateMessage(text: string, choices: readonly string[], templates: TemplateNames): OutgoingPlan {
  const language = { code: templates.language ?? 'hi' };
  if (isYesNoQuestion(choices)) {
    return {
      messages: [
        {
          kind: 'template',
          body: {
            type: 'template',
            template: {
              name: templates.satisfactionQuestion,
              language,
              components: [
                { type: 'body', parameters: [{ type: 'text', text: templateParameter(text) }] },
                ...choices.map((choice, index) => ({
                  type: 'button',
                  sub_type: 'quick_reply',
                  index: String(index),
                  parameters: [{ type: 'payload', payload: choiceId(choice) }],
                })),
              ],
            },
          },
        },
      ],
    };
  }
  const numbered = choices.length > 0;
  const shown = numbered ? withNumberedChoices(text, choices) : text;
  return {
    messages: [
      {
        kind: 'template',
        body: {
          type: 'template',
          template: { name: templates.statusUpdate, language, components: [{ type: 'body', parameters: [{ type: 'text', text: templateParameter(shown) }] }] },
        },
      },
    ],
    numberedChoices: numbered ? [...choices] : undefined,
  };
}
