// A staff API on loopback for tests: listens on a free port and calls it as a client would (JSON in, JSON out).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
export type StaffApiCall = (method: string, path: string, token?: string, body?: unknown) => Promise<{ status: number; body: Json }>;

export async function listenOnLoopback(app: Express): Promise<{ server: Server; call: StaffApiCall }> {
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call: StaffApiCall = async (method, path, token, body) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return { server, call };
}
