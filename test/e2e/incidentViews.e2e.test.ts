// Issue 13 "Done when": the browser test shows an incident in the agent console and on the dashboard. In one real
// Chromium against the whole helpline (createHelpline, as `npm start` runs it) on a real database: a supervisor opens
// an incident in Vinay Khand and declares a planned shutdown in Vivek Khand; two consumers over Direct Line and one in
// Web Chat (window 1) complain of no supply in Vinay Khand, one more in Vivek Khand during the shutdown; the Web Chat
// consumer asks for a person, and the agent console (window 2) shows the incident beside their chat; the supervisor's
// dashboard (window 3) lists the open incident and the planned shutdown by area, each with its count of complaints.
// Screenshots go to test-artifacts/incident-views-*.png.
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { texts } from '../../dialogs/texts.js';
import type { Helpline } from '../../server/helpline.js';
import { Directory } from '../../services/directory.js';
import { collectPageProblems, launchChromium } from '../support/browser.js';
import { DirectLineTestClient } from '../support/directLineClient.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { staffApiCaller, type StaffApiCall } from '../support/staffApiClient.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { chatOn } from '../support/webChatPage.js';

const artifacts = 'test-artifacts';
const db = useTestDatabase('e2e_incident_views');
const directory = Directory.loadDefault();
const operator = { role: 'system', id: 'e2e-test' } as const;
const hi = texts.hi;
const agent = { username: 'asha', password: 'asha-e2e-password', name: 'Asha Verma' };
const supervisor = { username: 'meera', password: 'meera-e2e-password', name: 'Meera Singh' };
const directLineSecret = 'incident-views-directline-secret-0123456789';

let served: ServedHelpline;
let helpline: Helpline;
let baseUrl: string;
let browser: Browser;
let call: StaffApiCall;
let supervisorToken: string;

beforeAll(async () => {
  // A high threshold: the incident here is opened by hand, and complaints link to it.
  served = await serveHelpline(db, directory, { handoffStreamPollMs: 500, directLineSecret, incidentThreshold: 50 });
  ({ helpline, baseUrl } = served);
  call = staffApiCaller(baseUrl);
  await helpline.staffAuth.createUser({ ...agent, role: 'agent' }, operator);
  await helpline.staffAuth.createUser({ ...supervisor, role: 'supervisor' }, operator);
  supervisorToken = (await helpline.staffAuth.login({ username: supervisor.username, password: supervisor.password }, '127.0.0.1')).token;
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

/** A consumer over Direct Line registering a no-supply complaint in Hindi; their ticket number and last reply. */
async function complainOverDirectLine(complaint: string, mobile: string): Promise<{ number: string; client: DirectLineTestClient }> {
  const client = await DirectLineTestClient.start(() => baseUrl, directLineSecret);
  await client.turn(complaint, hi.askAccount);
  await client.turn('छोड़ें', hi.askMobile);
  await client.turn(mobile, `• मोबाइल: ${mobile}`);
  const registered = await client.turn('हाँ', 'UP-');
  return { number: /UP-\d{6}-\d{5}/.exec(registered.text ?? '')![0], client };
}

type Row = string[];
const rowsOf = (page: Page, table: string): Promise<Row[]> =>
  page.$$eval(`${table} tbody tr`, (rows) => rows.map((row) => Array.from(row.querySelectorAll('td'), (cell: { textContent: string | null }) => cell.textContent ?? '')));

it('the console shows the incident beside a linked consumer\'s chat; the dashboard lists open incidents and planned shutdowns by area with counts', { timeout: 150_000 }, async ({ onTestFailed }) => {
  const consumerContext = await browser.newContext({ locale: 'hi-IN', viewport: { width: 800, height: 1000 } });
  const agentContext = await browser.newContext({ locale: 'en-IN', viewport: { width: 1400, height: 1000 } });
  const dashboardContext = await browser.newContext({ locale: 'en-IN', viewport: { width: 1300, height: 1400 } });
  const consumerPage = await consumerContext.newPage();
  const agentPage = await agentContext.newPage();
  const dashboardPage = await dashboardContext.newPage();
  const problems = { consumer: collectPageProblems(consumerPage), agent: collectPageProblems(agentPage), dashboard: collectPageProblems(dashboardPage) };
  onTestFailed(async () => {
    console.log(`[incident-views] server log:\n${served.log.join('\n')}\n[incident-views] page problems: ${JSON.stringify(problems)}`);
    for (const [name, page] of Object.entries({ consumer: consumerPage, agent: agentPage, dashboard: dashboardPage })) {
      await page.screenshot({ path: `${artifacts}/incident-views-failure-${name}.png`, fullPage: true }).catch(() => undefined);
    }
  });

  // ── The supervisor opens an incident in Vinay Khand (with an ETA) and declares a shutdown running in Vivek Khand.
  const etaAt = new Date(Date.now() + 3 * 3_600_000);
  const opened = await call('POST', '/incidents', supervisorToken, { locality: 'Vinay Khand', note: 'फीडर ट्रिप', etaAt: etaAt.toISOString() });
  expect(opened.status).toBe(201);
  const incidentId: string = opened.body.incident._id;
  const declared = await call('POST', '/shutdowns', supervisorToken, {
    district: 'Lucknow',
    locality: 'Vivek Khand',
    startsAt: new Date(Date.now() - 60_000).toISOString(),
    endsAt: new Date(Date.now() + 4 * 3_600_000).toISOString(),
    reason: 'Line maintenance',
  });
  expect(declared.status).toBe(201);

  // ── Two consumers over Direct Line in Vinay Khand, one in Vivek Khand during the shutdown.
  const others = [await complainOverDirectLine('विनय खंड में 3 घंटे से बिजली नहीं है', '9876543001'), await complainOverDirectLine('विनय खंड में सुबह से लाइट नहीं है', '9876543002')];
  const planned = await complainOverDirectLine('विवेक खंड में 2 घंटे से बिजली नहीं है', '9876543003');
  for (const { number } of others) expect((await helpline.tickets.get(number)).incidentId).toBe(incidentId);
  expect((await helpline.tickets.get(planned.number)).events[0]?.data?.plannedShutdown).toBe(declared.body.shutdown.id);

  // ── Window 2: the agent logs in to the console.
  await agentPage.goto(`${baseUrl}/agent`);
  await agentPage.fill('#login-form input[name=username]', agent.username);
  await agentPage.fill('#login-form input[name=password]', agent.password);
  await agentPage.click('#login-form button[type=submit]');
  await agentPage.locator('#connection[data-state=connected]').waitFor({ timeout: 15_000 });

  // ── Window 1: a consumer in Web Chat complains in Vinay Khand, is told at once what is known, and asks for a person.
  const chat = chatOn(consumerPage, artifacts);
  await consumerPage.goto(`${baseUrl}/`);
  await chat.sendBox.waitFor({ timeout: 30_000 });
  await chat.botSays(hi.welcome);
  await chat.complainInHindi('विनय खंड में 4 घंटे से बिजली नहीं है', '9876543210');
  await chat.botBubbles.filter({ hasText: '9876543210' }).first().waitFor({ timeout: 30_000 });
  await chat.type('हाँ');
  const ticketNumber = (await chat.registeredTicketNumber()) ?? '';
  expect(ticketNumber).toMatch(/^UP-\d{6}-\d{5}$/);
  await chat.botBubbles.filter({ hasText: 'बिजली कटौती की जानकारी' }).first().waitFor({ timeout: 30_000 });
  expect((await helpline.tickets.get(ticketNumber)).incidentId).toBe(incidentId);
  await chat.type('किसी व्यक्ति से बात करनी है');
  await chat.botBubbles.filter({ hasText: hi.handoffQueued({ position: 1, officeHours: '00:00-24:00', callbackAfterMinutes: 5 }).split('\n')[0]! }).first().waitFor({ timeout: 30_000 });
  await chat.screenshot('incident-views-1-consumer.png');

  // ── The console: the chat, and beside it the consumer's ticket with the incident it belongs to.
  const entry = agentPage.locator('#queue-list .queue-entry.status-waiting');
  await entry.waitFor({ timeout: 15_000 });
  await entry.locator('button').click();
  await agentPage.locator('#transcript .from-consumer .text', { hasText: 'विनय खंड में 4 घंटे' }).first().waitFor({ timeout: 15_000 });
  const ticketButton = agentPage.locator(`#ticket-list button[data-number="${ticketNumber}"]`);
  await ticketButton.waitFor({ timeout: 15_000 });
  await ticketButton.click();
  const incidentLine = agentPage.locator('#ticket-incident');
  await incidentLine.waitFor({ state: 'visible', timeout: 15_000 });
  expect(await incidentLine.getAttribute('data-incident')).toBe(incidentId);
  const shown = (await incidentLine.textContent()) ?? '';
  expect(shown).toMatch(/^Area outage: Vinay Khand, Gomti Nagar · reported · 3 reports · expected back /);
  // The ticket's own history says it joined the outage, in words (it showed the raw event type before).
  expect(await agentPage.locator('#ticket-events .event[data-type=incident_linked] .event-type').textContent()).toBe('linked to an area outage');
  await agentPage.screenshot({ path: `${artifacts}/incident-views-2-console.png`, fullPage: true });
  // In Hindi at a click, the incident's status too (it stayed "reported" in English before).
  await agentPage.click('#language-toggle');
  await expect.poll(() => incidentLine.textContent(), { timeout: 10_000 }).toMatch(/^क्षेत्र की कटौती: Vinay Khand, Gomti Nagar · सूचना मिली · 3 रिपोर्ट · वापसी की उम्मीद /);
  await agentPage.click('#language-toggle');

  // ── Window 3: the dashboard lists the open incident and the planned shutdown, by area, with their counts.
  await dashboardPage.goto(`${baseUrl}/dashboard`);
  await dashboardPage.fill('#login input[name=username]', supervisor.username);
  await dashboardPage.fill('#login input[name=password]', supervisor.password);
  await dashboardPage.click('#login button[type=submit]');
  await dashboardPage.locator('#reports').waitFor({ state: 'visible', timeout: 15_000 });
  await expect.poll(() => rowsOf(dashboardPage, '#incidents'), { timeout: 15_000 }).toHaveLength(1);
  const [incidentRow] = await rowsOf(dashboardPage, '#incidents');
  expect(incidentRow!.slice(0, 3)).toEqual(['Vinay Khand, Gomti Nagar, Lucknow', 'reported', '3']);
  expect(await dashboardPage.locator('#noIncidents').isHidden()).toBe(true);
  // The shutdown's count is the complaints registered in its area while it ran (applied by the report worker).
  let shutdownRow: Row | undefined;
  await expect
    .poll(
      async () => {
        await Promise.all([dashboardPage.waitForResponse((response) => response.url().includes('/api/shutdowns')), dashboardPage.click('#filters button[type=submit]')]);
        [shutdownRow] = await rowsOf(dashboardPage, '#shutdowns');
        return shutdownRow?.at(-1);
      },
      { timeout: 20_000, interval: 500 },
    )
    .toBe('1');
  expect([shutdownRow![0], shutdownRow![3], shutdownRow![4]]).toEqual(['Vivek Khand, Gomti Nagar, Lucknow', 'Line maintenance', 'running']);
  // The hotspots by locality: Vinay Khand's three complaints are one fault, the incident (the last three columns).
  await dashboardPage.selectOption('#filters select[name=by]', 'locality');
  await expect
    .poll(
      async () => {
        await Promise.all([dashboardPage.waitForResponse((response) => response.url().includes('/api/reports/hotspots')), dashboardPage.click('#filters button[type=submit]')]);
        return (await rowsOf(dashboardPage, '#hotspots')).find((row) => row[0] === 'Vinay Khand')?.slice(-3);
      },
      { timeout: 20_000, interval: 500 },
    )
    .toEqual(['1', '1', '3']);
  await dashboardPage.screenshot({ path: `${artifacts}/incident-views-3-dashboard.png`, fullPage: true });

  // Nothing anyone typed ran, and no page broke its CSP.
  expect(problems).toEqual({ consumer: [], agent: [], dashboard: [] });
  await consumerContext.close();
  await agentContext.close();
  await dashboardContext.close();
});
