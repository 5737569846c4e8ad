// The WhatsApp Cloud API channel. The webhook hands it Meta's messages: each is stored once in its sender's
// conversation document (docs/whatsapp-conversations.md; a redelivery finds its id there and changes nothing), then
// processed in the background one turn at a time per sender, earliest sent first among those waiting (Meta delivers
// out of order); a restart, or another process once the lease expires, picks up what was stored and not processed.
// What the bot sends goes to the Graph API as text, reply buttons, a list or numbered lines, and as an approved
// template when the 24-hour window has closed.
import { createHash } from 'node:crypto';
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
import { wholeDocument } from '../../models/index.js';
import {
  outboundStatusRank,
  processedInbound,
  type WhatsAppCloudInboundRecord,
  type WhatsAppCloudModels,
  type WhatsAppCloudOutboundRecord,
  type WhatsAppCloudSendRecord,
} from '../../models/whatsAppCloudModels.js';
import { isDuplicateKeyError } from '../../services/mongoErrors.js';
import { thisProcessName } from '../../services/leases.js';
import { activityOfReply, countMessageInDocument, lendMessageVerdict, WhatsAppConversationTurns } from './whatsAppConversationTurns.js';
import type { Limit } from '../../services/abuseLimits.js';
import { WhatsAppConversationStore, WhatsAppLeaseLostError, type WhatsAppConversationRecord, type WhatsAppInboxEntry } from './whatsAppConversationStore.js';
import { maskMobile } from '../../services/consumerIdentity.js';
import { Claims, doneOnceRecorded, sendClaimShape } from '../../services/claims.js';
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
  /**
   * The conversation's turn lease: renewed while a turn runs (for at most stuckTurnMs); a process that died mid-turn
   * leaves it to expire, and then any process takes the conversation over. Default 10 s.
   */
  turnLeaseMs?: number;
  /** How often stored but unprocessed messages are looked for (besides at start). Default 60 s. */
  recoveryIntervalMs?: number;
  /** An idempotent send unfinished for this long is presumed dead and may be taken over. Default 30 s. */
  sendClaimTimeoutMs?: number;
  /** How long a second sender of the same key waits for the first. Default 5 s. */
  sendWaitMs?: number;
  /** The longest `delay` activity honoured inside a turn. Default 10 s. */
  maxDelayMs?: number;
  /**
   * The per-sender message limit, counted from the conversation's document (no rate_limits command per message); the
   * bot's logic reads the verdict (countedMessageVerdictOf). Without it, the logic counts messages itself.
   */
  messageLimit?: Limit;
}

/** WhatsApp's customer-service window, less a margin for clocks and the time a send takes. */
const windowMs = 24 * 3_600_000;
const windowMarginMs = 60_000;

/** The waiting message sent first (by the channel's timestamp; the first stored among equals). */
function earliestOf(inbox: WhatsAppInboxEntry[]): WhatsAppInboxEntry {
  let earliest = inbox[0]!;
  for (const entry of inbox) if (new Date(entry.sentAt).getTime() < new Date(earliest.sentAt).getTime()) earliest = entry;
  return earliest;
}

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
  private readonly turnLeaseMs: number;
  private readonly messageLimit: Limit | undefined;
  /** The conversation documents: inbox, state, outbox and lease of every sender's conversation. */
  private readonly conversations: WhatsAppConversationStore;
  /** Turns on the conversation documents (state from the document, replies buffered, written, sent, acknowledged). */
  private readonly turns: WhatsAppConversationTurns;
  /** The bot's logic for consumer turns (what start() or the webhook was given), for runs a proactive turn queues. */
  private logic: BotLogic | undefined;
  private readonly recoveryIntervalMs: number;
  private readonly sendClaimTimeoutMs: number;
  private readonly sendWaitMs: number;
  private readonly sendClaims: Claims<WhatsAppCloudSendRecord>;
  protected readonly maxDelayMs: number;
  private readonly senders = new Map<string, KnownSender>();
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
    this.turnLeaseMs = options.turnLeaseMs ?? 10_000;
    this.messageLimit = options.messageLimit;
    // The log keeps at least a limit's worth of messages: the limit is counted from it.
    const logKept = Math.max(20, options.messageLimit?.points ?? 0);
    this.conversations = new WhatsAppConversationStore(this.models.whatsAppConversations, {
      logKept,
      logMax: logKept + 30,
      // Processed messages leaving the document's log are kept in the inbound collection (once: keyed by wamid).
      moveOut: async (conversationId, entries) => {
        const from = senderOfConversation(conversationId) ?? '';
        await this.models.whatsAppCloudInbound
          .insertMany(
            entries.map((entry) => ({ _id: entry.id, from, content: entry.content, sentAt: entry.sentAt, receivedAt: entry.receivedAt, claim: processedInbound, processedAt: entry.processedAt })),
            { ordered: false },
          )
          .catch((error: unknown) => {
            if (!isDuplicateKeyError(error)) throw error;
          });
      },
    });
    this.turns = new WhatsAppConversationTurns(this.conversations, {
      channelId: whatsAppCloudChannelId,
      senderOf: senderOfConversation,
      send: async (conversationId, reply) => {
        await this.deliver(senderOfConversation(conversationId)!, activityOfReply(reply));
      },
      // What the sends offered as numbers (or that they offered none) is stored with their acknowledgement.
      choicesAfterSending: (conversationId) => {
        const known = this.senders.get(senderOfConversation(conversationId)!);
        return known ? (known.numberedChoices?.length ? known.numberedChoices : null) : undefined;
      },
      turnLeaseMs: this.turnLeaseMs,
      stuckTurnMs,
      leaseWaitMs: options.sendWaitMs ?? 5_000,
    });
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
    this.logic ??= logic;
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
            this.drain(message.from, logic);
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
    this.logic = logic;
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
   * Runs what a process left unfinished: every conversation whose document still holds stored messages or replies
   * (its `pending` flag; a background scan) and whose lease is free or expired. A message acknowledged to Meta is
   * never silently lost: a process that died mid-turn leaves it in the inbox, and its lease expires.
   */
  async resumePending(logic: BotLogic): Promise<void> {
    if (this.recovering) return this.recovering;
    this.logic = logic;
    this.recovering = (async () => {
      try {
        await this.adoptLegacyPending();
        const pending = await this.conversations.pendingConversations();
        const now = this.now().getTime();
        for (const conversation of pending) {
          if (this.stopped) break;
          const digits = senderOfConversation(conversation._id);
          if (!digits) continue;
          const lease = conversation.lease;
          if (lease && new Date(lease.expiresAt).getTime() > now && !this.conversations.holds(conversation._id)) continue;
          if (lease && lease.owner !== thisProcessName) this.log(`[whatsapp-cloud] taking over the conversation of ${maskMobile(digits)} (its turn never finished)`);
          // Another process stored what waits there: what this process remembers of the document is stale.
          this.conversations.forget(conversation._id);
          this.drain(digits, logic);
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
   * Messages the previous version stored (an inbound record and a pending marker) and never processed: moved into
   * their conversations' documents, to run like any waiting message. The markers are a small collection read whole;
   * once taken over it is empty.
   */
  private async adoptLegacyPending(): Promise<void> {
    const markers = await this.models.whatsAppCloudPending.find({}, { _id: 1 }).lean();
    for (const marker of markers) {
      const record = await this.models.whatsAppCloudInbound.findById(marker._id, wholeDocument).lean<WhatsAppCloudInboundRecord>();
      if (record && record.claim !== processedInbound) {
        await this.conversations.receive(conversationIdFor(record.from), { id: record._id, content: record.content, sentAt: record.sentAt, receivedAt: record.receivedAt });
        this.log(`[whatsapp-cloud] took over a message of ${maskMobile(record.from)} stored by the previous version`);
      }
      await this.models.whatsAppCloudPending.deleteOne({ _id: marker._id });
    }
  }

  /**
   * Stores a message once, in its conversation's document: one write, which also takes the conversation's turn lease
   * when it is free (the turn then needs no write of its own to start). A message whose id was stored before is a
   * duplicate: nothing changes.
   */
  private async store(message: InboundMessage, content: WhatsAppInboundContent): Promise<boolean> {
    const receivedAt = this.now();
    const { stored } = await this.conversations.receive(
      conversationIdFor(message.from),
      { id: message.id, content: JSON.stringify(content), sentAt: message.timestamp, receivedAt },
      this.stopped ? {} : { takeLease: { ttlMs: this.turnLeaseMs } },
    );
    if (!stored) {
      this.counters.duplicates++;
      return false;
    }
    this.counters.stored++;
    const known = this.senders.get(message.from);
    if (known && (!known.lastInboundAt || known.lastInboundAt < message.timestamp)) known.lastInboundAt = message.timestamp;
    return true;
  }

  /** Queues a run of the sender's conversation: its waiting messages, earliest sent first, one turn at a time. */
  private drain(from: string, logic: BotLogic): void {
    if (this.stopped) return;
    void this.queues
      .runAfter(from, () => this.drainNow(from, logic))
      .catch((error: unknown) => this.log(`[whatsapp-cloud] the conversation of ${maskMobile(from)} could not be processed: ${String(error)}`));
  }

  /**
   * Under the conversation's lease: first sends replies a turn stored and never sent (a process died between its write
   * and the send: exactly what was stored goes out), then runs a turn per waiting message, the earliest sent first
   * (Meta delivers out of order). The last write releases the lease.
   */
  private async drainNow(from: string, logic: BotLogic): Promise<void> {
    const conversationId = conversationIdFor(from);
    if (!this.conversations.holds(conversationId)) {
      if (this.stopped) return;
      const known = await this.conversations.get(conversationId);
      if (!known?.pending) return;
      if (!(await this.conversations.take(conversationId, { ttlMs: this.turnLeaseMs, waitMs: this.turnLeaseMs, onlyIfPending: true }))) return;
    }
    const stopRenewing = this.turns.renewWhileRunning(conversationId);
    try {
      for (;;) {
        const doc = await this.conversations.get(conversationId);
        if (!doc || !this.conversations.holds(conversationId)) return;
        this.learnSender(from, doc);
        if (doc.outbox.length > 0) {
          await this.turns.flush(conversationId).catch((error: unknown) => this.log(`[whatsapp-cloud] a stored reply to ${maskMobile(from)} could not be sent: ${String(error)}`));
          continue;
        }
        if (doc.inbox.length === 0 || this.stopped) break;
        await this.runInbound(conversationId, from, earliestOf(doc.inbox), logic);
      }
    } catch (error) {
      if (!(error instanceof WhatsAppLeaseLostError)) throw error;
      this.log(`[whatsapp-cloud] the turn lease of ${maskMobile(from)} was taken over; that process goes on`);
    } finally {
      stopRenewing();
      await this.conversations.release(conversationId);
    }
  }

  /** What the document says of the sender: the 24-hour window and the choices offered as numbers. */
  private learnSender(digits: string, doc: WhatsAppConversationRecord): void {
    const cached = this.senders.get(digits);
    const lastInboundAt = doc.lastInboundAt ? new Date(doc.lastInboundAt) : undefined;
    if (this.senders.size > 50_000) this.senders.clear();
    this.senders.set(digits, { lastInboundAt, numberedChoices: doc.numberedChoices?.length ? doc.numberedChoices : undefined, closedAsOf: cached?.closedAsOf });
  }

  /**
   * One consumer message's turn. The bot reads and writes its state in the conversation's document (the turn state
   * scope) and its replies are buffered; the turn ends with one write that stores them, the new state and the message
   * as processed, and then the replies are sent and acknowledged. A failure is the bot's onTurnError's to answer
   * (its apology is stored and sent the same way); the message counts as processed either way.
   */
  private async runInbound(conversationId: string, from: string, entry: WhatsAppInboxEntry, logic: BotLogic): Promise<void> {
    const doc = (await this.conversations.get(conversationId))!;
    const turn = this.turns.newTurn(conversationId, doc, entry.id);
    const content = JSON.parse(entry.content) as WhatsAppInboundContent;
    if (content.kind === 'unsupported') {
      // Answered here rather than by the bot: its "did not understand" would offer the menu in the middle of a
      // question, while the consumer only needs to know to type instead.
      this.log(`[whatsapp-cloud] ${maskMobile(from)} sent a ${content.type}; asking for text`);
      this.turns.buffer(turn, { type: ActivityTypes.Message, text: onlyTextUnderstood });
    } else if (content.kind !== 'ignored') {
      const context = new TurnContext(this, this.activityFor(entry, from, content, doc));
      if (this.messageLimit) lendMessageVerdict(context, countMessageInDocument(doc, entry.id, this.messageLimit));
      this.turns.lendHandoffHint(context, turn);
      if (content.kind === 'media' || content.kind === 'location') {
        this.log(`[whatsapp-cloud] ${maskMobile(from)} sent a ${content.kind === 'media' ? content.type : 'location'}`);
        lendMediaFetcher(context, (attachment) => this.fetchMedia(attachment));
      }
      // The write and the sends run inside the turn, so that a send the Graph API refuses reaches onTurnError.
      await this.turns.runInTurn(turn, () =>
        this.runMiddleware(context, async (inner) => {
          await logic(inner);
          await this.turns.commit(turn);
          await this.turns.flush(conversationId);
        }),
      );
    }
    // What is left: the turn failed before its write, or onTurnError answered (an apology, the state reset).
    await this.turns.commit(turn);
    await this.turns.flush(conversationId).catch((error: unknown) => this.log(`[whatsapp-cloud] a reply to ${maskMobile(from)} could not be sent: ${String(error)}`));
    this.counters.processed++;
  }

  /** The activity for a stored consumer message: text (a tapped reply or a numbered choice as its value), media or a pin. */
  private activityFor(entry: WhatsAppInboxEntry, from: string, content: WhatsAppInboundContent, doc: WhatsAppConversationRecord): Partial<Activity> {
    if (content.kind === 'media' || content.kind === 'location') {
      return {
        ...this.inboundActivity(entry, from, content.kind === 'media' ? (content.caption ?? '') : ''),
        ...(content.kind === 'media'
          ? { attachments: [{ contentType: content.mimeType ?? 'application/octet-stream', contentUrl: `${mediaUrlScheme}${content.mediaId}`, ...(content.filename ? { name: content.filename } : {}) }] }
          : { entities: [placeEntity(content.latitude, content.longitude, content.name, content.address) as unknown as Entity] }),
      };
    }
    if (content.kind !== 'text') return this.inboundActivity(entry, from, '');
    let text = content.text;
    let value: Record<string, unknown> | undefined = content.reply ? { replyId: content.reply.id, replyTitle: content.reply.title, via: content.reply.via } : undefined;
    if (!content.reply) {
      const choice = choiceForNumber(text, doc.numberedChoices?.length ? doc.numberedChoices : undefined);
      if (choice !== undefined) {
        value = { typed: text, via: 'numbered_choice' };
        text = choice;
      }
    }
    return { ...this.inboundActivity(entry, from, text), ...(value ? { value } : {}) };
  }

  /** The message activity for a stored consumer message: the sender, their conversation, the payload's time. */
  private inboundActivity(entry: WhatsAppInboxEntry, from: string, text: string): Partial<Activity> {
    return {
      type: ActivityTypes.Message,
      id: entry.id,
      channelId: whatsAppCloudChannelId,
      serviceUrl: this.serviceUrl,
      from: { id: from, role: 'user' } as ChannelAccount,
      recipient: this.botAccount,
      conversation: { id: conversationIdFor(from) } as ConversationAccount,
      text,
      textFormat: 'plain',
      timestamp: new Date(entry.sentAt),
    };
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
    // Within a turn of this conversation the reply is stored by the turn's write and sent after it.
    const turn = this.turns.current(conversationIdFor(to));
    if (turn) {
      idempotencyKeyOf(activity.channelData);
      return this.turns.buffer(turn, activity);
    }
    return this.deliver(to, activity);
  }

  /**
   * Proactive messages (a status update, "is it solved?"): runs `logic` in the sender's queue under the
   * conversation's lease, so it never interleaves with the consumer's own turn, on the same document (state, outbox).
   * A failure propagates to the caller instead of going to onTurnError: the outbox that asked owns the retry, and the
   * consumer, who said nothing, should get no apology nor lose their dialog state (nothing of a failed run is stored).
   */
  protected async continueIn(reference: Partial<ConversationReference>, logic: BotLogic): Promise<void> {
    const to = senderOfConversation(reference.conversation?.id);
    if (!to) throw new TypeError('continueConversationAsync needs a whatsapp-cloud:<digits> conversation');
    const conversationId = conversationIdFor(to);
    const continuation: Partial<Activity> = {
      type: ActivityTypes.Event,
      name: 'ContinueConversation',
      channelId: whatsAppCloudChannelId,
      serviceUrl: this.serviceUrl,
      conversation: { id: conversationId } as ConversationAccount,
      from: reference.user ?? ({ id: to, role: 'user' } as ChannelAccount),
      recipient: this.botAccount,
      locale: reference.locale,
      timestamp: this.now(),
    };
    await this.queues.run(to, async () => {
      if (this.turns.current(conversationId)) {
        // Inside a turn of the same conversation: the same document, the same write.
        const context = new TurnContext(this, continuation);
        await this.middleware.run(context, () => logic(context));
        return;
      }
      await this.turns.holdLease(conversationId);
      const stopRenewing = this.turns.renewWhileRunning(conversationId);
      try {
        const doc = (await this.conversations.get(conversationId))!;
        this.learnSender(to, doc);
        if (doc.outbox.length > 0) await this.turns.flush(conversationId);
        const turn = this.turns.newTurn(conversationId, (await this.conversations.get(conversationId))!);
        const context = new TurnContext(this, continuation);
        await this.turns.runInTurn(turn, () => this.middleware.run(context, () => logic(context)));
        await this.turns.commit(turn);
        await this.turns.flush(conversationId);
      } finally {
        stopRenewing();
        // Consumer messages that arrived meanwhile run next, under the same lease.
        const doc = this.conversations.holds(conversationId) ? await this.conversations.get(conversationId).catch(() => null) : null;
        if (doc?.inbox.length && this.logic && !this.stopped) this.drain(to, this.logic);
        else await this.conversations.release(conversationId);
      }
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

  private async knownSender(digits: string, options: { fresh?: boolean } = {}): Promise<KnownSender> {
    const cached = this.senders.get(digits);
    if (cached && !options.fresh) return cached;
    const doc = await this.conversations.get(conversationIdFor(digits), options);
    const known: KnownSender = {
      lastInboundAt: doc?.lastInboundAt ? new Date(doc.lastInboundAt) : undefined,
      numberedChoices: doc?.numberedChoices?.length ? doc.numberedChoices : undefined,
      closedAsOf: cached?.closedAsOf,
    };
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
    const known = await this.knownSender(digits);
    if (this.isOpen(known)) return true;
    return this.isOpen(await this.knownSender(digits, { fresh: true }));
  }

  /** Meta says the window is closed: it stays closed here until a message newer than the last one we know arrives. */
  private async markWindowClosed(digits: string): Promise<void> {
    const known = await this.knownSender(digits);
    known.closedAsOf = known.lastInboundAt?.getTime() ?? 0;
  }

  /**
   * Choices sent as numbered lines are remembered (a reply "2" picks the second); any other message forgets them. A
   * flush stores them with its acknowledgement; a send outside a turn (a template fallback) writes them itself.
   */
  private async rememberNumberedChoices(digits: string, choices: string[] | undefined): Promise<void> {
    const known = await this.knownSender(digits);
    if (!choices?.length && !known.numberedChoices) return;
    known.numberedChoices = choices?.length ? [...choices] : undefined;
    if (this.conversations.holds(conversationIdFor(digits))) return;
    await this.conversations.mutate(
      conversationIdFor(digits),
      (doc) => {
        doc.numberedChoices = known.numberedChoices ?? null;
      },
      { create: true },
    );
  }
}

interface SendProgress {
  /** Wamids of the parts already sent, in order. */
  sent: string[];
  record(wamid: string): Promise<void>;
}
