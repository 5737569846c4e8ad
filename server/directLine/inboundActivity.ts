// What a client may post as an activity, checked at the edge. Only the content is taken from the client: who sent it
// (the token's user), where (the conversation), when (the server's clock) and the ids are the server's to say.
import type { Activity } from 'botbuilder';
import { z } from 'zod';
import { channelAccount, conversationAccount } from '../../bot/adapters/directLineAdapter.js';
import { withoutControlCharacters } from '../../services/ticketInput.js';
import { badArgument, DirectLineHttpError } from './directLineErrors.js';

/** Longer texts are cut to this many characters (code points) before the bot or the stream sees them. */
export const maxTextCharacters = 10_000;

/** Server-written marker inside channelData; whatever a client puts under this key is discarded. */
export const serverChannelDataKey = 'santushti';

const localePattern = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$/;

export const inboundActivitySchema = z.object({
  type: z.enum(['message', 'event', 'typing']),
  text: z.string().optional(),
  textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
  locale: z.string().regex(localePattern).optional(),
  localTimestamp: z.string().max(64).optional(),
  localTimezone: z.string().max(64).optional(),
  name: z.string().min(1).max(256).optional(),
  value: z.unknown().optional(),
  channelData: z.record(z.string(), z.unknown()).optional(),
  entities: z.array(z.looseObject({ type: z.string().min(1).max(100) })).max(20).optional(),
  attachments: z.array(z.unknown()).optional(),
});

export type InboundActivity = z.infer<typeof inboundActivitySchema>;

export interface PostingUser {
  userId: string;
  userName?: string;
}

/**
 * The activity to store and hand to the bot, or a DirectLineHttpError (400) for one no working client sends.
 * Empty and whitespace-only messages are refused: Web Chat never sends them, and there is nothing for the bot to read.
 */
export function toIncomingActivity(body: unknown, conversationId: string, user: PostingUser, options: { allowEmptyText?: boolean } = {}): Partial<Activity> {
  const parsed = inboundActivitySchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'activity'}: ${issue.message}`);
    throw badArgument(`The activity is not valid: ${issues.slice(0, 5).join('; ')}`);
  }
  const input = parsed.data;
  if (input.attachments && input.attachments.length > 0) {
    throw new DirectLineHttpError(400, 'AttachmentsNotSupported', 'Attachments are not accepted here; please describe it in words.');
  }
  // A consumer's NUL or other control character is dropped, not refused: the rest of what they typed still counts.
  if (input.text !== undefined) input.text = withoutControlCharacters(input.text);
  // An upload's files (uploadHandler.ts) or a shared location (a Place entity, the page's button) may come without text.
  const carriesPlace = input.entities?.some((entity) => entity.type === 'Place') ?? false;
  if (input.type === 'message' && !input.text?.trim() && input.value === undefined && !options.allowEmptyText && !carriesPlace) {
    throw new DirectLineHttpError(400, 'EmptyMessage', 'A message needs some text.');
  }
  if (input.type === 'event' && !input.name) throw badArgument('An event needs a name.');

  const { [serverChannelDataKey]: _discarded, ...clientChannelData } = input.channelData ?? {};
  const channelData: Record<string, unknown> = { ...clientChannelData };
  let text = input.text;
  if (text !== undefined) {
    const cut = truncateText(text, maxTextCharacters);
    if (cut.originalLength !== undefined) {
      text = cut.text;
      channelData[serverChannelDataKey] = { textTruncatedFrom: cut.originalLength };
    }
  }

  return {
    type: input.type,
    text,
    textFormat: input.textFormat,
    locale: input.locale,
    // Kept as the client's own text (its clock and zone): the server's timestamp is the one that counts.
    localTimestamp: input.localTimestamp as unknown as Date | undefined,
    localTimezone: input.localTimezone,
    name: input.name,
    value: input.value,
    channelData: Object.keys(channelData).length > 0 ? channelData : undefined,
    entities: input.entities,
    from: channelAccount(user.userId, 'user', user.userName),
    conversation: conversationAccount(conversationId),
  };
}

/** Cuts to `limit` code points, never through a surrogate pair; reports the original length in code points. */
export function truncateText(text: string, limit: number): { text: string; originalLength?: number } {
  if (text.length <= limit) return { text };
  const codePoints = Array.from(text);
  if (codePoints.length <= limit) return { text };
  return { text: codePoints.slice(0, limit).join(''), originalLength: codePoints.length };
}
