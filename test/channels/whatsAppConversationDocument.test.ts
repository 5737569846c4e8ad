// WhatsApp Cloud conversations on conversation documents (docs/whatsapp-conversations.md), on the real database with
// the fake Graph API: a message Meta delivers twice (one after the other, or at once) is stored once and answered
// once; a process that dies after its turn's write and before the send leaves the reply in the document, and the
// process that takes the conversation over sends exactly that reply — the turn is not run again.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TurnContext } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationIdFor, WhatsAppCloudAdapter, type BotLogic } from '../../bot/adapters/whatsAppCloudAdapter.js';
import { WhatsAppCloudGraphApi } from '../../bot/adapters/whatsAppCloudGraphApi.js';
import type { WhatsAppWebhookPayload } from '../../bot/adapters/whatsAppCloudMessages.js';
import { seenHash } from '../../bot/adapters/whatsAppConversationStore.js';
import { FakeGraphApi, messageWebhook, textMessage } from '../support/fakeGraphApi.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('wa_conversation_doc');
const phoneNumberId = '109876543277';
const templates = { statusUpdate: 'santushti_status_update', satisfactionQuestion: 'santushti_satisfaction', language: 'hi' };
const log: string[] = [];
let graph: FakeGraphApi;
/** A Graph API that accepts connections and never answers: a send that never returns (the process "dies" in it). */
let blackHole: Server;
let blackHoleBase: string;
const adapters: WhatsAppCloudAdapter[] = [];

beforeAll(async () => {
  graph = await FakeGraphApi.start();
  blackHole = createServer(() => undefined);
  blackHole.listen(0, '127.0.0.1');
  await once(blackHole, 'listening');
  blackHoleBase = `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}/v21.0`;
});

afterAll(async () => {
  blackHole?.closeAllConnections();
  await new Promise<void>((resolve) => (blackHole ? blackHole.close(() => resolve()) : resolve()));
  for (const adapter of adapters) await adapter.stop();
  await graph?.close();
});

function newAdapter(apiBase: string, options: { turnLeaseMs?: number; stuckTurnMs?: number } = {}): WhatsAppCloudAdapter {
  const adapter = new WhatsAppCloudAdapter(db.models, {
    graph: new WhatsAppCloudGraphApi({ apiBase, phoneNumberId, accessToken: 'doc-test-access-token-abcdefghijklmnop', baseDelayMs: 5, timeoutMs: 60_000, log: (line) => log.push(line) }),
    phoneNumberId,
    templates,
    log: (line) => log.push(line),
    ...options,
  });
  adapters.push(adapter);
  return adapter;
}

let senderCounter = 0;
function newSender(): string {
  senderCounter += 1;
  return `91977${String(Date.now() % 1e4).padStart(4, '0')}${String(senderCounter).padStart(3, '0')}`;
}

const payloadOf = (message: Record<string, unknown>) => messageWebhook(phoneNumberId, [message]) as unknown as WhatsAppWebhookPayload;

function conversation(sender: string) {
  return db.models.whatsAppConversations.findById(conversationIdFor(sender), { log: 1, inbox: 1, outbox: 1, seen: 1, pending: 1, lease: 1 }).lean();
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a WhatsApp Cloud conversation document', () => {
  it('stores a message Meta delivers twice (one after the other, then twice at once) once, and answers it once', async () => {
    const adapter = newAdapter(graph.apiBase);
    let turns = 0;
    const echo: BotLogic = async (context: TurnContext) => {
      turns += 1;
      await context.sendActivity(`Echo: ${context.activity.text ?? ''}`);
    };
    const sender = newSender();
    const message = textMessage(sender, 'bijli nahi hai');
    const first = await adapter.receiveWebhook(payloadOf(message), echo);
    const second = await adapter.receiveWebhook(payloadOf(message), echo);
    const atOnce = await Promise.all([adapter.receiveWebhook(payloadOf(message), echo), adapter.receiveWebhook(payloadOf(message), echo)]);
    await adapter.idle();
    expect([first, second, ...atOnce].map((summary) => [summary.stored, summary.duplicates])).toEqual([[1, 0], [0, 1], [0, 1], [0, 1]]);
    expect(turns).toBe(1);
    expect(graph.accepted(sender).map((reply) => reply.text)).toEqual(['Echo: bijli nahi hai']);
    const doc = await conversation(sender);
    expect(doc?.log?.map((entry) => entry.id)).toEqual([message.id]);
    expect(doc?.inbox).toEqual([]);
    expect(doc?.outbox).toEqual([]);
    expect(doc?.seen?.filter((hash) => hash === seenHash(message.id as string))).toHaveLength(1);
    expect(doc?.pending).toBe(false);
    expect(doc?.lease ?? null).toBeNull();
  });

  it('a process that dies after its turn\'s write and before the send: the process taking over sends the stored reply, and does not run the turn again', { timeout: 30_000 }, async () => {
    // The first process: its replies go to a Graph API that never answers, and its lease is short.
    // Long enough that a loaded machine still finishes the turn's write inside the lease (300 ms failed once under load).
    const dying = newAdapter(blackHoleBase, { turnLeaseMs: 1_500, stuckTurnMs: 1_500 });
    let firstRuns = 0;
    const firstBot: BotLogic = async (context) => {
      firstRuns += 1;
      await context.sendActivity(`Pehli prakriya ka jawab #${firstRuns}`);
    };
    const sender = newSender();
    const message = textMessage(sender, 'light kab aayegi?');
    expect((await dying.receiveWebhook(payloadOf(message), firstBot)).stored).toBe(1);
    // The turn's write landed (message processed, reply stored) and its send hangs: the process is as good as dead.
    await eventually(async () => {
      const doc = await conversation(sender);
      return (doc?.outbox?.length ?? 0) === 1 && (doc?.log?.length ?? 0) === 1;
    });
    expect(graph.accepted(sender)).toEqual([]);
    // Its lease runs out (it stops renewing after stuckTurnMs).
    await eventually(async () => {
      const lease = (await conversation(sender))?.lease;
      return !lease || new Date(lease.expiresAt).getTime() < Date.now();
    });

    // Another process starts: a different bot, which must not be asked again.
    const taking = newAdapter(graph.apiBase);
    let secondRuns = 0;
    await taking.start(async (context) => {
      secondRuns += 1;
      await context.sendActivity('Doosri prakriya ka naya jawab');
    });
    await taking.idle();
    expect(graph.accepted(sender).map((reply) => reply.text)).toEqual(['Pehli prakriya ka jawab #1']);
    expect(firstRuns).toBe(1);
    expect(secondRuns).toBe(0);
    const doc = await conversation(sender);
    expect(doc?.outbox).toEqual([]);
    expect(doc?.pending).toBe(false);
    await taking.stop();

    // The dead process's send finally fails: it stored nothing more that anyone sends twice.
    blackHole.closeAllConnections();
    await dying.idle();
    expect(graph.accepted(sender).map((reply) => reply.text)).toEqual(['Pehli prakriya ka jawab #1']);
  });

  it('takes over a message the previous version stored (inbound record and pending marker) and never processed', async () => {
    const sender = newSender();
    const wamid = `wamid.legacy.${sender}`;
    const sentAt = new Date(Date.now() - 10 * 60_000);
    await db.models.whatsAppCloudPending.create({ _id: wamid, from: sender, receivedAt: sentAt });
    await db.models.whatsAppCloudInbound.create({ _id: wamid, from: sender, content: JSON.stringify({ kind: 'text', text: 'purana sandesh' }), sentAt, receivedAt: sentAt, claim: 'unclaimed' });
    const adapter = newAdapter(graph.apiBase);
    await adapter.start(async (context) => {
      await context.sendActivity(`Echo: ${context.activity.text ?? ''}`);
    });
    await adapter.idle();
    await adapter.stop();
    // Ten minutes old: inside the 24-hour window as the message itself says, so a plain text answers it.
    expect(graph.accepted(sender).map((reply) => reply.text)).toEqual(['Echo: purana sandesh']);
    expect(await db.models.whatsAppCloudPending.countDocuments({ _id: wamid })).toBe(0);
    expect((await conversation(sender))?.log?.map((entry) => entry.id)).toEqual([wamid]);
  });

  it('a process that served the conversation before recovers a message another process stored and never ran', async () => {
    const serving = newAdapter(graph.apiBase);
    const echo: BotLogic = async (context) => {
      await context.sendActivity(`Echo: ${context.activity.text ?? ''}`);
    };
    const sender = newSender();
    await serving.receiveWebhook(payloadOf(textMessage(sender, 'pehla')), echo);
    await serving.idle();
    // The other process stores the next message and stops before its turn (as if killed): no lease, a waiting message.
    const other = newAdapter(graph.apiBase);
    await other.stop();
    expect((await other.receiveWebhook(payloadOf(textMessage(sender, 'doosra')), echo)).stored).toBe(1);
    expect((await conversation(sender))?.pending).toBe(true);
    // The first process's recovery pass finds it, although what it remembers of the document says nothing waits.
    await serving.resumePending(echo);
    await serving.idle();
    expect(graph.accepted(sender).map((reply) => reply.text)).toEqual(['Echo: pehla', 'Echo: doosra']);
    expect((await conversation(sender))?.pending).toBe(false);
  });
});
