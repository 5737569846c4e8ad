// A stand-in for whatsapp-web.js's Client at the channel's boundary: an EventEmitter that emits what the real one emits
// (qr, authenticated, ready, message, message_ack, disconnected, change_state) with Message-shaped objects, records
// what is sent, and can be told to fail its start, its sends or its shutdown. No browser, no network.
//
//   const clients = new FakeWhatsAppWebClients();
//   createWhatsAppWebChannel({ clientFactory: clients.factory, schedule: clock.schedule })
//   clients.current.showQr('2@…'); clients.current.link();      // the phone scanned it
//   clients.current.receive({ from: '919876543210@c.us', body: 'light nahi hai' });
//   clients.sent                                                  // every sendMessage, across reconnects
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Scheduler, WhatsAppWebClientLike, WhatsAppWebMediaLike, WhatsAppWebMessageLike, WhatsAppWebSendOptions } from '../../bot/adapters/whatsAppWebConnection.js';

export interface SentWhatsAppMessage {
  /** Which client sent it (0 = the first one built). */
  client: number;
  chatId: string;
  content: string;
  options?: WhatsAppWebSendOptions;
  messageId: string;
}

export type Outcome = 'ok' | 'hang' | Error;

export interface FakeBehaviour {
  initialize: Outcome;
  destroy: Outcome;
  /** The next sends fail with these errors, one each; then sends succeed. */
  sendFailures: Error[];
  getState: Outcome;
}

/** The helpline's own number as whatsapp-web.js reports it on our messages. */
export const helplineChatId = '915220000000@c.us';

export interface IncomingMessage {
  from: string;
  body?: string;
  /** Default 'chat' (text). */
  type?: string;
  id?: string;
  fromMe?: boolean;
  isStatus?: boolean;
  /** Unix seconds; default now. */
  timestamp?: number;
  /**
   * A file the message carries (type image, document, ptt, audio…): served by downloadMedia() as whatsapp-web.js's
   * MessageMedia (base64 data, the phone's mimetype, a filename for documents); null: the media is gone from the phone
   * (downloadMedia resolves undefined, as it does for deleted media).
   */
  media?: { mimetype: string; data: Buffer; filename?: string } | null;
  /** A location message's pin, as whatsapp-web.js's Location (coordinates as the phone gives them). */
  location?: { latitude: number | string; longitude: number | string; name?: string; address?: string };
}

export class FakeWhatsAppWebClient extends EventEmitter implements WhatsAppWebClientLike {
  initializeCalls = 0;
  destroyCalls = 0;
  destroyed = false;
  /** How many times a message's downloadMedia() was called. */
  downloads = 0;
  /** Linked ids (`…@lid`) → phone chat ids (`…@c.us`), for getContactLidAndPhone. */
  readonly linkedIds = new Map<string, string>();
  private connected = false;

  constructor(
    readonly index: number,
    readonly dataPath: string,
    private readonly behaviour: FakeBehaviour,
    private readonly sentLog: SentWhatsAppMessage[],
  ) {
    super();
  }

  async initialize(): Promise<void> {
    this.initializeCalls += 1;
    await outcome(this.behaviour.initialize);
  }

  async destroy(): Promise<void> {
    this.destroyCalls += 1;
    this.connected = false;
    await outcome(this.behaviour.destroy);
    this.destroyed = true;
  }

  async sendMessage(chatId: string, content: string, options?: WhatsAppWebSendOptions): Promise<WhatsAppWebMessageLike | undefined> {
    // What the real client does with its page gone (never initialized, or destroyed after a disconnect).
    if (!this.connected || this.destroyed) throw new Error('Protocol error (Runtime.callFunctionOn): Session closed. Most likely the page has been closed.');
    const failure = this.behaviour.sendFailures.shift();
    if (failure) throw failure;
    const messageId = `true_${chatId}_3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
    this.sentLog.push({ client: this.index, chatId, content, options, messageId });
    return {
      id: { _serialized: messageId, fromMe: true },
      from: helplineChatId,
      body: content,
      type: 'chat',
      timestamp: Math.floor(Date.now() / 1000),
      fromMe: true,
      isStatus: false,
      ack: 0,
    };
  }

  async getState(): Promise<string | null> {
    await outcome(this.behaviour.getState);
    return this.connected ? 'CONNECTED' : 'UNPAIRED';
  }

  async getContactLidAndPhone(userIds: string[]): Promise<Array<{ lid: string; pn: string }>> {
    return userIds.map((lid) => ({ lid, pn: this.linkedIds.get(lid) ?? '' }));
  }

  // ── Driving it, as WhatsApp and the phone would ─────────────────────────────────────────────────────────────────

  showQr(qr = `2@${randomBytes(24).toString('base64')},${randomBytes(32).toString('base64')},${randomBytes(16).toString('base64')}`): string {
    this.emit('qr', qr);
    return qr;
  }

  showPairingCode(code = 'ABCD1234'): string {
    this.emit('code', code);
    return code;
  }

  /** The phone linked (or the saved session was restored): authenticated, then ready. */
  link(): void {
    this.emit('authenticated');
    this.connected = true;
    this.emit('ready');
  }

  disconnect(reason = 'NAVIGATION'): void {
    this.connected = false;
    this.emit('change_state', reason === 'LOGOUT' ? 'UNPAIRED' : reason);
    this.emit('disconnected', reason);
  }

  /** A consumer's message arriving; returns the Message-shaped object emitted. */
  receive(incoming: IncomingMessage): WhatsAppWebMessageLike {
    const fromMe = incoming.fromMe ?? false;
    const id = incoming.id ?? `${fromMe}_${incoming.from}_3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
    const media = incoming.media;
    const message: WhatsAppWebMessageLike & { to: string; hasMedia: boolean; author?: string } = {
      ...(incoming.location ? { location: incoming.location } : {}),
      downloadMedia: async (): Promise<WhatsAppWebMediaLike | undefined> => {
        this.downloads += 1;
        if (!media) return undefined;
        return { mimetype: media.mimetype, data: media.data.toString('base64'), filename: media.filename ?? null, filesize: media.data.length };
      },
      id: { _serialized: id, fromMe },
      from: incoming.from,
      to: helplineChatId,
      body: incoming.body ?? '',
      type: incoming.type ?? 'chat',
      timestamp: incoming.timestamp ?? Math.floor(Date.now() / 1000),
      fromMe,
      isStatus: incoming.isStatus ?? incoming.from === 'status@broadcast',
      hasMedia: ['image', 'video', 'audio', 'ptt', 'document', 'sticker'].includes(incoming.type ?? 'chat'),
      ack: 1,
    };
    this.emit('message', message);
    return message;
  }

  /** A delivery receipt (the id says whose message: `true_…` ours, `false_…` the consumer's). */
  acknowledge(messageId: string, ack: number): void {
    const [direction, chatId = ''] = messageId.split('_');
    const fromMe = direction === 'true';
    const message: WhatsAppWebMessageLike = {
      id: { _serialized: messageId, fromMe },
      from: fromMe ? helplineChatId : chatId,
      body: '',
      type: 'chat',
      timestamp: Math.floor(Date.now() / 1000),
      fromMe,
      ack,
    };
    this.emit('message_ack', { ...message, to: chatId }, ack);
  }
}

/** The client factory handed to the channel: builds a new fake per (re)connect, with behaviours planned in advance. */
export class FakeWhatsAppWebClients {
  readonly created: FakeWhatsAppWebClient[] = [];
  readonly sent: SentWhatsAppMessage[] = [];
  private readonly planned: Array<Partial<FakeBehaviour>> = [];
  private factoryFailures: Error[] = [];

  /** The next clients built behave like this, one plan each, in order. */
  plan(...behaviours: Array<Partial<FakeBehaviour>>): void {
    this.planned.push(...behaviours);
  }

  /** The next factory calls throw, one error each. */
  failFactory(...errors: Error[]): void {
    this.factoryFailures.push(...errors);
  }

  get current(): FakeWhatsAppWebClient {
    const client = this.created.at(-1);
    if (!client) throw new Error('No WhatsApp client was built yet');
    return client;
  }

  readonly factory = (dataPath: string): WhatsAppWebClientLike => {
    const failure = this.factoryFailures.shift();
    if (failure) throw failure;
    const plan = this.planned.shift() ?? {};
    const behaviour: FakeBehaviour = { initialize: 'ok', destroy: 'ok', getState: 'ok', sendFailures: [], ...plan };
    const client = new FakeWhatsAppWebClient(this.created.length, dataPath, behaviour, this.sent);
    this.created.push(client);
    return client;
  };

  /** What was sent to this chat, as text. */
  textsTo(chatId: string): string[] {
    return this.sent.filter((message) => message.chatId === chatId).map((message) => message.content);
  }
}

export interface ScheduledTask {
  task: () => void;
  delayMs: number;
  purpose: 'reconnect' | 'watchdog';
  cancelled: boolean;
  ran: boolean;
}

/** A fake clock for reconnects and the watchdog: nothing runs until the test says so. */
export class ManualScheduler {
  readonly tasks: ScheduledTask[] = [];

  readonly schedule: Scheduler = (task, delayMs, purpose) => {
    const entry: ScheduledTask = { task, delayMs, purpose, cancelled: false, ran: false };
    this.tasks.push(entry);
    return () => {
      entry.cancelled = true;
    };
  };

  pending(purpose: ScheduledTask['purpose']): ScheduledTask[] {
    return this.tasks.filter((entry) => entry.purpose === purpose && !entry.cancelled && !entry.ran);
  }

  /** Runs the oldest pending task of this purpose, as if its time had come; returns it. */
  runNext(purpose: ScheduledTask['purpose']): ScheduledTask {
    const entry = this.pending(purpose)[0];
    if (!entry) throw new Error(`Nothing is scheduled for ${purpose}`);
    entry.ran = true;
    entry.task();
    return entry;
  }
}

async function outcome(planned: Outcome): Promise<void> {
  if (planned === 'ok') return;
  if (planned === 'hang') return new Promise<void>(() => undefined);
  throw planned;
}

/** Polls until `check` passes (returns without throwing), or fails with its last error. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
