// A staff API on loopback for tests: listens on a free port and calls it as a client would (JSON in, JSON out).
import type { Server } from 'node:http';
import type { Helpline } from '../../server/helpline.js';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { StaffAuthService } from '../../services/staffAuthService.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
export type StaffApiCall = (method: string, path: string, token?: string, body?: unknown) => Promise<{ status: number; body: Json }>;

export async function listenOnLoopback(app: Express): Promise<{ server: Server; call: StaffApiCall }> {
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  return { server, call: staffApiCaller(`http://127.0.0.1:${(server.address() as AddressInfo).port}`) };
}

/** Calls `<origin>/api<path>` with an optional bearer token and JSON body. */
export function staffApiCaller(origin: string): StaffApiCall {
  return async (method, path, token, body) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${origin}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** An agent's session on a running helpline, and the open handoff of one consumer (found through its detail). */
export async function agentDesk(call: StaffApiCall, staffAuth: StaffAuthService, account: { username: string; password: string; name: string }) {
  await staffAuth.createUser({ ...account, role: 'agent' }, { role: 'system', id: 'test-operator' });
  const { token } = await staffAuth.login({ username: account.username, password: account.password }, '127.0.0.1');
  return {
    token,
    async handoffOf(consumerDigits: string): Promise<string> {
      const { handoffs } = (await call('GET', '/handoffs', token)).body as { handoffs: Array<{ id: string }> };
      for (const { id } of handoffs) {
        const detail = (await call('GET', `/handoffs/${id}`, token)).body.handoff as { consumerKey: string; status: string };
        if (detail.consumerKey.includes(consumerDigits) && detail.status !== 'completed') return id;
      }
      throw new Error(`no open handoff for ${consumerDigits}`);
    },
  };
}

/** Stops a whole helpline under test: its HTTP server first (Web Chat's polling keeps connections open), then its workers. */
export async function closeHelpline(server: Server | undefined, helpline: Helpline | undefined): Promise<void> {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await helpline?.stop();
}
