// Delivers what tickets owe the world — the outbox effects written atomically with each transition — and removes
// each effect once delivered. A restart loses nothing: undelivered effects are still on their tickets.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { wholeDocument, type Models } from '../models/index.js';
import type { OutboxClaim, OutboxEffect, TicketEvent, TicketHead, TicketRecord } from '../models/ticketTypes.js';
import { CallbackService } from './callbackService.js';
import type { OfficerNotificationRecord } from '../models/officerNotificationModel.js';
import type { OfficerAlertService } from './officerAlertService.js';
import { LeaseBusyError, leaseClaimsOn, Leases } from './leases.js';
import { thisProcessName, type Claims } from './claims.js';
import type { LeaseRecord } from '../models/leaseModel.js';
import { trusted } from 'mongoose';
import { PeriodicPass } from './periodicPass.js';
import { ReportService } from './reportService.js';
import { needsAttention, TicketWatch, untilChanged, WATCH_BATCH } from './ticketWatch.js';
import { isDuplicateKeyError } from './mongoErrors.js';
import { delayAfter } from './retry.js';

export interface ConsumerNotification {
  ticket: TicketRecord;
  event: TicketEvent;
  /** Stable per effect: a channel that stores messages uses it to store a repeated delivery only once. */
  idempotencyKey: string;
}

/** Implemented where the channels live (bot/): says something to the ticket's consumer on their channel. */
export interface ConsumerNotifier {
  /**
   * Resolves when delivered; 'unreachable' when there is no way to reach this consumer at all (retrying won't help);
   * 'elsewhere' when their channel is served by another process, which will deliver it.
   */
  notifyConsumer(notification: ConsumerNotification): Promise<'delivered' | 'unreachable' | 'elsewhere'>;
}

export interface NotificationServiceOptions {
  now?: () => Date;
  /** How often undelivered effects are looked for (they are normally delivered at once, when queued). */
  sweepIntervalMs?: number;
  maxAttempts?: number;
  /** How long an effect may wait for the process that serves its channel before it is given up on. */
  elsewhereGraceMs?: number;
  log?: (line: string) => void;
  /** Applies `report.update` effects to the report rollups; one on these models by default. */
  reports?: ReportService;
  /** Takes `callback.enqueue` effects into the callback queue; one on these models by default. */
  callbacks?: CallbackService;
  /** Officer alerts (Web Push, WhatsApp) for each officer inbox entry; none by default. */
  officerAlerts?: Pick<OfficerAlertService, 'deliver'>;
}

/** A failed delivery is tried again after 2 s, doubling to 10 min (jittered), counted on the effect itself. */
const deliveryBackoff = { firstDelayMs: 2_000, maxDelayMs: 10 * 60_000 };
/**
 * One process at a time drains a ticket's outbox, so an effect is delivered once even when every process is woken
 * for it. The lease is renewed while a drain runs; a process that dies mid-drain holds the ticket back this long.
 */
const drainLease = { ttlMs: 15_000, waitMs: 2_000, maxHoldMs: 5 * 60_000 };
/** After losing the race for a ticket's drain, look again this soon: the winner may have read the outbox before us. */
const busyRetryMs = 1_000;
/** Drains per batch: one lease insert, one read, one acknowledgement and one release for this many tickets. */
const drainBatchSize = 100;
/** Batches in flight at once. */
const concurrentBatches = 3;
const leaseKeyOf = (ticketNumber: string) => `outbox:${ticketNumber}`;

interface TicketDrain {
  /** Asked for again while running: run another round before settling. */
  again: boolean;
  done: Promise<void>;
  settle: (error?: unknown) => void;
}

export class NotificationService extends PeriodicPass {
  private readonly now: () => Date;
  private readonly sweepIntervalMs: number;
  private readonly maxAttempts: number;
  private readonly elsewhereGraceMs: number;
  private readonly log: (line: string) => void;
  /** Tickets being drained in this process, and whether another drain was asked for meanwhile. */
  private readonly draining = new Map<string, TicketDrain>();
  /** Tickets waiting for the next batch. */
  private readonly queued = new Map<string, TicketDrain>();
  private flushScheduled = false;
  private readonly batchesRunning = new Set<Promise<void>>();
  /** Registrations' drains running (deliverRegistered). */
  private readonly registrationsRunning = new Set<Promise<void>>();
  private readonly leaseClaims: Claims<LeaseRecord>;
  private readonly watch: TicketWatch;
  private readonly reports: ReportService;
  private readonly callbacks: CallbackService;
  private readonly leases: Leases;
  private readonly officerAlerts: NotificationServiceOptions['officerAlerts'];

  constructor(
    private readonly models: Models,
    private readonly consumerNotifier: ConsumerNotifier,
    options: NotificationServiceOptions = {},
  ) {
    super({ intervalMs: options.sweepIntervalMs ?? 30_000, runAtStart: true });
    this.now = options.now ?? (() => new Date());
    this.sweepIntervalMs = options.sweepIntervalMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 12;
    this.elsewhereGraceMs = options.elsewhereGraceMs ?? 15 * 60_000;
    this.log = options.log ?? ((line) => console.log(line));
    this.watch = new TicketWatch(models);
    this.reports = options.reports ?? new ReportService(models, this.now);
    this.callbacks = options.callbacks ?? new CallbackService(models, undefined, { now: this.now, log: this.log });
    this.leases = new Leases(models);
    this.officerAlerts = options.officerAlerts;
    this.leaseClaims = leaseClaimsOn(models);
  }

  /** Deliver this ticket's effects soon; safe to call as often as you like. */
  wake(ticketNumber: string): void {
    void this.drainTicket(ticketNumber).catch((error: unknown) => this.log(`[notifications] ${ticketNumber}: ${String(error)}`));
  }

  override async stop(): Promise<void> {
    await super.stop();
    await Promise.all([...this.batchesRunning, ...this.registrationsRunning]);
    await Promise.all([...this.draining.values(), ...this.queued.values()].map((drain) => drain.done.catch(() => undefined)));
  }

  /**
   * The claim a registration writes on its new ticket (TicketService's `registrationDrain`): the ticket's outbox is
   * this process's until it expires, like a drain's lease — but it costs no write of its own.
   */
  claimRegistration(): OutboxClaim {
    return { owner: randomBytes(12).toString('base64url'), expiresAt: new Date(Date.now() + drainLease.ttlMs) };
  }

  /**
   * Delivers a new ticket's effects from the ticket as its registration wrote it, holding the claim written with it:
   * no lease to take, no read of the ticket. The delivered effects leave the outbox, and the claim goes, in one write.
   * Any change to the ticket meanwhile wakes the usual drain, which runs after this one (or, in another process, waits
   * for the claim).
   */
  deliverRegistered(ticket: TicketRecord): void {
    const number = ticket._id;
    let settle: TicketDrain['settle'] = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    done.catch((error: unknown) => this.log(`[notifications] ${number}: ${String(error)}`));
    const drain: TicketDrain = { again: false, done, settle };
    // A sweep may have asked for the ticket already (it is watched before it is written): that drain finds the claim.
    const tracked = !this.draining.has(number) && !this.queued.has(number);
    if (tracked) this.draining.set(number, drain);
    const running: Promise<void> = this.deliverClaimed(ticket)
      .then(() => undefined, (error: unknown) => error ?? new Error('delivery failed'))
      .then((failure) => {
        if (tracked) this.draining.delete(number);
        if (tracked && drain.again && failure === undefined) {
          drain.again = false;
          this.queued.set(number, drain);
          this.flushSoon();
        } else {
          drain.settle(failure);
        }
      })
      .finally(() => this.registrationsRunning.delete(running));
    this.registrationsRunning.add(running);
  }

  private async deliverClaimed(ticket: TicketRecord): Promise<void> {
    const claim = ticket.outboxClaim;
    if (!claim) return;
    const startedAt = Date.now();
    // Renewed while the delivery runs, like a drain's lease, and likewise not past maxHoldMs.
    const renewal = setInterval(() => {
      if (Date.now() - startedAt > drainLease.maxHoldMs) clearInterval(renewal);
      else {
        void this.models.tickets
          .updateOne({ _id: ticket._id, 'outboxClaim.owner': claim.owner }, { $set: { 'outboxClaim.expiresAt': new Date(Date.now() + drainLease.ttlMs) } })
          .catch(() => undefined);
      }
    }, drainLease.ttlMs / 3);
    renewal.unref();
    const delivered: string[] = [];
    try {
      await this.deliverEach(ticket, this.now(), delivered);
    } finally {
      clearInterval(renewal);
      await this.models.tickets.updateOne({ _id: ticket._id }, { $pull: { outbox: { id: { $in: delivered } } }, $unset: { outboxClaim: 1 } });
    }
  }

  /** Someone else's registration is delivering this ticket's effects: look again a little later. */
  private claimedElsewhere(ticket: TicketRecord): boolean {
    if (!ticket.outboxClaim || new Date(ticket.outboxClaim.expiresAt).getTime() <= Date.now()) return false;
    void sleep(busyRetryMs, undefined, { ref: false }).then(() => this.wake(ticket._id));
    return true;
  }

  /**
   * The sweep: drains every watched ticket (see TicketWatch) and stops watching those left with nothing to do. It
   * reads the small watch collection, never scans the tickets, and runs at start-up and every `sweepIntervalMs`; the
   * hot path is `wake()`.
   */
  protected async pass(): Promise<void> {
    const due = await this.watch.dueFor('notifications', this.now());
    // A batch at a time: the tickets read in one query; only those owing something are drained (and read again after);
    // the verdicts (stop watching, or look again later) written in one.
    for (let start = 0; start < due.length; start += WATCH_BATCH) {
      const batch = due.slice(start, start + WATCH_BATCH);
      const heads = await this.headsOf(batch.map((watched) => watched.ticketNumber));
      const owing = batch.filter((watched) => heads.get(watched.ticketNumber)?.outbox?.some((effect) => !effect.failedAt));
      if (owing.length > 0) {
        await Promise.all(owing.map((watched) => this.drainTicket(watched.ticketNumber)));
        for (const [number, head] of await this.headsOf(owing.map((watched) => watched.ticketNumber))) heads.set(number, head);
      }
      await this.watch.settle(
        'notifications',
        batch.map((watched) => {
          const ticket = heads.get(watched.ticketNumber);
          return { watched, until: !ticket || !needsAttention(ticket) ? 'release' : this.nextLook(ticket) };
        }),
      );
    }
  }

  private async headsOf(numbers: string[]): Promise<Map<string, TicketHead>> {
    const heads = await this.models.tickets.find({ _id: trusted({ $in: numbers }) }, { events: 0 }).lean<TicketHead[]>();
    return new Map(heads.map((head) => [head._id, head]));
  }

  protected passFailed(error: unknown): void {
    this.log(`[notifications] sweep failed: ${String(error)}`);
  }

  /** The earliest retry among the effects still owed; a sweep later for those another process should deliver. */
  private nextLook(ticket: TicketHead): Date {
    const owed = (ticket.outbox ?? []).filter((effect) => !effect.failedAt);
    if (owed.length === 0) return untilChanged;
    const now = this.now().getTime();
    const times = owed.map((effect) => (effect.nextAttemptAt ? new Date(effect.nextAttemptAt).getTime() : now + this.sweepIntervalMs));
    return new Date(Math.min(...times));
  }

  /**
   * Delivers the ticket's due effects in order; one drain per ticket at a time, in this process and across processes.
   * Drains asked for together (a burst of wakes) go in batches: their leases taken in one write, their tickets read in
   * one query, their deliveries acknowledged in one write and their leases released in one; a ticket whose lease is
   * not free at once is drained on its own (waiting, or taking over an expired lease).
   */
  drainTicket(ticketNumber: string): Promise<void> {
    const running = this.draining.get(ticketNumber);
    if (running) {
      running.again = true;
      return running.done;
    }
    const waiting = this.queued.get(ticketNumber);
    if (waiting) return waiting.done;
    let settle: TicketDrain['settle'] = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.queued.set(ticketNumber, { again: false, done, settle });
    this.flushSoon();
    return done;
  }

  private flushSoon(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Let the wakes of one burst gather first.
    setImmediate(() => {
      this.flushScheduled = false;
      this.pump();
    });
  }

  /** Starts batches while drains are queued, a few at once: one batch's database round trips overlap another's work. */
  private pump(): void {
    while (this.queued.size > 0 && this.batchesRunning.size < concurrentBatches) {
      const batch = [...this.queued].slice(0, drainBatchSize);
      for (const [number, drain] of batch) {
        this.queued.delete(number);
        this.draining.set(number, drain);
      }
      const running: Promise<void> = this.drainBatch(batch.map(([number]) => number))
        .catch((error: unknown) => new Map(batch.map(([number]) => [number, error])))
        .then((failures) => {
          for (const [number, drain] of batch) {
            this.draining.delete(number);
            if (drain.again && !failures.has(number)) {
              // Asked for again while it ran: another round, same promise.
              drain.again = false;
              this.queued.set(number, drain);
            } else {
              drain.settle(failures.get(number));
            }
          }
        })
        .finally(() => {
          this.batchesRunning.delete(running);
          if (this.queued.size > 0) this.flushSoon();
        });
      this.batchesRunning.add(running);
    }
  }

  /** One batch of drains; the failures by ticket. */
  private async drainBatch(numbers: string[]): Promise<Map<string, unknown>> {
    const failures = new Map<string, unknown>();
    const held = await this.leaseClaims.claimFresh(numbers.map(leaseKeyOf), { ttlMs: drainLease.ttlMs, fields: { holder: thisProcessName } });
    const mine = new Set(held.map((claim) => claim.id.slice(leaseKeyOf('').length)));
    const startedAt = Date.now();
    // Renewed while the batch runs, like holdWhile's lease, and likewise not past maxHoldMs (a wedged batch lets go).
    const renewal = setInterval(() => {
      if (Date.now() - startedAt > drainLease.maxHoldMs) clearInterval(renewal);
      else void this.leaseClaims.renewAll(held, drainLease.ttlMs).catch(() => undefined);
    }, drainLease.ttlMs / 3);
    renewal.unref();
    try {
      const records = mine.size === 0 ? [] : await this.models.tickets.find({ _id: trusted({ $in: [...mine] }) }, wholeDocument).lean<TicketRecord[]>();
      const byNumber = new Map(records.map((record) => [record._id, record]));
      const acknowledgements: Array<{ number: string; ids: string[] }> = [];
      await Promise.all(
        numbers.map(async (number) => {
          try {
            if (!mine.has(number)) return await this.drainAlone(number);
            const ticket = byNumber.get(number);
            if (!ticket?.outbox?.length || this.claimedElsewhere(ticket)) return;
            const delivered: string[] = [];
            acknowledgements.push({ number, ids: delivered });
            await this.deliverEach(ticket, this.now(), delivered);
          } catch (error) {
            failures.set(number, error);
          }
        }),
      );
      const owed = acknowledgements.filter((acknowledgement) => acknowledgement.ids.length > 0);
      if (owed.length > 0) {
        await this.models.tickets.bulkWrite(
          owed.map(({ number, ids }) => ({ updateOne: { filter: { _id: number }, update: acknowledgement(ids, byNumber.get(number)) } })),
          { ordered: false },
        );
      }
    } finally {
      clearInterval(renewal);
      await this.leaseClaims.releaseAll(held).catch(() => undefined);
    }
    return failures;
  }

  /** One ticket on its own lease: waits for it (or takes an expired one over); busy, it looks again a little later. */
  private async drainAlone(ticketNumber: string): Promise<void> {
    try {
      await this.leases.holdWhile(leaseKeyOf(ticketNumber), drainLease, () => this.deliverDue(ticketNumber));
    } catch (error) {
      if (!(error instanceof LeaseBusyError)) throw error;
      void sleep(busyRetryMs, undefined, { ref: false }).then(() => this.wake(ticketNumber));
    }
  }

  private async deliverDue(ticketNumber: string): Promise<void> {
    const ticket = await this.models.tickets.findById(ticketNumber, wholeDocument).lean<TicketRecord>();
    if (!ticket?.outbox?.length || this.claimedElsewhere(ticket)) return;
    const now = this.now();
    // Delivered effects are removed together at the end, in one write. A crash before it redelivers them: harmless,
    // since every delivery is idempotent (the channels store a message once per idempotency key, the rollups and the
    // officers' inboxes count an effect id once).
    const delivered: string[] = [];
    try {
      await this.deliverEach(ticket, now, delivered);
    } finally {
      if (delivered.length > 0) {
        await this.models.tickets.updateOne({ _id: ticket._id }, acknowledgement(delivered, ticket));
      }
    }
  }

  private async deliverEach(ticket: TicketRecord, now: Date, delivered: string[]): Promise<void> {
    const together = await this.updateReportsTogether(ticket, now);
    delivered.push(...together);
    let consumerBlocked = false;
    for (const effect of ticket.outbox) {
      if (effect.failedAt || together.includes(effect.id)) continue;
      // A consumer's messages keep their order: one waiting for a retry holds back the ones after it.
      if (effect.kind === 'consumer.notify' && consumerBlocked) continue;
      if (effect.nextAttemptAt && new Date(effect.nextAttemptAt) > now) {
        if (effect.kind === 'consumer.notify') consumerBlocked = true;
        continue;
      }
      const event = ticket.events[effect.eventSeq];
      if (!event) {
        await this.giveUp(ticket._id, effect, `event ${effect.eventSeq} is missing`);
        continue;
      }
      try {
        const outcome =
          effect.kind === 'consumer.notify'
            ? await this.consumerNotifier.notifyConsumer({ ticket, event, idempotencyKey: effect.id })
            : effect.kind === 'report.update'
              ? await this.updateReports(ticket, event, effect)
              : effect.kind === 'callback.enqueue'
                ? await this.callbacks.enqueueTicket(ticket, event).then(() => 'delivered' as const)
                : await this.notifyOfficer(ticket, event, effect);
        if (outcome === 'unreachable') {
          await this.giveUp(ticket._id, effect, 'no channel reaches this consumer');
        } else if (outcome === 'elsewhere') {
          consumerBlocked = true;
          if (now.getTime() - new Date(effect.createdAt).getTime() > this.elsewhereGraceMs) {
            await this.giveUp(ticket._id, effect, "no running process serves this consumer's channel");
          }
        } else {
          delivered.push(effect.id);
        }
      } catch (error) {
        if (effect.kind === 'consumer.notify') consumerBlocked = true;
        await this.retryLater(ticket._id, effect, error);
      }
    }
  }

  private async notifyOfficer(ticket: TicketRecord, event: TicketEvent, effect: OutboxEffect): Promise<'delivered'> {
    const officerId = effect.officerId ?? event.officerId!;
    const place = [ticket.place.locality, ticket.place.subDivision].filter(Boolean).join(', ');
    const why =
      effect.officerId !== undefined && event.type === 'ticket.registered'
        ? 'EMERGENCY reported in your sub-division (danger to life); the JE has it — see that it is made safe now'
        : event.type === 'ticket.rejected'
        ? 'the consumer said the problem is NOT solved; it is now yours'
        : event.type === 'ticket.escalated'
          ? 'escalated to you'
          : 'assigned to you';
    const entry: OfficerNotificationRecord = {
      _id: effect.id,
      officerId,
      ticketNumber: ticket._id,
      eventType: event.type,
      text: `${ticket.emergency ? 'EMERGENCY ' : ''}${ticket._id} (${ticket.category}${place ? `, ${place}` : ''}): ${why}.`,
      createdAt: this.now(),
    };
    let inserted = false;
    try {
      // With the driver: every field above is set and of the schema's type (a mongoose Document of it cost CPU on the
      // registering turn for nothing; docs/turn-cpu.md, second pass).
      await this.models.officerNotifications.collection.insertOne(entry as never);
      inserted = true;
    } catch (error) {
      // Already in the inbox from an earlier delivery that crashed (or whose alert failed) before removing the effect.
      if (!isDuplicateKeyError(error)) throw error;
    }
    // Web Push / WhatsApp; a failure leaves the effect to be retried, and what already went out is not sent again (an
    // entry this call inserted has had nothing sent yet; an older one is read back for what it had).
    await this.officerAlerts?.deliver(entry, ticket.emergency === true, inserted ? {} : undefined);
    return 'delivered';
  }

  /**
   * The ticket's due `report.update` effects (a registration owes two) in one write of the rollups; the ids delivered.
   * None when there are fewer than two, or when the write failed: the effects are then delivered one by one, each
   * with its own retries.
   */
  private async updateReportsTogether(ticket: TicketRecord, now: Date): Promise<string[]> {
    const due = ticket.outbox.filter(
      (effect) => effect.kind === 'report.update' && !effect.failedAt && !(effect.nextAttemptAt && new Date(effect.nextAttemptAt) > now) && ticket.events[effect.eventSeq],
    );
    if (due.length < 2) return [];
    try {
      await this.reports.applyAll(ticket, due.map((effect) => ({ event: ticket.events[effect.eventSeq]!, effectId: effect.id })));
      return due.map((effect) => effect.id);
    } catch {
      return [];
    }
  }

  /** Report rollups: applied idempotently per bucket (see ReportService.apply), so a redelivery counts once. */
  private async updateReports(ticket: TicketRecord, event: TicketEvent, effect: OutboxEffect): Promise<'delivered'> {
    await this.reports.apply(ticket, event, effect.id);
    return 'delivered';
  }

  private async retryLater(ticketNumber: string, effect: OutboxEffect, error: unknown): Promise<void> {
    const attempts = effect.attempts + 1;
    if (attempts >= this.maxAttempts) {
      await this.giveUp(ticketNumber, effect, String(error));
      return;
    }
    const delay = delayAfter(attempts, deliveryBackoff);
    this.log(`[notifications] ${effect.id}: attempt ${attempts} failed (${String(error)}); retrying in ${Math.round(delay / 1000)} s`);
    await this.updateEffect(ticketNumber, effect.id, {
      attempts,
      nextAttemptAt: new Date(this.now().getTime() + delay),
      lastError: String(error).slice(0, 500),
    });
    // Come back for it in this process too; the sweep covers a restart.
    void sleep(delay + 50, undefined, { ref: false }).then(() => this.wake(ticketNumber));
  }

  private async giveUp(ticketNumber: string, effect: OutboxEffect, reason: string): Promise<void> {
    this.log(`[notifications] ${effect.id}: giving up (${reason})`);
    await this.updateEffect(ticketNumber, effect.id, { failedAt: this.now(), lastError: reason.slice(0, 500) });
  }

  private async updateEffect(ticketNumber: string, effectId: string, fields: Partial<OutboxEffect>): Promise<void> {
    const set = Object.fromEntries(Object.entries(fields).map(([key, value]) => [`outbox.$[effect].${key}`, value]));
    // Matching by `_id` alone keeps this an index hit; arrayFilters pick the effect inside the document.
    await this.models.tickets.updateOne({ _id: ticketNumber }, { $set: set }, { arrayFilters: [{ 'effect.id': effectId }] });
  }
}

/** Delivered effects leave the outbox; an expired registration claim (its process died) goes with them. */
function acknowledgement(ids: string[], ticket: Pick<TicketRecord, 'outboxClaim'> | undefined): Record<string, unknown> {
  return { $pull: { outbox: { id: { $in: ids } } }, ...(ticket?.outboxClaim ? { $unset: { outboxClaim: 1 } } : {}) };
}
