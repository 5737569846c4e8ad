// Meta delivers webhooks at least once and in no promised order. Against the whole helpline on loopback: the same
// message delivered three times (one after another, and all at once) is one turn; a complaint whose every delivery is
// repeated is one ticket; a complaint whose messages arrive newest first (in one batch, or while the consumer's earlier
// turn still runs) is read in the order the consumer sent it; delivery statuses that arrive before the message they
// are about, twice, or backwards never lower what is known. Each case is written to test-artifacts/reliability/.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { choiceId } from '../../bot/adapters/whatsAppCloudMessages.js';
import { texts } from '../../dialogs/texts.js';
import { outboundStatusRank } from '../../models/whatsAppCloudModels.js';
import { buttonReply, messageWebhook, newWamid, postWebhook, statusUpdate, textMessage, type PostedWebhook } from '../support/fakeGraphApi.js';
import { recordCase } from '../support/reliabilityReport.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { storedWhatsAppMessages } from '../support/whatsAppStored.js';
import { loopbackSecrets, startLoopbackHelpline, type LoopbackHelpline } from './helplineOnLoopback.js';

const db = useTestDatabase('wa_redelivery');
const hl = texts.hl; // the consumer writes Hinglish, and is answered (and offered buttons) in it
const { appSecret, phoneNumberId } = loopbackSecrets.whatsApp;
const complaintText = 'Gomti Nagar mein 5 ghante se light nahi aa rahi hai';
const skipAccount = { id: choiceId(hl.skipWords[0]!), title: hl.skipWords[0]! };
const yes = { id: choiceId(hl.yesNoChoices[0]!), title: hl.yesNoChoices[0]! };

let loopback: LoopbackHelpline;
let webhookUrl: string;
let nextNumber = 0;

beforeAll(async () => {
  loopback = await startLoopbackHelpline(db);
  webhookUrl = `http://127.0.0.1:${loopback.port}/webhooks/whatsapp`;
}, 60_000);

afterAll(async () => {
  await loopback?.stop();
});

/** A consumer's number of their own (each case its own, so no duplicate guard links them). */
function newSender(): string {
  nextNumber += 1;
  return `9198100${String(nextNumber).padStart(5, '0')}`;
}

function deliver(message: Record<string, unknown> | Array<Record<string, unknown>>, statuses: Array<Record<string, unknown>> = []): Promise<PostedWebhook> {
  return postWebhook(webhookUrl, appSecret, messageWebhook(phoneNumberId, Array.isArray(message) ? message : [message], statuses));
}

/** Unix seconds as Meta writes them, `offset` seconds after a start a few minutes ago (inside the 24-hour window). */
const startSeconds = Math.floor(Date.now() / 1000) - 300;
const at = (offset: number) => String(startSeconds + offset);

async function settle(): Promise<void> {
  await loopback.cloud.idle();
}

const summaries = (deliveries: PostedWebhook[]) => deliveries.map((delivery) => JSON.parse(delivery.text) as { stored: number; duplicates: number; statuses: number });

async function inboundOf(sender: string) {
  const records = await storedWhatsAppMessages(db.models, sender);
  return records.sort((a, b) => (a.processedAt?.getTime() ?? 0) - (b.processedAt?.getTime() ?? 0));
}

async function ticketsOf(sender: string): Promise<string[]> {
  const index = await db.models.consumerIndex.findById(`channel:whatsapp:${sender}`, { ticketNumbers: 1 }).lean();
  return index?.ticketNumbers ?? [];
}

const repliesTo = (sender: string) => loopback.graph.accepted(sender).map((message) => message.text);

/** Runs a case, records it whatever happens, and rethrows a failure. */
async function recorded(name: string, scenario: string, expected: string, run: () => Promise<Record<string, unknown>>): Promise<void> {
  let observed: Record<string, unknown> = {};
  try {
    observed = await run();
    recordCase(`whatsapp redelivery: ${name}`, { scenario, expected, observed, passed: true });
  } catch (error) {
    recordCase(`whatsapp redelivery: ${name}`, { scenario, expected, observed: { ...observed, failure: String(error).slice(0, 500), log: loopback.log.slice(-20) }, passed: false });
    throw error;
  }
}

it('one message delivered three times, one after another: stored once, answered once', async () => {
  await recorded(
    'same message id three times sequentially',
    'one text message (one wamid) POSTed three times in a row, each after the previous was acknowledged',
    'three 200s: 1 stored then 2 duplicates; one inbound record; one turn (one reply)',
    async () => {
      const sender = newSender();
      const message = textMessage(sender, complaintText);
      const deliveries: PostedWebhook[] = [];
      for (let time = 0; time < 3; time++) deliveries.push(await deliver(message));
      await settle();
      const observed = { statuses: deliveries.map((delivery) => delivery.status), summaries: summaries(deliveries), inbound: (await inboundOf(sender)).length, replies: repliesTo(sender) };
      expect(observed.statuses).toEqual([200, 200, 200]);
      expect(observed.summaries.map((summary) => [summary.stored, summary.duplicates])).toEqual([[1, 0], [0, 1], [0, 1]]);
      expect(observed.inbound).toBe(1);
      expect(observed.replies).toEqual([hl.askAccount]);
      return observed;
    },
  );
});

it('one message delivered three times at once: stored once, answered once', async () => {
  await recorded(
    'same message id three times concurrently',
    'one text message (one wamid) POSTed three times at the same moment',
    'three 200s, 1 stored and 2 duplicates between them; one inbound record; one reply',
    async () => {
      const sender = newSender();
      const message = textMessage(sender, complaintText);
      const deliveries = await Promise.all([1, 2, 3].map(() => deliver(message)));
      await settle();
      const all = summaries(deliveries);
      const observed = {
        statuses: deliveries.map((delivery) => delivery.status),
        stored: all.reduce((sum, summary) => sum + summary.stored, 0),
        duplicates: all.reduce((sum, summary) => sum + summary.duplicates, 0),
        inbound: (await inboundOf(sender)).length,
        replies: repliesTo(sender),
      };
      expect(observed).toEqual({ statuses: [200, 200, 200], stored: 1, duplicates: 2, inbound: 1, replies: [hl.askAccount] });
      return observed;
    },
  );
});

it('a complaint whose every delivery comes three times (two at once, one later) makes one ticket and one reply per message', { timeout: 30_000 }, async () => {
  await recorded(
    'every delivery of a complaint repeated three times',
    'complaint text, "skip" tap, "yes" tap; each POSTed twice concurrently and once more after the turn',
    'one ticket for the consumer; replies exactly: ask account, summary, registered',
    async () => {
      const sender = newSender();
      const steps = [textMessage(sender, complaintText), buttonReply(sender, skipAccount), buttonReply(sender, yes)];
      for (const message of steps) {
        const twice = await Promise.all([deliver(message), deliver(message)]);
        await settle();
        const again = await deliver(message);
        await settle();
        expect([...twice, again].map((delivery) => delivery.status)).toEqual([200, 200, 200]);
      }
      const tickets = await ticketsOf(sender);
      const replies = repliesTo(sender);
      const observed = { tickets, replies, inbound: (await inboundOf(sender)).length };
      expect(tickets).toHaveLength(1);
      expect(observed.inbound).toBe(3);
      expect(replies).toHaveLength(3);
      expect(replies[0]).toBe(hl.askAccount);
      expect(replies[1]).toContain(sender.slice(2));
      expect(replies[2]).toContain(tickets[0]);
      return observed;
    },
  );
});

it('a complaint delivered in one batch, newest message first, is read in the order it was sent', { timeout: 30_000 }, async () => {
  await recorded(
    'one batch newest first',
    'complaint text (t), "skip" tap (t+1), "yes" tap (t+2) in ONE webhook, listed t+2, t+1, t',
    'turns in sent order; one ticket; replies: ask account, summary, registered',
    async () => {
      const sender = newSender();
      const batch = [
        buttonReply(sender, yes, { timestamp: at(2) }),
        buttonReply(sender, skipAccount, { timestamp: at(1) }),
        textMessage(sender, complaintText, { timestamp: at(0) }),
      ];
      const delivery = await deliver(batch);
      await settle();
      const processedInSentOrder = (await inboundOf(sender)).map((record) => record.sentAt.getTime());
      const tickets = await ticketsOf(sender);
      const observed = { status: delivery.status, processedInSentOrder, tickets, replies: repliesTo(sender) };
      expect(delivery.status).toBe(200);
      expect(processedInSentOrder).toEqual([...processedInSentOrder].sort((a, b) => a - b));
      expect(tickets).toHaveLength(1);
      expect(observed.replies).toHaveLength(3);
      expect(observed.replies[2]).toContain(tickets[0]);
      return observed;
    },
  );
});

it('messages delivered newest first while the consumer\'s earlier turn still runs are read in the order they were sent', { timeout: 30_000 }, async () => {
  await recorded(
    'separate deliveries newest first while a turn runs',
    'complaint text (t) delivered, its reply held 1 s by a Graph API 429 with Retry-After; meanwhile "yes" (t+2) and then "skip" (t+1) delivered as separate webhooks',
    'turns: complaint, skip, yes; one ticket; replies: ask account, summary, registered',
    async () => {
      const sender = newSender();
      // Rate-limited for a second: the complaint's turn stays open while the later messages arrive.
      loopback.graph.failNext({ status: 429, code: 130429, retryAfter: '1' });
      expect((await deliver(textMessage(sender, complaintText, { timestamp: at(100) }))).status).toBe(200);
      expect((await deliver(buttonReply(sender, yes, { timestamp: at(102) }))).status).toBe(200);
      expect((await deliver(buttonReply(sender, skipAccount, { timestamp: at(101) }))).status).toBe(200);
      await settle();
      const processedInSentOrder = (await inboundOf(sender)).map((record) => record.sentAt.getTime());
      const tickets = await ticketsOf(sender);
      const observed = { processedInSentOrder, tickets, replies: repliesTo(sender) };
      expect(processedInSentOrder).toEqual([...processedInSentOrder].sort((a, b) => a - b));
      expect(tickets).toHaveLength(1);
      expect(observed.replies).toHaveLength(3);
      expect(observed.replies[0]).toBe(hl.askAccount);
      expect(observed.replies[2]).toContain(tickets[0]);
      return observed;
    },
  );
});

it('statuses before their message, repeated and backwards, leave the highest one and the message intact', async () => {
  await recorded(
    'statuses before messages, repeated and reordered',
    '"read" and "delivered" for the reply\'s wamid arrive before the consumer\'s message (so before the reply exists); then "sent", "delivered" again, and "read" again',
    'the reply is recorded with its recipient and kind, and its status stays "read"',
    async () => {
      const sender = newSender();
      // The fake Graph API numbers its wamids in order: the bot's next message gets this one.
      const replyWamid = `wamid.fake.${loopback.graph.accepted().length + 1}`;
      const early = await deliver([], [statusUpdate(replyWamid, 'read', sender), statusUpdate(replyWamid, 'delivered', sender)]);
      const message = await deliver(textMessage(sender, complaintText, { id: newWamid() }));
      await settle();
      const late = await deliver([], [statusUpdate(replyWamid, 'sent', sender), statusUpdate(replyWamid, 'delivered', sender), statusUpdate(replyWamid, 'read', sender)]);
      const outbound = await db.models.whatsAppCloudOutbound.findById(replyWamid, { to: 1, kind: 1, statusRank: 1 }).lean();
      const observed = {
        statuses: [early.status, message.status, late.status],
        counted: summaries([early, late]).map((summary) => summary.statuses),
        firstReplyWamid: loopback.graph.accepted(sender)[0]?.wamid,
        outbound,
      };
      expect(observed.statuses).toEqual([200, 200, 200]);
      expect(observed.firstReplyWamid).toBe(replyWamid);
      expect(outbound).toMatchObject({ to: sender, statusRank: outboundStatusRank.read });
      expect(outbound?.kind).toBeDefined();
      return observed;
    },
  );
});
