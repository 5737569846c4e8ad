// Status-update fan-out: how fast the outbox delivers a burst of consumer updates. Tickets that were registered and
// worked (work started, resolution claimed: one status update for the consumer each) while nothing delivered, so the
// updates wait on their tickets as they would after a burst of staff activity; then every ticket is woken at once,
// as the ticket service's onEffectsQueued does, and the clock runs until the last update is delivered to a notifier
// that only counts. Next to it, the same number of bare updates by _id on the same server: the floor, since removing
// a delivered effect from its ticket is one such update.
import { performance } from 'node:perf_hooks';
import { trusted, type Connection } from 'mongoose';
import { connectModels } from '../db/database.js';
import type { ConsumerNotification, ConsumerNotifier } from '../services/notificationService.js';
import { NotificationService } from '../services/notificationService.js';
import { Directory } from '../services/directory.js';
import { ReportService } from '../services/reportService.js';
import { TicketService } from '../services/ticketService.js';
import { complaintFor, newConsumer, officer } from '../test/support/ticketFixtures.js';
import type { TicketRecord } from '../models/ticketTypes.js';
import { CommandCounter, copyTicket, fixed, formatTable, roundTrips, runConcurrently, whole, type RoundTrips } from './benchSupport.js';

export interface OutboxBenchOptions {
  /** Consumer status updates in the burst (two per ticket). */
  updates: number;
}

export interface OutboxResults {
  tickets: number;
  consumerUpdates: number;
  /** Every effect delivered in the burst: the consumer updates and the report rollups the claims owe. */
  effects: number;
  drainSeconds: number;
  updatesPerSecond: number;
  effectsPerSecond: number;
  commands: RoundTrips;
  baseline: { bareUpdatesPerSecond: number; concurrency: number };
  /** Consumer updates per second ÷ bare updates per second. */
  ratio: number;
  setupSeconds: number;
}

class CountingNotifier implements ConsumerNotifier {
  delivered = 0;

  async notifyConsumer(_notification: ConsumerNotification): Promise<'delivered'> {
    this.delivered += 1;
    return 'delivered';
  }
}

const baselineConcurrency = 32;
const templateCount = 10;
const copyBatch = 1_000;
/** Copies are numbered on a day no counter reaches, so they never collide with registrations. */
const copyDay = '000101';

export async function benchOutbox(context: { uri: string; dbName: string; log: (line: string) => void }, options: OutboxBenchOptions): Promise<OutboxResults> {
  let connection: Connection | undefined;
  try {
    const connected = await connectModels(context.uri, context.dbName, { monitorCommands: true });
    connection = connected.connection;
    const { models } = connected;
    const counter = new CommandCounter(connection.getClient());
    const tickets = new TicketService(models, Directory.loadDefault());
    const notifier = new CountingNotifier();
    const notifications = new NotificationService(models, notifier, { reports: new ReportService(models), log: context.log });

    const setupBegin = performance.now();
    // A few tickets go through the real service: registered, work started, resolution claimed. What registration owes
    // is delivered; the two consumer updates (and the claim's report rollup) are left waiting. The rest of the burst
    // is copies of them, inserted in bulk, each with its own consumer and chain.
    const templates: TicketRecord[] = [];
    for (let i = 0; i < templateCount; i++) {
      const consumer = newConsumer();
      const { ticket } = await tickets.register(complaintFor(consumer), consumer.actor);
      await notifications.drainTicket(ticket._id);
      await tickets.startWork(ticket._id, officer, { note: 'Lineman on the way' });
      await tickets.claimResolution(ticket._id, officer, { note: 'Fuse replaced at the pole' });
      templates.push(await tickets.get(ticket._id));
    }
    const consumerEffects = templates[0]!.outbox.filter((effect) => effect.kind === 'consumer.notify').length;
    if (consumerEffects !== 2) throw new Error(`bench bug: a worked ticket owes ${consumerEffects} consumer updates, expected 2`);
    const ticketCount = Math.ceil(options.updates / consumerEffects);
    const numbers: string[] = [];
    for (let batch = 0; batch * copyBatch < ticketCount; batch++) {
      const copies: TicketRecord[] = [];
      for (let i = batch * copyBatch; i < Math.min(ticketCount, (batch + 1) * copyBatch); i++) {
        const serial = String(i + 1).padStart(7, '0');
        copies.push(copyTicket(templates[i % templates.length]!, { number: `UP-${copyDay}-${serial}`, channelUserId: `web-outbox-${serial}`, mobile: `7${serial.padStart(9, '0')}` }));
      }
      await models.tickets.insertMany(copies, { ordered: false, lean: true });
      numbers.push(...copies.map((copy) => copy._id));
    }
    for (const template of templates) await notifications.drainTicket(template._id);
    const setupSeconds = (performance.now() - setupBegin) / 1000;
    context.log(`  outbox: ${whole(numbers.length)} worked tickets in ${fixed(setupSeconds, 1)} s; delivering their updates`);

    notifier.delivered = 0;
    const before = counter.snapshot();
    const begin = performance.now();
    await Promise.all(numbers.map((number) => notifications.drainTicket(number)));
    const drainSeconds = (performance.now() - begin) / 1000;
    const spent = counter.since(before);
    const consumerUpdates = notifier.delivered;
    const effects = consumerUpdates + numbers.length;
    const expected = numbers.length * consumerEffects;
    const left = await models.tickets.countDocuments({ 'outbox.0': trusted({ $exists: true }) });
    if (consumerUpdates !== expected || left > 0) {
      throw new Error(`the outbox delivered ${consumerUpdates} of ${expected} updates; ${left} tickets still owe effects`);
    }

    let index = 0;
    const baseline = await runConcurrently(consumerUpdates, baselineConcurrency, async () => {
      await models.tickets.updateOne({ _id: numbers[index++ % numbers.length] }, { $set: { updatedAt: new Date() } });
      return 'update';
    });
    const bareUpdatesPerSecond = baseline.ops / baseline.seconds;
    const updatesPerSecond = consumerUpdates / drainSeconds;
    return {
      tickets: numbers.length,
      consumerUpdates,
      effects,
      drainSeconds,
      updatesPerSecond,
      effectsPerSecond: effects / drainSeconds,
      commands: roundTrips(consumerUpdates, spent),
      baseline: { bareUpdatesPerSecond, concurrency: baselineConcurrency },
      ratio: updatesPerSecond / bareUpdatesPerSecond,
      setupSeconds,
    };
  } finally {
    await connection?.close();
  }
}

export function printOutbox(results: OutboxResults): void {
  console.log(`\nStatus-update fan-out (outbox, every ticket woken at once; ${whole(results.tickets)} tickets):`);
  console.log(
    formatTable(
      ['what', 'count', 'seconds', 'per second', 'commands/update', 'by command (per update)'],
      [
        [
          'consumer updates delivered',
          whole(results.consumerUpdates),
          fixed(results.drainSeconds, 2),
          whole(results.updatesPerSecond),
          fixed(results.commands.perOp, 2),
          Object.entries(results.commands.byCommand)
            .map(([name, perOp]) => `${name} ${fixed(perOp, 2)}`)
            .join(', '),
        ],
        ['  with report rollups (all effects)', whole(results.effects), '', whole(results.effectsPerSecond), '', ''],
        [`bare updateOne by _id (${results.baseline.concurrency} in flight)`, whole(results.consumerUpdates), '', whole(results.baseline.bareUpdatesPerSecond), '1.00', ''],
      ],
    ),
  );
  console.log(`Ratio: updates delivered/s ÷ bare updates/s = ${fixed(results.ratio, 2)}`);
}
