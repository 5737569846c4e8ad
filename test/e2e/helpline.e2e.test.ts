// End to end, as a consumer and two officers would live it: the whole helpline (createHelpline, as `npm start` runs
// it) on a real database, the consumer page in a real Chromium driven through playwright-core, and the staff API over
// HTTP. A new consumer registers a complaint in Hindi through Web Chat, the JE claims it fixed, the consumer says
// "nahi" and the ticket goes up to the SDO; the SDO claims it fixed, the consumer says "haan", and the ticket is closed
// on the consumer's own answer with its whole history intact. Screenshots go to test-artifacts/e2e-*.png.
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { texts } from '../../dialogs/texts.js';
import type { Helpline } from '../../server/helpline.js';
import { Directory } from '../../services/directory.js';
import { collectPageProblems, launchChromium, recordSessions } from '../support/browser.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { chatOn } from '../support/webChatPage.js';
import { useTestDatabase } from '../support/testDatabase.js';

const artifacts = 'test-artifacts';
const db = useTestDatabase('e2e_helpline');
const directory = Directory.loadDefault();
const operator = { role: 'system', id: 'e2e-test' } as const;
const hi = texts.hi;

type StaffKey = 'je' | 'sdo' | 'supervisor';
const staff: Record<StaffKey, { username: string; password: string; role: 'officer' | 'supervisor'; officerId?: string }> = {
  je: { username: 'pradeep', password: 'pradeep-e2e-password', role: 'officer', officerId: 'je-gomti-nagar-1' },
  sdo: { username: 'irfan', password: 'irfan-e2e-password', role: 'officer', officerId: 'sdo-gomti-nagar' },
  supervisor: { username: 'meera', password: 'meera-e2e-password', role: 'supervisor' },
};
const jeName = directory.officerById('je-gomti-nagar-1')?.name;
const sdoName = directory.officerById('sdo-gomti-nagar')?.name;

interface TicketDetailBody {
  ticket: {
    number: string;
    status: string;
    level: string;
    officer?: { id: string; name: string; level: string };
    consumer: { mobile: string; channel: string; accountNumber?: string };
    place: { district: string; subDivisionId?: string; locality?: string };
    closure?: { provenance: string; claimId: string; by: { role: string } };
    events: Array<{ type: string; actor: { role: string; id: string }; claimId?: string; level?: string }>;
    outbox: unknown[];
  };
  chain: { ok: boolean; events?: number; reason?: string };
}

let served: ServedHelpline;
let helpline: Helpline;
let baseUrl: string;
let browser: Browser;
const tokens = {} as Record<StaffKey, string>;

async function api<T>(method: string, path: string, as: StaffKey, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { authorization: `Bearer ${tokens[as]}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

beforeAll(async () => {
  served = await serveHelpline(db, directory);
  ({ helpline, baseUrl } = served);

  for (const key of Object.keys(staff) as StaffKey[]) {
    const { username, password, role, officerId } = staff[key];
    await helpline.staffAuth.createUser({ username, password, role, officerId }, operator);
    const response = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(response.status).toBe(200);
    tokens[key] = ((await response.json()) as { token: string }).token;
  }

  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

it(
  'registers a Hindi complaint in Web Chat, and only the consumer\'s "haan" closes it after a "nahi" and a second claim',
  { timeout: 120_000 },
  async ({ onTestFailed }) => {
    expect(jeName).toBeDefined();
    expect(sdoName).toBeDefined();
    const context = await browser.newContext({ locale: 'hi-IN', viewport: { width: 900, height: 1000 } });
    const page = await context.newPage();
    const problems = collectPageProblems(page);
    const conversations = recordSessions(page);
    const chat = chatOn(page, artifacts);
    onTestFailed(async () => {
      console.log(`[e2e] server log:\n${served.log.join('\n')}\n[e2e] page problems:\n${problems.join('\n')}`);
      await page.screenshot({ path: `${artifacts}/e2e-failure.png`, fullPage: true }).catch(() => undefined);
    });

    // ── A new consumer opens the page and is greeted in Hindi.
    await page.goto(`${baseUrl}/`);
    await chat.sendBox.waitFor({ timeout: 30_000 });
    await chat.botSays(hi.welcome);
    // Issue 15: the page runs over the Direct Line WebSocket stream (Web Chat's default), not by polling.
    const polls: string[] = [];
    page.on('request', (request) => {
      if (/\/v3\/directline\/conversations\/[^/]+\/activities\?/.test(request.url())) polls.push(request.url());
    });
    expect(helpline.directLineStream.connections).toBe(1);

    // ── Markup a consumer types stays text: no <b> element appears in the transcript.
    await chat.type('<b>bold</b>');
    await chat.botSays(hi.didNotUnderstand);
    expect(await chat.user('<b>bold</b>').count()).toBe(1);
    expect(await page.locator('#webchat b').filter({ hasText: 'bold' }).count()).toBe(0);

    // ── The complaint, in Hindi, answering the bot's questions as a consumer would.
    const complaint = 'गोमती नगर में 5 घंटे से बिजली नहीं है';
    // The message itself says what (no supply), since when, and where (Gomti Nagar): only the rest is asked.
    await chat.complainInHindi(complaint, '9876543210');
    const place = directory.resolvePlace({ locality: 'गोमती नगर' });
    expect(place?.subDivisionId).toBe('sd-gomti-nagar');
    // Read back in Hindi, places by their Hindi names.
    const placeInHindi = { locality: directory.hindiNameOf(place!.locality!), district: directory.hindiNameOf(place!.district) };
    expect(placeInHindi).toEqual({ locality: 'गोमती नगर', district: 'लखनऊ' });
    await chat.botSays(
      hi.summary({
        category: 'supply',
        description: complaint,
        mobile: '9876543210',
        ...placeInHindi,
      }),
    );
    await chat.screenshot('e2e-1-summary.png');
    await chat.type('हाँ');

    // ── The ticket number, from the bot's reply.
    const number = await chat.registeredTicketNumber();
    expect(polls).toEqual([]);
    expect(number).toBeDefined();
    const ticketNumber = number!;
    await chat.botSays(hi.registered(ticketNumber, 'JE', jeName));
    await chat.screenshot('e2e-2-registered.png');

    const registered = await api<TicketDetailBody>('GET', `/api/tickets/${ticketNumber}`, 'je');
    expect(registered.status).toBe(200);
    expect(registered.body.ticket).toMatchObject({
      status: 'assigned',
      level: 'JE',
      officer: { id: 'je-gomti-nagar-1' },
      consumer: { mobile: '9876543210', channel: 'webchat' },
      place: { subDivisionId: 'sd-gomti-nagar' },
    });
    expect(registered.body.ticket.consumer.accountNumber).toBeUndefined();

    // ── The JE claims it fixed; the question reaches the open page on its own.
    const jeNote = 'फीडर का फ्यूज बदल दिया, सप्लाई चालू है';
    const firstClaim = await api<{ claimId: string; ticket: { status: string } }>('POST', `/api/tickets/${ticketNumber}/resolution`, 'je', { note: jeNote });
    expect(firstClaim.status).toBe(200);
    expect(firstClaim.body.ticket.status).toBe('awaiting_confirmation');
    await chat.botSays(hi.satisfactionQuestion(ticketNumber, 'JE', jeName, jeNote));
    await chat.screenshot('e2e-3-first-question.png');

    // ── "nahi": reopened, and now with the SDO, by name.
    await chat.type('nahi');
    const reopenedText = hi.reopened(ticketNumber, 'SDO', sdoName);
    await chat.botSays(reopenedText);
    expect(reopenedText).toContain(sdoName!);
    const reopened = await api<TicketDetailBody>('GET', `/api/tickets/${ticketNumber}`, 'sdo');
    expect(reopened.body.ticket).toMatchObject({ status: 'reopened', level: 'SDO', officer: { id: 'sdo-gomti-nagar' } });
    // The JE can no longer claim it: it has gone past them.
    const jeAgain = await api<unknown>('POST', `/api/tickets/${ticketNumber}/resolution`, 'je', { note: 'फिर से ठीक किया' });
    expect(jeAgain.status).toBe(403);
    await chat.screenshot('e2e-4-reopened.png');

    // ── The SDO claims it fixed; the second question arrives; "haan" closes it.
    const sdoNote = 'ट्रांसफॉर्मर का केबल बदला गया, 2 घंटे से बिजली ठीक है';
    const secondClaim = await api<{ claimId: string; ticket: { status: string } }>('POST', `/api/tickets/${ticketNumber}/resolution`, 'sdo', { note: sdoNote });
    expect(secondClaim.status).toBe(200);
    expect(secondClaim.body.claimId).not.toBe(firstClaim.body.claimId);
    await chat.botSays(hi.satisfactionQuestion(ticketNumber, 'SDO', sdoName, sdoNote));
    await chat.type('haan');
    await chat.botSays(hi.closedThanks(ticketNumber));

    // ── The ticket as staff see it: closed on the consumer's word, the history whole and in order.
    const closed = await api<TicketDetailBody>('GET', `/api/tickets/${ticketNumber}`, 'supervisor');
    expect(closed.status).toBe(200);
    expect(closed.body.ticket.status).toBe('closed');
    expect(closed.body.ticket.closure).toMatchObject({ provenance: 'consumer_confirmed', claimId: secondClaim.body.claimId, by: { role: 'consumer' } });
    expect(closed.body.chain).toEqual({ ok: true, events: 8 });
    expect(closed.body.ticket.events.map((event) => event.type)).toEqual([
      'ticket.registered',
      'ticket.assigned',
      'ticket.resolution_claimed',
      'ticket.claim_shown',
      'ticket.rejected',
      'ticket.resolution_claimed',
      'ticket.claim_shown',
      'ticket.confirmed',
    ]);
    const events = closed.body.ticket.events;
    expect(events[2]).toMatchObject({ actor: { role: 'officer', id: 'je-gomti-nagar-1' }, claimId: firstClaim.body.claimId });
    expect(events[3]).toMatchObject({ claimId: firstClaim.body.claimId });
    expect(events[4]).toMatchObject({ actor: { role: 'consumer' }, claimId: firstClaim.body.claimId, level: 'SDO' });
    expect(events[5]).toMatchObject({ actor: { role: 'officer', id: 'sdo-gomti-nagar' }, claimId: secondClaim.body.claimId });
    expect(events[6]).toMatchObject({ claimId: secondClaim.body.claimId });
    expect(events[7]).toMatchObject({ actor: { role: 'consumer' }, claimId: secondClaim.body.claimId });
    // Everything the ticket owed (the questions to the consumer, the SDO's notice) has been delivered.
    await expect
      .poll(async () => (await api<TicketDetailBody>('GET', `/api/tickets/${ticketNumber}`, 'supervisor')).body.ticket.outbox, { timeout: 15_000 })
      .toEqual([]);
    const officerInbox = await db.models.officerNotifications.find({ ticketNumber }).lean();
    expect(officerInbox.map(({ officerId, eventType }) => `${officerId} ${eventType}`).sort()).toEqual([
      'je-gomti-nagar-1 ticket.assigned',
      'sdo-gomti-nagar ticket.rejected',
    ]);

    // ── The whole conversation, as stored: every bot message once, in order, nothing doubled by the proactive path.
    expect(conversations.length).toBe(1);
    const transcript = (await helpline.webChat.transcript(conversations[0]!)) ?? [];
    const said = transcript
      .filter((activity) => activity.type === 'message')
      .map((activity) => `${activity.from?.id === 'santushti-bot' ? 'bot' : 'consumer'}: ${activity.text ?? ''}`);
    expect(said).toEqual([
      `bot: ${hi.welcome}`,
      'consumer: <b>bold</b>',
      `bot: ${hi.didNotUnderstand}`,
      `consumer: ${complaint}`,
      `bot: ${hi.askAccount}`,
      'consumer: छोड़ें',
      `bot: ${hi.askMobile}`,
      'consumer: 9876543210',
      `bot: ${hi.summary({ category: 'supply', description: complaint, mobile: '9876543210', ...placeInHindi })}`,
      'consumer: हाँ',
      `bot: ${hi.registered(ticketNumber, 'JE', jeName)}`,
      `bot: ${hi.satisfactionQuestion(ticketNumber, 'JE', jeName, jeNote)}`,
      'consumer: nahi',
      `bot: ${reopenedText}`,
      `bot: ${hi.satisfactionQuestion(ticketNumber, 'SDO', sdoName, sdoNote)}`,
      'consumer: haan',
      `bot: ${hi.closedThanks(ticketNumber)}`,
    ]);
    // And the page shows each of them once.
    expect(await chat.bot(hi.satisfactionQuestion(ticketNumber, 'JE', jeName, jeNote)).count()).toBe(1);
    expect(await chat.bot(reopenedText).count()).toBe(1);
    expect(await chat.bot(hi.closedThanks(ticketNumber)).count()).toBe(1);
    expect(await page.getByText('भेजना विफल').count()).toBe(0);

    // The final screenshot: the whole conversation on one page.
    await chat.screenshot('e2e-5-closed.png', { wholeConversation: true });

    expect(problems).toEqual([]);
    await context.close();
  },
);
