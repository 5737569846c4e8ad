// The WhatsApp Cloud API channel. The webhook hands it Meta's messages: each is stored once under its wamid (a
// redelivery is a duplicate-key no-op), then processed in the background one turn at a time per sender, earliest sent
// first among those waiting (Meta delivers out of order); a restart picks up what was stored and not yet processed.
// What the bot sends goes to the Graph API as text, reply buttons, a list or numbered lines, and as an approved
// template when the 24-hour window has closed.
import { createHash, randomBytes } from 'node:crypto';
import {
  ActivityTypes,
  TurnContext,
  type Activity,
  type Attachment,
  type ChannelAccount,
  type Entity,
  type ConversationAccount,
  type ConversationReference,
} from 'botbuilder';
import { trusted } from 'mongoose';
import { wholeDocument } from '../../models/index.js';
import {
  outboundStatusRank,
  processedInbound,
  unclaimedInbound,
  type WhatsAppCloudInboundRecord,
  type WhatsAppCloudModels,
  type WhatsAppCloudOutboundRecord,
  type WhatsAppCloudSendRecord,
  type WhatsAppCloudSenderRecord,
} from '../../models/whatsAppCloudModels.js';
import { maskMobile } from '../../services/consumerIdentity.js';
import { Claims, doneOnceRecorded, insertOnce, sendClaimShape } from '../../services/claims.js';
import { outsideWindowCode, WhatsAppCloudApiError, WhatsAppCloudMediaError, type WhatsAppCloudGraphApi } from './whatsAppCloudGraphApi.js';
import { lendMediaFetcher, placeEntity } from '../../dialogs/consumerMedia.js';
import { CONSUMER_MEDIA_MAX_BYTES, MediaRefusedError, type IncomingMedia } from '../../services/consumerMediaService.js';
import { ChannelAdapter, type BotLogic } from './channelAdapter.js';
import { KeyedSerialQueue } from '../../services/keyedSerialQueue.js';
import {
  choiceForNumber,
  contentOf,
  inboundMessageSchema,
  messagesChangeSchema,
  onlyTextUnderstood,
  planSessionMessages,
  planTemplateMessage,
  senderDigitsSchema,
  statusSchema,
  type GraphMessage,
  type InboundMessage,
  type OutgoingPlan,
  type TemplateNames,
  type WhatsAppInboundContent,
  type WhatsAppWebhookPayload,
} from './whatsAppCloudMessages.js';

export const whatsAppCloudChannelId = 'whatsapp-cloud';

export type { BotLogic };

/** An attachment's contentUrl for a WhatsApp media id: fetched only through this adapter (never a public link). */
const mediaUrlScheme = 'whatsapp-cloud-media:';

/** `whatsapp-cloud:<digits>`: one conversation per sender, and the sender's number can be read back from it. */
export function conversationIdFor(digits: string): string {
  return `${whatsAppCloudChannelId}:${digits}`;
}

export function senderOfConversation(conversationId: string | undefined): string | undefined {
  const prefix = `${whatsAppCloudChannelId}:`;
  if (!conversationId?.startsWith(prefix)) return undefined;
  const digits = conversationId.slice(prefix.length);
  return senderDigitsSchema.safeParse(digits).success ? digits : undefined;
}

/** Another sender holds this idempotency key and has not finished; the caller (the outbox) should retry later. */
export class WhatsAppCloudSendInProgressError extends Error {
  override name = 'WhatsAppCloudSendInProgressError';
}

export interface ReceiveSummary {
  /** New messages stored (each is processed once). */
  stored: number;
  /** Messages already stored before: Meta's redeliveries. */
  duplicates: number;
  statuses: number;
  /** Parts not understood or not ours (another phone number, an unknown field): acknowledged and logged. */
  ignored: number;
}

export interface WhatsAppCloudAdapterOptions {
  graph: WhatsAppCloudGraphApi;
  /** The business number messages must be addressed to; webhooks for other numbers of the same app are ignored. */
  phoneNumberId: string;
  templates: TemplateNames;
  /** The bot's account in every activity. */
  bot?: { id: string; name: string };
  now?: () => Date;
  log?: (line: string) => void;
  /** A turn still running after this long no longer holds back the sender's next one. Default 60 s. */
  stuckTurnMs?: number;
  /** A message claimed this long ago by a process that never finished it is taken over. Default 5 min. */
  staleClaimMs?: number;
  /** How often stored but unprocessed messages are looked for (besides at start). Default 60 s. */
  recoveryIntervalMs?: number;
  /** An idempotent send unfinished for this long is presumed dead and may be taken over. Default 30 s. */
  sendClaimTimeoutMs?: number;
  /** How long a second sender of the same key waits for the first. Default 5 s. */
  sendWaitMs?: number;
  /** The longest `delay` activity honoured inside a turn. Default 10 s. */
  maxDelayMs?: number;
}

/** WhatsApp's customer-service window, less a margin for clocks and the time a send takes. */
const windowMs = 24 * 3_600_000;
const windowMarginMs = 60_000;
/** A pending marker without its message is from a delivery that died before storing it; Meta will send it again. */
const orphanMarkerMs = 60_000;

interface KnownSender {
  lastInboundAt?: Date;
  numberedChoices?: string[];
  /** Meta said the window was closed while lastInboundAt was this: closed until a newer message arrives. */
  closedAsOf?: number;
}


function idempotencyKeyOf(channelData: unknown): string | undefined {
  if (typeof channelData !== 'object' || channelData === null) return undefined;
  const key = (channelData as { idempotencyKey?: unknown }).idempotencyKey;
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > 500) {
    throw new TypeError('channelData.idempotencyKey must be a non-empty string of at most 500 characters');
  }
  return key;
}

/** The texts of an activity's suggested actions, in order: what the consumer can answer. */
function choicesOf(activity: Partial<Activity>): string[] {
  return (activity.suggestedActions?.actions ?? [])
    .map((action) => String(action.value ?? action.title ?? '').trim())
    .filter((choice) => choice.length > 0);
}

export class WhatsAppCloudAdapter extends ChannelAdapter {
  readonly channelId = whatsAppCloudChannelId;
  protected readonly channelName = 'WhatsApp';
  readonly botAccount: ChannelAccount;
  readonly serviceUrl = 'urn:santushti:whatsapp-cloud';
  private readonly graph: WhatsAppCloudGraphApi;
  private readonly phoneNumberId: string;
  private readonly templates: TemplateNames;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  private readonly queues: KeyedSerialQueue;
  private readonly staleClaimMs: number;
  private readonly recoveryIntervalMs: number;
  private readonly sendClaimTimeoutMs: number;
  private readonly sendWaitMs: number;
  private readonly sendClaims: Claims<WhatsAppCloudSendRecord>;
  protected readonly maxDelayMs: number;
  private readonly senders = new Map<string, KnownSender>();
  /** Messages queued or running in this process, so a recovery pass never queues one twice. */
  private readonly inFlight = new Set<string>();
  /** Per sender, the messages queued and not yet taken by a turn (see schedule). */
  private readonly waiting = new Map<string, Array<{ wamid: string; sentAt: number; arrival: number }>>();
  private arrivals = 0;
  private stopped = false;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private recovering: Promise<void> | undefined;
  private readonly counters = { stored: 0, duplicates: 0, processed: 0, sent: 0, templates: 0, sendFailures: 0, ignored: 0 };
  private lastWebhookAt: Date | undefined;

  constructor(
    private readonly models: WhatsAppCloudModels,
    options: WhatsAppCloudAdapterOptions,
  ) {
    super();
    this.graph = options.graph;
    this.phoneNumberId = options.phoneNumberId;
    this.templates = options.templates;
    const bot = options.bot ?? { id: 'santushti-bot', name: 'Santushti' };
    this.botAccount = { id: bot.id, name: bot.name, role: 'bot' } as ChannelAccount;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((line) => console.log(line));
    const stuckTurnMs = options.stuckTurnMs ?? 60_000;
    this.queues = new KeyedSerialQueue(stuckTurnMs, (key) =>
      this.log(`[whatsapp-cloud] a turn of ${maskMobile(key)} still runs after ${stuckTurnMs} ms; starting the next one`),
    );
    this.staleClaimMs = options.staleClaimMs ?? 5 * 60_000;
    this.recoveryIntervalMs = options.recoveryIntervalMs ?? 60_000;
    this.sendClaimTimeoutMs = options.sendClaimTimeoutMs ?? 30_000;
    this.sendWaitMs = options.sendWaitMs ?? 5_000;
    this.sendClaims = new Claims<WhatsAppCloudSendRecord>(this.models.whatsAppCloudSends, sendClaimShape);
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
  }

  // ── Inbound ─────────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Takes a verified webhook payload: records delivery statuses, stores each new message and queues its turn.
   * Resolves once everything is stored, without waiting for the bot; rejects only when the database failed (then the
   * webhook should answer non-200 so that Meta delivers it again).
   */
  async receiveWebhook(payload: WhatsAppWebhookPayload, logic: BotLogic): Promise<ReceiveSummary> {
    this.lastWebhookAt = this.now();
    const summary: ReceiveSummary = { stored: 0, duplicates: 0, statuses: 0, ignored: 0 };
    const ignore = (why: string) => {
      summary.ignored++;
      this.counters.ignored++;
      this.log(`[whatsapp-cloud] ignored ${why}`);
    };
    for (const entry of payload.entry) {
      for (const change of entry.changes) {
        if (change.field !== 'messages') {
          ignore(`a change of field "${change.field.slice(0, 40)}"`);
          continue;
        }
        const value = messagesChangeSchema.safeParse(change.value);
        if (!value.success) {
          ignore('a messages change of an unknown shape');
          continue;
        }
        if (value.data.metadata.phone_number_id !== this.phoneNumberId) {
          ignore('a change for another phone number id');
          continue;
        }
        for (const raw of value.data.statuses ?? []) {
          const status = statusSchema.safeParse(raw);
          if (!status.success) ignore('a status of an unknown shape');
          else if (await this.recordStatus(status.data)) summary.statuses++;
        }
        const readable: Array<{ message: InboundMessage; content: WhatsAppInboundContent }> = [];
        for (const raw of value.data.messages ?? []) {
          const message = inboundMessageSchema.safeParse(raw);
          const content = message.success ? contentOf(message.data) : undefined;
          if (!message.success || !content) {
            ignore(`a message of an unknown shape${message.success ? ` (type ${message.data.type})` : ''}`);
            continue;
          }
          if (content.kind === 'ignored') {
            summary.ignored++;
            continue;
          }
          readable.push({ message: message.data, content });
        }
        // Meta does not promise the order of a batch: stored (and so queued) in the order the consumer sent them.
        readable.sort((a, b) => a.message.timestamp.getTime() - b.message.timestamp.getTime());
        for (const { message, content } of readable) {
          if (await this.store(message, content)) {
            summary.stored++;
            this.schedule({ _id: message.id, from: message.from, sentAt: message.timestamp }, logic);
          } else {
            summary.duplicates++;
          }
        }
      }
    }
    return summary;
  }

  /** Starts looking for stored messages no process finished (now, and every recoveryIntervalMs). */
  async start(logic: BotLogic): Promise<void> {
    this.stopped = false;
    await this.resumePending(logic);
    if (!this.recoveryTimer) {
      this.recoveryTimer = setInterval(() => void this.resumePending(logic), this.recoveryIntervalMs);
      this.recoveryTimer.unref();
    }
  }

  /** Stops starting turns (new webhooks are still stored, for the next start) and lets running ones finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
    this.recoveryTimer = undefined;
    await this.recovering;
    await this.queues.idle();
  }

  /** Settles when every queued turn and proactive message has finished: for tests and a clean shutdown. */
  idle(): Promise<void> {
    return this.queues.idle();
  }

  health(): Record<string, unknown> {
    return {
      phoneNumberId: this.phoneNumberId,
      processing: !this.stopped,
      sendersBusy: this.queues.size,
      lastWebhookAt: this.lastWebhookAt?.toISOString(),
      ...this.counters,
    };
  }

  /**
   * Queues every stored message whose turn has not run: the pending markers are a small collection read whole, so
   * the inbound log is never scanned. A message claimed by a process that died mid-turn is taken over once stale
   * (its turn runs again: a consumer's message is never silently lost).
   */
  async resumePending(logic: BotLogic): Promise<void> {
    if (this.recovering) return this.recovering;
    this.recovering = (async () => {
      try {
        const markers = await this.models.whatsAppCloudPending.find({}, wholeDocument).lean();
        markers.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
        for (let start = 0; start < markers.length && !this.stopped; start += 100) {
          const batch = markers.slice(start, start + 100);
          const records = await this.models.whatsAppCloudInbound
            .find({ _id: trusted({ $in: batch.map((marker) => marker._id) }) }, wholeDocument)
            .lean<WhatsAppCloudInboundRecord[]>();
          const byId = new Map(records.map((record) => [record._id, record]));
          for (const marker of batch) {
            const record = byId.get(marker._id);
            const now = this.now().getTime();
            if (!record) {
              if (now - marker.receivedAt.getTime() > orphanMarkerMs) await this.models.whatsAppCloudPending.deleteOne({ _id: marker._id });
              continue;
            }
            if (record.claim === processedInbound) {
              await this.models.whatsAppCloudPending.deleteOne({ _id: marker._id });
              continue;
            }
            if (this.inFlight.has(record._id)) continue;
            if (record.claim !== unclaimedInbound) {
              if (!record.claimedAt || now - record.claimedAt.getTime() < this.staleClaimMs) continue;
              const released = await this.models.whatsAppCloudInbound.findOneAndUpdate(
                { _id: record._id, claim: record.claim },
                { $set: { claim: unclaimedInbound }, $unset: { claimedAt: 1 } },
                { returnDocument: 'before', projection: wholeDocument },
              );
              if (!released) continue;
              this.log(`[whatsapp-cloud] taking over message ${record._id} of ${maskMobile(record.from)} (its turn never finished)`);
            }
            this.schedule(record, logic);
          }
        }
      } catch (error) {
        this.log(`[whatsapp-cloud] looking for unprocessed messages failed: ${String(error)}`);
      } finally {
        this.recovering = undefined;
      }
    })();
    return this.recovering;
  }

  /**
   * Stores a message once: the pending marker first, then the message under its wamid. A duplicate wamid means an
   * earlier delivery stored it (and its marker, or it was processed already): nothing more to do.
   */
  private async store(message: InboundMessage, content: WhatsAppInboundContent): Promise<boolean> {
    const receivedAt = this.now();
    const markerCreated = await insertOnce(this.models.whatsAppCloudPending, { _id: message.id, from: message.from, receivedAt });
    const stored = await insertOnce(this.models.whatsAppCloudInbound, {
      _id: message.id,
      from: message.from,
      content: JSON.stringify(content),
      sentAt: message.timestamp,
      receivedAt,
      claim: unclaimedInbound,
    });
    if (!stored) {
      this.counters.duplicates++;
      // The marker of a message processed long ago was just recreated by this redelivery: take it back.
      if (markerCreated) await this.models.whatsAppCloudPending.deleteOne({ _id: message.id });
      return false;
    }
    this.counters.stored++;
    await this.models.whatsAppCloudSenders.updateOne(
      { _id: message.from },
      { $max: { lastInboundAt: message.timestamp }, $set: { updatedAt: receivedAt } },
      { upsert: true },
    );
    const known = this.senders.get(message.from);
    if (known && (!known.lastInboundAt || known.lastInboundAt < message.timestamp)) known.lastInboundAt = message.timestamp;
    return true;
  }

  /**
   * Queues a turn for the sender. A turn takes the earliest-sent of the sender's messages still waiting, not the one
   * that queued it: a message Meta delivered late but before its turn came still goes first.
   */
  private schedule(message: Pick<WhatsAppCloudInboundRecord, '_id' | 'from' | 'sentAt'>, logic: BotLogic): void {
    const { _id: wamid, from } = message;
    if (this.stopped || this.inFlight.has(wamid)) return;
    this.inFlight.add(wamid);
    const waiting = this.waiting.get(from) ?? [];
    waiting.push({ wamid, sentAt: message.sentAt.getTime(), arrival: this.arrivals++ });
    this.waiting.set(from, waiting);
    let taken: string | undefined;
    void this.queues
      .run(from, async () => {
        taken = this.takeEarliest(from);
        if (taken) await this.processStored(taken, logic);
      })
      .catch((error: unknown) => this.log(`[whatsapp-cloud] message ${taken ?? wamid} of ${maskMobile(from)} could not be processed: ${String(error)}`))
      .finally(() => {
        if (taken) this.inFlight.delete(taken);
      });
  }

  /** Removes and returns the sender's waiting message sent first (by Meta's timestamp, then by arrival). */
  private takeEarliest(from: string): string | undefined {
    const waiting = this.waiting.get(from);
    if (!waiting?.length) return undefined;
    let earliest = 0;
    for (let index = 1; index < waiting.length; index++) {
      const candidate = waiting[index]!;
      const best = waiting[earliest]!;
      if (candidate.sentAt < best.sentAt || (candidate.sentAt === best.sentAt && candidate.arrival < best.arrival)) earliest = index;
    }
    const [next] = waiting.splice(earliest, 1);
    if (waiting.length === 0) this.waiting.delete(from);
    return next!.wamid;
  }

  /** Claims the message (only one process runs its turn), runs the turn, and marks it processed. */
  private async processStored(wamid: string, logic: BotLogic): Promise<void> {
    // Stopping leaves queued messages pending for the next start instead of half-running them.
    if (this.stopped) return;
    const claim = randomBytes(12).toString('base64url');
    const record = await this.models.whatsAppCloudInbound
      .findOneAndUpdate(
        { _id: wamid, claim: unclaimedInbound },
        { $set: { claim, claimedAt: this.now() } },
        { returnDocument: 'before', projection: wholeDocument },
      )
      .lean<WhatsAppCloudInboundRecord>();
    if (!record) return;
    try {
      await this.runInbound(record, logic);
    } catch (error) {
      // The bot's onTurnError answers a failed turn; what gets here failed even that. Running the turn again would
      // repeat whatever it did before failing, so the message counts as processed and the failure is logged.
      this.log(`[whatsapp-cloud] turn for message ${wamid} of ${maskMobile(record.from)} failed: ${String(error)}`);
    }
    await this.models.whatsAppCloudInbound.updateOne(
      { _id: wamid, claim },
      { $set: { claim: processedInbound, processedAt: this.now() }, $unset: { claimedAt: 1 } },
    );
    await this.models.whatsAppCloudPending.deleteOne({ _id: wamid });
    this.counters.processed++;
  }

  private async runInbound(record: WhatsAppCloudInboundRecord, logic: BotLogic): Promise<void> {
    const content = JSON.parse(record.content) as WhatsAppInboundContent;
    if (content.kind === 'ignored') return;
    if (content.kind === 'unsupported') {
      // Answered here rather than by the bot: its "did not understand" would offer the menu in the middle of a
      // question, while the consumer only needs to know to type instead.
      this.log(`[whatsapp-cloud] ${maskMobile(record.from)} sent a ${content.type}; asking for text`);
      await this.deliver(record.from, { type: ActivityTypes.Message, text: onlyTextUnderstood });
      return;
    }
    if (content.kind === 'media' || content.kind === 'location') {
      await this.runMediaInbound(record, content, logic);
      return;
    }
    let text = content.text;
    let value: Record<string, unknown> | undefined = content.reply ? { replyId: content.reply.id, replyTitle: content.reply.title, via: content.reply.via } : undefined;
    if (!content.reply) {
      const choice = choiceForNumber(text, (await this.knownSender(record.from)).numberedChoices);
      if (choice !== undefined) {
        value = { typed: text, via: 'numbered_choice' };
        text = choice;
      }
    }
    await this.runMiddleware(new TurnContext(this, { ...this.inboundActivity(record, text), ...(value ? { value } : {}) }), logic);
  }

  /** The message activity for a stored consumer message: the sender, their conversation, the payload's time. */
  private inboundActivity(record: WhatsAppCloudInboundRecord, text: string): Partial<Activity> {
    return {
      type: ActivityTypes.Message,
      id: record._id,
      channelId: whatsAppCloudChannelId,
      serviceUrl: this.serviceUrl,
      from: { id: record.from, role: 'user' } as ChannelAccount,
      recipient: this.botAccount,
      conversation: { id: conversationIdFor(record.from) } as ConversationAccount,
      text,
      textFormat: 'plain',
      timestamp: record.sentAt,
    };
  }

  /**
   * A photo, document, voice note or pin becomes a message activity (its caption as the text): files as attachments
   * the bot fetches through this turn's fetcher (only once the rate limit let the message through), a pin as a
   * `Place` entity (dialogs/consumerMedia.ts).
   */
  private async runMediaInbound(
    record: WhatsAppCloudInboundRecord,
    content: Extract<WhatsAppInboundContent, { kind: 'media' | 'location' }>,
    logic: BotLogic,
  ): Promise<void> {
    const activity: Partial<Activity> = {
      ...this.inboundActivity(record, content.kind === 'media' ? (content.caption ?? '') : ''),
      ...(content.kind === 'media'
        ? { attachments: [{ contentType: content.mimeType ?? 'application/octet-stream', contentUrl: `${mediaUrlScheme}${content.mediaId}`, ...(content.filename ? { name: content.filename } : {}) }] }
        : { entities: [placeEntity(content.latitude, content.longitude, content.name, content.address) as unknown as Entity] }),
    };
    this.log(`[whatsapp-cloud] ${maskMobile(record.from)} sent a ${content.kind === 'media' ? content.type : 'location'}`);
    const context = new TurnContext(this, activity);
    lendMediaFetcher(context, (attachment) => this.fetchMedia(attachment));
    await this.runMiddleware(context, logic);
  }

  /** The bytes of one of our media attachments, from the Graph API's media endpoint, within the download limit. */
  private async fetchMedia(attachment: Attachment): Promise<IncomingMedia> {
    const url = attachment.contentUrl ?? '';
    if (!url.startsWith(mediaUrlScheme)) throw new WhatsAppCloudMediaError('not a WhatsApp Cloud media attachment');
    try {
      const { data, mimeType } = await this.graph.downloadMedia(url.slice(mediaUrlScheme.length), CONSUMER_MEDIA_MAX_BYTES);
      return { data, declaredType: mimeType ?? attachment.contentType, ...(attachment.name ? { filename: attachment.name } : {}) };
    } catch (error) {
      this.log(`[whatsapp-cloud] media download failed: ${error instanceof Error ? error.message : String(error)}`);
      if (error instanceof WhatsAppCloudMediaError && error.tooLarge) throw new MediaRefusedError('too_large', error.message);
      throw error;
    }
  }

  /** Records a delivery status; the rank only rises, so statuses arriving late or twice change nothing. */
  private async recordStatus(status: { id: string; status: string; timestamp: Date; errors?: Array<{ code?: number; title?: string }> }): Promise<boolean> {
    if (!(status.status in outboundStatusRank) || status.status === 'accepted') return false;
    const name = status.status as Exclude<keyof typeof outboundStatusRank, 'accepted'>;
    const set: Record<string, unknown> = { [`statusAt.${name}`]: status.timestamp };
    const firstError = status.errors?.[0];
    if (name === 'failed' && firstError) set.failure = { code: firstError.code, title: firstError.title?.slice(0, 200) };
    await this.models.whatsAppCloudOutbound.updateOne({ _id: status.id }, { $max: { statusRank: outboundStatusRank[name] }, $set: set }, { upsert: true });
    if (name === 'failed') {
      this.log(`[whatsapp-cloud] message ${status.id} failed${firstError ? ` (code ${firstError.code ?? '?'}: ${firstError.title ?? ''})` : ''}`);
      // Meta often accepts a message and only then reports it was outside the window: send its template instead.
      if (status.errors?.some((error) => error.code === outsideWindowCode)) void this.sendTemplateFallback(status.id);
    }
    return true;
  }

  private async sendTemplateFallback(wamid: string): Promise<void> {
    try {
      const record = await this.models.whatsAppCloudOutbound.findById(wamid, wholeDocument).lean<WhatsAppCloudOutboundRecord>();
      if (!record?.templateFallback || !record.to) return;
      const to = record.to;
      const template = JSON.parse(record.templateFallback) as GraphMessage;
      await this.markWindowClosed(to);
      await this.queues.run(to, () =>
        this.sendOnce(to, `template-fallback:${wamid}`, async (progress) => {
          if (progress.sent.length > 0) return progress.sent.at(-1)!;
          const sent = await this.graph.sendMessage(to, template.body);
          this.counters.templates++;
          await this.recordOutbound(sent, to, template.kind, `template-fallback:${wamid}`);
          await progress.record(sent);
          return sent;
        }),
      );
    } catch (error) {
      this.counters.sendFailures++;
      this.log(`[whatsapp-cloud] could not send the template for ${wamid}: ${String(error)}`);
    }
  }

  // ── Outbound ────────────────────────────────────────────────────────────────────────────────────────────────────

  protected async sendOne(context: TurnContext, activity: Partial<Activity>): Promise<string> {
    // Typing, traces, events: WhatsApp has no place for them.
    if (activity.type !== ActivityTypes.Message && activity.type !== undefined) return '';
    const to = senderOfConversation(activity.conversation?.id ?? context.activity.conversation?.id);
    if (!to) throw new Error('A WhatsApp Cloud message needs a whatsapp-cloud:<digits> conversation');
    return this.deliver(to, activity);
  }

  /**
   * Proactive messages (a status update, "is it solved?"): runs `logic` in the sender's queue, so it never interleaves
   * with the consumer's own turn. A failure propagates to the caller instead of going to onTurnError: the outbox that
   * asked owns the retry, and the consumer, who said nothing, should get no apology nor lose their dialog state.
   */
  protected async continueIn(reference: Partial<ConversationReference>, logic: BotLogic): Promise<void> {
    const to = senderOfConversation(reference.conversation?.id);
    if (!to) throw new TypeError('continueConversationAsync needs a whatsapp-cloud:<digits> conversation');
    const continuation: Partial<Activity> = {
      type: ActivityTypes.Event,
      name: 'ContinueConversation',
      channelId: whatsAppCloudChannelId,
      serviceUrl: this.serviceUrl,
      conversation: { id: conversationIdFor(to) } as ConversationAccount,
      from: reference.user ?? ({ id: to, role: 'user' } as ChannelAccount),
      recipient: this.botAccount,
      locale: reference.locale,
      timestamp: this.now(),
    };
    await this.queues.run(to, async () => {
      const context = new TurnContext(this, continuation);
      await this.middleware.run(context, () => logic(context));
    });
  }

  /** Sends one bot message; once per idempotency key when it carries one. Resolves with the (last) wamid. */
  private async deliver(to: string, activity: Partial<Activity>): Promise<string> {
    const text = activity.text ?? '';
    const choices = choicesOf(activity);
    if (!text.trim() && choices.length === 0) {
      if (activity.attachments?.length) this.log(`[whatsapp-cloud] dropped a message to ${maskMobile(to)} with only attachments`);
      return '';
    }
    const key = idempotencyKeyOf(activity.channelData);
    try {
      if (key === undefined) return await this.sendParts(to, text, choices, undefined, { sent: [], record: async () => undefined });
      return await this.sendOnce(to, key, (progress) => this.sendParts(to, text, choices, key, progress));
    } catch (error) {
      this.counters.sendFailures++;
      this.log(`[whatsapp-cloud] sending to ${maskMobile(to)} failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  }

  /**
   * Sends the message's parts as session messages inside the window, or as its template outside it (or when the
   * Graph API says the window has closed). `progress.sent` are parts an earlier attempt already sent.
   */
  private async sendParts(to: string, text: string, choices: string[], idempotencyKey: string | undefined, progress: SendProgress): Promise<string> {
    const inWindow = await this.windowOpen(to);
    const template = planTemplateMessage(text, choices, this.templates);
    let plan: OutgoingPlan = inWindow ? planSessionMessages(text, choices) : template;
    let usingTemplate = !inWindow;
    const parts = [...plan.messages];
    let last = progress.sent.at(-1) ?? '';
    for (let index = progress.sent.length; index < parts.length; ) {
      const part = parts[index]!;
      let wamid: string;
      try {
        wamid = await this.graph.sendMessage(to, part.body);
      } catch (error) {
        if (!(error instanceof WhatsAppCloudApiError && error.outsideWindow) || usingTemplate) throw error;
        this.log(`[whatsapp-cloud] ${maskMobile(to)} is outside the 24-hour window; sending the template instead`);
        await this.markWindowClosed(to);
        usingTemplate = true;
        plan = template;
        parts.splice(index, parts.length - index, ...template.messages);
        continue;
      }
      if (part.kind === 'template') this.counters.templates++;
      this.counters.sent++;
      // The first session part carries the template to send should Meta report, later, that it arrived out of window.
      const fallback = !usingTemplate && index === 0 ? JSON.stringify(template.messages[0]) : undefined;
      await this.recordOutbound(wamid, to, part.kind, idempotencyKey, fallback);
      await progress.record(wamid);
      last = wamid;
      index++;
    }
    await this.rememberNumberedChoices(to, plan.numberedChoices);
    return last;
  }

  /**
   * Runs `send` once per recipient and idempotency key: the first sender claims the key and records each part's
   * wamid as it goes; a repeat of a finished send returns its wamid; a send abandoned half way (its process died, or
   * it failed) is taken over and resumes after the parts already sent.
   */
  private async sendOnce(to: string, idempotencyKey: string, send: (progress: SendProgress) => Promise<string>): Promise<string> {
    const id = createHash('sha256').update(`${to}\n${idempotencyKey}`).digest('base64url');
    const outcome = await this.sendClaims.claimWaiting(id, {
      ttlMs: this.sendClaimTimeoutMs,
      waitMs: this.sendWaitMs,
      readFirst: true,
      fields: { wamids: [] },
      projection: { wamids: 1, completedAt: 1 },
      judge: doneOnceRecorded('completedAt'),
      backoff: { firstDelayMs: 20, maxDelayMs: 200 },
    });
    if (outcome.status === 'done') return outcome.record.wamids.at(-1) ?? '';
    if (outcome.status === 'busy') throw new WhatsAppCloudSendInProgressError(`A send with this idempotency key to ${maskMobile(to)} is still in progress.`);
    const claim = outcome.claim;
    const already = outcome.takenOver?.wamids ?? [];
    const progress: SendProgress = {
      sent: already,
      record: async (wamid) => {
        await this.sendClaims.update(claim, { $push: { wamids: wamid } });
      },
    };
    try {
      const wamid = await send(progress);
      await this.sendClaims.complete(claim, { completedAt: new Date() });
      return wamid;
    } catch (error) {
      // Free the key at once for the outbox's retry, which resumes after the parts recorded so far.
      await this.sendClaims.expireNow(claim).catch(() => undefined);
      throw error;
    }
  }

  private async recordOutbound(wamid: string, to: string, kind: GraphMessage['kind'], idempotencyKey?: string, templateFallback?: string): Promise<void> {
    const set: Record<string, unknown> = { to, kind, createdAt: this.now() };
    if (idempotencyKey !== undefined) set.idempotencyKey = idempotencyKey;
    if (templateFallback !== undefined) set.templateFallback = templateFallback;
    // Upsert with $max: a status webhook may have created the document before the Graph API's answer reached us.
    await this.models.whatsAppCloudOutbound.updateOne({ _id: wamid }, { $set: set, $max: { statusRank: outboundStatusRank.accepted } }, { upsert: true });
  }

  // ── What we know of each sender ─────────────────────────────────────────────────────────────────────────────────

  private async knownSender(digits: string): Promise<KnownSender> {
    const cached = this.senders.get(digits);
    if (cached) return cached;
    const record = await this.models.whatsAppCloudSenders.findById(digits, wholeDocument).lean<WhatsAppCloudSenderRecord>();
    const known: KnownSender = { lastInboundAt: record?.lastInboundAt, numberedChoices: record?.numberedChoices?.length ? record.numberedChoices : undefined };
    if (this.senders.size > 50_000) this.senders.clear();
    this.senders.set(digits, known);
    return known;
  }

  private isOpen(known: KnownSender): boolean {
    if (!known.lastInboundAt) return false;
    const last = known.lastInboundAt.getTime();
    if (known.closedAsOf !== undefined && last <= known.closedAsOf) return false;
    return this.now().getTime() - last < windowMs - windowMarginMs;
  }

  /** Inside the 24-hour window? What this process knows first; a closed window is checked again in the database,
   * where another process may have stored a newer message. */
  private async windowOpen(digits: string): Promise<boolean> {
    let known = await this.knownSender(digits);
    if (this.isOpen(known)) return true;
    this.senders.delete(digits);
    const closedAsOf = known.closedAsOf;
    known = await this.knownSender(digits);
    known.closedAsOf = closedAsOf;
    return this.isOpen(known);
  }

  /** Meta says the window is closed: it stays closed here until a message newer than the last one we know arrives. */
  private async markWindowClosed(digits: string): Promise<void> {
    const known = await this.knownSender(digits);
    known.closedAsOf = known.lastInboundAt?.getTime() ?? 0;
  }

  /** Choices sent as numbered lines are remembered (a reply "2" picks the second); any other message forgets them. */
  private async rememberNumberedChoices(digits: string, choices: string[] | undefined): Promise<void> {
    const known = await this.knownSender(digits);
    if (!choices?.length && !known.numberedChoices) return;
    if (choices?.length) {
      await this.models.whatsAppCloudSenders.updateOne({ _id: digits }, { $set: { numberedChoices: choices, updatedAt: this.now() } }, { upsert: true });
      known.numberedChoices = [...choices];
    } else {
      await this.models.whatsAppCloudSenders.updateOne({ _id: digits }, { $unset: { numberedChoices: 1 }, $set: { updatedAt: this.now() } });
      known.numberedChoices = undefined;
    }
  }
}

interface SendProgress {
  /** Wamids of the parts already sent, in order. */
  sent: string[];
  record(wamid: string): Promise<void>;
}
