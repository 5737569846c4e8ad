// A consumer as Web Chat's polling client (directlinejs) is one, for the conversation benchmark: a token and a new
// conversation from /tokens/generate, each message POSTed, and the replies fetched by polling GET activities with
// the watermark every `pollMs` until the bot has answered.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

interface ActivityOnTheWire {
  id: string;
  type?: string;
  text?: string;
  replyToId?: string;
  timestamp?: string;
  from?: { id?: string; role?: string };
}

export interface TurnResult {
  /** The bot's replies to this message, in order. */
  replies: string[];
  /** performance.now() when the last reply was seen by the client. */
  seenAt: number;
  /** Epoch ms when the server stored the last reply (its activity timestamp): latency without the polling interval. */
  storedAtEpochMs: number;
  /** GETs this turn took: with nothing new, and with new activities. */
  emptyPolls: number;
  dataPolls: number;
}

export class DirectLineHttpError extends Error {
  override name = 'DirectLineHttpError';
}

export interface ClientOptions {
  baseUrl: string;
  secret: string;
  /** Between two GETs while waiting for replies. */
  pollMs: number;
  /** A turn whose replies have not all come after this long fails. */
  replyTimeoutMs: number;
}

export class DirectLineConsumer {
  private token = '';
  private conversationId = '';
  private watermark = '';
  /** Bot activities already fetched that answer a message other than the one being waited for. */
  private readonly early: ActivityOnTheWire[] = [];

  constructor(
    private readonly options: ClientOptions,
    readonly userId: string,
  ) {}

  /** A new conversation, and the bot's welcome (`expectedReplies` of them). */
  async start(expectedReplies: number): Promise<TurnResult> {
    const started = (await this.call('POST', '/v3/directline/tokens/generate', this.options.secret, { user: { id: this.userId } })) as {
      conversationId: string;
      token: string;
    };
    this.token = started.token;
    this.conversationId = started.conversationId;
    this.watermark = '';
    return this.waitForReplies(undefined, expectedReplies);
  }

  /** Sends a message and waits until the bot has sent `expectedReplies` replies to it. */
  async say(text: string, expectedReplies: number): Promise<TurnResult> {
    return this.waitForReplies(await this.post(text), expectedReplies);
  }

  /** POSTs the consumer's message; its activity id. */
  private async post(text: string): Promise<string> {
    const { id } = (await this.call('POST', `/v3/directline/conversations/${this.conversationId}/activities`, this.token, {
      type: 'message',
      text,
      from: { id: this.userId },
      locale: 'hi-IN',
    })) as { id: string };
    return id;
  }

  /** Polls until the replies arrive; `replyTo` undefined waits for bot activities that answer no message (a welcome). */
  private async waitForReplies(replyTo: string | undefined, expected: number): Promise<TurnResult> {
    const result = await this.collect(replyTo, (replies) => replies.length >= expected, `${expected} replies`);
    if (result.replies.length > expected) throw new DirectLineHttpError(`${result.replies.length} replies to ${replyTo ?? 'the welcome'}, expected ${expected}`);
    return result;
  }

  /** Sends a message and waits until its replies so far satisfy `done` (for a script that reads what the bot said). */
  async sayUntil(text: string, done: (replies: string[]) => boolean, what: string): Promise<TurnResult> {
    return this.collect(await this.post(text), done, what);
  }

  /** Waits for bot messages that answer no message of the consumer's (sent by the helpline of its own accord). */
  async waitForUnprompted(done: (replies: string[]) => boolean, what: string): Promise<TurnResult> {
    return this.collect(undefined, done, what);
  }

  /**
   * Polls until the bot messages answering `replyTo` (undefined: answering nothing) satisfy `done`. Messages answering
   * something else are kept, and taken first by a later call that waits for them.
   */
  private async collect(replyTo: string | undefined, done: (replies: string[]) => boolean, what: string): Promise<TurnResult> {
    const replies: ActivityOnTheWire[] = this.early.filter((activity) => activity.replyToId === replyTo);
    this.early.splice(0, this.early.length, ...this.early.filter((activity) => activity.replyToId !== replyTo));
    let emptyPolls = 0;
    let dataPolls = 0;
    const giveUpAt = performance.now() + this.options.replyTimeoutMs;
    const texts = () => replies.map((activity) => activity.text ?? '');
    const take = (activity: ActivityOnTheWire) => {
      if (activity.from?.role !== 'bot' || activity.type !== 'message') return;
      if (activity.replyToId === replyTo) replies.push(activity);
      else this.early.push(activity);
    };
    while (!done(texts())) {
      const page = (await this.call(
        'GET',
        `/v3/directline/conversations/${this.conversationId}/activities?watermark=${this.watermark}`,
        this.token,
      )) as { activities: ActivityOnTheWire[]; watermark: string };
      this.watermark = page.watermark;
      if (page.activities.length === 0) emptyPolls += 1;
      else dataPolls += 1;
      page.activities.forEach(take);
      if (done(texts())) break;
      if (performance.now() > giveUpAt) {
        throw new DirectLineHttpError(
          `no ${what} in answer to ${replyTo ?? 'nothing'} after ${this.options.replyTimeoutMs} ms (got ${JSON.stringify(texts())})` +
            (this.early.length ? `; unexpected: ${this.early.map((activity) => JSON.stringify(activity.text)).join(', ')}` : ''),
        );
      }
      await sleep(this.options.pollMs);
    }
    return {
      replies: texts(),
      seenAt: performance.now(),
      storedAtEpochMs: Math.max(...replies.map((activity) => Date.parse(activity.timestamp ?? '') || Number.NaN)),
      emptyPolls,
      dataPolls,
    };
  }

  /** One GET, from the current watermark (nothing new, normally) or from the start (every activity): to cost a poll. */
  async pollOnce(fromStart: boolean): Promise<void> {
    await this.call('GET', `/v3/directline/conversations/${this.conversationId}/activities?watermark=${fromStart ? '' : this.watermark}`, this.token);
  }

  /** Replies that arrived for an earlier message after its turn was counted done: the script expected too few. */
  lateReplies(): string[] {
    return this.early.map((activity) => activity.text ?? '');
  }

  private async call(method: string, path: string, bearer: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.options.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new DirectLineHttpError(`${method} ${path.split('?')[0]}: ${response.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as unknown;
  }
}
