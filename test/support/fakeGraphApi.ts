// A stand-in for Meta's Graph API on 127.0.0.1 (tests never reach the real one), and the webhook side of Meta: payloads
// shaped like Meta's, serialised the way Meta does (non-ASCII escaped as \uXXXX), signed over their exact bytes.
//
//   const graph = await FakeGraphApi.start();           // graph.apiBase → the channel's apiBase
//   graph.failNext({ status: 400, code: 131047 });      // the next send is refused as outside the window
//   await postWebhook(url, secret, messageWebhook(phoneNumberId, [textMessage('919876543210', 'light nahi hai')]));
//   const [reply] = await graph.waitForMessages(1);     // reply.text, reply.choices, reply.kind
import { once } from 'node:events';
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedFailure {
  status: number;
  /** The Graph API error code in the body (131047, 130429, …). */
  code?: number;
  /** Sent as the Retry-After header. */
  retryAfter?: string;
  message?: string;
}

/** One message the fake accepted or refused, read back the way a consumer would see it. */
export interface GraphRequest {
  at: number;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
  /** The recipient's digits. */
  to: string;
  kind: 'text' | 'buttons' | 'list' | 'template' | 'other';
  /** The text shown: a text body, an interactive body, or a template's body parameter. */
  text: string;
  /** Button titles or list row titles, in order. */
  choices: string[];
  /** Button ids, list row ids or template button payloads, in order. */
  choiceIds: string[];
  /** List row descriptions (the full text of a shortened title), in order ('' when absent). */
  descriptions: string[];
  templateName?: string;
  status: number;
  /** The wamid handed back, when accepted. */
  wamid?: string;
}

type Json = Record<string, unknown>;
const asRecord = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string => (typeof value === 'string' ? value : '');

function describeMessage(body: Json): Pick<GraphRequest, 'to' | 'kind' | 'text' | 'choices' | 'choiceIds' | 'descriptions' | 'templateName'> {
  const to = asString(body.to);
  if (body.type === 'text') return { to, kind: 'text', text: asString(asRecord(body.text).body), choices: [], choiceIds: [], descriptions: [] };
  if (body.type === 'interactive') {
    const interactive = asRecord(body.interactive);
    const text = asString(asRecord(interactive.body).text);
    const action = asRecord(interactive.action);
    if (interactive.type === 'button') {
      const replies = asArray(action.buttons).map((button) => asRecord(asRecord(button).reply));
      return { to, kind: 'buttons', text, choices: replies.map((reply) => asString(reply.title)), choiceIds: replies.map((reply) => asString(reply.id)), descriptions: [] };
    }
    const rows = asArray(action.sections).flatMap((section) => asArray(asRecord(section).rows).map(asRecord));
    return {
      to,
      kind: 'list',
      text,
      choices: rows.map((row) => asString(row.title)),
      choiceIds: rows.map((row) => asString(row.id)),
      descriptions: rows.map((row) => asString(row.description)),
    };
  }
  if (body.type === 'template') {
    const template = asRecord(body.template);
    const components = asArray(template.components).map(asRecord);
    const bodyParameter = components.find((component) => component.type === 'body');
    const text = asString(asRecord(asArray(bodyParameter?.parameters)[0]).text);
    const buttons = components.filter((component) => component.type === 'button');
    return {
      to,
      kind: 'template',
      text,
      choices: [],
      choiceIds: buttons.map((button) => asString(asRecord(asArray(button.parameters)[0]).payload)),
      descriptions: [],
      templateName: asString(template.name),
    };
  }
  return { to, kind: 'other', text: '', choices: [], choiceIds: [], descriptions: [] };
}

/** A file a consumer "sent": served by GET /{media-id} (its URL and facts) and then at that URL, as Meta does. */
export interface FakeMedia {
  data: Buffer;
  mimeType: string;
  /** What GET /{media-id} reports as file_size (default the real size); Meta's own figure, which may be checked first. */
  fileSize?: number;
  /** What GET /{media-id} reports as sha256 (default the real one). */
  sha256?: string;
}

export class FakeGraphApi {
  /** Every message request, accepted or refused, in order. */
  readonly requests: GraphRequest[] = [];
  /** Every media request (GET /{media-id} and the download), with the token it carried. */
  readonly mediaRequests: Array<{ path: string; authorization: string | undefined; status: number }> = [];
  private readonly media = new Map<string, FakeMedia>();
  private mediaCounter = 0;
  private readonly script: ScriptedFailure[] = [];
  private always: ScriptedFailure | undefined;
  private counter = 0;
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    /** Pass as the channel's apiBase. */
    readonly apiBase: string,
  ) {}

  static async start(): Promise<FakeGraphApi> {
    let fake: FakeGraphApi | undefined;
    const server = createServer((request, response) => void fake!.handle(request, response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    fake = new FakeGraphApi(server, `http://127.0.0.1:${port}/v21.0`);
    return fake;
  }

  /** Makes a file available under a new media id (what Meta gives the webhook), and returns the id. */
  addMedia(media: FakeMedia): string {
    this.mediaCounter += 1;
    const id = `${1_000_000_000_000 + this.mediaCounter}`;
    this.media.set(id, media);
    return id;
  }

  /** The next requests are refused like this, one each, in order. */
  failNext(...failures: ScriptedFailure[]): void {
    this.script.push(...failures);
  }

  /** Every request is refused like this until called again with undefined. */
  failAlways(failure: ScriptedFailure | undefined): void {
    this.always = failure;
  }

  /** Forgets recorded requests and scripted failures. */
  reset(): void {
    this.requests.splice(0, this.requests.length);
    this.script.splice(0, this.script.length);
    this.always = undefined;
  }

  /** Accepted messages (to one recipient, when given), in order. */
  accepted(to?: string): GraphRequest[] {
    return this.requests.filter((request) => request.wamid !== undefined && (to === undefined || request.to === to));
  }

  /** Waits until `count` messages to `to` (or to anyone) were accepted since `after` of them; returns those. */
  async waitForMessages(count: number, options: { to?: string; after?: number; timeoutMs?: number } = {}): Promise<GraphRequest[]> {
    const after = options.after ?? 0;
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    for (;;) {
      const messages = this.accepted(options.to).slice(after);
      if (messages.length >= count) return messages;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`Expected ${count} messages${options.to ? ` to ${options.to}` : ''} after ${after}, got ${messages.length}: ${JSON.stringify(messages.map((message) => message.text))}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let body: Json = {};
    try {
      body = asRecord(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch {
      body = {};
    }
    const path = request.url ?? '';
    if (request.method === 'GET') {
      this.serveMedia(request, response, path);
      return;
    }
    const failure = this.script.shift() ?? this.always;
    const record: GraphRequest = {
      at: Date.now(),
      path,
      authorization: request.headers.authorization,
      body,
      ...describeMessage(body),
      status: failure?.status ?? 200,
    };
    if (request.method !== 'POST' || !/^\/v21\.0\/[^/]+\/messages$/.test(path)) {
      record.status = 404;
      this.reply(response, 404, { error: { message: 'Unknown path', code: 100 } });
    } else if (failure) {
      const headers: Record<string, string> = failure.retryAfter ? { 'retry-after': failure.retryAfter } : {};
      this.reply(response, failure.status, { error: { message: failure.message ?? `Scripted failure ${failure.code ?? failure.status}`, type: 'OAuthException', code: failure.code ?? failure.status, fbtrace_id: 'fake' } }, headers);
    } else {
      this.counter += 1;
      record.wamid = `wamid.fake.${this.counter}`;
      this.reply(response, 200, { messaging_product: 'whatsapp', contacts: [{ input: record.to, wa_id: record.to }], messages: [{ id: record.wamid }] });
    }
    this.requests.push(record);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * GET /v21.0/{media-id} → `{messaging_product, url, mime_type, sha256, file_size, id}`; GET of that URL → the bytes.
   * Both need the bearer token (401 without, as Meta answers); an unknown id is Meta's 400 with code 100.
   */
  private serveMedia(request: IncomingMessage, response: ServerResponse, path: string): void {
    const authorization = request.headers.authorization;
    const record = (status: number) => this.mediaRequests.push({ path, authorization, status });
    if (!authorization?.startsWith('Bearer ')) {
      record(401);
      this.reply(response, 401, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } });
      return;
    }
    const url = new URL(path, 'http://fake');
    const info = /^\/v21\.0\/(\d+)$/.exec(url.pathname);
    const download = url.pathname === '/whatsapp_business/attachments/' ? url.searchParams.get('mid') : null;
    const id = info?.[1] ?? download ?? '';
    const media = this.media.get(id);
    if (!media) {
      record(400);
      this.reply(response, 400, { error: { message: 'Unsupported get request.', type: 'GraphMethodException', code: 100 } });
      return;
    }
    record(200);
    if (info) {
      const { port } = this.server.address() as AddressInfo;
      this.reply(response, 200, {
        messaging_product: 'whatsapp',
        url: `http://127.0.0.1:${port}/whatsapp_business/attachments/?mid=${id}&ext=${Date.now()}&hash=fake`,
        mime_type: media.mimeType,
        sha256: media.sha256 ?? createHash('sha256').update(media.data).digest('hex'),
        file_size: media.fileSize ?? media.data.length,
        id,
      });
      return;
    }
    response.writeHead(200, { 'content-type': media.mimeType, 'content-length': String(media.data.length) });
    response.end(media.data);
  }

  private reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  }
}

// ── Meta's side of the webhook ──────────────────────────────────────────────────────────────────────────────────────

let wamidCounter = 0;

/** A fresh wamid, shaped like Meta's. */
export function newWamid(): string {
  wamidCounter += 1;
  return `wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgg${Date.now().toString(36)}${String(wamidCounter).padStart(6, '0')}`;
}

const nowSeconds = () => String(Math.floor(Date.now() / 1000));

export interface MessageOptions {
  id?: string;
  /** Unix seconds as a string, like Meta's. Default now. */
  timestamp?: string;
}

export function textMessage(from: string, body: string, options: MessageOptions = {}): Json {
  return { from, id: options.id ?? newWamid(), timestamp: options.timestamp ?? nowSeconds(), type: 'text', text: { body } };
}

export function buttonReply(from: string, reply: { id: string; title: string }, options: MessageOptions = {}): Json {
  return {
    context: { from: '15550001111', id: 'wamid.previous' },
    from,
    id: options.id ?? newWamid(),
    timestamp: options.timestamp ?? nowSeconds(),
    type: 'interactive',
    interactive: { type: 'button_reply', button_reply: reply },
  };
}

export function listReply(from: string, reply: { id: string; title: string; description?: string }, options: MessageOptions = {}): Json {
  return { from, id: options.id ?? newWamid(), timestamp: options.timestamp ?? nowSeconds(), type: 'interactive', interactive: { type: 'list_reply', list_reply: reply } };
}

/** A tap on a template's quick-reply button. */
export function templateButtonReply(from: string, button: { payload: string; text: string }, options: MessageOptions = {}): Json {
  return { from, id: options.id ?? newWamid(), timestamp: options.timestamp ?? nowSeconds(), type: 'button', button };
}

export interface MediaMessageOptions extends MessageOptions {
  /** The media id (FakeGraphApi.addMedia); default a made-up one. */
  mediaId?: string;
  mimeType?: string;
  caption?: string;
  /** A document's file name. */
  filename?: string;
  /** An audio message recorded as a voice note. */
  voice?: boolean;
  latitude?: number;
  longitude?: number;
  name?: string;
  address?: string;
}

const defaultMimeTypes: Record<string, string> = { image: 'image/jpeg', audio: 'audio/ogg; codecs=opus', document: 'application/pdf', sticker: 'image/webp', video: 'video/mp4' };

/** A media or location message as Meta's webhook carries it (image/document/audio/video/sticker: an id, never bytes). */
export function mediaMessage(from: string, type: 'image' | 'audio' | 'document' | 'location' | 'sticker' | 'video', options: MediaMessageOptions = {}): Json {
  const media =
    type === 'location'
      ? {
          latitude: options.latitude ?? 26.85,
          longitude: options.longitude ?? 80.99,
          ...(options.name ? { name: options.name } : {}),
          ...(options.address ? { address: options.address } : {}),
        }
      : {
          id: options.mediaId ?? '1234567890',
          mime_type: options.mimeType ?? defaultMimeTypes[type],
          sha256: 'meta-base64-sha256-not-checked-by-consumers',
          ...(options.caption !== undefined ? { caption: options.caption } : {}),
          ...(options.filename !== undefined ? { filename: options.filename } : {}),
          ...(options.voice ? { voice: true } : {}),
        };
  return { from, id: options.id ?? newWamid(), timestamp: options.timestamp ?? nowSeconds(), type, [type]: media };
}

export function statusUpdate(
  wamid: string,
  status: 'sent' | 'delivered' | 'read' | 'failed',
  recipient: string,
  options: { timestamp?: string; errors?: Array<{ code: number; title: string }> } = {},
): Json {
  return {
    id: wamid,
    status,
    timestamp: options.timestamp ?? nowSeconds(),
    recipient_id: recipient,
    ...(options.errors ? { errors: options.errors } : {}),
  };
}

/** A whole webhook payload for the business number `phoneNumberId`. */
export function messageWebhook(phoneNumberId: string, messages: Json[], statuses: Json[] = []): Json {
  const senders = [...new Set(messages.map((message) => asString(message.from)))];
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId },
              ...(senders.length ? { contacts: senders.map((wa_id) => ({ profile: { name: 'Consumer' }, wa_id })) } : {}),
              ...(messages.length ? { messages } : {}),
              ...(statuses.length ? { statuses } : {}),
            },
          },
        ],
      },
    ],
  };
}

/** JSON as Meta sends it: everything outside ASCII escaped (so re-serialising it changes the bytes). */
export function metaJson(payload: unknown): string {
  return JSON.stringify(payload).replace(/[\u007f-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function signatureFor(appSecret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

export interface PostedWebhook {
  status: number;
  text: string;
}

/**
 * POSTs a payload to the webhook, signed over its exact bytes. `signature: null` sends none; a string sends that one.
 * A payload given as a string or Buffer is sent as it is; an object goes through metaJson.
 */
export async function postWebhook(
  url: string,
  appSecret: string,
  payload: unknown,
  options: { signature?: string | null; contentType?: string } = {},
): Promise<PostedWebhook> {
  const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : metaJson(payload);
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  const signature = options.signature === undefined ? signatureFor(appSecret, body) : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, text: await response.text() };
}
