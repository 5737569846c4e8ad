// A Direct Line client as a consumer's page behaves, for the reliability tests: it posts with a clientActivityID and
// retries the same activity on 5xx or a dropped connection (after Retry-After), and it polls with the watermark.
// It counts every outcome so a test can say "every POST was answered 200 or refused with a retryable error".
import { setTimeout as sleep } from 'node:timers/promises';

export interface ActivityJson {
  id: string;
  type: string;
  text?: string;
  from?: { id: string; role?: string };
  replyToId?: string;
  channelData?: Record<string, unknown>;
}

export interface PostOutcomes {
  ok: number;
  /** 5xx answers (each retried). */
  retryableRefusals: number;
  /** Connection refused or reset (each retried). */
  connectionErrors: number;
  /** Any other status: a bug for these tests. */
  unexpected: Array<{ status: number; body: string }>;
  /** Statuses of 5xx answers, with whether Retry-After was set. */
  refusalStatuses: Record<string, number>;
}

export function newPostOutcomes(): PostOutcomes {
  return { ok: 0, retryableRefusals: 0, connectionErrors: 0, unexpected: [], refusalStatuses: {} };
}

export class DirectLineTestClient {
  watermark = 0;
  readonly seen: ActivityJson[] = [];
  private sent = 0;

  constructor(
    /** Where to send; a function so a test can alternate between servers or follow a restarted one. */
    private readonly baseUrl: () => string,
    readonly conversationId: string,
    readonly token: string,
    readonly outcomes: PostOutcomes = newPostOutcomes(),
  ) {}

  /** Starts a conversation with the secret, as the page's backend does, and returns a client for it. */
  static async start(baseUrl: () => string, secret: string, outcomes?: PostOutcomes): Promise<DirectLineTestClient> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(`${baseUrl()}/v3/directline/conversations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: '{}',
        });
        if (response.status === 201) {
          const body = (await response.json()) as { conversationId: string; token: string };
          return new DirectLineTestClient(baseUrl, body.conversationId, body.token, outcomes);
        }
        if (response.status < 500 || attempt > 40) throw new Error(`starting a conversation: ${response.status} ${await response.text()}`);
      } catch (error) {
        if (attempt > 40) throw error;
      }
      await sleep(250);
    }
  }

  private get base(): string {
    return `${this.baseUrl()}/v3/directline/conversations/${this.conversationId}`;
  }

  /**
   * Posts a message until it is accepted; the same clientActivityID on every try (pass one to resend an activity as a
   * client whose answer was lost would). Returns the stored id.
   */
  async say(text: string, clientActivityID = `${this.conversationId}-${++this.sent}`, giveUpAfterMs = 45_000): Promise<string> {
    const body = JSON.stringify({ type: 'message', text, from: { id: 'ignored' }, channelData: { clientActivityID } });
    const giveUpAt = Date.now() + giveUpAfterMs;
    for (;;) {
      let retryAfterMs = 200;
      try {
        const response = await fetch(`${this.base}/activities`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
          body,
        });
        const answer = await response.text();
        if (response.status === 200) {
          this.outcomes.ok++;
          return (JSON.parse(answer) as { id: string }).id;
        }
        if (response.status >= 500) {
          this.outcomes.retryableRefusals++;
          const key = `${response.status}${response.headers.get('retry-after') ? ' with Retry-After' : ''}`;
          this.outcomes.refusalStatuses[key] = (this.outcomes.refusalStatuses[key] ?? 0) + 1;
          retryAfterMs = Math.min(Number(response.headers.get('retry-after') ?? '0.2') * 1000, 2_000);
        } else {
          this.outcomes.unexpected.push({ status: response.status, body: answer.slice(0, 300) });
          throw new Error(`POST answered ${response.status}: ${answer.slice(0, 300)}`);
        }
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('POST answered')) throw error;
        this.outcomes.connectionErrors++;
      }
      if (Date.now() > giveUpAt) throw new Error(`"${text}" was never accepted`);
      await sleep(retryAfterMs);
    }
  }

  /** Polls until a bot message satisfies `match`; returns it. Connection errors and non-200s are waited out. */
  async waitForBot(match: (activity: ActivityJson) => boolean, timeoutMs = 45_000): Promise<ActivityJson> {
    const giveUpAt = Date.now() + timeoutMs;
    for (;;) {
      const found = this.seen.find((activity) => activity.from?.role === 'bot' && activity.type === 'message' && match(activity));
      if (found) return found;
      if (Date.now() > giveUpAt) {
        const said = this.botTexts().slice(-3).join(' | ');
        throw new Error(`no matching bot message in ${this.conversationId} (last: ${said})`);
      }
      await this.poll();
      await sleep(100);
    }
  }

  /** One GET of what is new after the watermark. */
  async poll(): Promise<void> {
    try {
      const response = await fetch(`${this.base}/activities?watermark=${this.watermark}`, { headers: { authorization: `Bearer ${this.token}` } });
      if (response.status !== 200) return;
      const page = (await response.json()) as { activities: ActivityJson[]; watermark: string };
      this.seen.push(...page.activities);
      this.watermark = Number(page.watermark);
    } catch {
      // The server is restarting: the next poll will do.
    }
  }

  /** Says `text` and waits for a bot message after it that contains `expected`. */
  async turn(text: string, expected: string, timeoutMs?: number): Promise<ActivityJson> {
    const from = this.seen.length;
    await this.say(text);
    return this.waitForBot((activity) => this.seen.indexOf(activity) >= from && (activity.text ?? '').includes(expected), timeoutMs);
  }

  botTexts(): string[] {
    return this.seen.filter((activity) => activity.from?.role === 'bot' && activity.type === 'message').map((activity) => activity.text ?? '');
  }
}
