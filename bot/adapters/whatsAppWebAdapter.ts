// The whatsapp-web.js channel as a BotAdapter: a consumer's WhatsApp message becomes a turn of the bot (one at a time
// per consumer, in order, each message once even across restarts), and what the bot says goes back through the linked
// phone as plain text with suggested actions as numbered options. Turns run on the consumer's conversation document
// (docs/whatsapp-conversations.md): the message, the state, the replies and the options offered are kept there.
// Proactive messages (status updates, "is it
// solved?") arrive through continueConversationAsync and fail loudly while the phone is not connected, so the
// ticket's outbox keeps them and retries.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActivityTypes,
  TurnContext,
  type Activity,
  type ChannelAccount,
  type ConversationAccount,
  type ConversationReference,
  type Entity,
} from 'botbuilder';
import {
  WHATSAPP_WEB_ACK_NAMES,
  type WhatsAppWebModels,
  type WhatsAppWebSendRecord,
} from '../../models/whatsAppWebModels.js';
import type { WhatsAppCloudModels } from '../../models/whatsAppCloudModels.js';
import { isDuplicateKeyError } from '../../services/mongoErrors.js';
import { WhatsAppConversationStore } from './whatsAppConversationStore.js';
import { activityOfReply, countMessageInDocument, lendMessageVerdict, WhatsAppConversationTurns } from './whatsAppConversationTurns.js';
import type { Limit } from '../../services/abuseLimits.js';
import { maskMobile } from '../../services/consumerIdentity.js';
import {
  WhatsAppWebConnection,
  WhatsAppWebNotReadyError,
  type WhatsAppWebClientLike,
  type WhatsAppWebConnectionOptions,
  type WhatsAppWebHealth,
  type WhatsAppWebMessageLike,
} from './whatsAppWebConnection.js';
import {
  chatKindOf,
  classifyMessageType,
  conversationIdFor,
  describeError,
  digitsOfConversation,
  digitsOfPhoneChat,
  isConsumerDigits,
  looksLikeOptionNumber,
  onlyTextUnderstood,
  optionsOf,
  phoneChatIdFor,
  pinOf,
  renderWithOptions,
  resolveNumberedReply,
  whatsAppWebChannelId,
} from './whatsAppWebMapping.js';
import { maskPhoneNumbersIn } from '../../services/consumerIdentity.js';
import { ChannelAdapter, type BotLogic } from './channelAdapter.js';
import { KeyedSerialQueue } from '../../services/keyedSerialQueue.js';
import { Claims, doneOnceRecorded, sendClaimShape } from '../../services/claims.js';
import { lendMediaFetcher, placeEntity } from '../../dialogs/consumerMedia.js';
import { CONSUMER_MEDIA_MAX_BYTES, MediaRefusedError } from '../../services/consumerMediaService.js';
import { withoutControlCharacters } from '../../services/ticketInput.js';

export { whatsAppWebChannelId } from './whatsAppWebMapping.js';

export type { BotLogic };

/** Anything that kept a message from reaching WhatsApp. A proactive turn rethrows it so the outbox retries. */
export class WhatsAppWebDeliveryError extends Error {
  override name = 'WhatsAppWebDeliveryError';
}

/** Another sender holds this idempotency key and has not finished: try again later. */
export class WhatsAppWebSendInProgressError extends WhatsAppWebDeliveryError {
  override name = 'WhatsAppWebSendInProgressError';
}

/** Same field as the web chat adapter: `channelData.idempotencyKey` on an outgoing activity makes it go out once. */
export const idempotencyKeyField = 'idempotencyKey';

export interface WhatsAppWebAdapterOptions extends Omit<WhatsAppWebConnectionOptions, 'handlers'> {
  /** The bot's turn handler: every consumer message is handed to it. */
  logic: BotLogic;
  /** The door's own collections, and the WhatsApp conversation documents (models/whatsAppConversationModel.ts). */
  models: WhatsAppWebModels & Pick<WhatsAppCloudModels, 'whatsAppConversations'>;
  /** Called with every new QR code (to print it); also kept for the supervisors' page. */
  onQr?: (qr: string) => void;
  onPairingCode?: (code: string) => void;
  bot?: { id: string; name: string };
  /** A turn still running after this long no longer holds back the consumer's next one. Default 60 s. */
  stuckTurnMs?: number;
  /** The longest `delay` activity honoured inside a turn. Default 10 s. */
  maxDelayMs?: number;
  /** An idempotent send claimed this long ago and never finished (its process died) may be sent again. Default 2 min. */
  sendClaimTimeoutMs?: number;
  /** On stop, how long running turns may take to finish before the client is destroyed under them. Default 10 s. */
  drainTimeoutMs?: number;
  /** The conversation's turn lease (renewed while a turn runs, for at most stuckTurnMs). Default 10 s. */
  turnLeaseMs?: number;
  /** The per-sender message limit, counted from the conversation's document (see WhatsAppCloudAdapterOptions). */
  messageLimit?: Limit;
}

const serviceUrl = 'urn:santushti:whatsapp-web';

export class WhatsAppWebAdapter extends ChannelAdapter {
  readonly channelId = whatsAppWebChannelId;
  protected readonly channelName = 'WhatsApp';
  readonly connection: WhatsAppWebConnection;
  readonly botAccount: ChannelAccount;
  private readonly models: WhatsAppWebAdapterOptions['models'];
  /** Turns on the conversation documents: state from the document, replies written, then sent and acknowledged. */
  private readonly turns: WhatsAppConversationTurns;
  private readonly logic: BotLogic;
  private readonly log: (line: string) => void;
  protected readonly maxDelayMs: number;
  private readonly sendClaimTimeoutMs: number;
  private readonly sendClaims: Claims<WhatsAppWebSendRecord>;
  private readonly drainTimeoutMs: number;
  private readonly turnLeaseMs: number;
  private readonly messageLimit: Limit | undefined;
  /** Serialises what one sender sent (resolving who they are, dropping duplicates) in arrival order. */
  private readonly senders: KeyedSerialQueue;
  /** Serialises turns per consumer: their messages and the proactive turns addressed to them. */
  private readonly conversations: KeyedSerialQueue;
  /** Linked ids (`…@lid`) already resolved to a phone number. */
  private readonly phoneByLinkedId = new Map<string, string>();
  private accepting = false;

  constructor(options: WhatsAppWebAdapterOptions) {
    super();
    this.models = options.models;
    this.logic = options.logic;
    this.log = options.log;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.sendClaimTimeoutMs = options.sendClaimTimeoutMs ?? 2 * 60_000;
    this.sendClaims = new Claims<WhatsAppWebSendRecord>(this.models.whatsAppWebSends, sendClaimShape);
    this.drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    this.turnLeaseMs = options.turnLeaseMs ?? 10_000;
    this.messageLimit = options.messageLimit;
    const bot = options.bot ?? { id: 'santushti-bot', name: 'Santushti' };
    this.botAccount = { id: bot.id, name: bot.name, role: 'bot' } as ChannelAccount;
    const stuckTurnMs = options.stuckTurnMs ?? 60_000;
    const stuck = (kind: string) => (key: string) =>
      this.log(`[whatsapp-web] a ${kind} task of ${maskPhoneNumbersIn(key)} is still running after ${stuckTurnMs} ms; starting the next one`);
    this.senders = new KeyedSerialQueue(stuckTurnMs, stuck('sender'));
    this.conversations = new KeyedSerialQueue(stuckTurnMs, stuck('turn'));
    // The log keeps at least a limit's worth of messages: the limit is counted from it.
    const logKept = Math.max(20, options.messageLimit?.points ?? 0);
    const store = new WhatsAppConversationStore(this.models.whatsAppConversations, {
      logKept,
      logMax: logKept + 30,
      // Processed message ids leaving the document's log stay known in the inbound collection.
      moveOut: async (_conversationId, entries) => {
        await this.models.whatsAppWebInbound
          .insertMany(entries.map((entry) => ({ _id: entry.id, receivedAt: entry.receivedAt })), { ordered: false })
          .catch((error: unknown) => {
            if (!isDuplicateKeyError(error)) throw error;
          });
      },
    });
    this.turns = new WhatsAppConversationTurns(store, {
      channelId: whatsAppWebChannelId,
      senderOf: digitsOfConversation,
      send: async (conversationId, reply) => {
        const activity = activityOfReply(reply);
        await this.deliver(digitsOfConversation(conversationId)!, renderWithOptions(activity.text, optionsOf(activity)), idempotencyKeyOf(activity.channelData));
      },
      turnLeaseMs: this.turnLeaseMs,
      stuckTurnMs,
      leaseWaitMs: 5_000,
    });
    this.connection = new WhatsAppWebConnection({
      ...options,
      handlers: {
        message: (message, client) => this.onMessage(message, client),
        ack: (message, ack) => this.onAck(message, ack),
        qr: options.onQr,
        pairingCode: options.onPairingCode,
      },
    });
  }

  start(): void {
    this.accepting = true;
    this.connection.start();
  }

  /** Stops taking messages, lets running turns finish (for a while), then closes the client. */
  async stop(): Promise<void> {
    this.accepting = false;
    await Promise.race([this.idle(), sleep(this.drainTimeoutMs, undefined, { ref: false })]);
    await this.connection.stop();
  }

  health(): WhatsAppWebHealth {
    return this.connection.health();
  }

  /** Settles when every message and turn queued so far has been handled (tests, shutdown). */
  async idle(): Promise<void> {
    await this.senders.idle();
    await this.conversations.idle();
  }

  // ── Incoming ────────────────────────────────────────────────────────────────────────────────────────────────────

  /** The client's `message` event: sorted out synchronously so a sender's messages queue in arrival order. */
  private onMessage(message: WhatsAppWebMessageLike, client: WhatsAppWebClientLike): void {
    if (!this.accepting) return;
    if (message.fromMe || message.id?.fromMe) return;
    const chatId = typeof message.from === 'string' ? message.from : '';
    // Status updates, groups, broadcast lists and channels are not someone writing to the helpline.
    if (message.isStatus || chatKindOf(chatId) === 'other') return;
    const messageId = message.id?._serialized;
    if (typeof messageId !== 'string' || messageId === '') return;
    const kind = classifyMessageType(String(message.type), typeof message.body === 'string' ? message.body : '');
    if (kind === 'ignore') return;

    void this.senders
      .run(chatId, () => this.receive(message, messageId, kind, chatId, client))
      .catch((error: unknown) => this.log(`[whatsapp-web] an incoming message was lost: ${describeError(error)}`));
  }

  private async receive(
    message: WhatsAppWebMessageLike,
    messageId: string,
    kind: 'text' | 'media' | 'location' | 'unsupported',
    chatId: string,
    client: WhatsAppWebClientLike,
  ): Promise<void> {
    const digits = await this.consumerDigits(chatId, client);
    if (!digits) {
      this.log(`[whatsapp-web] could not tell the phone number behind a chat; message dropped`);
      return;
    }
    const conversationId = conversationIdFor(digits);
    // Stored once in the conversation's document (the resend check), which takes the turn lease in the same write.
    const sentAt = Number.isFinite(message.timestamp) && message.timestamp > 0 ? new Date(message.timestamp * 1000) : new Date();
    const body = typeof message.body === 'string' ? message.body : '';
    const { stored } = await this.turns.store.receive(
      conversationId,
      { id: messageId, content: JSON.stringify({ kind, text: body.slice(0, 4096) }), sentAt, receivedAt: new Date() },
      { takeLease: { ttlMs: this.turnLeaseMs } },
    );
    if (!stored) return;
    await this.conversations.run(conversationId, async () => {
      try {
        if (kind === 'unsupported') {
          await this.answerUnsupported(digits, messageId);
          return;
        }
        if (kind === 'media' || kind === 'location') {
          await this.receiveMedia(message, kind, digits, messageId);
          return;
        }
        const text = await this.withOptionResolved(digits, message.body);
        await this.runTurn(this.incomingActivity(digits, messageId, text, message.timestamp), this.logic, 'consumer');
      } finally {
        await this.turns.store.release(conversationId);
      }
    });
  }

  /**
   * A photo, bill or voice note (its caption as the text) or a location pin, as a message activity: the file as an
   * attachment the bot fetches with message.downloadMedia() through this turn's fetcher, the pin as a `Place` entity
   * (dialogs/consumerMedia.ts). The message object lives only in this process, so its turn runs now, not after a restart.
   */
  private async receiveMedia(message: WhatsAppWebMessageLike, kind: 'media' | 'location', digits: string, messageId: string): Promise<void> {
    const caption = kind === 'media' && typeof message.body === 'string' ? withoutControlCharacters(message.body).trim() : '';
    const activity = this.incomingActivity(digits, messageId, caption, message.timestamp);
    if (kind === 'location') {
      const pin = pinOf(message.location);
      if (!pin) {
        await this.answerUnsupported(digits, messageId);
        return;
      }
      activity.entities = [placeEntity(pin.latitude, pin.longitude, message.location?.name, message.location?.address) as unknown as Entity];
      await this.runTurn(activity, this.logic, 'consumer');
      return;
    }
    activity.attachments = [{ contentType: 'application/octet-stream', contentUrl: `whatsapp-web-media:${messageId}` }];
    this.log(`[whatsapp-web] ${maskMobile(digits)} sent a ${String(message.type).slice(0, 20)}`);
    await this.runTurn(activity, this.logic, 'consumer', (context) =>
      lendMediaFetcher(context, async () => {
        const media = await message.downloadMedia?.().catch((error: unknown) => {
          this.log(`[whatsapp-web] downloading media failed: ${describeError(error)}`);
          throw error;
        });
        if (!media || typeof media.data !== 'string') throw new Error('the media is no longer on the phone');
        // Base64 is 4 characters per 3 bytes: refused by its length before anything is decoded.
        if (media.data.length > Math.ceil((CONSUMER_MEDIA_MAX_BYTES * 4) / 3) + 4) throw new MediaRefusedError('too_large', 'The file is too large.');
        return { data: Buffer.from(media.data, 'base64'), declaredType: media.mimetype, ...(media.filename ? { filename: media.filename } : {}) };
      }),
    );
  }

  private async consumerDigits(chatId: string, client: WhatsAppWebClientLike): Promise<string | undefined> {
    if (chatKindOf(chatId) === 'phone') return digitsOfPhoneChat(chatId);
    const known = this.phoneByLinkedId.get(chatId);
    if (known) return known;
    if (!client.getContactLidAndPhone) return undefined;
    try {
      const [pair] = await client.getContactLidAndPhone([chatId]);
      const digits = pair?.pn ? digitsOfPhoneChat(pair.pn) : undefined;
      if (digits) {
        if (this.phoneByLinkedId.size > 50_000) this.phoneByLinkedId.clear();
        this.phoneByLinkedId.set(chatId, digits);
      }
      return digits;
    } catch (error) {
      this.log(`[whatsapp-web] resolving a linked id failed: ${describeError(error)}`);
      return undefined;
    }
  }

  private async withOptionResolved(digits: string, body: string): Promise<string> {
    const text = body.trim();
    if (!looksLikeOptionNumber(text)) return text;
    // The options last offered are kept in the conversation's document (read with the message's storing).
    const doc = await this.turns.store.get(conversationIdFor(digits));
    return resolveNumberedReply(text, doc?.numberedChoices ?? []);
  }

  private incomingActivity(digits: string, messageId: string, text: string, timestamp: number): Partial<Activity> {
    const sentAt = Number.isFinite(timestamp) && timestamp > 0 ? new Date(timestamp * 1000) : new Date();
    return {
      type: ActivityTypes.Message,
      id: messageId,
      channelId: whatsAppWebChannelId,
      serviceUrl,
      // The sender's digits with country code, as the Cloud API door uses: one consumer is one identity on either.
      from: { id: digits, role: 'user' } as ChannelAccount,
      recipient: this.botAccount,
      conversation: { id: conversationIdFor(digits) } as ConversationAccount,
      text,
      textFormat: 'plain',
      timestamp: sentAt,
      localTimestamp: sentAt,
    };
  }

  /** Answered by the door, not the bot: stored and sent like a turn's reply, and the message counts as processed. */
  private async answerUnsupported(digits: string, messageId: string): Promise<void> {
    const conversationId = conversationIdFor(digits);
    try {
      await this.turns.holdLease(conversationId);
      const turn = this.turns.newTurn(conversationId, (await this.turns.store.get(conversationId))!, messageId);
      this.turns.buffer(turn, { type: ActivityTypes.Message, text: onlyTextUnderstood });
      await this.turns.commit(turn);
      await this.turns.flush(conversationId);
    } catch (error) {
      this.log(`[whatsapp-web] could not tell ${maskMobile(digits)} that only text is understood: ${describeError(error)}`);
    }
  }

  // ── Acks ────────────────────────────────────────────────────────────────────────────────────────────────────────

  private onAck(message: WhatsAppWebMessageLike, ack: number): void {
    if (!message.id?.fromMe || typeof message.id._serialized !== 'string') return;
    const name = WHATSAPP_WEB_ACK_NAMES[ack + 1];
    if (!Number.isInteger(ack) || !name) return;
    // $max: receipts arrive out of order and a late "delivered" must not undo "read"; $min keeps each level's first time.
    void this.models.whatsAppWebOutbound
      .updateOne({ _id: message.id._serialized }, { $max: { ack }, $min: { [`ackAt.${name}`]: new Date() } }, { upsert: true })
      .catch((error: unknown) => this.log(`[whatsapp-web] could not record a receipt: ${describeError(error)}`));
  }

  // ── Outgoing ────────────────────────────────────────────────────────────────────────────────────────────────────

  protected async sendOne(context: TurnContext, activity: Partial<Activity>): Promise<string> {
    // Typing, traces, events (handoff): WhatsApp has nothing to show for them.
    return activity.type === ActivityTypes.Message ? this.sendMessageActivity(context, activity) : '';
  }

  private async sendMessageActivity(context: TurnContext, activity: Partial<Activity>): Promise<string> {
    const digits = digitsOfConversation(activity.conversation?.id ?? context.activity.conversation?.id);
    if (!digits) throw new TypeError('A WhatsApp message needs a conversation id "whatsapp-web:<digits>"');
    const options = optionsOf(activity);
    const text = renderWithOptions(activity.text, options);
    if (text === '') {
      if (activity.attachments?.length) this.log('[whatsapp-web] attachments are not sent on WhatsApp; a message without text was skipped');
      return '';
    }
    // A reply without options means the earlier ones no longer apply ("2" is then just "2"). A proactive status
    // update leaves them: the consumer may still be answering the question before it.
    const values = options.map((option) => option.value);
    const forgetsOrOffers = values.length > 0 || context.activity.type === ActivityTypes.Message;
    const key = idempotencyKeyOf(activity.channelData);
    // Within a turn of this conversation the reply (and the options) is stored by the turn's write, then sent.
    const turn = this.turns.current(conversationIdFor(digits));
    if (turn) {
      if (forgetsOrOffers) turn.numberedChoices = values;
      return this.turns.buffer(turn, activity);
    }
    if (forgetsOrOffers) await this.rememberOptions(digits, values);
    return this.deliver(digits, text, key);
  }

  /** Sends now or throws: never kept in memory for later, since the outbox that asked will retry. */
  private async deliver(digits: string, text: string, idempotencyKey: string | undefined): Promise<string> {
    const client = this.connection.readyClient();
    if (idempotencyKey === undefined) return this.sendText(client, digits, text);
    return this.sendOnce(digits, idempotencyKey, () => this.sendText(client, digits, text));
  }

  private async sendText(client: WhatsAppWebClientLike, digits: string, text: string): Promise<string> {
    let sent: WhatsAppWebMessageLike | undefined;
    try {
      // No link previews: our messages quote what consumers typed, and a preview would fetch whatever they linked.
      sent = await client.sendMessage(phoneChatIdFor(digits), text, { linkPreview: false });
    } catch (error) {
      throw new WhatsAppWebDeliveryError(`Sending to ${maskMobile(digits)} failed: ${describeError(error)}`, { cause: error });
    }
    const messageId = sent?.id?._serialized;
    if (!messageId) throw new WhatsAppWebDeliveryError(`WhatsApp Web could not open the chat with ${maskMobile(digits)}; nothing was sent.`);
    const ack = typeof sent?.ack === 'number' && Number.isInteger(sent.ack) ? sent.ack : 0;
    // Receipts are bookkeeping: failing to note one must not make the outbox send the message again.
    await this.models.whatsAppWebOutbound
      .updateOne({ _id: messageId }, { $set: { chat: digits, sentAt: new Date() }, $max: { ack } }, { upsert: true })
      .catch((error: unknown) => this.log(`[whatsapp-web] could not record a sent message: ${describeError(error)}`));
    return messageId;
  }

  /**
   * Claims the key, sends, records the message id; a repeat answers with that id. WhatsApp has no idempotency of its
   * own, so a process that dies between sending and recording leaves a claim that is taken over (sent again) after
   * `sendClaimTimeoutMs`: a status update twice is better than never.
   */
  private async sendOnce(digits: string, idempotencyKey: string, send: () => Promise<string>): Promise<string> {
    const id = `${digits}:${createHash('sha256').update(idempotencyKey).digest('base64url')}`;
    const outcome = await this.sendClaims.claim(id, {
      ttlMs: this.sendClaimTimeoutMs,
      readFirst: true,
      projection: { messageId: 1 },
      judge: doneOnceRecorded('messageId'),
    });
    if (outcome.status === 'done') return outcome.record.messageId!;
    if (outcome.status === 'busy') throw new WhatsAppWebSendInProgressError('Another send of this message is in progress.');
    const claim = outcome.claim;

    let messageId: string;
    try {
      messageId = await send();
    } catch (error) {
      // Nothing went out: let the retry claim the key at once.
      await this.sendClaims.release(claim).catch(() => undefined);
      throw error;
    }
    await this.sendClaims
      .complete(claim, { messageId })
      .catch((error: unknown) => this.log(`[whatsapp-web] sent, but could not record it (it may be sent again): ${describeError(error)}`));
    return messageId;
  }

  /** Options offered outside a turn (none of ours sends so): kept in the conversation's document, when they change. */
  private async rememberOptions(digits: string, values: string[]): Promise<void> {
    await this.turns.store.mutate(
      conversationIdFor(digits),
      (doc) => {
        if (JSON.stringify(doc.numberedChoices ?? []) === JSON.stringify(values)) return false;
        doc.numberedChoices = values;
      },
      { create: true },
    );
  }

  /**
   * A proactive turn in the consumer's conversation, queued behind their running turn. While the phone is not
   * connected it throws WhatsAppWebNotReadyError before running any logic, and a send that fails midway rethrows, so
   * the caller (the outbox) retries; idempotency keys keep what already went out from going twice.
   */
  protected async continueIn(reference: Partial<ConversationReference>, logic: BotLogic): Promise<void> {
    const conversationId = reference.conversation?.id;
    const digits = digitsOfConversation(conversationId);
    if (!conversationId || !digits) throw new TypeError('continueConversationAsync needs reference.conversation.id "whatsapp-web:<digits>"');
    this.connection.readyClient();
    await this.conversations.run(conversationId, async () => {
      // It may have gone down while this waited for the consumer's turn.
      this.connection.readyClient();
      const user = reference.user && isConsumerDigits(reference.user.id) ? reference.user : ({ id: digits, role: 'user' } as ChannelAccount);
      const continuation: Partial<Activity> = {
        type: ActivityTypes.Event,
        name: 'ContinueConversation',
        channelId: whatsAppWebChannelId,
        serviceUrl,
        conversation: { id: conversationId } as ConversationAccount,
        from: user,
        recipient: this.botAccount,
        locale: reference.locale,
        timestamp: new Date(),
      };
      if (this.turns.current(conversationId)) {
        await this.runTurn(continuation, logic, 'proactive');
        return;
      }
      await this.turns.holdLease(conversationId);
      try {
        await this.runTurn(continuation, logic, 'proactive');
      } finally {
        await this.turns.store.release(conversationId);
      }
    });
  }

  /**
   * BotAdapter.runMiddleware, except for delivery failures: those skip onTurnError, whose apology could not be
   * delivered either and whose reset of the conversation state would throw away the consumer's half-finished dialog.
   * A consumer's turn logs them (WhatsApp will not send the message again); a proactive turn rethrows them.
   */
  private async runTurn(activity: Partial<Activity>, logic: BotLogic, kind: 'consumer' | 'proactive', prepare?: (context: TurnContext) => void): Promise<void> {
    const context = new TurnContext(this, activity);
    if (activity.locale) context.locale = activity.locale;
    prepare?.(context);
    const conversationId = activity.conversation?.id ?? '';
    // Inside a turn of the same conversation (a proactive message it caused): the same document, the same write.
    if (this.turns.current(conversationId)) return this.runHandled(context, logic, kind);
    // The conversation's lease is held (by receive or continueIn): its state comes from the document, and the turn
    // ends with one write of replies, state and the message processed, then the sends and their acknowledgement.
    const doc = (await this.turns.store.get(conversationId))!;
    const turn = this.turns.newTurn(conversationId, doc, kind === 'consumer' ? activity.id : undefined);
    if (kind === 'consumer' && activity.id && this.messageLimit) lendMessageVerdict(context, countMessageInDocument(doc, activity.id, this.messageLimit));
    if (kind === 'consumer') this.turns.lendHandoffHint(context, turn);
    await this.turns.runInTurn(turn, () =>
      this.runHandled(context, async (inner) => {
        await logic(inner);
        await this.turns.commit(turn);
        await this.turns.flush(conversationId);
      }, kind),
    );
    // What is left: the turn failed before its write, or onTurnError answered (an apology, the state reset).
    await this.turns.commit(turn);
    try {
      await this.turns.flush(conversationId);
    } catch (error) {
      if (kind === 'proactive') throw error;
      this.log(`[whatsapp-web] a reply to ${maskMobile(activity.from?.id ?? '')} was not delivered: ${describeError(error)}`);
    }
  }

  private async runHandled(context: TurnContext, logic: BotLogic, kind: 'consumer' | 'proactive'): Promise<void> {
    try {
      await this.middleware.run(context, () => logic(context));
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      const undelivered = deliveryFailureIn(failure);
      if (undelivered) {
        if (kind === 'proactive') throw undelivered;
        this.log(`[whatsapp-web] a reply to ${maskMobile(context.activity.from?.id ?? '')} was not delivered: ${describeError(undelivered)}`);
        return;
      }
      if (kind === 'proactive' && !this.onTurnError) throw failure;
      try {
        if (this.onTurnError) await this.onTurnError(context, failure);
        else this.log(`[whatsapp-web] turn failed: ${describeError(failure)}`);
      } catch (handlerError) {
        if (kind === 'proactive') throw handlerError;
        this.log(`[whatsapp-web] the turn error handler failed: ${describeError(handlerError)}`);
      }
    }
  }
}

/** The delivery failure behind an error, also when the dialogs wrapped it (DialogContextError keeps it in `error`). */
function deliveryFailureIn(error: unknown): Error | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof WhatsAppWebDeliveryError || current instanceof WhatsAppWebNotReadyError) return current;
    current = (current as Error & { error?: unknown }).error ?? current.cause;
  }
  return undefined;
}


function idempotencyKeyOf(channelData: unknown): string | undefined {
  if (typeof channelData !== 'object' || channelData === null || !(idempotencyKeyField in channelData)) return undefined;
  const key = (channelData as Record<string, unknown>)[idempotencyKeyField];
  if (typeof key !== 'string' || key.length === 0 || key.length > 500) {
    throw new TypeError(`channelData.${idempotencyKeyField} must be a non-empty string of at most 500 characters`);
  }
  return key;
}
