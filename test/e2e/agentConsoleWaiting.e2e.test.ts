// Issue 12 item 8: queued callbacks and tickets waiting for a person (no officer: a place outside the directory) were
// invisible in the agent console. In a real Chromium against the whole helpline on a real database: both show, as
// text (a hostile address stays text), in English and in Hindi.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Helpline } from '../../server/helpline.js';
import { Directory } from '../../services/directory.js';
import { collectPageProblems, launchChromium } from '../support/browser.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { complaintFor, newConsumer, officer } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('e2e_agent_console_waiting');
const hostileAddress = '<img src=x onerror=alert(1)> Rampur Khas';

let served: ServedHelpline;
let helpline: Helpline;
let browser: Browser;

beforeAll(async () => {
  served = await serveHelpline(db, Directory.loadDefault());
  ({ helpline } = served);
  await helpline.staffAuth.createUser({ username: 'ravi', password: 'ravi-e2e-password', role: 'agent', name: 'Ravi Kumar' }, { role: 'system', id: 'e2e-test' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

it('shows queued callbacks and tickets no officer has', { timeout: 60_000 }, async () => {
  // A ticket whose place the directory does not know: registered, nobody assigned.
  const outside = newConsumer();
  const { ticket: unassigned } = await helpline.tickets.register(
    complaintFor(outside, { place: { district: 'Unknown', addressText: hostileAddress } }),
    outside.actor,
  );
  expect(unassigned.officer).toBeUndefined();
  // A claim nobody answered: queued for a callback by the helpline's own outbox worker.
  const silent = newConsumer();
  const { ticket: claimed } = await helpline.tickets.register(complaintFor(silent), silent.actor);
  await helpline.tickets.claimResolution(claimed._id, officer, { note: 'Fuse replaced' });
  await helpline.tickets.markUnconfirmed(claimed._id, { role: 'system', id: 'satisfaction-timer' });
  await expect.poll(() => db.models.callbacks.countDocuments({ ticketNumber: claimed._id }), { timeout: 15_000 }).toBe(1);

  const page = await (await browser.newContext({ locale: 'en-IN', viewport: { width: 1400, height: 1000 } })).newPage();
  const problems = collectPageProblems(page);
  await page.goto(`${served.baseUrl}/agent`);
  await page.fill('#login-form input[name=username]', 'ravi');
  await page.fill('#login-form input[name=password]', 'ravi-e2e-password');
  await page.click('#login-form button[type=submit]');

  const callback = page.locator('#callback-list li', { hasText: claimed._id });
  await callback.waitFor({ timeout: 10_000 });
  expect(await callback.textContent()).toContain(silent.mobile);
  const waiting = page.locator('#unassigned-list li', { hasText: unassigned._id });
  await waiting.waitFor({ timeout: 10_000 });
  expect(await waiting.textContent()).toContain(hostileAddress);
  expect(await page.locator('img').count()).toBe(0);
  expect(await page.locator('#callbacks-empty').isVisible()).toBe(false);

  await page.click('#language-toggle');
  await expect.poll(() => page.locator('#callback-list li', { hasText: claimed._id }).textContent()).toContain(`शिकायत ${claimed._id}`);
  expect(await page.locator('#waiting-title').textContent()).toBe('किसी व्यक्ति का इंतज़ार');
  await page.screenshot({ path: 'test-artifacts/agent-console-waiting.png', fullPage: true }).catch(() => undefined);
  expect(problems).toEqual([]);
});
