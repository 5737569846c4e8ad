// Server push for the agent console: `GET /api/handoffs/stream`, Server-Sent Events read with fetch() (EventSource
// cannot send the Authorization header, and a session token never goes into a URL).
//
// The database is the source of truth, so a change made by another process on the same database (scale-out) reaches
// every console: one poller per process — not per client — reads the queue (`active_handoffs`, open handoffs only)
// and, by `_id`, a fingerprint of each handoff some client has open (read whole only when that moved), every
// `pollIntervalMs`; each client keeps the fingerprint of what it was last sent and gets an event only when that
// differs. Writes made in this process wake the poller at once (LiveHandoffService's onChange), so the local case does
// not wait for the next poll.
//
// Events: `queue` ({handoffs}, as GET /api/handoffs answers) on connect and on every change; `handoff` ({handoff}, as
// GET /api/handoffs/{id}) for the one handoff named by `?handoff=<id>`, on connect and on every new message or status;
// `end` ({reason}) just before the server ends the stream (session no longer valid, or replaced by a newer stream).
import type { Response, Router } from 'express';
import express from 'express';
import { z } from 'zod';
import type { HandoffDesk } from '../../bot/liveHandoff.js';
import { UnauthenticatedError } from '../../services/errors.js';
import type { HandoffVersions } from '../../services/handoffVersions.js';
import type { HandoffDetail, HandoffQueueEntry } from '../../services/liveHandoffService.js';
import type { StaffAuthService, StaffPrincipal } from '../../services/staffAuthService.js';
import { parseInput } from '../../services/ticketInput.js';
import { bearerToken, staffRoute } from './staffRoute.js';

export interface HandoffStreamOptions {
  /** How often the database is read while any console is connected. Default 1 s. */
  pollIntervalMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream. Default 15 s. */
  heartbeatMs?: number;
  /** How often each stream's session is checked again (expiry, logout, disabled account). Default 5 s. */
  sessionCheckMs?: number;
  /** Streams one user may hold; a newer one ends the oldest. Default 4 (a few tabs, and a reconnect racing its predecessor). */
  maxStreamsPerUser?: number;
  log?: (line: string) => void;
}

export const handoffStreamQuerySchema = z.strictObject({
  handoff: z
    .string()
    .regex(/^handoff_[0-9a-f]{16}$/, 'is not a handoff id like handoff_0123456789abcdef')
    .optional()
    .meta({ description: 'Also stream this handoff (its messages and status) as `handoff` events.' }),
});

interface StreamClient {
  principal: StaffPrincipal;
  token: string;
  handoffId?: string;
  response: Response;
  sentQueue?: string;
  sentHandoff?: string;
  sessionCheckedAt: number;
  closed: boolean;
}

export type StreamEndReason = 'unauthenticated' | 'replaced' | 'shutdown';

export class HandoffStreamHub {
  private readonly clients = new Set<StreamClient>();
  private readonly pollIntervalMs: number;
  private readonly heartbeatMs: number;
  private readonly sessionCheckMs: number;
  private readonly maxStreamsPerUser: number;
  private readonly log: (line: string) => void;
  /** The fingerprint each open conversation had when it was last read whole. */
  private readonly readVersions = new Map<string, string>();
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;

  constructor(
    private readonly desk: Pick<HandoffDesk, 'list' | 'get'>,
    private readonly auth: StaffAuthService,
    /** Cheap fingerprints of open conversations (services/handoffVersions.ts): one is read whole only when it moved. */
    private readonly handoffVersions: HandoffVersions,
    options: HandoffStreamOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.sessionCheckMs = options.sessionCheckMs ?? 5_000;
    this.maxStreamsPerUser = options.maxStreamsPerUser ?? 4;
    this.log = options.log ?? (() => {});
  }

  /** Streams open now. */
  get size(): number {
    return this.clients.size;
  }

  /** Something changed in this process: poll now rather than at the next tick. */
  wake(): void {
    if (this.clients.size > 0) void this.poll();
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    for (const client of [...this.clients]) this.end(client, 'shutdown');
  }

  /** Opens a stream for an authenticated desk user; the request's lifetime is the stream's. */
  async open(principal: StaffPrincipal, token: string, handoffId: string | undefined, response: Response): Promise<void> {
    // Refuses officers (403) and unknown handoffs (404) while a normal JSON answer is still possible.
    const [queue, handoff] = await Promise.all([this.desk.list(principal), handoffId ? this.desk.get(principal, handoffId) : undefined]);
    // Gone while those were read: its close has already been and would never come again.
    if (response.socket?.destroyed !== false) return;

    const client: StreamClient = { principal, token, handoffId, response, sessionCheckedAt: Date.now(), closed: false };
    const own = [...this.clients].filter((other) => other.principal.username === principal.username);
    for (const oldest of own.slice(0, Math.max(0, own.length - this.maxStreamsPerUser + 1))) this.end(oldest, 'replaced');
    this.clients.add(client);
    // The response's close: the client went away, or the stream was ended here.
    response.on('close', () => this.remove(client));

    response.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
    });
    response.flushHeaders();
    this.sendQueue(client, queue);
    if (handoff) this.sendHandoff(client, handoff);
    this.startTimers();
  }

  private sendQueue(client: StreamClient, queue: HandoffQueueEntry[]): void {
    const fingerprint = queueFingerprint(queue);
    if (client.sentQueue === fingerprint) return;
    client.sentQueue = fingerprint;
    this.write(client, 'queue', { handoffs: queue });
  }

  private sendHandoff(client: StreamClient, handoff: HandoffDetail): void {
    const fingerprint = handoffFingerprint(handoff);
    if (client.sentHandoff === fingerprint) return;
    client.sentHandoff = fingerprint;
    this.write(client, 'handoff', { handoff });
  }

  private write(client: StreamClient, event: string, data: unknown): void {
    if (client.closed) return;
    client.response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private end(client: StreamClient, reason: StreamEndReason): void {
    this.write(client, 'end', { reason });
    this.remove(client);
    client.response.end();
  }

  private remove(client: StreamClient): void {
    client.closed = true;
    this.clients.delete(client);
    if (this.clients.size === 0) this.stopTimers();
  }

  private startTimers(): void {
    this.pollTimer ??= setInterval(() => void this.poll(), this.pollIntervalMs).unref();
    this.heartbeatTimer ??= setInterval(() => {
      for (const client of this.clients) if (!client.closed) client.response.write(': heartbeat\n\n');
    }, this.heartbeatMs).unref();
  }

  private stopTimers(): void {
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    this.pollTimer = undefined;
    this.heartbeatTimer = undefined;
  }

  /** One poll at a time; a wake-up during a poll runs one more right after, so no change waits for the next tick. */
  private poll(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return this.polling;
    }
    this.polling = (async () => {
      do {
        this.pollAgain = false;
        try {
          await this.pollOnce();
        } catch (error) {
          this.log(`[handoff-stream] poll failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      } while (this.pollAgain && this.clients.size > 0);
    })().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    await this.recheckSessions();
    const clients = [...this.clients];
    const reader = clients[0]?.principal;
    if (!reader) return;
    // Every client here is an agent or a supervisor, and both see the same queue and handoffs: one read serves all.
    const queue = await this.desk.list(reader);
    const handoffIds = [...new Set(clients.flatMap((client) => (client.handoffId ? [client.handoffId] : [])))];
    const versions = await this.handoffVersions(handoffIds);
    const changed = handoffIds.filter((id) => versions.get(id) !== this.readVersions.get(id));
    const handoffs = new Map(await Promise.all(changed.map(async (id) => [id, await this.desk.get(reader, id)] as const)));
    for (const id of this.readVersions.keys()) if (!handoffIds.includes(id)) this.readVersions.delete(id);
    for (const id of changed) if (versions.has(id)) this.readVersions.set(id, versions.get(id)!);
    for (const client of clients) {
      this.sendQueue(client, queue);
      const handoff = client.handoffId ? handoffs.get(client.handoffId) : undefined;
      if (handoff) this.sendHandoff(client, handoff);
    }
  }

  /** A session that expired, was logged out, or whose user was disabled (or lost the desk role) ends its stream. */
  private async recheckSessions(): Promise<void> {
    const due = [...this.clients].filter((client) => Date.now() - client.sessionCheckedAt >= this.sessionCheckMs);
    await Promise.all(
      due.map(async (client) => {
        try {
          const principal = await this.auth.authenticate(client.token);
          if (principal.role !== 'agent' && principal.role !== 'supervisor') throw new UnauthenticatedError('No longer at the desk.');
          client.principal = principal;
          client.sessionCheckedAt = Date.now();
        } catch (error) {
          if (!(error instanceof UnauthenticatedError)) throw error;
          this.end(client, 'unauthenticated');
        }
      }),
    );
  }
}

/** What a console shows of the queue, without the waiting time (the console counts that itself). */
function queueFingerprint(queue: HandoffQueueEntry[]): string {
  return JSON.stringify(queue.map(({ id, status, agent, acceptedAt }) => [id, status, agent?.username, acceptedAt]));
}

function handoffFingerprint(handoff: HandoffDetail): string {
  const last = handoff.messages.at(-1);
  return JSON.stringify([handoff.status, handoff.agent?.username, handoff.endedAt, handoff.messages.length, last?.at, last?.text]);
}

/** Mounted at /api before the staff API router, whose `/handoffs/:id` would otherwise take "stream" for an id. */
export function createHandoffStreamRouter({ auth, hub }: { auth: StaffAuthService; hub: HandoffStreamHub }): Router {
  const router = express.Router();
  const asStaff = staffRoute(auth);
  router.get(
    '/handoffs/stream',
    asStaff(async (principal, request, response) => {
      const query = parseInput(handoffStreamQuerySchema, request.query);
      await hub.open(principal, bearerToken(request)!, query.handoff, response);
    }),
  );
  return router;
}
