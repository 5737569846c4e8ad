// The agent console's page and assets at /agent: served with a strict Content Security Policy, and a script that
// never turns received text into markup (the browser test shows it end to end; this keeps the rule from eroding).
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { agentConsolePolicy, createAgentConsoleRouter } from '../../server/agentConsole/agentConsoleRouter.js';

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  const app = express();
  app.use('/agent', createAgentConsoleRouter());
  server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

it('serves the page with scripts and styles from this origin only, no framing, no inline code', async () => {
  const response = await fetch(`${baseUrl}/agent`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const policy = response.headers.get('content-security-policy');
  expect(policy).toBe(agentConsolePolicy);
  expect(policy).toContain("script-src 'self';");
  expect(policy).toContain("style-src 'self';");
  expect(policy).not.toContain('unsafe');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  const page = await response.text();
  expect(page).not.toMatch(/<script>|<script [^>]*>[^<]+<\/script>|<style>| on\w+=/);
});

it('serves its script and style sheet', async () => {
  const script = await fetch(`${baseUrl}/agent/console.js`);
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
  expect((await fetch(`${baseUrl}/agent/console.css`)).headers.get('content-type')).toMatch(/^text\/css/);
  expect((await fetch(`${baseUrl}/agent/../server/main.ts`)).status).toBe(404);
});

it('the script writes text with textContent only: no HTML sinks', () => {
  const source = readFileSync(new URL('../../web/agent/console.js', import.meta.url), 'utf8');
  expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
  expect(source).toContain('textContent');
});
