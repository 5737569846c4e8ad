// The agent console in a real Chromium (playwright-core), against the whole helpline (createHelpline, as `npm start`
// runs it) on a real database. A consumer in Web Chat (window 1) asks for a person and then types markup meant to run
// script; an agent in the console (window 2) logs in, sees the request arrive by server push, opens it and sees the
// markup as plain text — no element made, no dialog — accepts, replies, opens a ticket in the consumer's name, records
// a resolution claim with a photo as evidence, and hands the chat back; the consumer sees each step in their chat.
// Screenshots go to test-artifacts/agent-console-*.png.
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { texts } from '../../dialogs/texts.js';
import type { Helpline } from '../../server/helpline.js';
import { ConsumerMediaService } from '../../services/consumerMediaService.js';
import { Directory } from '../../services/directory.js';
import { collectPageProblems, launchChromium } from '../support/browser.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { useTestDatabase } from '../support/testDatabase.js';

const artifacts = 'test-artifacts';
const db = useTestDatabase('e2e_agent_console');
const directory = Directory.loadDefault();
const hi = texts.hi;
const hostile = '<img src=x onerror=alert(1)>';
const png = await sharp({ create: { width: 48, height: 36, channels: 3, background: '#3a7' } }).png().toBuffer();

let served: ServedHelpline;
let helpline: Helpline;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  served = await serveHelpline(db, directory, { handoffStreamPollMs: 500 });
  ({ helpline, baseUrl } = served);
  await helpline.staffAuth.createUser({ username: 'asha', password: 'asha-e2e-password', role: 'agent', name: 'Asha Verma' }, { role: 'system', id: 'e2e-test' });
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

/** The consumer's Web Chat: type like a person, and wait for what the bot says. */
function webChat(page: Page) {
  const sendBox = page.locator('[data-id="webchat-sendbox-input"]');
  const botBubbles = page.locator('.webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content');
  return {
    sendBox,
    botBubbles,
    async type(text: string) {
      await sendBox.fill(text);
      await sendBox.press('Enter');
    },
    botSays: (text: string) => botBubbles.filter({ hasText: text }).first().waitFor({ timeout: 20_000 }),
  };
}

it('log in, see the request pushed, read hostile markup as text, accept, reply, open a ticket, claim with evidence, hand back', { timeout: 90_000 }, async ({ onTestFailed }) => {
  const consumerContext = await browser.newContext({ locale: 'hi-IN', viewport: { width: 800, height: 900 } });
  const agentContext = await browser.newContext({ locale: 'en-IN', viewport: { width: 1400, height: 1000 } });
  const consumerPage = await consumerContext.newPage();
  const agentPage = await agentContext.newPage();
  const consumerProblems = collectPageProblems(consumerPage);
  const agentProblems = collectPageProblems(agentPage);
  onTestFailed(async () => {
    console.log(`[e2e] server log:\n${served.log.join('\n')}\n[e2e] agent page:\n${agentProblems.join('\n')}\n[e2e] consumer page:\n${consumerProblems.join('\n')}`);
    await agentPage.screenshot({ path: `${artifacts}/agent-console-failure.png`, fullPage: true }).catch(() => undefined);
    await consumerPage.screenshot({ path: `${artifacts}/agent-console-failure-consumer.png`, fullPage: true }).catch(() => undefined);
  });
  const chat = webChat(consumerPage);

  // ── The agent logs in first: the queue is empty and the stream is live.
  const agentResponse = await agentPage.goto(`${baseUrl}/agent`);
  expect(agentResponse?.headers()['content-security-policy']).toContain("script-src 'self'");
  await agentPage.fill('#login-form input[name=username]', 'asha');
  await agentPage.fill('#login-form input[name=password]', 'asha-e2e-password');
  await agentPage.click('#login-form button[type=submit]');
  await agentPage.locator('#connection[data-state=connected]').waitFor({ timeout: 10_000 });
  await expect.poll(() => agentPage.locator('#queue-empty').isVisible()).toBe(true);
  expect(await agentPage.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem('santushti.agent.token'))).toMatch(/^[A-Za-z0-9_-]{43}$/);

  // ── The consumer asks for a person, then sends markup that would run script if it were ever parsed as HTML.
  await consumerPage.goto(`${baseUrl}/`);
  await chat.sendBox.waitFor({ timeout: 30_000 });
  await chat.botSays(hi.welcome);
  await chat.type('किसी व्यक्ति से बात करनी है');
  // The queue notice is several lines; Web Chat renders each in its own paragraph, so match its first line.
  await chat.botSays(hi.handoffQueued({ position: 1, officeHours: '00:00-24:00', callbackAfterMinutes: 5 }).split('\n')[0]!);
  await chat.type(hostile);
  await chat.botSays(hi.handoffPassedOn);

  // ── Pushed to the console without a reload.
  const entry = agentPage.locator('#queue-list .queue-entry.status-waiting');
  await entry.waitFor({ timeout: 5_000 });
  await expect.poll(() => entry.textContent()).toMatch(/#1 waiting.*webchat.*asked for a person.*Hindi.*waited \d+:\d\d/);
  await agentPage.screenshot({ path: `${artifacts}/agent-console-1-queue.png`, fullPage: true });

  // ── Opened: the consumer's markup is text, and nothing ran or was created from it.
  await entry.locator('button').click();
  const consumerLines = agentPage.locator('#messages .from-consumer .text');
  await consumerLines.filter({ hasText: hostile }).waitFor({ timeout: 5_000 });
  expect(await consumerLines.last().textContent()).toBe(hostile);
  expect(await agentPage.locator('img').count()).toBe(0);
  expect(await agentPage.locator('#transcript .from-consumer .text').allTextContents()).toContain('किसी व्यक्ति से बात करनी है');

  // ── Accept: the consumer is told who joined.
  await agentPage.click('#accept');
  await chat.botSays(hi.handoffAccepted('Asha'));
  await agentPage.locator('#reply-form').waitFor({ state: 'visible', timeout: 5_000 });

  // ── Reply with Enter: it reaches the consumer's chat, and the console shows it as the agent's.
  const reply = 'नमस्ते, मैं आशा हूँ। आपकी शिकायत दर्ज कर रही हूँ।';
  await agentPage.fill('#reply-text', reply);
  expect(await agentPage.locator('#reply-count').textContent()).toBe(`${reply.length} / 2000`);
  await agentPage.press('#reply-text', 'Enter');
  await chat.botSays(reply);
  await agentPage.locator('#messages .from-agent .text', { hasText: reply }).waitFor({ timeout: 5_000 });

  // ── The consumer answers; it arrives in the console by push.
  await chat.type('गोमती नगर, मोबाइल 9876543210');
  await agentPage.locator('#messages .from-consumer .text', { hasText: 'मोबाइल 9876543210' }).waitFor({ timeout: 5_000 });
  await agentPage.screenshot({ path: `${artifacts}/agent-console-2-conversation.png`, fullPage: true });

  // ── A ticket in the consumer's name: it shows in the panel.
  await agentPage.selectOption('#ticket-form select[name=category]', 'supply');
  await agentPage.fill('#ticket-form input[name=district]', 'Lucknow');
  await agentPage.fill('#ticket-form input[name=locality]', 'Gomti Nagar');
  await agentPage.fill('#ticket-form input[name=mobile]', '9876543210');
  await agentPage.fill('#ticket-form textarea[name=description]', 'गोमती नगर में सुबह से बिजली नहीं है');
  await agentPage.click('#ticket-form button[type=submit]');
  const ticketButton = agentPage.locator('#ticket-list button');
  await ticketButton.first().waitFor({ timeout: 5_000 });
  const ticketNumber = (await ticketButton.first().getAttribute('data-number'))!;
  expect(ticketNumber).toMatch(/^UP-\d{6}-\d{5}$/);
  expect(await agentPage.locator('#ticket-error').textContent()).toBe(`Ticket ${ticketNumber} opened.`);

  // ── A resolution claim on the officer's word, with a photo as evidence.
  const claimNote = 'JE ने बताया: फीडर का फ्यूज बदल दिया, सप्लाई चालू है';
  await agentPage.selectOption('#note-form select[name=kind]', 'resolution');
  await agentPage.fill('#note-form textarea[name=note]', claimNote);
  await agentPage.setInputFiles('#note-form input[name=files]', { name: '../../खंभा.png', mimeType: 'image/png', buffer: png });
  await agentPage.click('#note-form button[type=submit]');
  const claimed = agentPage.locator('#ticket-events .event[data-type=resolution_claimed]');
  await claimed.waitFor({ timeout: 10_000 });
  expect(await claimed.locator('.event-type').textContent()).toBe('resolution claimed');
  expect(await claimed.locator('button.link').count()).toBe(1);
  // The claim's photo as a thumbnail the server re-encoded, fetched with the session (issue 14 item 5).
  const uploaded = agentPage.locator('#ticket-media li[data-kind=photo] img').first();
  await uploaded.waitFor({ timeout: 10_000 });
  expect(await uploaded.getAttribute('src')).toMatch(/^blob:/);
  await expect.poll(() => uploaded.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBe(48);
  // The consumer's own photo and voice note: a thumbnail the server re-encoded and a player, fetched with the session.
  const registered = await helpline.tickets.get(ticketNumber);
  const consumerActor = { role: 'consumer', channel: registered.consumer.channel, channelUserId: registered.consumer.channelUserId } as const;
  const media = new ConsumerMediaService(db.models, helpline.tickets);
  const photo = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c83' } }).jpeg().toBuffer();
  expect(await media.accept(consumerActor, { data: photo }, 'webchat')).toMatchObject({ outcome: 'attached', ticketNumber, kind: 'photo' });
  expect(await media.accept(consumerActor, { data: Buffer.concat([Buffer.from('OggS'), Buffer.alloc(1_000, 2)]) }, 'webchat')).toMatchObject({ outcome: 'attached', kind: 'voice' });
  await ticketButton.first().click();
  const thumbnail = agentPage.locator('#ticket-media img').nth(1);
  await thumbnail.waitFor({ timeout: 10_000 });
  expect(await thumbnail.getAttribute('src')).toMatch(/^blob:/);
  expect(await thumbnail.getAttribute('alt')).toBe('Photo (click for the full picture) — the consumer');
  await expect.poll(() => thumbnail.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBe(40);
  const player = agentPage.locator('#ticket-media audio');
  await player.waitFor({ timeout: 10_000 });
  expect(await player.getAttribute('src')).toMatch(/^blob:/);
  expect(await player.getAttribute('aria-label')).toBe('Voice note — the consumer');
  await agentPage.screenshot({ path: `${artifacts}/agent-console-3-ticket.png`, fullPage: true });
  // The ticket is the consumer's: the question whether it is fixed reaches their chat, in the officer's name (the
  // agent only relayed the officer's word).
  const jeName = directory.officerById('je-gomti-nagar-1')!.name;
  const question = chat.botBubbles.filter({ hasText: ticketNumber }).filter({ hasText: claimNote });
  await question.first().waitFor({ timeout: 15_000 });
  expect(await question.first().textContent()).toContain(jeName);

  // ── Hand back: the bot says it is back; the console shows the chat handed back and the queue empty.
  await agentPage.click('#complete');
  await chat.botSays(hi.handoffCompleted);
  await expect.poll(() => agentPage.locator('#conversation-meta').textContent(), { timeout: 5_000 }).toMatch(/^handed back/);
  await expect.poll(() => agentPage.locator('#queue-list .queue-entry').count(), { timeout: 5_000 }).toBe(0);

  // ── Every label in Hindi at a click.
  await agentPage.click('#language-toggle');
  expect(await agentPage.locator('#queue-title').textContent()).toBe('कतार');
  expect(await agentPage.locator('#conversation-meta').textContent()).toMatch(/^बॉट को सौंपा/);
  expect(await agentPage.locator('html').getAttribute('lang')).toBe('hi');
  await expect.poll(() => claimed.locator('.event-type').textContent()).toBe('समाधान का दावा');
  await expect.poll(() => agentPage.locator('#ticket-list button').first().textContent()).toBe(`${ticketNumber} · बिजली नहीं · उपभोक्ता के जवाब की प्रतीक्षा`);
  await agentPage.screenshot({ path: `${artifacts}/agent-console-4-handed-back-hindi.png`, fullPage: true });
  await consumerPage.screenshot({ path: `${artifacts}/agent-console-5-consumer.png`, fullPage: true });

  // ── As stored: the consumer's ticket, registered by the agent, waiting for the consumer's own answer.
  const ticket = await helpline.tickets.get(ticketNumber);
  expect(ticket.status).toBe('awaiting_confirmation');
  expect(ticket.consumer).toMatchObject({ channel: 'webchat', mobile: '9876543210' });
  expect(ticket.events[0]).toMatchObject({ type: 'ticket.registered', actor: { role: 'agent', id: 'asha' }, channel: 'console' });
  const claim = ticket.events.find((event) => event.type === 'ticket.resolution_claimed');
  expect(claim).toMatchObject({ actor: { role: 'agent', id: 'asha' }, evidence: { note: claimNote } });
  const [fileId] = claim!.evidence!.files!;
  const file = await db.models.evidence.findById(fileId, { data: 0 }).lean();
  expect(file).toMatchObject({ ticketNumber, contentType: 'image/png', filename: 'खंभा.png' });

  // Nothing the consumer typed ran, on either page, and neither page broke its CSP.
  expect(agentProblems).toEqual([]);
  expect(consumerProblems).toEqual([]);
  await consumerContext.close();
  await agentContext.close();
});
