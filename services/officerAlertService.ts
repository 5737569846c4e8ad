// Officer alerts: what the officer inbox (models/officerNotificationModel.ts) receives — a new assignment, an escalation
// to them, an emergency, a rejected claim — also reaches the officer without watching the page: Web Push to every
// browser where they said "notify me" (payload encrypted for that browser, signed with the helpline's VAPID key), and a
// WhatsApp template to the number they gave, where the Cloud API is configured. Each channel is marked done on the
// inbox record, so a retried delivery does not repeat what already went out. An officer's WhatsApp number is also kept
// keyed by itself, so a message from it is known by `_id` alone — and never taken for a consumer's.
import webpush from 'web-push';
import { z } from 'zod';
import type { Models } from '../models/index.js';
import type { OfficerAlertSettingsRecord, PushSubscriptionRecord } from '../models/officerAlertModels.js';
import type { OfficerNotificationRecord } from '../models/officerNotificationModel.js';
import { maskMobile, normaliseMobile, toAsciiDigits } from './consumerIdentity.js';
import { InvalidInputError, NotPermittedError } from './errors.js';
import type { StaffPrincipal } from './staffAuthService.js';
import { parseInput } from './ticketInput.js';

/** Sends an officer a WhatsApp alert (a template: officers are rarely inside a 24-hour window); bot/ or server/ implements it. */
export interface OfficerWhatsAppSender {
  sendOfficerAlert(toWaId: string, text: string): Promise<void>;
}

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** Who the push services may contact: `mailto:` or `https:` (WEB_PUSH_SUBJECT). */
  subject: string;
}

export interface OfficerAlertOptions {
  /** Web Push; without it the page offers no "notify me". */
  vapid?: VapidKeys;
  /** WhatsApp alerts; absent when no WhatsApp Cloud door with an officer template is configured. */
  whatsApp?: OfficerWhatsAppSender;
  /** Tests point subscriptions at a fake push service on loopback http; real ones are https only. */
  allowLoopbackHttpEndpoints?: boolean;
  /** Per push request. Default 10 s. */
  timeoutMs?: number;
  now?: () => Date;
  log?: (line: string) => void;
  /**
   * How long this process keeps an officer's alert settings for deliveries, default 10 s; 0
   * reads them on every delivery. A change made through this process applies at once; one made through another
   * process, within this long.
   */
  settingsCacheMs?: number;
  /**
   * The officers' WhatsApp numbers are kept in memory; this process checks the numbers' change count (one `_id` read)
   * at most this often and reloads them when it moved. Default 5 s. A number set through this process is recognised at
   * once; one set through another process, within this long.
   */
  officerNumbersMaxAgeMs?: number;
}

/** The `officer_numbers` document counting changes of the officers' numbers (never a number: those are digits). */
const numbersChangesId = 'changes';

interface KnownNumbers {
  /** Number → officer id. */
  byNumber: Map<string, string>;
  /** The change count they were loaded at. */
  changes: number;
  /** When the change count was read (before the read started): the snapshot is good for officerNumbersMaxAgeMs. */
  checkedAt: number;
}

type AlertSettings = Pick<OfficerAlertSettingsRecord, 'subscriptions' | 'whatsApp'>;

/** The push services of the browsers officers use (Chrome/Android, Firefox, Edge, Safari): endpoints must be on them. */
export const PUSH_SERVICE_HOSTS = ['fcm.googleapis.com', 'android.googleapis.com', 'push.services.mozilla.com', 'notify.windows.com', 'push.apple.com'];

/** A browser may keep at most this many subscriptions per officer (a phone, a spare phone, a desk browser…). */
export const MAX_PUSH_SUBSCRIPTIONS = 5;
const base64url = /^[A-Za-z0-9_-]+={0,2}$/;

/** What `PushSubscription.toJSON()` gives in the browser. */
export const pushSubscriptionSchema = z.strictObject({
  endpoint: z.url({ protocol: /^https?$/ }).max(1000),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({ p256dh: z.string().regex(base64url).min(80).max(100), auth: z.string().regex(base64url).min(16).max(40) }),
});
export const pushEndpointSchema = z.strictObject({ endpoint: z.url({ protocol: /^https?$/ }).max(1000) });
export const officerWhatsAppSchema = z.strictObject({
  number: z.string().trim().min(10).max(20).nullable().meta({ description: "The officer's WhatsApp mobile (Indian, 10 digits, +91 allowed); null to stop WhatsApp alerts." }),
});

export interface OfficerAlertSettingsView {
  push: { available: boolean; publicKey: string | null; subscriptions: number };
  whatsApp: { available: boolean; number: string | null };
}

export interface OfficerPushPayload {
  title: string;
  body: string;
  ticketNumber: string;
  eventType: string;
  emergency: boolean;
  url: string;
}

export class OfficerAlertService {
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  private readonly settingsCacheMs: number;
  /** Officers' alert settings as last read for a delivery (or `null`: none), with when they were read. */
  private readonly settingsRead = new Map<string, { at: number; settings: AlertSettings | null }>();
  /** Bumped by every change of settings here, so a read that overlapped a change is not kept. */
  private settingsChanges = 0;
  private readonly officerNumbersMaxAgeMs: number;
  /** The officers' WhatsApp numbers as last loaded (officerForWhatsApp). */
  private numbers?: KnownNumbers;
  private numbersLoading?: Promise<KnownNumbers>;
  /** Bumped by every change of numbers here, so a load that overlapped a change is not kept. */
  private numbersGeneration = 0;

  constructor(
    private readonly models: Pick<Models, 'officerAlertSettings' | 'officerNumbers' | 'officerNotifications'>,
    private readonly options: OfficerAlertOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((line) => console.log(line));
    this.settingsCacheMs = options.settingsCacheMs ?? 10_000;
    this.officerNumbersMaxAgeMs = Math.max(0, options.officerNumbersMaxAgeMs ?? 5_000);
  }

  async settings(principal: StaffPrincipal): Promise<OfficerAlertSettingsView> {
    const officerId = officerIdOf(principal);
    const settings = await this.models.officerAlertSettings.findById(officerId, { subscriptions: 1, whatsApp: 1 }).lean();
    return {
      push: { available: Boolean(this.options.vapid), publicKey: this.options.vapid?.publicKey ?? null, subscriptions: settings?.subscriptions.length ?? 0 },
      whatsApp: { available: Boolean(this.options.whatsApp), number: settings?.whatsApp ? `+${maskMobile(settings.whatsApp)}` : null },
    };
  }

  /** "Notify me" on a browser: its subscription replaces one with the same endpoint; the oldest beyond the cap goes. */
  async subscribe(principal: StaffPrincipal, input: unknown): Promise<OfficerAlertSettingsView> {
    const officerId = officerIdOf(principal);
    if (!this.options.vapid) throw new NotPermittedError('Web Push is not configured on this helpline.');
    const subscription = parseInput(pushSubscriptionSchema, input);
    this.requireAllowedEndpoint(subscription.endpoint);
    const settings = await this.models.officerAlertSettings.findById(officerId, { subscriptions: 1 }).lean();
    const kept = (settings?.subscriptions ?? []).filter((existing) => existing.endpoint !== subscription.endpoint);
    const added: PushSubscriptionRecord = { endpoint: subscription.endpoint, keys: subscription.keys, createdAt: this.now() };
    const subscriptions = [...kept, added].slice(-MAX_PUSH_SUBSCRIPTIONS);
    await this.models.officerAlertSettings.updateOne({ _id: officerId }, { $set: { subscriptions, updatedAt: this.now() } }, { upsert: true });
    this.settingsChanged(officerId);
    return this.settings(principal);
  }

  async unsubscribe(principal: StaffPrincipal, input: unknown): Promise<OfficerAlertSettingsView> {
    const officerId = officerIdOf(principal);
    const { endpoint } = parseInput(pushEndpointSchema, input);
    await this.removeSubscription(officerId, endpoint);
    return this.settings(principal);
  }

  /** The officer's own WhatsApp number for alerts (null removes it). */
  async setWhatsApp(principal: StaffPrincipal, input: unknown): Promise<OfficerAlertSettingsView> {
    const officerId = officerIdOf(principal);
    const { number } = parseInput(officerWhatsAppSchema, input);
    let waId: string | undefined;
    if (number !== null) {
      const mobile = normaliseMobile(number);
      if (!mobile) throw new InvalidInputError(['number: an Indian mobile is 10 digits starting 6–9 (with or without +91)']);
      waId = `91${mobile}`;
    }
    const settings = await this.models.officerAlertSettings.findById(officerId, { whatsApp: 1 }).lean();
    // The number's own document first, so a message from it is recognised as soon as alerts may go to it.
    if (waId) await this.models.officerNumbers.updateOne({ _id: waId }, { $set: { officerId, updatedAt: this.now() } }, { upsert: true });
    const update = waId ? { $set: { whatsApp: waId, updatedAt: this.now() } } : { $unset: { whatsApp: 1 }, $set: { updatedAt: this.now() } };
    await this.models.officerAlertSettings.updateOne({ _id: officerId }, { ...update, $setOnInsert: { subscriptions: [] } }, { upsert: true });
    this.settingsChanged(officerId);
    if (settings?.whatsApp && settings.whatsApp !== waId) await this.models.officerNumbers.deleteOne({ _id: settings.whatsApp, officerId });
    await this.numbersChanged();
    return this.settings(principal);
  }

  /**
   * The officer a WhatsApp sender is (`919876543210` or whatsapp-web's `919876543210@c.us`), if any. Answered from the
   * numbers kept in memory; their change count is read at most every officerNumbersMaxAgeMs (and they are reloaded,
   * a scan of the small `officer_numbers` collection, only when it moved), so an ordinary turn reads nothing.
   */
  async officerForWhatsApp(sender: string): Promise<string | undefined> {
    const digits = toAsciiDigits(sender.split('@')[0] ?? '').replace(/\D/g, '');
    if (!/^\d{8,15}$/.test(digits)) return undefined;
    return (await this.officerNumbers()).byNumber.get(digits);
  }

  private async officerNumbers(): Promise<KnownNumbers> {
    const known = this.numbers;
    if (known && Date.now() - known.checkedAt < this.officerNumbersMaxAgeMs) return known;
    if (this.numbersLoading) return this.numbersLoading;
    const loading = this.loadNumbers(known).finally(() => {
      if (this.numbersLoading === loading) this.numbersLoading = undefined;
    });
    this.numbersLoading = loading;
    return loading;
  }

  /** Reads the change count and, when it moved (or nothing is known), every number; written after the count is read. */
  private async loadNumbers(known: KnownNumbers | undefined): Promise<KnownNumbers> {
    const generation = this.numbersGeneration;
    const checkedAt = Date.now();
    const numbers = this.models.officerNumbers.collection;
    const counter = await numbers.findOne({ _id: numbersChangesId as never }, { projection: { count: 1 } });
    const changes = typeof counter?.count === 'number' ? counter.count : 0;
    let byNumber = known?.byNumber;
    if (!known || known.changes !== changes) {
      const all = await numbers.find({ _id: { $ne: numbersChangesId as never } }, { projection: { officerId: 1 } }).toArray();
      byNumber = new Map(all.map((number) => [String(number._id), String(number.officerId)]));
    }
    const loaded: KnownNumbers = { byNumber: byNumber!, changes, checkedAt };
    // A change made here while this load ran: the next check loads again (this one may predate it).
    if (generation === this.numbersGeneration) this.numbers = loaded;
    return loaded;
  }

  /** After a number was stored or removed: the change count moves (every process reloads), and this process forgets. */
  private async numbersChanged(): Promise<void> {
    this.numbersGeneration += 1;
    this.numbers = undefined;
    this.numbersLoading = undefined;
    await this.models.officerNumbers.collection.updateOne({ _id: numbersChangesId as never }, { $inc: { count: 1 }, $set: { updatedAt: this.now() } }, { upsert: true });
  }

  /**
   * Delivers one inbox entry by Web Push and WhatsApp. A channel already done for this entry (an earlier attempt) is
   * skipped; a failure throws, so the outbox tries again later. Subscriptions the push service says are gone (404/410)
   * are dropped. `done`: what the caller knows went out already — `{}` for an entry it has just inserted — which saves
   * reading the entry back.
   */
  async deliver(notification: OfficerNotificationRecord, emergency: boolean, done?: Pick<OfficerNotificationRecord, 'pushedAt' | 'whatsAppSentAt'>): Promise<void> {
    const settings = await this.settingsFor(notification.officerId);
    if (!settings) return;
    done ??= (await this.models.officerNotifications.findById(notification._id, { pushedAt: 1, whatsAppSentAt: 1 }).lean()) ?? {};
    const failures: string[] = [];
    if (!done.pushedAt && this.options.vapid && settings.subscriptions.length > 0) {
      const payload = JSON.stringify(pushPayloadFor(notification, emergency));
      for (const subscription of settings.subscriptions) {
        const failure = await this.push(notification.officerId, subscription, payload, emergency);
        if (failure) failures.push(failure);
      }
      if (failures.length === 0) await this.mark(notification._id, 'pushedAt');
    }
    if (!done.whatsAppSentAt && this.options.whatsApp && settings.whatsApp) {
      try {
        await this.options.whatsApp.sendOfficerAlert(settings.whatsApp, notification.text);
        await this.mark(notification._id, 'whatsAppSentAt');
      } catch (error) {
        failures.push(`WhatsApp to +${maskMobile(settings.whatsApp)}: ${String(error)}`);
      }
    }
    if (failures.length > 0) throw new Error(`officer alert ${notification._id}: ${failures.join('; ')}`);
  }

  private async push(officerId: string, subscription: PushSubscriptionRecord, payload: string, emergency: boolean): Promise<string | undefined> {
    const vapid = this.options.vapid!;
    const request = webpush.generateRequestDetails({ endpoint: subscription.endpoint, keys: subscription.keys }, payload, {
      vapidDetails: vapid,
      TTL: 24 * 3600,
      urgency: emergency ? 'high' : 'normal',
      contentEncoding: 'aes128gcm',
    });
    const where = new URL(subscription.endpoint).host;
    try {
      const response = await fetch(request.endpoint, {
        method: request.method,
        headers: request.headers as Record<string, string>,
        body: request.body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      if (response.status === 404 || response.status === 410) {
        this.log(`[officer-alerts] ${officerId}: a push subscription at ${where} is gone (${response.status}); removed`);
        await this.removeSubscription(officerId, subscription.endpoint);
        return undefined;
      }
      return response.ok ? undefined : `push to ${where}: HTTP ${response.status}`;
    } catch (error) {
      return `push to ${where}: ${(error as Error).message}`;
    }
  }

  /**
   * An officer's settings for a delivery: read once per `settingsCacheMs` in this process (most officers have none, and
   * settings change only when an officer changes them on the page), instead of once per alert.
   */
  private async settingsFor(officerId: string): Promise<AlertSettings | null> {
    const cached = this.settingsRead.get(officerId);
    if (cached && Date.now() - cached.at < this.settingsCacheMs) return cached.settings;
    const at = Date.now();
    const changes = this.settingsChanges;
    const settings = await this.models.officerAlertSettings.findById(officerId, { subscriptions: 1, whatsApp: 1 }).lean<AlertSettings>();
    if (this.settingsCacheMs > 0 && changes === this.settingsChanges) this.settingsRead.set(officerId, { at, settings: settings ?? null });
    return settings ?? null;
  }

  private settingsChanged(officerId: string): void {
    this.settingsChanges += 1;
    this.settingsRead.delete(officerId);
  }

  private async removeSubscription(officerId: string, endpoint: string): Promise<void> {
    const settings = await this.models.officerAlertSettings.findById(officerId, { subscriptions: 1 }).lean();
    if (!settings) return;
    const subscriptions = settings.subscriptions.filter((existing) => existing.endpoint !== endpoint);
    await this.models.officerAlertSettings.updateOne({ _id: officerId }, { $set: { subscriptions, updatedAt: this.now() } });
    this.settingsChanged(officerId);
  }

  private async mark(notificationId: string, field: 'pushedAt' | 'whatsAppSentAt'): Promise<void> {
    await this.models.officerNotifications.updateOne({ _id: notificationId }, { $set: { [field]: this.now() } });
  }

  /**
   * The server posts to a subscription's endpoint, so only the browsers' own push services are accepted (https, on
   * their hosts): an endpoint cannot make the helpline call into its own network. Plain http only to loopback, and
   * only when the option allows it (tests).
   */
  private requireAllowedEndpoint(endpoint: string): void {
    const url = new URL(endpoint);
    if (this.options.allowLoopbackHttpEndpoints && url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === '[::1]')) return;
    const host = url.hostname.toLowerCase();
    const knownService = PUSH_SERVICE_HOSTS.some((known) => host === known || host.endsWith(`.${known}`));
    if (url.protocol !== 'https:' || !knownService || url.port !== '') {
      throw new InvalidInputError([`endpoint: not a browser push service (https on ${PUSH_SERVICE_HOSTS.join(', ')})`]);
    }
  }
}

function officerIdOf(principal: StaffPrincipal): string {
  if (principal.role !== 'officer' || !principal.officerId) throw new NotPermittedError('Alerts are for officer accounts.');
  return principal.officerId;
}

const hindiWhy: Partial<Record<string, string>> = {
  'ticket.assigned': 'आपको सौंपी गई',
  'ticket.escalated': 'आपके पास एस्केलेट हुई',
  'ticket.rejected': 'उपभोक्ता ने कहा समस्या हल नहीं हुई; अब आपकी है',
  'ticket.registered': 'आपातकाल (जान का ख़तरा) — तुरंत सुरक्षित कराएँ',
};

/** What the page's service worker shows: the inbox text in English, a Hindi line under it. */
export function pushPayloadFor(notification: OfficerNotificationRecord, emergency: boolean): OfficerPushPayload {
  const hindi = hindiWhy[notification.eventType];
  return {
    title: `${emergency ? '⚠ ' : ''}Santushti · ${notification.ticketNumber}`,
    body: hindi ? `${notification.text}\n${notification.ticketNumber}: ${hindi}` : notification.text,
    ticketNumber: notification.ticketNumber,
    eventType: notification.eventType,
    emergency,
    url: '/officer',
  };
}
