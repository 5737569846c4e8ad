// The Direct Line 3.0 stream: `GET /v3/directline/conversations/:id/stream?watermark=W&t=<token>` upgraded to a
// WebSocket (the `ws` library, noServer, on the HTTP server's 'upgrade' event) that pushes the conversation's activities
// as ActivitySet frames `{"activities":[…],"watermark":"N"}` and an empty frame as a heartbeat, as the official
// directlinejs / Web Chat client expects in its default WebSocket mode.
//
// Fed from the database, not from this process's memory, so a reply stored by any process reaches the client:
// - fast path: the store tells this process of each activity it stores here (`onStored`, with the activity): the very
//   next one is sent as it is, without reading it back; otherwise that stream reads at once;
// - every `pollIntervalMs`, ONE query per process asks which of its streamed conversations have a newer head
//   (`conversationHeads`, `_id: {$in}` with a projection), whatever the number of connections.
// Activities are read only through `read` (the function GET /activities uses), so the stream and polling never differ.
//
// Rules (docs/direct-line-stream.md): the token's rules as for polling (a token for another conversation is refused);
// one stream per conversation in a process — a newer one replaces the older, closed with reason "collision" (Direct
// Line allows one; a reconnecting client must not be locked out by its own half-dead socket); reconnecting with the
// watermark resends what came after it; at most `maxStreamsPerAddress` per client address; clients may only send
// small keep-alive frames (`maxPayloadBytes`); a stream that hears nothing from its client (no pong, no keep-alive)
// for `idleTimeoutMs` is closed, and so is one whose token has expired (checked at each heartbeat).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { WebSocket, WebSocketServer } from 'ws';
import type { ActivityJson, ActivityPage, BotLogic, ConversationHead, DirectLineAdapter, StoredListener } from '../../bot/adapters/directLineAdapter.js';
import type { DirectLineTokenService } from './tokenService.js';

/** Where a stream's activities come from: the same reads as polling, and one query for many conversations' heads. */
export interface StreamSource {
  /** The activities after `watermark` (at most a page); null when the conversation does not exist. */
  read(conversationId: string, watermark: number): Promise<ActivityPage | null>;
  /** Heads of the given conversations, in one query. */
  heads(conversationIds: string[]): Promise<Map<string, ConversationHead>>;
  /**
   * Subscribes to writes of this process that stored activities (the new watermark, and each activity's seq and JSON
   * exactly as a read returns them);
   * returns the unsubscribe function.
   */
  onStored(listener: StoredListener): () => void;
}

/**
 * The web chat adapter as a stream source: reads exactly what GET /activities reads (readActivities, which also
 * resumes a turn a dead process left unfinished), heads from its conversation documents, and its "stored" hook.
 */
export function streamSourceFor(adapter: DirectLineAdapter, logic: BotLogic): StreamSource {
  return {
    read: (conversationId, watermark) => adapter.readActivities(conversationId, watermark, logic),
    heads: (conversationIds) => adapter.store.conversationHeads(conversationIds),
    onStored: (listener) => adapter.store.onStored(listener),
  };
}

export interface DirectLineStreamOptions {
  tokens: DirectLineTokenService;
  source: StreamSource;
  /** Where the Direct Line routes are mounted. Default '/v3/directline'. */
  basePath?: string;
  /** The client's address (behind a proxy, the real one as TRUST_PROXY says); default the socket's peer. */
  addressOf?: (request: IncomingMessage) => string;
  /** How often this process asks the database which streamed conversations have new activities. Default 150 ms. */
  pollIntervalMs?: number;
  /** How often an empty frame (and a WebSocket ping) goes to each client. Default 15 s. */
  heartbeatMs?: number;
  /** A stream whose client sent nothing (no pong, no keep-alive) for this long is closed. Default 60 s. */
  idleTimeoutMs?: number;
  /** The largest frame a client may send (directlinejs only sends empty keep-alives). Default 4 kB. */
  maxPayloadBytes?: number;
  /** Concurrent streams one client address may hold in this process. Default 50 (many phones share a carrier's address). */
  maxStreamsPerAddress?: number;
  /** A client that lets this much of our data pile up unread is dropped (it reconnects with its watermark). Default 1 MB. */
  maxBufferedBytes?: number;
  /** How often a stream whose conversation has a consumer's turn pending re-reads (which resumes a dead process's turn). Default 2 s. */
  pendingRecheckMs?: number;
  log?: (line: string) => void;
}

/** Close codes (4000–4999 are the application's). */
export const streamCloseCodes = { collision: 4409, idle: 4408, tokenExpired: 4403, conversationGone: 4404, slowClient: 4429, shutdown: 1001 } as const;

const conversationIdPattern = /^[A-Za-z0-9_-]{8,64}$/;
const watermarkPattern = /^\d{1,12}$/;

interface StreamConnection {
  conversationId: string;
  socket: WebSocket;
  address: string;
  /** The token it was opened with (none for the secret): the stream lasts no longer than the token. */
  token?: string;
  watermark: number;
  pumping: boolean;
  again: boolean;
  lastHeardAt: number;
  lastPendingReadAt: number;
  closed: boolean;
}

type Refusal = { status: 400 | 401 | 403 | 404 | 429 | 503; code: string; message: string };

export class DirectLineStreamHub {
  private readonly webSockets: WebSocketServer;
  private readonly byConversation = new Map<string, StreamConnection>();
  private readonly perAddress = new Map<string, number>();
  private readonly servers = new Set<Server>();
  private readonly basePath: string;
  private readonly pollIntervalMs: number;
  private readonly heartbeatMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxStreamsPerAddress: number;
  private readonly maxBufferedBytes: number;
  private readonly pendingRecheckMs: number;
  private readonly log: (line: string) => void;
  private readonly unsubscribe: () => void;
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private closing = false;
  /** Database head queries made by the periodic check (for tests and the bench: one per tick, not per connection). */
  headQueries = 0;

  constructor(private readonly options: DirectLineStreamOptions) {
    this.basePath = (options.basePath ?? '/v3/directline').replace(/\/$/, '');
    this.pollIntervalMs = options.pollIntervalMs ?? 150;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.maxStreamsPerAddress = options.maxStreamsPerAddress ?? 50;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1_048_576;
    this.pendingRecheckMs = options.pendingRecheckMs ?? 2_000;
    this.log = options.log ?? ((line) => console.warn(line));
    this.webSockets = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes ?? 4_096, perMessageDeflate: false });
    this.unsubscribe = options.source.onStored((conversationId, watermark, stored) => {
      const connection = this.byConversation.get(conversationId);
      if (!connection) return;
      // The very next activities, and no read under way: sent as stored, without reading them back. Anything else (a
      // gap, a read in flight) goes through a read, which keeps the order.
      const next = stored.length > 0 && stored[0]!.seq === connection.watermark + 1 && stored.every((entry, index) => entry.seq === stored[0]!.seq + index);
      if (!connection.pumping && next && stored[stored.length - 1]!.seq === watermark) {
        this.deliver(connection, { activities: stored.map((entry) => JSON.parse(entry.json) as ActivityJson), watermark });
        return;
      }
      void this.pump(connection);
    });
  }

  /** Streams open in this process. */
  get connections(): number {
    return this.byConversation.size;
  }

  /**
   * The URL a client connects to: same host as the request, ws:// or wss:// as it came (the caller passes the
   * protocol express derived, which honours TRUST_PROXY), the token in `t` (a browser cannot set headers on a
   * WebSocket) and the watermark to resume after.
   */
  streamUrl(request: { protocol: string; host?: string }, conversationId: string, token: string, watermark?: string): string {
    const scheme = request.protocol === 'https' ? 'wss' : 'ws';
    const query = new URLSearchParams();
    if (watermark) query.set('watermark', watermark);
    query.set('t', token);
    // The Host header is the client's own: anything but a plain host[:port] is not echoed into a URL.
    const host = request.host && /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(request.host) ? request.host : 'localhost';
    return `${scheme}://${host}${this.basePath}/conversations/${encodeURIComponent(conversationId)}/stream?${query.toString()}`;
  }

  /**
   * Serves the stream on this HTTP server. Its close() first closes the streams (an upgraded socket would otherwise
   * hold it open forever).
   */
  attach(server: Server): void {
    if (this.servers.has(server)) return;
    this.servers.add(server);
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.handleUpgrade(server, request, socket, head);
    });
    const close = server.close.bind(server);
    server.close = ((callback?: (error?: Error) => void) => {
      this.closeStreams();
      return close(callback);
    }) as Server['close'];
    this.start();
  }

  /** Closes every stream and stops the timers (the helpline's stop()). */
  close(): void {
    this.closing = true;
    this.closeStreams();
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    this.pollTimer = undefined;
    this.heartbeatTimer = undefined;
    this.unsubscribe();
    this.webSockets.close();
  }

  private start(): void {
    if (this.pollTimer || this.closing) return;
    this.pollTimer = setInterval(() => void this.checkHeads(), this.pollIntervalMs);
    this.pollTimer.unref();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  private closeStreams(): void {
    for (const connection of [...this.byConversation.values()]) this.closeConnection(connection, streamCloseCodes.shutdown, 'server stopping');
  }

  private async handleUpgrade(server: Server, request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://stream.invalid');
    const prefix = `${this.basePath}/conversations/`;
    if (!url.pathname.startsWith(prefix) || !url.pathname.endsWith('/stream')) {
      // Another upgrade handler may serve it; with none, say so instead of leaving the socket hanging.
      if (server.listenerCount('upgrade') <= 1) refuse(socket, { status: 404, code: 'NotFound', message: 'No stream here.' });
      return;
    }
    socket.on('error', () => socket.destroy());
    const conversationId = decodeURIComponent(url.pathname.slice(prefix.length, -'/stream'.length));
    const verdict = this.authorize(request, url, conversationId);
    if ('status' in verdict) {
      refuse(socket, verdict);
      return;
    }
    const address = this.options.addressOf?.(request) ?? request.socket.remoteAddress ?? 'unknown';
    if ((this.perAddress.get(address) ?? 0) >= this.maxStreamsPerAddress) {
      refuse(socket, { status: 429, code: 'TooManyStreams', message: 'Too many open streams from this address.' });
      return;
    }
    let first: ActivityPage | null;
    try {
      first = await this.options.source.read(conversationId, verdict.watermark);
    } catch (error) {
      // 500 would be retried by directlinejs after its back-off, as a dropped stream is: nothing is lost.
      this.log(`[webchat] opening a stream failed: ${error instanceof Error ? error.message : String(error)}`);
      refuse(socket, { status: 503, code: 'Unavailable', message: 'Please reconnect in a moment.' });
      return;
    }
    if (!first) {
      refuse(socket, { status: 404, code: 'ConversationNotFound', message: 'No such conversation.' });
      return;
    }
    if (this.closing || socket.destroyed) {
      socket.destroy();
      return;
    }
    this.webSockets.handleUpgrade(request, socket, head, (webSocket) => this.open(webSocket, conversationId, address, verdict, first));
  }

  private authorize(request: IncomingMessage, url: URL, conversationId: string): Refusal | { watermark: number; token: string | undefined } {
    if (!conversationIdPattern.test(conversationId)) return { status: 404, code: 'ConversationNotFound', message: 'No such conversation.' };
    const watermarkText = url.searchParams.get('watermark') ?? '';
    if (watermarkText !== '' && !watermarkPattern.test(watermarkText)) return { status: 400, code: 'BadArgument', message: 'The watermark is not one this server gave out.' };
    const watermark = watermarkText === '' ? 0 : Number(watermarkText);
    const bearer = /^Bearer[ ]+(\S+)[ ]*$/i.exec(request.headers.authorization ?? '')?.[1];
    // The secret is accepted only in the header: a URL ends up in proxies' logs.
    if (bearer && this.options.tokens.isSecret(bearer)) return { watermark, token: undefined };
    const presented = url.searchParams.get('t') ?? bearer;
    if (!presented) return { status: 401, code: 'MissingAuthorization', message: 'Connect with the streamUrl the server gave (its t= token).' };
    const verification = this.options.tokens.verify(presented);
    if (!verification.valid) {
      return verification.reason === 'expired'
        ? { status: 403, code: 'TokenExpired', message: 'The token has expired; get a new one.' }
        : { status: 403, code: 'InvalidToken', message: 'The secret or token is not valid.' };
    }
    if (verification.claims.conversationId !== conversationId) return { status: 403, code: 'WrongConversation', message: 'The token is for another conversation.' };
    return { watermark, token: presented };
  }

  private open(socket: WebSocket, conversationId: string, address: string, admitted: { watermark: number; token: string | undefined }, first: ActivityPage): void {
    const connection: StreamConnection = {
      conversationId,
      socket,
      address,
      token: admitted.token,
      watermark: admitted.watermark,
      pumping: false,
      again: false,
      lastHeardAt: Date.now(),
      lastPendingReadAt: Date.now(),
      closed: false,
    };
    const older = this.byConversation.get(conversationId);
    if (older) this.closeConnection(older, streamCloseCodes.collision, 'collision');
    this.byConversation.set(conversationId, connection);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);

    const heard = () => {
      connection.lastHeardAt = Date.now();
    };
    // Whatever the client sends is only a sign of life: the stream is one-way, activities are POSTed.
    socket.on('message', heard);
    socket.on('pong', heard);
    socket.on('error', () => this.closeConnection(connection, 1011, 'error'));
    socket.on('close', () => this.forget(connection));

    this.deliver(connection, first);
    void this.pump(connection);
  }

  /** Sends a page (if it holds anything new) and moves the connection's watermark. */
  private deliver(connection: StreamConnection, page: ActivityPage): void {
    if (connection.closed) return;
    if (page.activities.length === 0 && page.watermark === connection.watermark) return;
    if (page.watermark < connection.watermark) return;
    connection.watermark = page.watermark;
    connection.socket.send(JSON.stringify({ activities: page.activities, watermark: String(page.watermark) }));
    if (connection.socket.bufferedAmount > this.maxBufferedBytes) this.closeConnection(connection, streamCloseCodes.slowClient, 'too slow');
  }

  /** Reads and sends everything after the connection's watermark; one read at a time per connection. */
  private async pump(connection: StreamConnection): Promise<void> {
    if (connection.closed) return;
    if (connection.pumping) {
      connection.again = true;
      return;
    }
    connection.pumping = true;
    try {
      do {
        connection.again = false;
        const before = connection.watermark;
        const page = await this.options.source.read(connection.conversationId, before);
        if (!page) {
          this.closeConnection(connection, streamCloseCodes.conversationGone, 'conversation ended');
          return;
        }
        this.deliver(connection, page);
        // A full page: there may be more right behind it.
        if (page.watermark > before && page.activities.length > 0) connection.again ||= page.activities.length >= 100;
      } while (connection.again && !connection.closed);
    } catch (error) {
      // The next tick tries again; a stream never dies of a database hiccup.
      this.log(`[webchat] stream read failed for ${connection.conversationId}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      connection.pumping = false;
    }
  }

  /** One query for every conversation streamed here: which have more than their client has seen. */
  private async checkHeads(): Promise<void> {
    if (this.polling || this.byConversation.size === 0) return;
    this.polling = true;
    try {
      const ids = [...this.byConversation.keys()];
      for (let from = 0; from < ids.length; from += 500) {
        const batch = ids.slice(from, from + 500);
        this.headQueries += 1;
        const heads = await this.options.source.heads(batch);
        const now = Date.now();
        for (const conversationId of batch) {
          const connection = this.byConversation.get(conversationId);
          if (!connection) continue;
          const head = heads.get(conversationId);
          if (!head) {
            // Deleted (expired) meanwhile: the read will confirm it and close the stream.
            void this.pump(connection);
            continue;
          }
          const pendingDue = head.turnPending && now - connection.lastPendingReadAt >= this.pendingRecheckMs;
          if (pendingDue) connection.lastPendingReadAt = now;
          if (head.head > connection.watermark || pendingDue) void this.pump(connection);
        }
      }
    } catch (error) {
      this.log(`[webchat] stream head check failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.polling = false;
    }
  }

  private heartbeat(): void {
    const now = Date.now();
    for (const connection of this.byConversation.values()) {
      if (now - connection.lastHeardAt > this.idleTimeoutMs) {
        this.closeConnection(connection, streamCloseCodes.idle, 'idle');
        continue;
      }
      // directlinejs then reconnects with the token it has refreshed meanwhile (or learns from a 403 that it expired).
      if (connection.token !== undefined && !this.options.tokens.verify(connection.token).valid) {
        this.closeConnection(connection, streamCloseCodes.tokenExpired, 'token expired');
        continue;
      }
      try {
        connection.socket.send('');
        connection.socket.ping();
      } catch {
        this.closeConnection(connection, 1011, 'error');
      }
    }
  }

  private closeConnection(connection: StreamConnection, code: number, reason: string): void {
    if (connection.closed) return;
    this.forget(connection);
    if (connection.socket.readyState === WebSocket.OPEN) {
      connection.socket.close(code, reason);
      // A client that never answers the close handshake is cut off.
      setTimeout(() => connection.socket.terminate(), 2_000).unref();
    } else {
      connection.socket.terminate();
    }
  }

  private forget(connection: StreamConnection): void {
    if (connection.closed) return;
    connection.closed = true;
    if (this.byConversation.get(connection.conversationId) === connection) this.byConversation.delete(connection.conversationId);
    const count = (this.perAddress.get(connection.address) ?? 1) - 1;
    if (count <= 0) this.perAddress.delete(connection.address);
    else this.perAddress.set(connection.address, count);
  }
}

const reasons: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

/** Answers an upgrade request with an HTTP error in Direct Line's shape, and closes the socket. */
function refuse(socket: Duplex, refusal: Refusal): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${reasons[refusal.status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-store\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/**
 * The client address of an upgrade request as express would see it for an ordinary request (its `trust proxy`
 * setting, i.e. TRUST_PROXY, decides whether X-Forwarded-For is believed).
 */
export function expressAddressOf(app: Express): (request: IncomingMessage) => string {
  return (request) => {
    const view = Object.assign(Object.create(app.request) as { ip?: string }, { headers: request.headers, socket: request.socket, connection: request.socket });
    return view.ip ?? request.socket.remoteAddress ?? 'unknown';
  };
}
