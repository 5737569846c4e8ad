// Issue 6's "done when", in one real Chromium against the whole helpline (createHelpline, as `npm start` runs it) on
// a real database: a consumer in Web Chat (window 1) registers a complaint in Hindi and asks for a person; an agent in
// the console (window 2) takes the chat from the pushed queue, replies, records a resolution claim from the ticket
// panel and hands the chat back; the consumer answers the claim "नहीं" and the ticket goes up to the SDO; a supervisor
// on /dashboard (window 3) finds the rejection in the hotspots, by locality and by officer; the SDO claims it fixed,
// the consumer says "हाँ", and the satisfaction register lists the ticket as consumer-confirmed, with who claimed it.
// Screenshots go to test-artifacts/done-when-*.png.
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { texts } from '../../dialogs/texts.js';
import type { Helpline } from '../../server/helpline.js';
import { Directory } from '../../services/directory.js';
import { collectPageProblems, launchChromium } from '../support/browser.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { staffApiCaller, type StaffApiCall } from '../support/staffApiClient.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { chatOn } from '../support/webChatPage.js';

const artifacts = 'test-artifacts';
const db = useTestDatabase('e2e_done_when');
const directory = Directory.loadDefault();
const operator = { role: 'system', id: 'e2e-test' } as const;
const hi = texts.hi;
const jeName = directory.officerById('je-gomti-nagar-1')?.name;
const sdoName = directory.officerById('sdo-gomti-nagar')?.name;
const agent = { username: 'asha', password: 'asha-e2e-password', name: 'Asha Verma' };
const supervisor = { username: 'meera', password: 'meera-e2e-password', name: 'Meera Singh' };
const sdo = { username: 'irfan', password: 'irfan-e2e-password', officerId: 'sdo-gomti-nagar' };

let served: ServedHelpline;
let helpline: Helpline;
let baseUrl: string;
let browser: Browser;
let call: StaffApiCall;
let sdoToken: string;
let supervisorToken: string;

beforeAll(async () => {
  served = await serveHelpline(db, directory, { handoffStreamPollMs: 500 });
  ({ helpline, baseUrl } = served);
  call = staffApiCaller(baseUrl);
  await helpline.staffAuth.createUser({ ...agent, role: 'agent' }, operator);
  await helpline.staffAuth.createUser({ ...supervisor, role: 'supervisor' }, operator);
  await helpline.staffAuth.createUser({ ...sdo, role: 'officer', name: sdoName }, operator);
  sdoToken = (await helpline.staffAuth.login({ username: sdo.username, password: sdo.password }, '127.0.0.1')).token;
  supervisorToken = (await helpline.staffAuth.login({ username: supervisor.username, password: supervisor.password }, '127.0.0.1')).token;
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

type Row = string[];

/** The dashboard's tables as text, a row per array, as the supervisor reads them. */
const rowsOf = (page: Page, table: '#hotspots' | '#register'): Promise<Row[]> =>
  page.$$eval(`${table} tbody tr`, (rows) => rows.map((row) => Array.from(row.querySelectorAll('td'), (cell: { textContent: string | null }) => cell.textContent ?? '')));

/**
 * Presses "Show" (grouped `by`) until `table` has the row whose first cell is `first`, and returns that row. Reports
 * are rollups applied by the notification worker after each event, so the newest answer can be a moment behind.
 */
async function dashboardRow(page: Page, by: string, table: '#hotspots' | '#register', first: string, expected: (row: Row) => boolean): Promise<Row> {
  await page.selectOption('#filters select[name=by]', by);
  let found: Row | undefined;
  await expect
    .poll(
      async () => {
        await Promise.all([
          page.waitForResponse((response) => response.url().includes('/api/reports/hotspots')),
          page.waitForResponse((response) => response.url().includes('/api/reports/satisfaction-register')),
          page.click('#filters button[type=submit]'),
        ]);
        found = (await rowsOf(page, table)).find((row) => row[0] === first);
        return found !== undefined && expected(found);
      },
      { timeout: 20_000, interval: 500 },
    )
    .toBe(true);
  return found!;
}

it('web chat and agent console side by side: handed over and back, "नहीं" escalates and shows in the hotspots, "हाँ" lands in the register', { timeout: 120_000 }, async ({ onTestFailed }) => {
  expect(jeName).toBeDefined();
  expect(sdoName).toBeDefined();
  const consumerContext = await browser.newContext({ locale: 'hi-IN', viewport: { width: 800, height: 1000 } });
  const agentContext = await browser.newContext({ locale: 'en-IN', viewport: { width: 1400, height: 1000 } });
  const dashboardContext = await browser.newContext({ locale: 'en-IN', viewport: { width: 1300, height: 1100 } });
  const consumerPage = await consumerContext.newPage();
  const agentPage = await agentContext.newPage();
  const dashboardPage = await dashboardContext.newPage();
  const problems = { consumer: collectPageProblems(consumerPage), agent: collectPageProblems(agentPage), dashboard: collectPageProblems(dashboardPage) };
  onTestFailed(async () => {
    console.log(`[done-when] server log:\n${served.log.join('\n')}\n[done-when] page problems: ${JSON.stringify(problems)}`);
    for (const [name, page] of Object.entries({ consumer: consumerPage, agent: agentPage, dashboard: dashboardPage })) {
      await page.screenshot({ path: `${artifacts}/done-when-failure-${name}.png`, fullPage: true }).catch(() => undefined);
    }
  });
  const chat = chatOn(consumerPage, artifacts);

  // ── Window 2: the agent logs in to the console; the stream is live and nobody is waiting.
  await agentPage.goto(`${baseUrl}/agent`);
  await agentPage.fill('#login-form input[name=username]', agent.username);
  await agentPage.fill('#login-form input[name=password]', agent.password);
  await agentPage.click('#login-form button[type=submit]');
  await agentPage.locator('#connection[data-state=connected]').waitFor({ timeout: 15_000 });
  await agentPage.locator('#queue-empty').waitFor({ state: 'visible', timeout: 10_000 });

  // ── Window 1: a new consumer registers a complaint in Hindi.
  await consumerPage.goto(`${baseUrl}/`);
  await chat.sendBox.waitFor({ timeout: 30_000 });
  await chat.botSays(hi.welcome);
  const complaint = 'गोमती नगर में 5 घंटे से बिजली नहीं है';
  await chat.complainInHindi(complaint, '9876543210');
  await chat.botSays(hi.summary({ category: 'supply', description: complaint, mobile: '9876543210', locality: 'गोमती नगर', district: 'लखनऊ' }));
  await chat.type('हाँ');
  const ticketNumber = (await chat.registeredTicketNumber()) ?? '';
  expect(ticketNumber).toMatch(/^UP-\d{6}-\d{5}$/);
  await chat.botSays(hi.registered(ticketNumber, 'JE', jeName));

  // ── …then asks for a person; the request is pushed to the console without a reload.
  await chat.type('किसी व्यक्ति से बात करनी है');
  await chat.botBubbles.filter({ hasText: hi.handoffQueued({ position: 1, officeHours: '00:00-24:00', callbackAfterMinutes: 5 }).split('\n')[0]! }).first().waitFor({ timeout: 30_000 });
  const entry = agentPage.locator('#queue-list .queue-entry.status-waiting');
  await entry.waitFor({ timeout: 15_000 });
  await chat.screenshot('done-when-1-consumer-queued.png');
  await agentPage.screenshot({ path: `${artifacts}/done-when-2-agent-queue.png`, fullPage: true });

  // ── Handed over: the agent opens the chat, sees what the consumer said before, accepts and replies.
  await entry.locator('button').click();
  await agentPage.locator('#transcript .from-consumer .text', { hasText: complaint }).first().waitFor({ timeout: 15_000 });
  await agentPage.click('#accept');
  await chat.botSays(hi.handoffAccepted('Asha'));
  await agentPage.locator('#reply-form').waitFor({ state: 'visible', timeout: 15_000 });
  const reply = 'नमस्ते, मैं आशा हूँ। आपकी शिकायत देख रही हूँ।';
  await agentPage.fill('#reply-text', reply);
  await agentPage.press('#reply-text', 'Enter');
  await chat.botSays(reply);

  // ── The ticket panel lists the complaint the bot registered; the agent records the JE's resolution claim.
  const ticketButton = agentPage.locator(`#ticket-list button[data-number="${ticketNumber}"]`);
  await ticketButton.waitFor({ timeout: 15_000 });
  await ticketButton.click();
  await agentPage.locator('#ticket-detail').waitFor({ state: 'visible', timeout: 15_000 });
  const jeNote = 'JE ने बताया: फीडर का फ्यूज बदल दिया, सप्लाई चालू है';
  await agentPage.selectOption('#note-form select[name=kind]', 'resolution');
  await agentPage.fill('#note-form textarea[name=note]', jeNote);
  await agentPage.click('#note-form button[type=submit]');
  await agentPage.locator('#ticket-events .event[data-type=resolution_claimed]').waitFor({ timeout: 15_000 });
  await agentPage.screenshot({ path: `${artifacts}/done-when-3-agent-claim.png`, fullPage: true });

  // ── Handed back: the bot says it is back, and the claim's question (in the JE's name) is in the consumer's chat.
  await agentPage.click('#complete');
  await chat.botSays(hi.handoffCompleted);
  await expect.poll(() => agentPage.locator('#queue-list .queue-entry').count(), { timeout: 15_000 }).toBe(0);
  await chat.botSays(hi.satisfactionQuestion(ticketNumber, 'JE', jeName, jeNote));

  // ── "नहीं": reopened and sent up to the SDO, by name, in the chat and in the ticket.
  await chat.type('नहीं');
  await chat.botSays(hi.reopened(ticketNumber, 'SDO', sdoName));
  const reopened = await call('GET', `/tickets/${ticketNumber}`, sdoToken);
  expect(reopened.status).toBe(200);
  expect(reopened.body.ticket).toMatchObject({ status: 'reopened', level: 'SDO', officer: { id: 'sdo-gomti-nagar' } });
  await chat.screenshot('done-when-4-consumer-rejected.png');

  // ── Window 3: the supervisor's dashboard. By locality: one complaint, open, reopened once, every answer a "no".
  await dashboardPage.goto(`${baseUrl}/dashboard`);
  await dashboardPage.fill('#login input[name=username]', supervisor.username);
  await dashboardPage.fill('#login input[name=password]', supervisor.password);
  await dashboardPage.click('#login button[type=submit]');
  await dashboardPage.locator('#reports').waitFor({ state: 'visible', timeout: 15_000 });
  const [place, complaints, open, breaches, reopens, rejectedRate] = await dashboardRow(dashboardPage, 'locality', '#hotspots', 'Gomti Nagar', (row) => row[4] === '1');
  expect({ place, complaints, open, breaches, reopens, rejectedRate }).toEqual({ place: 'Gomti Nagar', complaints: '1', open: '1', breaches: '0', reopens: '1', rejectedRate: '100.0 %' });
  // The same numbers as the API gives them: the rejection itself is counted, not only the reopening.
  const byLocality = await call('GET', '/reports/hotspots?by=locality', supervisorToken);
  expect(byLocality.body.rows).toEqual([expect.objectContaining({ label: 'Gomti Nagar', complaints: 1, claims: 1, rejected: 1, reopens: 1 })]);
  await dashboardPage.screenshot({ path: `${artifacts}/done-when-5-hotspots-locality.png`, fullPage: true });

  // ── By officer: the rejection lands on the JE who owned the ticket when the claim was made.
  const jeRow = await dashboardRow(dashboardPage, 'officer', '#hotspots', jeName!, (row) => row[4] === '1');
  expect(jeRow.slice(0, 6)).toEqual([jeName, '1', '0', '0', '1', '100.0 %']);
  const byOfficer = await call('GET', '/reports/hotspots?by=officer', supervisorToken);
  expect(byOfficer.body.rows).toContainEqual(expect.objectContaining({ key: 'je-gomti-nagar-1', rejected: 1 }));
  await dashboardPage.screenshot({ path: `${artifacts}/done-when-6-hotspots-officer.png`, fullPage: true });

  // ── The SDO claims it fixed (staff API); the question reaches the chat; "हाँ" closes it on the consumer's word.
  const sdoNote = 'ट्रांसफॉर्मर का केबल बदला गया, 2 घंटे से बिजली ठीक है';
  const secondClaim = await call('POST', `/tickets/${ticketNumber}/resolution`, sdoToken, { note: sdoNote });
  expect(secondClaim.status).toBe(200);
  await chat.botSays(hi.satisfactionQuestion(ticketNumber, 'SDO', sdoName, sdoNote));
  await chat.type('हाँ');
  await chat.botSays(hi.closedThanks(ticketNumber));
  const closed = await call('GET', `/tickets/${ticketNumber}`, supervisorToken);
  expect(closed.body.ticket).toMatchObject({ status: 'closed', closure: { provenance: 'consumer_confirmed', claimId: secondClaim.body.claimId, by: { role: 'consumer' } } });
  await chat.screenshot('done-when-7-consumer-closed.png', { wholeConversation: true });

  // ── The satisfaction register: consumer-confirmed, claimed by the SDO, confirmed by the consumer, from Web Chat.
  const registerRow = await dashboardRow(dashboardPage, 'locality', '#register', ticketNumber, () => true);
  expect([registerRow[0], registerRow[3], registerRow[4], registerRow[5], registerRow[7]]).toEqual([ticketNumber, 'consumer-confirmed', `${sdoName} (sdo-gomti-nagar)`, 'consumer', 'webchat']);
  // And the locality now has one answer of each kind, nothing open.
  const afterYes = (await rowsOf(dashboardPage, '#hotspots')).find((row) => row[0] === 'Gomti Nagar');
  expect(afterYes?.slice(0, 6)).toEqual(['Gomti Nagar', '1', '0', '0', '1', '50.0 %']);
  await dashboardPage.screenshot({ path: `${artifacts}/done-when-8-register.png`, fullPage: true });

  expect(problems).toEqual({ consumer: [], agent: [], dashboard: [] });
  for (const context of [consumerContext, agentContext, dashboardContext]) await context.close();
});
