// The consumer page in a real browser (Chromium through playwright-core): the official Web Chat bundle talks to our
// Direct Line over its WebSocket stream (Web Chat's default), under the page's CSP; a reload keeps the consumer and
// their conversation.
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DirectLineAdapter, type BotLogic } from '../../bot/adapters/directLineAdapter.js';
import { createApp } from '../../server/app.js';
import { createDirectLineRouter } from '../../server/directLine/directLineRouter.js';
import { DirectLineTokenService } from '../../server/directLine/tokenService.js';
import { createWebChatPageRouter } from '../../server/directLine/webChatPageRouter.js';
import { DirectLineStreamHub, streamSourceFor } from '../../server/directLine/directLineStream.js';
import { collectPageProblems, launchChromium, recordSessions } from '../support/browser.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('directline_page');

const echoBot: BotLogic = async (context) => {
  const { activity } = context;
  if (activity.type === 'conversationUpdate') {
    if (activity.membersAdded?.some((member) => member.id !== activity.recipient.id)) await context.sendActivity('नमस्ते! Welcome to Santushti.');
    return;
  }
  // Consumer text quoted by the bot goes out as plain text: as markdown, Web Chat would render some of its HTML.
  if (activity.type === 'message') await context.sendActivity({ text: `Echo: ${activity.text ?? ''}`, textFormat: 'plain' });
};

let server: Server;
let baseUrl: string;
let adapter: DirectLineAdapter;
let browser: Browser;
let stream: DirectLineStreamHub;

beforeAll(async () => {
  adapter = new DirectLineAdapter(db.models);
  const tokens = new DirectLineTokenService('browser-test-directline-secret-0123456789');
  stream = new DirectLineStreamHub({ tokens, source: streamSourceFor(adapter, echoBot) });
  const app = createApp({
    connection: db.connection,
    routers: [
      ['/v3/directline', createDirectLineRouter({ adapter, tokens, logic: echoBot, stream })],
      ['/', createWebChatPageRouter({ adapter, tokens, logic: echoBot, cookieSecret: 'browser-test-cookie-secret-0123456789ab' })],
    ],
  });
  server = app.listen(0, '127.0.0.1');
  stream.attach(server);
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await adapter?.idle();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

it('chats through Web Chat, survives a reload, and renders consumer text as text', { timeout: 90_000 }, async () => {
  const context = await browser.newContext({ locale: 'hi-IN', viewport: { width: 900, height: 900 } });
  const page = await context.newPage();
  const problems = collectPageProblems(page);
  const sessions = recordSessions(page);

  await page.goto(`${baseUrl}/`);
  expect(await page.title()).toBe('Santushti — बिजली शिकायत / Electricity complaints');
  const sendBox = page.locator('[data-id="webchat-sendbox-input"]');
  // Bubbles only: Web Chat also repeats each message in screen-reader live regions.
  const bubble = (text: string) => page.locator('.webchat__bubble__content').getByText(text, { exact: true });
  await sendBox.waitFor({ timeout: 30_000 });
  expect(await sendBox.getAttribute('placeholder')).toBe('अपना संदेश लिखें');
  await bubble('नमस्ते! Welcome to Santushti.').waitFor({ timeout: 15_000 });
  // Web Chat's default transport, under the page's CSP (connect-src 'self' admits ws:// to the same host): the stream.
  expect(stream.connections).toBe(1);

  const complaint = 'मेरे घर की बिजली सुबह से नहीं है';
  await sendBox.fill(complaint);
  await sendBox.press('Enter');
  await bubble(`Echo: ${complaint}`).waitFor({ timeout: 15_000 });
  // Sent, not "sending" or "failed": the echo carried the clientActivityID back with an id.
  await expect.poll(() => page.getByText('भेजी जा रही है').count(), { timeout: 10_000 }).toBe(0);
  expect(await page.getByText('भेजना विफल').count()).toBe(0);

  const hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
  await sendBox.fill(hostile);
  await sendBox.press('Enter');
  await bubble(`Echo: ${hostile}`).waitFor({ timeout: 15_000 });
  expect(await bubble(hostile).count()).toBe(1);
  expect(await page.locator('.webchat__bubble__content img, .webchat__bubble__content script').count()).toBe(0);

  await page.reload();
  await sendBox.waitFor({ timeout: 30_000 });
  await bubble(`Echo: ${complaint}`).waitFor({ timeout: 15_000 });
  expect(await bubble(complaint).count()).toBe(1);
  expect(await bubble('नमस्ते! Welcome to Santushti.').count()).toBe(1);
  await expect.poll(() => sessions.length).toBe(2);
  expect(sessions[1]).toBe(sessions[0]);
  const cookies = await context.cookies();
  const identity = cookies.find((cookie) => cookie.name === 'santushti_webchat_user');
  expect(identity).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

  await expect.poll(() => page.getByText('कनेक्ट किया जा रहा है').count(), { timeout: 10_000 }).toBe(0);
  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/directline-webchat.png', fullPage: true });

  await page.locator('#language-toggle').click();
  await expect.poll(() => sendBox.getAttribute('placeholder')).toBe('Type your message');
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  expect(await page.locator('#language-toggle').textContent()).toBe('हिन्दी');
  await sendBox.fill('still the same conversation');
  await sendBox.press('Enter');
  await bubble('Echo: still the same conversation').waitFor({ timeout: 15_000 });
  const transcript = (await adapter.transcript(sessions[0] ?? '')) ?? [];
  expect(transcript.find((activity) => activity.text === 'still the same conversation')?.locale).toBe('en-US');
  await page.screenshot({ path: 'test-artifacts/directline-webchat-english.png', fullPage: true });

  expect(problems).toEqual([]);
  await context.close();
});

it('renews an expired token without losing the conversation', { timeout: 90_000 }, async () => {
  // The server's clock jumps 31 minutes ahead, as if the laptop had slept: the page's token is now expired.
  let clockSkewMs = 0;
  const skewedTokens = new DirectLineTokenService('browser-test-directline-secret-0123456789', { clock: () => Date.now() + clockSkewMs });
  // The stream checks its token at each heartbeat (every second here): an expired one ends the stream.
  const skewedStream = new DirectLineStreamHub({ tokens: skewedTokens, source: streamSourceFor(adapter, echoBot), heartbeatMs: 1_000 });
  const app = createApp({
    connection: db.connection,
    routers: [
      ['/v3/directline', createDirectLineRouter({ adapter, tokens: skewedTokens, logic: echoBot, stream: skewedStream })],
      ['/', createWebChatPageRouter({ adapter, tokens: skewedTokens, logic: echoBot, cookieSecret: 'browser-test-cookie-secret-0123456789ab' })],
    ],
  });
  const skewed = app.listen(0, '127.0.0.1');
  skewedStream.attach(skewed);
  await once(skewed, 'listening');
  const context = await browser.newContext({ locale: 'hi-IN' });
  try {
    const page = await context.newPage();
    const statuses: string[] = [];
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (path.startsWith('/v3/') || path === '/webchat/session') statuses.push(`${response.status()} ${response.request().method()} ${path}`);
    });
    await page.goto(`http://127.0.0.1:${(skewed.address() as AddressInfo).port}/`);
    const sendBox = page.locator('[data-id="webchat-sendbox-input"]');
    const bubble = (text: string) => page.locator('.webchat__bubble__content').getByText(text, { exact: true });
    await sendBox.waitFor({ timeout: 30_000 });
    await bubble('नमस्ते! Welcome to Santushti.').waitFor({ timeout: 15_000 });

    clockSkewMs = 31 * 60 * 1000;
    // Over the stream the expiry shows when the stream is closed (next heartbeat) and directlinejs, after its 3–15 s
    // back-off, asks to reconnect with the expired token: 403.
    await expect.poll(() => statuses.filter((status) => status.startsWith('403')).length, { timeout: 25_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => statuses.filter((status) => status === '200 POST /webchat/session').length, { timeout: 10_000 }).toBe(2);

    await sendBox.fill('after the token expired');
    await sendBox.press('Enter');
    await bubble('Echo: after the token expired').waitFor({ timeout: 15_000 });
    expect(await bubble('नमस्ते! Welcome to Santushti.').count()).toBe(1);
  } finally {
    await context.close();
    skewed.closeAllConnections();
    await new Promise<void>((resolve) => skewed.close(() => resolve()));
  }
});
