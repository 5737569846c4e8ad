// The /dashboard page in a real browser against the real API and database: log in, hotspots table and chart, the
// register, Hindi, CSV download, an officer's own area, an agent refused — under a strict CSP, data as text only.
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffActor } from '../../models/ticketTypes.js';
import { createApp } from '../../server/app.js';
import { createDashboardRouter, DASHBOARD_CSP } from '../../server/dashboard/dashboardRouter.js';
import { createReportsRouter } from '../../server/staffApi/reportsRouter.js';
import { createStaffApiRouter } from '../../server/staffApi/staffApiRouter.js';
import { Directory } from '../../services/directory.js';
import { NotificationService } from '../../services/notificationService.js';
import { ReportService } from '../../services/reportService.js';
import { StaffAuthService } from '../../services/staffAuthService.js';
import { StaffService } from '../../services/staffService.js';
import { TicketService } from '../../services/ticketService.js';
import { collectPageProblems, launchChromium } from '../support/browser.js';
import { complaintFor, newConsumer, ticketIn } from '../support/ticketFixtures.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('dashboard');
const directory = Directory.loadDefault();
const operator = { role: 'system', id: 'test-operator' } as const;
const accounts = {
  agent: { username: 'asha', password: 'asha-password-1', role: 'agent' },
  supervisor: { username: 'meera', password: 'meera-password-1', role: 'supervisor' },
  officer: { username: 'pradeep', password: 'pradeep-password', role: 'officer', officerId: 'je-gomti-nagar-1' },
} as const;
/** A claimant whose name is markup: it must show as text. */
const markupName: StaffActor = { role: 'agent', id: 'agent-mallory', name: '<img src=x id=injected>' };
let baseUrl = '';
let server: Server;
let browser: Browser;

beforeAll(async () => {
  const tickets = new TicketService(db.models, directory);
  const reports = new ReportService(db.models, undefined, directory);
  const auth = new StaffAuthService(db.models, directory);
  const app = createApp({
    connection: db.connection,
    routers: [
      ['/api', createStaffApiRouter({ auth, staff: new StaffService(db.models, tickets, directory) })],
      ['/api', createReportsRouter({ auth, reports, directory })],
      ['/dashboard', createDashboardRouter()],
    ],
  });
  server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const account of Object.values(accounts)) await auth.createUser(account, operator);
  const notifications = new NotificationService(db.models, { notifyConsumer: async () => 'delivered' }, { log: () => {}, reports });
  const closed = await ticketIn(tickets, 'closed');
  const consumer = newConsumer();
  const { ticket } = await tickets.register(complaintFor(consumer, { place: { district: 'Lucknow', locality: 'Aliganj' } }), consumer.actor);
  const { claimId } = await tickets.claimResolution(ticket._id, markupName, { note: 'Line repaired' });
  await tickets.recordClaimShown(ticket._id, claimId, { role: 'system', id: 'webchat-delivery' }, 'webchat');
  await tickets.answerResolution(ticket._id, consumer.actor, { claimId, answer: 'yes' });
  for (const number of [closed.ticket._id, ticket._id]) await notifications.drainTicket(number);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
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
    expect(await cellTexts(page, '#hotspots tbody tr td:first-child')).toEqual([directory.hindiNameOf('Aliganj'), 'गोमती नगर']);

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
