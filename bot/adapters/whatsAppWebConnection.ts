// The linked phone's session as a state machine around one whatsapp-web.js client at a time: it creates the client,
// follows its events, and after a disconnect or a failed start destroys it and builds a new one with backoff. This is
// the boundary to an unofficial client driving a browser: whatever the client does — throws, rejects, emits errors,
// never answers — is caught here and logged, and never reaches the process.
import { describeError } from './whatsAppWebMapping.js';

/** The part of a whatsapp-web.js `Message` we read. */
export interface WhatsAppWebMessageLike {
  id: { _serialized: string; fromMe: boolean };
  /** The chat: "919876543210@c.us", "…@lid", "…@g.us", "status@broadcast". */
  from: string;
  body: string;
  /** `MessageTypes`: 'chat' for text, 'image', 'ptt', … */
  type: string;
  /** Unix seconds. */
  timestamp: number;
  fromMe: boolean;
  isStatus?: boolean;
  ack?: number;
  /** True for image, document, audio, ptt (voice note), video, sticker: the bytes come from downloadMedia(). */
  hasMedia?: boolean;
  /** A location message's pin (whatsapp-web.js `Location`; coordinates as numbers or numeric strings). */
  location?: { latitude: number | string; longitude: number | string; name?: string; address?: string; description?: string };
  /** whatsapp-web.js `Message.downloadMedia()`: a `MessageMedia` (base64 data), or undefined when it is gone. */
  downloadMedia?(): Promise<WhatsAppWebMediaLike | undefined>;
}

/** whatsapp-web.js `MessageMedia`: the file as base64, with what the sender's phone said it is. */
export interface WhatsAppWebMediaLike {
  mimetype: string;
  data: string;
  filename?: string | null;
  filesize?: number | null;
}

export interface WhatsAppWebSendOptions {
  linkPreview?: boolean;
}

/**
 * The part of whatsapp-web.js's `Client` we use, structurally, so tests can hand in a fake. The real class satisfies
 * it (asserted at the type level in server/whatsappWeb/whatsAppWebChannel.ts).
 */
export interface WhatsAppWebClientLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  /** Resolves to undefined when WhatsApp Web could not open the chat. */
  sendMessage(chatId: string, content: string, options?: WhatsAppWebSendOptions): Promise<WhatsAppWebMessageLike | undefined>;
  getState(): Promise<string | null>;
  /** Newer whatsapp-web.js: the phone number behind a linked id (`…@lid`). */
  getContactLidAndPhone?(userIds: string[]): Promise<Array<{ lid: string; pn: string }>>;
}

export type WhatsAppWebState = 'stopped' | 'starting' | 'qr_required' | 'authenticated' | 'ready' | 'disconnected' | 'failed';

/** Thrown by anything that needs the client while it is not ready: the caller (the outbox) retries later. */
export class WhatsAppWebNotReadyError extends Error {
  override name = 'WhatsAppWebNotReadyError';
  constructor(readonly state: WhatsAppWebState) {
    super(`WhatsApp (whatsapp-web.js) is not connected (state: ${state}); nothing was sent. Try again once it is ready.`);
  }
}

export interface WhatsAppWebConnectionHandlers {
  message?(message: WhatsAppWebMessageLike, client: WhatsAppWebClientLike): void;
  ack?(message: WhatsAppWebMessageLike, ack: number): void;
  qr?(qr: string): void;
  pairingCode?(code: string): void;
}

/** Runs `task` after `delayMs`; returns a cancel function. Tests pass a manual one (a fake clock). */
export type Scheduler = (task: () => void, delayMs: number, purpose: 'reconnect' | 'watchdog') => () => void;

export const realScheduler: Scheduler = (task, delayMs) => {
  const timer = setTimeout(task, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
};

export interface WhatsAppWebConnectionOptions {
  clientFactory: () => WhatsAppWebClientLike | Promise<WhatsAppWebClientLike>;
  log: (line: string) => void;
  handlers?: WhatsAppWebConnectionHandlers;
  now?: () => Date;
  /** Delay before the first reconnect (doubling per failure, with jitter, up to `maxDelayMs`). Default 5 s → 5 min. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** In [0, 1): the jitter. */
  random?: () => number;
  schedule?: Scheduler;
  /** A browser that does not close in this long is left behind (logged) so a new one can start. Default 20 s. */
  destroyTimeoutMs?: number;
  /**
   * While ready, how often the client is asked for its state: the library does not notice a crashed browser, so an
   * unanswered or failing `getState()` counts as a disconnect. 0 turns it off. Default 60 s.
   */
  watchdogIntervalMs?: number;
  watchdogTimeoutMs?: number;
}

export interface WhatsAppWebHealth {
  state: WhatsAppWebState;
  since: string;
  /** WhatsApp Web's own connection state, as last reported (CONNECTED, TIMEOUT, CONFLICT…). */
  whatsAppState?: string;
  lastDisconnectReason?: string;
  lastError?: string;
  /** Failed starts and disconnects since the last time it was ready. */
  reconnectAttempts: number;
  nextReconnectAt?: string;
  /** Whether staff can link a phone now (the code itself is only on the supervisors' page). */
  linkingCodeAvailable: boolean;
}

export interface LinkingCodes {
  qr?: { text: string; receivedAt: Date };
  pairingCode?: { code: string; receivedAt: Date };
}

type Listener = (...args: unknown[]) => void;

export class WhatsAppWebConnection {
  private readonly log: (line: string) => void;
  private readonly now: () => Date;
  private readonly handlers: WhatsAppWebConnectionHandlers;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly schedule: Scheduler;
  private readonly destroyTimeoutMs: number;
  private readonly watchdogIntervalMs: number;
  private readonly watchdogTimeoutMs: number;

  /** Bumped for every new client and at stop: events of an older client are ignored. */
  private generation = 0;
  private client: WhatsAppWebClientLike | undefined;
  private detachListeners: (() => void) | undefined;
  private current: WhatsAppWebState = 'stopped';
  private since: Date;
  private failures = 0;
  private cancelReconnect: (() => void) | undefined;
  private nextReconnectAt: Date | undefined;
  private cancelWatchdog: (() => void) | undefined;
  private codes: LinkingCodes = {};
  private lastError: string | undefined;
  private lastDisconnectReason: string | undefined;
  private whatsAppState: string | undefined;
  private running = false;

  constructor(private readonly options: WhatsAppWebConnectionOptions) {
    this.log = options.log;
    this.now = options.now ?? (() => new Date());
    this.handlers = options.handlers ?? {};
    this.initialDelayMs = options.reconnect?.initialDelayMs ?? 5_000;
    this.maxDelayMs = options.reconnect?.maxDelayMs ?? 5 * 60_000;
    this.random = options.random ?? Math.random;
    this.schedule = options.schedule ?? realScheduler;
    this.destroyTimeoutMs = options.destroyTimeoutMs ?? 20_000;
    this.watchdogIntervalMs = options.watchdogIntervalMs ?? 60_000;
    this.watchdogTimeoutMs = options.watchdogTimeoutMs ?? 15_000;
    this.since = this.now();
  }

  get state(): WhatsAppWebState {
    return this.current;
  }

  /** Starts linking in the background and returns at once: the helpline must not wait for a browser or a phone. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.failures = 0;
    this.setState('starting');
    this.connectInBackground();
  }

  /** Destroys the client and stops reconnecting. */
  async stop(): Promise<void> {
    this.running = false;
    this.generation += 1;
    this.clearReconnect();
    this.stopWatchdog();
    // A start still under way (a browser launching) sees it is no longer current and destroys what it made.
    await this.discardClient();
    this.codes = {};
    this.setState('stopped');
  }

  /** The client, when it can send; otherwise WhatsAppWebNotReadyError. */
  readyClient(): WhatsAppWebClientLike {
    if (this.current !== 'ready' || !this.client) throw new WhatsAppWebNotReadyError(this.current);
    return this.client;
  }

  /** What a supervisor needs to link a phone, while one is needed. */
  linkingCodes(): LinkingCodes {
    return { ...this.codes };
  }

  health(): WhatsAppWebHealth {
    const health: WhatsAppWebHealth = {
      state: this.current,
      since: this.since.toISOString(),
      reconnectAttempts: this.failures,
      linkingCodeAvailable: Boolean(this.codes.qr ?? this.codes.pairingCode),
    };
    if (this.whatsAppState) health.whatsAppState = this.whatsAppState;
    if (this.lastDisconnectReason) health.lastDisconnectReason = this.lastDisconnectReason;
    if (this.lastError) health.lastError = this.lastError;
    if (this.nextReconnectAt) health.nextReconnectAt = this.nextReconnectAt.toISOString();
    return health;
  }

  // ── Connecting ──────────────────────────────────────────────────────────────────────────────────────────────────

  private connectInBackground(): void {
    void this.connect().catch((error: unknown) => this.log(`[whatsapp-web] connecting failed unexpectedly: ${describeError(error)}`));
  }

  private async connect(): Promise<void> {
    this.generation += 1;
    const generation = this.generation;
    await this.discardClient();
    if (!this.isCurrent(generation)) return;
    this.codes = {};
    this.setState('starting');

    let client: WhatsAppWebClientLike;
    try {
      client = await this.options.clientFactory();
    } catch (error) {
      this.failed(generation, 'the client could not be created', error);
      return;
    }
    if (!this.isCurrent(generation)) {
      await this.destroyQuietly(client);
      return;
    }
    this.client = client;
    this.detachListeners = this.attach(client, generation);
    try {
      // The real client resolves this once WhatsApp Web is loaded and the QR (or the session) is in hand; the
      // connection's progress arrives as events.
      await Promise.resolve().then(() => client.initialize());
    } catch (error) {
      this.failed(generation, 'initialize() failed', error);
    }
  }

  private isCurrent(generation: number): boolean {
    return this.running && generation === this.generation;
  }

  private failed(generation: number, what: string, error: unknown): void {
    if (!this.isCurrent(generation)) return;
    this.lastError = `${what}: ${describeError(error)}`;
    this.log(`[whatsapp-web] ${this.lastError}`);
    this.stopWatchdog();
    this.setState('failed');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running || this.cancelReconnect) return;
    const ceiling = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** Math.min(this.failures, 30));
    // Half fixed, half random: spread out, yet never much sooner than the backoff asks.
    const delayMs = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    this.failures += 1;
    this.nextReconnectAt = new Date(this.now().getTime() + delayMs);
    this.log(`[whatsapp-web] reconnecting in ${Math.round(delayMs / 1000)} s (attempt ${this.failures})`);
    this.cancelReconnect = this.schedule(
      () => {
        this.cancelReconnect = undefined;
        this.nextReconnectAt = undefined;
        if (this.running) this.connectInBackground();
      },
      delayMs,
      'reconnect',
    );
  }

  private clearReconnect(): void {
    this.cancelReconnect?.();
    this.cancelReconnect = undefined;
    this.nextReconnectAt = undefined;
  }

  private async discardClient(): Promise<void> {
    this.stopWatchdog();
    const client = this.client;
    this.client = undefined;
    this.detachListeners?.();
    this.detachListeners = undefined;
    if (client) await this.destroyQuietly(client);
  }

  private async destroyQuietly(client: WhatsAppWebClientLike): Promise<void> {
    try {
      await withTimeout(Promise.resolve().then(() => client.destroy()), this.destroyTimeoutMs, 'destroy()');
    } catch (error) {
      this.log(`[whatsapp-web] destroying the old client failed (going on without it): ${describeError(error)}`);
    }
  }

  // ── Events ──────────────────────────────────────────────────────────────────────────────────────────────────────

  private attach(client: WhatsAppWebClientLike, generation: number): () => void {
    const attached: Array<[string, Listener]> = [];
    const on = <Args extends unknown[]>(event: string, handle: (...args: Args) => void) => {
      // A listener that throws would throw into the library (inside a puppeteer callback): contain it here.
      const listener = (...args: Args) => {
        if (generation !== this.generation) return;
        try {
          handle(...args);
        } catch (error) {
          this.log(`[whatsapp-web] handling "${event}" failed: ${describeError(error)}`);
        }
      };
      client.on(event, listener as unknown as Listener);
      attached.push([event, listener as unknown as Listener]);
    };

    on('qr', (qr: unknown) => {
      if (typeof qr !== 'string' || qr === '') return;
      this.codes = { qr: { text: qr, receivedAt: this.now() } };
      this.clearReconnect();
      this.setState('qr_required');
      this.handlers.qr?.(qr);
    });
    on('code', (code: unknown) => {
      if (typeof code !== 'string' || code === '') return;
      this.codes = { ...this.codes, pairingCode: { code, receivedAt: this.now() } };
      this.clearReconnect();
      this.setState('qr_required');
      this.handlers.pairingCode?.(code);
    });
    on('authenticated', () => {
      this.codes = {};
      this.clearReconnect();
      this.setState('authenticated');
    });
    on('ready', () => {
      this.codes = {};
      this.clearReconnect();
      this.failures = 0;
      this.lastError = undefined;
      this.setState('ready');
      this.startWatchdog(generation);
    });
    on('auth_failure', (message: unknown) => {
      this.lastError = `auth_failure: ${describeError(message)}`;
      this.log(`[whatsapp-web] ${this.lastError}`);
      this.stopWatchdog();
      this.setState('failed');
      this.scheduleReconnect();
    });
    on('disconnected', (reason: unknown) => {
      this.lastDisconnectReason = describeError(reason);
      this.log(`[whatsapp-web] disconnected: ${this.lastDisconnectReason}`);
      this.stopWatchdog();
      this.setState('disconnected');
      this.scheduleReconnect();
    });
    on('change_state', (state: unknown) => {
      this.whatsAppState = describeError(state);
    });
    on('message', (message: WhatsAppWebMessageLike) => this.handlers.message?.(message, client));
    on('message_ack', (message: WhatsAppWebMessageLike, ack: unknown) => {
      if (typeof ack === 'number') this.handlers.ack?.(message, ack);
    });

    // An EventEmitter's 'error' with no listener throws and would end the process; this one stays on the client even
    // after it is discarded, since a dying browser may still emit.
    const swallowError = ((error: unknown) => this.log(`[whatsapp-web] client error: ${describeError(error)}`)) as unknown as Listener;
    client.on('error', swallowError);

    return () => {
      for (const [event, listener] of attached) {
        try {
          client.removeListener(event, listener);
        } catch (error) {
          this.log(`[whatsapp-web] could not remove a listener: ${describeError(error)}`);
        }
      }
    };
  }

  private setState(next: WhatsAppWebState): void {
    if (next === this.current) return;
    this.log(`[whatsapp-web] ${this.current} → ${next}`);
    this.current = next;
    this.since = this.now();
  }

  // ── Watchdog ────────────────────────────────────────────────────────────────────────────────────────────────────

  private startWatchdog(generation: number): void {
    this.stopWatchdog();
    if (this.watchdogIntervalMs <= 0) return;
    this.cancelWatchdog = this.schedule(
      () => {
        this.cancelWatchdog = undefined;
        void this.checkAlive(generation);
      },
      this.watchdogIntervalMs,
      'watchdog',
    );
  }

  private stopWatchdog(): void {
    this.cancelWatchdog?.();
    this.cancelWatchdog = undefined;
  }

  private async checkAlive(generation: number): Promise<void> {
    const client = this.client;
    if (!client || !this.isCurrent(generation) || this.current !== 'ready') return;
    try {
      const state = await withTimeout(Promise.resolve().then(() => client.getState()), this.watchdogTimeoutMs, 'getState()');
      if (!this.isCurrent(generation)) return;
      if (state) this.whatsAppState = describeError(state);
      this.startWatchdog(generation);
    } catch (error) {
      if (!this.isCurrent(generation) || this.current !== 'ready') return;
      this.lastDisconnectReason = `not answering: ${describeError(error)}`;
      this.log(`[whatsapp-web] the client is ${this.lastDisconnectReason}`);
      this.setState('disconnected');
      this.scheduleReconnect();
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
