// Issue 14's "done when" for the officer page, in one real Chromium at a phone's viewport (360 × 740) against the whole
// helpline on a real database: a consumer registers a complaint in Web Chat (Hindi) and sends a photo and a location
// pin; the JE logs in at /officer, sees the new ticket with counts, opens it (the consumer's words, the photo as a
// thumbnail the server re-encoded, the pin), accepts and starts work (the consumer's chat is told), sends a progress
// note with an expected time (the consumer's chat shows the note), claims the resolution with a camera photo and a
// meter reading (thumbnails fetched with the session, never a public link); the consumer's "नहीं" puts the ticket on
// the SDO's page at once — the SDO (page in Hindi) accepts and starts work, which the consumer is told — and it is
// gone from the JE's. The consumer's photo and pin join the ticket through the consumers' media service (what the
// WhatsApp doors call).
// Screenshots go to test-artifacts/officer-*.png.
import { mkdirSync } from 'node:fs';
import sharp from 'sharp';
import webpush from 'web-push';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { texts } from '../../dialogs/texts.js';
import type { Helpline } from '../../server/helpline.js';
import { ConsumerMediaService } from '../../services/consumerMediaService.js';
import { Directory } from '../../services/directory.js';
import { collectPageProblems, launchChromium } from '../support/browser.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { chatOn } from '../support/webChatPage.js';

const artifacts = 'test-artifacts';
const db = useTestDatabase('e2e_officer_page');
const directory = Directory.loadDefault();
const operator = { role: 'system', id: 'e2e-test' } as const;
const hi = texts.hi;
const jeName = directory.officerById('je-gomti-nagar-1')?.name;
const sdoName = directory.officerById('sdo-gomti-nagar')?.name;
const je = { username: 'ramesh', password: 'ramesh-e2e-password', officerId: 'je-gomti-nagar-1' };
const sdo = { username: 'irfan', password: 'irfan-e2e-password', officerId: 'sdo-gomti-nagar' };
const phone = { width: 360, height: 740 };

let served: ServedHelpline;
let helpline: Helpline;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  served = await serveHelpline(db, directory, { officerAlerts: { vapid: { ...webpush.generateVAPIDKeys(), subject: 'mailto:helpline@example.test' } } });
  ({ helpline, baseUrl } = served);
  await helpline.staffAuth.createUser({ ...je, role: 'officer' }, operator);
  await helpline.staffAuth.createUser({ ...sdo, role: 'officer' }, operator);
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

/** Logs in with the keyboard only: type, Tab, type, Enter. */
async function logIn(page: Page, user: { username: string; password: string }) {
  await page.goto(`${baseUrl}/officer`);
  await page.locator('#login-form input[name=username]').focus();
  await page.keyboard.type(user.username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(user.password);
  await page.keyboard.press('Enter');
  await page.locator('#queue-view').waitFor({ state: 'visible', timeout: 15_000 });
}

it('issue 14 Done-when — JE on a phone: new ticket with the consumer\'s photo and pin, start work and a progress note (consumer told), claim with a photo; "नहीं" puts it on the SDO\'s page', { timeout: 150_000 }, async ({ onTestFailed }) => {
  expect(jeName).toBeDefined();
  expect(sdoName).toBeDefined();
  const consumerContext = await browser.newContext({ locale: 'hi-IN', viewport: { width: 800, height: 1000 } });
  const jeContext = await browser.newContext({ locale: 'en-IN', viewport: phone, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const sdoContext = await browser.newContext({ locale: 'hi-IN', viewport: phone, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const consumerPage = await consumerContext.newPage();
  const jePage = await jeContext.newPage();
  const sdoPage = await sdoContext.newPage();
  const problems = { consumer: collectPageProblems(consumerPage), je: collectPageProblems(jePage), sdo: collectPageProblems(sdoPage) };
  onTestFailed(async () => {
    console.log(`[officer] server log:\n${served.log.join('\n')}\n[officer] page problems: ${JSON.stringify(problems)}`);
    for (const [name, page] of Object.entries({ consumer: consumerPage, je: jePage, sdo: sdoPage })) {
      await page.screenshot({ path: `${artifacts}/officer-failure-${name}.png`, fullPage: true }).catch(() => undefined);
    }
  });
  const chat = chatOn(consumerPage, artifacts);

  // ── The consumer registers a complaint in Hindi.
  await consumerPage.goto(`${baseUrl}/`);
  await chat.sendBox.waitFor({ timeout: 30_000 });
  await chat.botSays(hi.welcome);
  const complaint = 'गोमती नगर में 5 घंटे से बिजली नहीं है';
  await chat.complainInHindi(complaint, '9876543210');
  await chat.type('हाँ');
  const ticketNumber = (await chat.registeredTicketNumber()) ?? '';
  expect(ticketNumber).toMatch(/^UP-\d{6}-\d{5}$/);

  // ── The consumer's photo of the pole joins the ticket through the consumers' media service (what the WhatsApp
  // doors are to call once wired; re-encoded, hashed, in the chain).
  const registered = await helpline.tickets.get(ticketNumber);
  const consumerActor = { role: 'consumer', channel: registered.consumer.channel, channelUserId: registered.consumer.channelUserId } as const;
  const consumerPhoto = await sharp({ create: { width: 80, height: 60, channels: 3, background: { r: 220, g: 160, b: 20 } } }).jpeg().toBuffer();
  const consumerMedia = new ConsumerMediaService(db.models, helpline.tickets);
  expect(await consumerMedia.accept(consumerActor, { data: consumerPhoto }, registered.consumer.channel)).toMatchObject({ outcome: 'attached', ticketNumber, kind: 'photo' });
  // …a voice note (kept, never transcribed)…
  const voiceNote = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(2_000, 1)]);
  expect(await consumerMedia.accept(consumerActor, { data: voiceNote }, registered.consumer.channel)).toMatchObject({ outcome: 'attached', kind: 'voice' });
  // …and the pin of the pole (Gomti Nagar).
  expect(await consumerMedia.acceptLocation(consumerActor, { latitude: 26.8505, longitude: 80.9919 }, registered.consumer.channel)).toMatchObject({ outcome: 'attached', ticketNumber, kind: 'location' });

  // ── The JE logs in on a phone (keyboard only); the page is the installable, strictly-policed shell.
  const pageResponse = await jePage.goto(`${baseUrl}/officer`);
  expect(pageResponse?.headers()['content-security-policy']).toContain("script-src 'self'");
  expect(pageResponse?.headers()['content-security-policy']).not.toContain('unsafe-inline');
  await logIn(jePage, je);
  const manifest = await jePage.evaluate(async () => (await fetch('/officer/manifest.webmanifest')).json());
  expect(manifest).toMatchObject({ start_url: '/officer', display: 'standalone' });
  // The shell's service worker is installed and controls the page's scope (it keeps the page usable offline).
  expect(await jePage.evaluate(async () => Boolean(await (globalThis as unknown as { navigator: { serviceWorker: { ready: Promise<unknown> } } }).navigator.serviceWorker.ready))).toBe(true);
  // Alerts without watching the page: "notify me" is offered (Web Push is configured), nothing subscribed yet.
  await expect.poll(() => jePage.locator('#push-state').textContent(), { timeout: 15_000 }).toBe('Phone notifications: off.');
  expect(await jePage.locator('#notify-me').isVisible()).toBe(true);
  const entry = jePage.locator(`#queue-list button[data-number="${ticketNumber}"]`);
  await entry.waitFor({ timeout: 15_000 });
  expect(await entry.textContent()).toMatch(/No supply.*Gomti Nagar.*assigned · time left 3h 5\dm|No supply.*Gomti Nagar.*assigned · time left 4h 00m/);
  expect(await jePage.locator('#counts [data-count=total]').textContent()).toBe('1 open');
  // Nothing wider than the phone: no sideways scrolling.
  expect(await jePage.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone.width);
  await jePage.screenshot({ path: `${artifacts}/officer-1-je-queue.png`, fullPage: true });

  // ── Opened: the consumer's own words, as text.
  await entry.click();
  await jePage.locator('#ticket-view').waitFor({ state: 'visible', timeout: 15_000 });
  expect(await jePage.locator('#ticket-words').textContent()).toBe(complaint);
  expect(await jePage.locator('#ticket-place').textContent()).toContain('Gomti Nagar');
  // The consumer's photo, as a thumbnail fetched with the session.
  const consumerThumbnail = jePage.locator('#media img').first();
  await consumerThumbnail.waitFor({ timeout: 15_000 });
  expect(await consumerThumbnail.getAttribute('src')).toMatch(/^blob:/);
  await expect.poll(() => consumerThumbnail.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBe(80);
  // The voice note, in a player fed from a blob: URL fetched with the session.
  expect(await jePage.locator('#media audio').getAttribute('src')).toMatch(/^blob:/);
  expect(await jePage.locator('#media audio').getAttribute('aria-label')).toBe('Voice note — the consumer');
  // The consumer's pin: coordinates as text and a geo: link for the phone's own maps app.
  const pin = jePage.locator('#ticket-pins a').first();
  await pin.waitFor({ timeout: 15_000 });
  expect(await pin.textContent()).toContain('26.85050, 80.99190');
  expect(await pin.getAttribute('href')).toBe('geo:26.8505,80.9919');
  expect(await jePage.locator('#history .event[data-type=media_added]').allTextContents()).toEqual([
    expect.stringContaining('the consumer shared a location pin'),
    expect.stringContaining('the consumer sent a file'),
    expect.stringContaining('the consumer sent a file'),
  ]);
  await jePage.screenshot({ path: `${artifacts}/officer-1b-je-ticket.png`, fullPage: true });
  // What docs/officer-page.png is made from: the phone's screen as the JE sees the ticket.
  await jePage.screenshot({ path: `${artifacts}/officer-1c-je-ticket-screen.png` });

  // ── Accept and start work: the consumer's chat is told.
  await jePage.click('#start');
  await jePage.locator('#history .event[data-type=work_started]').waitFor({ timeout: 15_000 });
  const workStarted = hi.update.workStarted(ticketNumber);
  await chat.botBubbles.filter({ hasText: workStarted }).first().waitFor({ timeout: 30_000 });

  // ── A progress note with an expected time reaches the consumer's chat, note and all.
  await jePage.fill('#progress-form textarea[name=note]', 'Lineman on the way, feeder fuse to be replaced');
  await jePage.fill('#progress-form input[name=eta]', '16:30');
  await jePage.click('#progress-form button[type=submit]');
  await jePage.locator('#history .event[data-type=progress_noted]').waitFor({ timeout: 15_000 });
  expect((await helpline.tickets.get(ticketNumber)).events.at(-1)?.evidence?.note).toBe('Lineman on the way, feeder fuse to be replaced — expected by 16:30');
  await chat.botBubbles.filter({ hasText: 'Lineman on the way, feeder fuse to be replaced — expected by 16:30' }).first().waitFor({ timeout: 30_000 });

  // ── Claim the resolution with a camera photo and a meter reading; the photo is a thumbnail from a blob: URL.
  const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 30, g: 120, b: 200 } } }).png().toBuffer();
  const claimNote = 'फ्यूज बदल दिया, सप्लाई चालू है';
  await jePage.fill('#claim-form textarea[name=note]', claimNote);
  await jePage.setInputFiles('#claim-form input[name=photo]', { name: 'pole.png', mimeType: 'image/png', buffer: photo });
  await jePage.fill('#claim-form input[name=meter]', '1234.5');
  expect(await jePage.getAttribute('#claim-form input[name=photo]', 'capture')).toBe('environment');
  await jePage.click('#claim-form button[type=submit]');
  await jePage.locator('#history .event[data-type=resolution_claimed]').waitFor({ timeout: 15_000 });
  await expect.poll(() => jePage.locator('#media img').count(), { timeout: 15_000 }).toBe(2);
  const thumbnail = jePage.locator('#media img').nth(1);
  expect(await thumbnail.getAttribute('src')).toMatch(/^blob:/);
  await expect.poll(() => thumbnail.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBe(64);
  expect(await jePage.locator('#claim-form').isHidden()).toBe(true);
  await jePage.screenshot({ path: `${artifacts}/officer-2-je-claimed.png`, fullPage: true });
  const claimed = await helpline.tickets.get(ticketNumber);
  expect(claimed.status).toBe('awaiting_confirmation');
  expect(claimed.claim?.evidence).toMatchObject({ meterReadingKwh: 1234.5, files: [expect.stringMatching(/^evidence_/)] });

  // ── The consumer is asked, in the JE's name, and says no: up to the SDO.
  await chat.botSays(hi.satisfactionQuestion(ticketNumber, 'JE', jeName, claimNote));
  await chat.type('नहीं');
  await chat.botSays(hi.reopened(ticketNumber, 'SDO', sdoName));

  // ── The SDO's page (Hindi) has it at once; the SDO accepts and starts work, and the consumer is told.
  await logIn(sdoPage, sdo);
  expect(await sdoPage.locator('html').getAttribute('lang')).toBe('hi');
  const sdoEntry = sdoPage.locator(`#queue-list button[data-number="${ticketNumber}"]`);
  await sdoEntry.waitFor({ timeout: 15_000 });
  expect(await sdoEntry.textContent()).toContain('फिर से खुली');
  await sdoPage.screenshot({ path: `${artifacts}/officer-3-sdo-queue.png`, fullPage: true });
  await sdoEntry.click();
  await sdoPage.locator('#history .event[data-type=rejected]').waitFor({ timeout: 15_000 });
  await expect.poll(() => sdoPage.locator('#media img').count(), { timeout: 15_000 }).toBe(2);
  await sdoPage.click('#start');
  await sdoPage.locator('#history .event[data-type=work_started]').nth(1).waitFor({ timeout: 15_000 });
  await chat.botBubbles.filter({ hasText: workStarted }).nth(1).waitFor({ timeout: 30_000 });
  await sdoPage.screenshot({ path: `${artifacts}/officer-4-sdo-ticket.png`, fullPage: true });

  // ── Gone from the JE's list; nothing closed it but nobody said yes either.
  await jePage.click('#back');
  await expect.poll(() => jePage.locator(`#queue-list button[data-number="${ticketNumber}"]`).count(), { timeout: 15_000 }).toBe(0);
  expect(await jePage.locator('#queue-empty').isVisible()).toBe(true);
  expect((await helpline.tickets.get(ticketNumber)).status).toBe('in_progress');

  expect(problems).toEqual({ consumer: [], je: [], sdo: [] });
  for (const context of [consumerContext, jeContext, sdoContext]) await context.close();
});
