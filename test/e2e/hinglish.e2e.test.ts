// End to end, issue 12 item 6: the whole helpline (createHelpline, as `npm start` runs it) on a real database, the
// consumer page in a real Chromium driven through playwright-core. A consumer who writes Hindi in Latin letters is
// answered in Latin letters through a whole registration — the read-back, a correction of the mobile at the read-back
// ("nahi, mobile 8299012345 hai") read back again, the registration and a status answer —
// and an English browser gets an English page and welcome. Screenshots go to test-artifacts/e2e-hinglish-*.png.
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { texts } from '../../dialogs/texts.js';
import { Directory } from '../../services/directory.js';
import { collectPageProblems, launchChromium } from '../support/browser.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { chatOn } from '../support/webChatPage.js';
import { useTestDatabase } from '../support/testDatabase.js';

const artifacts = 'test-artifacts';
const db = useTestDatabase('e2e_hinglish');
const directory = Directory.loadDefault();
const { hi, hl, en } = texts;
const DEVANAGARI = /[\u0900-\u097F]/;

let served: ServedHelpline;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  served = await serveHelpline(db, directory);
  baseUrl = served.baseUrl;
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

it('a Hinglish conversation in the web chat page is answered in Latin letters, read-back, a correction at the read-back and registration included', { timeout: 120_000 }, async ({ onTestFailed }) => {
  const context = await browser.newContext({ locale: 'hi-IN', viewport: { width: 900, height: 1000 } });
  const page = await context.newPage();
  const problems = collectPageProblems(page);
  const chat = chatOn(page, artifacts);
  onTestFailed(async () => {
    console.log(`[e2e] server log:\n${served.log.join('\n')}\n[e2e] page problems:\n${problems.join('\n')}`);
    await page.screenshot({ path: `${artifacts}/e2e-hinglish-failure.png`, fullPage: true }).catch(() => undefined);
  });

  // ── The Hindi page (the browser's language): the welcome in Hindi, before the consumer has written anything.
  await page.goto(`${baseUrl}/`);
  expect(await page.locator('html').getAttribute('lang')).toBe('hi');
  await chat.sendBox.waitFor({ timeout: 30_000 });
  await chat.botSays(hi.welcome);
  const welcomeBubbles = await chat.botBubbles.count();

  // ── The complaint in Hinglish: what, since when and where in one message; then the numbers, one at a time.
  const complaint = 'Gomti Nagar mein 5 ghante se light nahi aa rahi hai';
  await chat.type(complaint);
  await chat.botSays(hl.askAccount);
  await chat.type('2345678901');
  await chat.botSays(hl.askMobile);
  // "ok" is no number and no sign of a language: asked again, still in Hinglish.
  await chat.type('ok');
  await chat.botSays(hl.badMobile);
  await chat.type('9876501234');
  const place = directory.resolvePlace({ locality: 'Gomti Nagar' });
  expect(place?.subDivisionId).toBe('sd-gomti-nagar');
  // Read back in Hinglish, places by their names in Latin letters.
  await chat.botSays(
    hl.summary({ category: 'supply', description: complaint, mobile: '9876501234', accountNumber: '2345678901', locality: place!.locality!, district: place!.district }),
  );
  await chat.screenshot('e2e-hinglish-1-summary.png');

  // ── A correction at the read-back (issue 12 item 2): one field changed, read back again in Latin letters.
  await chat.type('nahi, mobile 8299012345 hai');
  await chat.botSays(
    hl.summary({ category: 'supply', description: complaint, mobile: '8299012345', accountNumber: '2345678901', locality: place!.locality!, district: place!.district }),
  );
  await chat.screenshot('e2e-hinglish-1b-corrected.png');
  await chat.type('haan');

  const registered = chat.botBubbles.filter({ hasText: 'Shikayat sankhya:' }).first();
  await registered.waitFor({ timeout: 30_000 });
  const number = /UP-\d{6}-\d{5}/.exec((await registered.textContent()) ?? '')?.[0];
  expect(number).toBeDefined();
  await chat.botSays(hl.registered(number!, 'JE', directory.officerById('je-gomti-nagar-1')?.name));

  // ── Its status, asked in Hinglish: answered in Latin letters, the date included.
  await chat.type(`${number} ka status batao`);
  await chat.botBubbles.filter({ hasText: `Shikayat ${number} (` }).first().waitFor({ timeout: 30_000 });
  await chat.screenshot('e2e-hinglish-2-registered.png', { wholeConversation: true });

  // Every bot bubble after the welcome is in Latin letters.
  const replies = (await chat.botBubbles.allTextContents()).slice(welcomeBubbles);
  expect(replies.length).toBeGreaterThanOrEqual(7);
  for (const reply of replies) expect(reply, reply).not.toMatch(DEVANAGARI);
  expect(replies[replies.length - 1]).toMatch(new RegExp(`^\\s*Shikayat ${number} \\(`));

  // The ticket carries the consumer's language for every later message, and the corrected mobile.
  const stored = await served.helpline.tickets.get(number!);
  expect(stored.consumer.language).toBe('hl');
  expect(stored.consumer.mobile).toBe('8299012345');
  expect(problems).toEqual([]);
  await context.close();
});

it('an English browser gets the page in English and the welcome in English', { timeout: 60_000 }, async () => {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 900, height: 800 } });
  const page = await context.newPage();
  const problems = collectPageProblems(page);
  const chat = chatOn(page, artifacts);
  await page.goto(`${baseUrl}/`);
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  await chat.sendBox.waitFor({ timeout: 30_000 });
  await chat.botSays(en.welcome);
  // Only numbers: still no sign of another language, so English it stays.
  await chat.type('2345678901');
  await chat.botSays(en.didNotUnderstand);
  expect(await chat.bot(hi.welcome).count()).toBe(0);
  await chat.screenshot('e2e-hinglish-3-english-page.png');
  expect(problems).toEqual([]);
  await context.close();
});
