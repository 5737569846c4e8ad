// Sends messages through the WhatsApp Cloud API (`POST {apiBase}/{phoneNumberId}/messages`). Rate limits and
// server errors are retried a bounded number of times (honouring Retry-After); everything else fails at once with
// the Graph API's own error code, so the caller can tell "outside the 24-hour window" from "give up".
import { retry } from '../../services/retry.js';
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
