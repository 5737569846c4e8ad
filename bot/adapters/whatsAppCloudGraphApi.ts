// Sends messages through the WhatsApp Cloud API (`POST {apiBase}/{phoneNumberId}/messages`). Rate limits and
// server errors are retried a bounded number of times (honouring Retry-After); everything else fails at once with
// the Graph API's own error code, so the caller can tell "outside the 24-hour window" from "give up".
import { retry } from '../../services/retry.js';
import { createHash } from 'node:crypto';
import { z } from 'zod';

export interface WhatsAppCloudGraphApiOptions {
  /** e.g. https://graph.facebook.com/v21.0 (no trailing slash needed). */
  apiBase: string;
  phoneNumberId: string;
  accessToken: string;
  /** Attempts per message, the first included. Default 4. */
  maxAttempts?: number;
  /** First backoff; doubles per attempt. Default 1 s. */
  baseDelayMs?: number;
  /** Longest backoff between two attempts. Default 20 s. */
  maxDelayMs?: number;
  /**
   * A Retry-After longer than this is not waited out inside a turn: the send fails and the caller (the outbox) tries
   * again later. Default 30 s.
   */
  maxRetryAfterMs?: number;
  /** Per request. Default 15 s. */
  timeoutMs?: number;
  /**
   * Hosts a media URL from GET /{media-id} may point at (besides the apiBase's own host). Default Meta's CDN hosts
   * (lookaside.fbsbx.com, *.fbcdn.net, *.whatsapp.net): the access token is never sent anywhere else.
   */
  mediaHosts?: string[];
  log?: (line: string) => void;
}

/** Graph API codes that mean "slow down": app, account, throughput and per-recipient pair rate limits. */
const rateLimitCodes = new Set([4, 80007, 130429, 131056]);
/** "More than 24 hours have passed since the recipient last replied": only a template may go now. */
export const outsideWindowCode = 131047;

export class WhatsAppCloudApiError extends Error {
  override name = 'WhatsAppCloudApiError';

  constructor(
    message: string,
    /** The HTTP status, or undefined when no response came back. */
    readonly status: number | undefined,
    /** The Graph API's `error.code`. */
    readonly code: number | undefined,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  get outsideWindow(): boolean {
    return this.code === outsideWindowCode;
  }

  get retryable(): boolean {
    return this.status === undefined || this.status === 429 || this.status >= 500 || (this.code !== undefined && rateLimitCodes.has(this.code));
  }
}

const successSchema = z.object({ messages: z.array(z.object({ id: z.string().min(1) })).min(1) });
const errorSchema = z.object({
  error: z.object({ message: z.string().optional(), code: z.number().optional(), error_subcode: z.number().optional() }),
});

/** Retry-After as seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What GET /{media-id} answers: a short-lived URL to fetch the bytes from (with the same token), and what Meta knows. */
const mediaInfoSchema = z.object({
  url: z.string().url().max(4096),
  mime_type: z.string().max(200).optional(),
  sha256: z.string().max(200).optional(),
  file_size: z.union([z.number(), z.string().regex(/^\d{1,12}$/).transform(Number)]).optional(),
  id: z.string().optional(),
});

/** A media download that failed: too large (refuse politely, do not retry) or anything else (ask to send again). */
export class WhatsAppCloudMediaError extends Error {
  override name = 'WhatsAppCloudMediaError';
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

const defaultMediaHosts = ['lookaside.fbsbx.com', '.fbcdn.net', '.whatsapp.net', '.fbsbx.com'];

export class WhatsAppCloudGraphApi {
  private readonly url: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly timeoutMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: WhatsAppCloudGraphApiOptions) {
    this.url = `${options.apiBase.replace(/\/+$/, '')}/${encodeURIComponent(options.phoneNumberId)}/messages`;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.baseDelayMs = options.baseDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 20_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.log = options.log ?? ((line) => console.log(line));
  }

  /**
   * Downloads a consumer's media: GET {apiBase}/{media-id} for its URL, then that URL with the bearer token. Refuses
   * (tooLarge) a file Meta says, or the download shows, is larger than `maxBytes` without reading the rest; checks
   * Meta's sha256 when given. The URL must be on one of mediaHosts over https (or on the apiBase's own origin).
   */
  async downloadMedia(mediaId: string, maxBytes: number): Promise<{ data: Buffer; mimeType?: string }> {
    const base = new URL(this.options.apiBase.replace(/\/+$/, '') + '/');
    const infoResponse = await this.get(new URL(encodeURIComponent(mediaId), base).toString());
    const info = mediaInfoSchema.safeParse(await infoResponse.json().catch(() => undefined));
    if (!info.success) throw new WhatsAppCloudMediaError('Graph API media info without a URL');
    if (info.data.file_size !== undefined && info.data.file_size > maxBytes) throw new WhatsAppCloudMediaError(`media of ${info.data.file_size} bytes`, true);
    const mediaUrl = new URL(info.data.url);
    const hosts = this.options.mediaHosts ?? defaultMediaHosts;
    const allowed =
      mediaUrl.origin === base.origin ||
      (mediaUrl.protocol === 'https:' && hosts.some((host) => (host.startsWith('.') ? mediaUrl.hostname.endsWith(host) : mediaUrl.hostname === host)));
    if (!allowed) throw new WhatsAppCloudMediaError(`media URL on an unexpected host ${mediaUrl.hostname.slice(0, 80)}`);
    const response = await this.get(mediaUrl.toString());
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > maxBytes) throw new WhatsAppCloudMediaError(`media of ${declared} bytes`, true);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += (chunk as Uint8Array).length;
      if (size > maxBytes) throw new WhatsAppCloudMediaError(`media over ${maxBytes} bytes`, true);
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
    const data = Buffer.concat(chunks);
    if (info.data.sha256 && /^[0-9a-f]{64}$/i.test(info.data.sha256) && createHash('sha256').update(data).digest('hex') !== info.data.sha256.toLowerCase()) {
      throw new WhatsAppCloudMediaError('media bytes do not match the sha256 Meta gave');
    }
    return { data, ...(info.data.mime_type ? { mimeType: info.data.mime_type } : {}) };
  }

  /** A GET with the bearer token, never following redirects (a redirect could carry the token elsewhere). */
  private async get(url: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, { headers: { authorization: `Bearer ${this.options.accessToken}` }, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new WhatsAppCloudMediaError(`Graph API unreachable: ${(error as Error).message}`);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new WhatsAppCloudMediaError(`Graph API ${response.status} for media`);
    }
    return response;
  }

  /** Sends one message to `to` (digits with country code); resolves with its wamid. */
  async sendMessage(to: string, message: Record<string, unknown>): Promise<string> {
    const body = JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to, ...message });
    return retry(() => this.post(body), {
      firstDelayMs: this.baseDelayMs,
      maxDelayMs: Math.max(this.maxDelayMs, this.baseDelayMs),
      maxAttempts: this.maxAttempts,
      // Meta's Retry-After is honoured, unless it asks for longer than we are prepared to wait.
      retryable: (error) => error instanceof WhatsAppCloudApiError && error.retryable && (error.retryAfterMs ?? 0) <= this.maxRetryAfterMs,
      suggestedDelayMs: (error) => (error as WhatsAppCloudApiError).retryAfterMs,
      onRetry: (error, attempt, delay) =>
        this.log(`[whatsapp-cloud] ${(error as Error).message}; attempt ${attempt} of ${this.maxAttempts}, retrying in ${delay} ms`),
    });
  }

  private async post(body: string): Promise<string> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.accessToken}`, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new WhatsAppCloudApiError(`Graph API unreachable: ${(error as Error).message}`, undefined, undefined);
    }
    const text = await response.text().catch(() => '');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (response.ok) {
      const success = successSchema.safeParse(json);
      // Accepted but unreadable: sending again could deliver it twice, so this is not retried.
      if (!success.success) throw new WhatsAppCloudApiError(`Graph API answered ${response.status} without a message id`, response.status, undefined);
      return success.data.messages[0]!.id;
    }
    const failure = errorSchema.safeParse(json);
    const code = failure.success ? failure.data.error.code : undefined;
    const detail = failure.success ? (failure.data.error.message ?? '').slice(0, 200) : '';
    throw new WhatsAppCloudApiError(
      `Graph API ${response.status}${code !== undefined ? ` (code ${code})` : ''}${detail ? `: ${detail}` : ''}`,
      response.status,
      code,
      parseRetryAfter(response.headers.get('retry-after')),
    );
  }
}
