// Direct Line's upload (`POST /v3/directline/conversations/:id/upload`, multipart: one `activity` part and `file`
// parts), what Web Chat's upload button sends. The files never become links: the activity that is stored and echoed
// names them only; their bytes reach the bot through this turn's fetcher (dialogs/consumerMedia.ts), which checks
// them like WhatsApp's (services/consumerMediaService.ts). The router has already authorised the caller for this
// conversation and counted the message against its limit.
import type { Request, Response } from 'express';
import { lendMediaFetcher } from '../../dialogs/consumerMedia.js';
import { DirectLineConversationNotFoundError, type BotLogic, type DirectLineAdapter } from '../../bot/adapters/directLineAdapter.js';
import { CONSUMER_MEDIA_MAX_BYTES } from '../../services/consumerMediaService.js';
import { badArgument, conversationNotFound, DirectLineHttpError } from './directLineErrors.js';
import { toIncomingActivity, type PostingUser } from './inboundActivity.js';

export type DirectLineUploadHandler = (request: Request, response: Response, target: { conversationId: string; user: PostingUser }) => Promise<void>;

/** Files in one upload; more are refused. */
const maxFiles = 5;
/** The whole request: the files' limit and room for the activity part and the multipart framing. */
const maxRequestBytes = CONSUMER_MEDIA_MAX_BYTES + 256 * 1024;
/** What the stored activity calls an uploaded file: not a URL, so Web Chat shows a name, never loads anything. */
export const uploadedFileContentType = 'application/vnd.santushti.upload';

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export function createDirectLineUploadHandler(deps: { adapter: DirectLineAdapter; logic: BotLogic }): DirectLineUploadHandler {
  return async (request, response, { conversationId, user }) => {
    const boundary = /^multipart\/form-data;.*\bboundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(request.get('content-type') ?? '');
    if (!boundary) throw badArgument('An upload is multipart/form-data with an activity part and file parts.');
    const body = await readBody(request, maxRequestBytes);
    if (!body) throw new DirectLineHttpError(413, 'FileTooLarge', `Files of up to ${Math.round(CONSUMER_MEDIA_MAX_BYTES / 1024 / 1024)} MB can be sent.`);
    const parts = parseMultipart(body, boundary[1] ?? boundary[2]!);
    const activityPart = parts.find((part) => part.name === 'activity');
    const files = parts.filter((part) => part.name !== 'activity' && part.filename !== undefined);
    if (files.length === 0) throw badArgument('An upload needs at least one file part.');
    if (files.length > maxFiles) throw badArgument(`At most ${maxFiles} files at once.`);
    let posted: Record<string, unknown> = { type: 'message' };
    if (activityPart) {
      try {
        posted = JSON.parse(activityPart.data.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw badArgument('The activity part is not JSON.');
      }
    }
    const { attachments: _described, ...rest } = typeof posted === 'object' && posted !== null ? posted : {};
    const activity = toIncomingActivity({ ...rest, type: 'message' }, conversationId, user, { allowEmptyText: true });
    activity.attachments = files.map((file, index) => ({
      contentType: uploadedFileContentType,
      contentUrl: `webchat-upload:${index}`,
      name: (file.filename ?? 'file').replace(/[^\p{L}\p{N} ._()-]/gu, '_').slice(0, 100) || 'file',
    }));
    const logic: BotLogic = async (context) => {
      lendMediaFetcher(context, async (attachment) => {
        const index = Number((attachment.contentUrl ?? '').replace('webchat-upload:', ''));
        const file = files[index];
        if (!file) throw new Error('no such uploaded file');
        return { data: file.data, ...(file.contentType ? { declaredType: file.contentType } : {}), ...(file.filename ? { filename: file.filename } : {}) };
      });
      await deps.logic(context);
    };
    try {
      const { id } = await deps.adapter.processActivity(activity, logic);
      response.json({ id });
    } catch (error) {
      if (error instanceof DirectLineConversationNotFoundError) throw conversationNotFound();
      throw error;
    }
  };
}

/** The raw body, or undefined once it passes `limit` bytes (the rest is not read). */
async function readBody(request: Request, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.get('content-length') ?? 0);
  if (declared > limit) {
    request.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      request.resume();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A small multipart/form-data reader: each part's name, filename, content type and bytes (RFC 7578). */
export function parseMultipart(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const headerStart = start + delimiter.length;
    if (body.subarray(headerStart, headerStart + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', headerStart);
    if (headerEnd === -1) break;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd + 4);
    if (next === -1) throw badArgument('The multipart body is cut short.');
    const headers = body.subarray(headerStart, headerEnd).toString('utf8');
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const contentType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim();
    if (name !== undefined) parts.push({ name, ...(filename !== undefined ? { filename } : {}), ...(contentType ? { contentType } : {}), data: body.subarray(headerEnd + 4, next) });
    start = next + 2;
  }
  return parts;
}
