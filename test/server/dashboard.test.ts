// The /dashboard page in a real browser against the real API and database: log in, hotspots table and chart, the
// register, Hindi, CSV download, an officer's own area, an agent refused — under a strict CSP, data as text only.
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffActor } from '../../models/ticketTypes.js';
import { DASHBOARD_CSP } from '../../server/dashboard/dashboardRouter.js';
import { Directory } from '../../services/directory.js';
import { ShutdownService } from '../../services/shutdownService.js';
import { IncidentService } from '../../services/incidentService.js';
import { collectPageProblems, launchChromium } from '../support/browser.js';
import { reportAccounts as accounts, startReportsServer, type ReportsServer } from '../support/reportsServer.js';
import { ticketIn } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dashboard');
/** A claimant whose name is markup: it must show as text. */
const markupName: StaffActor = { role: 'agent', id: 'agent-mallory', name: '<img src=x id=injected>' };
let reports: ReportsServer;
let baseUrl = '';
let browser: Browser;

beforeAll(async () => {
  reports = await startReportsServer(db);
  baseUrl = reports.baseUrl;
  const closed = await ticketIn(reports.tickets, 'closed');
  const aliganj = await reports.closeWithClaimant('Aliganj', markupName);
  for (const number of [closed.ticket._id, aliganj]) await reports.notifications.drainTicket(number);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await reports?.close();
});

async function logIn(account: keyof typeof accounts): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const problems = collectPageProblems(page);
  const response = await page.goto(`${baseUrl}/dashboard`);
  expect(response?.headers()['content-security-policy']).toBe(DASHBOARD_CSP);
  await page.fill('#login input[name=username]', accounts[account].username);
  await page.fill('#login input[name=password]', accounts[account].password);
  await page.click('#login button[type=submit]');
  return { page, problems };
}

const cellTexts = (page: Page, selector: string) => page.$$eval(selector, (cells) => cells.map((cell) => cell.textContent));

describe('/dashboard', () => {
  it('serves Chart.js from node_modules and nothing inline', async () => {
    const chart = await fetch(`${baseUrl}/dashboard/chart.umd.min.js`);
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toMatch(/javascript/);
    const html = await (await fetch(`${baseUrl}/dashboard`)).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/);
  });

  it('a supervisor sees hotspots, a chart and the register; markup in data stays text; Hindi; CSV download', async () => {
    const { page, problems } = await logIn('supervisor');
    await page.waitForSelector('#hotspots tbody tr');
    // One complaint each: ties are in label order.
    expect(await cellTexts(page, '#hotspots tbody tr td:first-child')).toEqual(['Aliganj', 'Gomti Nagar']);
    const chartDrawn = await page.evaluate(() => Boolean((globalThis as unknown as { Chart: { getChart(canvasId: string): unknown } }).Chart.getChart('chart')));
    expect(chartDrawn).toBe(true);
    await page.waitForSelector('#register tbody tr');
    const claimants = await cellTexts(page, '#register tbody tr td:nth-child(5)');
    expect(claimants).toContain('<img src=x id=injected> (agent-mallory)');
    expect(await page.$('#injected')).toBeNull();

    await page.click('#language');
    expect(await page.textContent('#hotspots thead th:nth-child(2)')).toBe('शिकायतें');
    expect(await cellTexts(page, '#hotspots tbody tr td:first-child')).toEqual([reports.directory.hindiNameOf('Aliganj'), 'गोमती नगर']);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#registerCsv')]);
    const content = await readFile((await download.path())!, 'utf8');
    expect(content.startsWith('\uFEFF"टिकट","श्रेणी"')).toBe(true);
    expect(download.suggestedFilename()).toMatch(/^satisfaction-register-.*\.csv$/);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('an officer sees their own area only; an agent is told reports are not for them', async () => {
    const officer = await logIn('officer');
    await officer.page.waitForSelector('#hotspots tbody tr');
    expect(await cellTexts(officer.page, '#hotspots tbody tr td:first-child')).toEqual(['Gomti Nagar']);
    expect(officer.problems).toEqual([]);
    await officer.page.context().close();

    const agent = await logIn('agent');
    await agent.page.waitForSelector('#message:not(:empty)');
    expect(await agent.page.textContent('#message')).toBe('Reports are for supervisors and officers.');
    // The refused requests show in the console as failed loads (403); nothing else may.
    expect(agent.problems.filter((problem) => !/403/.test(problem))).toEqual([]);
    await agent.page.context().close();
  });
});

// Issue 13 item 4: the dashboard lists planned shutdowns by area; their reason, typed by staff, stays text.
describe('/dashboard planned shutdowns', () => {
  it('lists the planned shutdowns now or ahead, by area, with a reason in markup shown as text', async () => {
    const shutdowns = new ShutdownService(db.models, Directory.loadDefault());
    const supervisor = { username: 'meera', role: 'supervisor' as const, name: 'Meera', sessionId: 'test', expiresAt: new Date(Date.now() + 3_600_000) };
    const startsAt = new Date(Date.now() - 3_600_000).toISOString();
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    await shutdowns.declare(supervisor, { district: 'Lucknow', locality: 'Aliganj', reason: '<b id=bold>feeder</b> work', startsAt, endsAt });
    const { page, problems } = await logIn('supervisor');
    await page.waitForSelector('#shutdowns tbody tr');
    const [row] = await page.$$eval('#shutdowns tbody tr', (rows) => rows.map((tr) => Array.from(tr.querySelectorAll('td'), (td: { textContent: string | null }) => td.textContent)));
    expect(row?.[0]).toContain('Aliganj');
    expect(row?.[3]).toBe('<b id=bold>feeder</b> work');
    expect(row?.[4]).toBe('running');
    expect(await page.$('#bold')).toBeNull();
    expect(await page.isHidden('#noShutdowns')).toBe(true);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

// Issue 13 item 6/7 (display): the dashboard shows the open area incidents with their report counts.
describe('/dashboard incidents', () => {
  it('lists an open incident by area with its status and reports', async () => {
    const incidents = new IncidentService(db.models, Directory.loadDefault(), reports.tickets, { log: () => {} });
    const supervisor = { username: 'meera', role: 'supervisor' as const, name: 'Meera', sessionId: 'test', expiresAt: new Date(Date.now() + 3_600_000) };
    const opened = await incidents.open(supervisor, { district: 'Lucknow', locality: 'Chinhat', note: 'feeder tripped' });
    expect(opened.status).toBe('reported');
    const { page, problems } = await logIn('supervisor');
    await page.waitForSelector('#incidents tbody tr');
    const rows = await page.$$eval('#incidents tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td: { textContent: string | null }) => td.textContent)));
    const row = rows.find((cells) => (cells[0] ?? '').includes('Chinhat'));
    expect(row?.[1]).toBe('reported');
    expect(row?.[2]).toBe(String(opened.reportCount));
    expect(await page.isHidden('#noIncidents')).toBe(true);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
