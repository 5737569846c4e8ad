// The bot's side of the live handoff (Bot Framework's handoff protocol): asking for a person opens a waiting handoff
// and sends a `handoff.initiate` event with the transcript; while a handoff is open the dialogs do not run and the
// consumer's messages go to the agent; the agent's accept, messages and completion reach the consumer proactively,
// on their channel, through the adapter their conversation reference names (as bot/consumerNotifier.ts does).
//
// The transcript is the bot's own: the last HANDOFF_TRANSCRIPT_LINES messages of this conversation (consumer and
// bot, text only) kept in conversation state. That works the same on every channel (Direct Line's stored transcript
// exists only for web chat). Proactive messages (ticket updates) are not in it.
//
// While waiting, each consumer message is passed on and acknowledged with one short line (so the consumer knows it
// was not lost); while accepted the bot says nothing — the agent answers.
//
// Three things hand a consumer over: asking for a person, not being understood twice in a row (the root dialog asks
// for it), and being clearly upset. Each sends the same handoff.initiate with the transcript, and an honest queue
// message: position, expected wait (or none yet), office hours. A callback offer (made at once outside office hours,
// or by the CallbackOfferTimer when nobody accepts in time) is answered here: yes (or a number) → the callback queue
// and handoff.status failed "callback requested"; no → keep waiting.
import { ActivityTypes, EventFactory, MessageFactory, type Activity, type BotAdapter, type ConversationReference, type StatePropertyAccessor, type TurnContext, type ConversationState } from 'botbuilder';
import { consumerFrom } from '../dialogs/consumerTurn.js';
import { say } from '../dialogs/consumerDialog.js';
import { CONSUMER_LANGUAGES } from '../models/consumerLanguage.js';
import { textsFor, type Language, type Texts } from '../dialogs/texts.js';
import type { Understanding } from '../dialogs/understanding/index.js';
import type { ActiveHandoffRecord } from '../models/activeHandoffModel.js';
import type { HandoffLine } from '../models/handoffRequestModel.js';
import type { CallbackOfferSender } from '../services/callbackOfferTimer.js';
import { maskMobile, normaliseMobile } from '../services/consumerIdentity.js';
import { HANDOFF_TRANSCRIPT_LINES, handoffMessageSchema, type HandoffDetail, type HandoffQueueEntry, type LiveHandoffService } from '../services/liveHandoffService.js';
import type { StaffPrincipal } from '../services/staffAuthService.js';
import { parseInput } from '../services/ticketInput.js';
import type { ConversationReferences } from './conversationReferences.js';
import { handoffHintOf } from './handoffHint.js';

export interface LiveHandoffDependencies {
  service: LiveHandoffService;
  conversationState: ConversationState;
  references: ConversationReferences;
  /** The adapter for a conversation reference's `channelId` (or the consumer's channel); undefined if served elsewhere. */
  adapterFor: (channelId: string) => BotAdapter | undefined;
  /** The bot's app id for continueConversationAsync. */
  botAppId: string;
}

/** Why the consumer is handed over. */
export type HandoffReason = ActiveHandoffRecord['reason'];

/** What the turn was, as far as the handoff is concerned. */
export type HandoffTurn = 'started' | 'handled' | undefined;

/** Whether the agent's message (or the status change) reached the consumer's screen. */
export interface DeliveryResult {
  delivered: boolean;
}

/** What the staff API calls (server/staffApi/staffApiRouter.ts). */
export interface HandoffDesk {
  list(principal: StaffPrincipal): Promise<HandoffQueueEntry[]>;
  get(principal: StaffPrincipal, handoffId: string): Promise<HandoffDetail>;
  accept(principal: StaffPrincipal, handoffId: string): Promise<DeliveryResult>;
  send(principal: StaffPrincipal, handoffId: string, body: unknown): Promise<DeliveryResult>;
  complete(principal: StaffPrincipal, handoffId: string): Promise<DeliveryResult>;
}

const lineMax = 500;

export class LiveHandoff implements HandoffDesk, CallbackOfferSender {
  private readonly recent: StatePropertyAccessor<HandoffLine[]>;

  get service(): LiveHandoffService {
    return this.deps.service;
  }

  constructor(private readonly deps: LiveHandoffDependencies) {
    this.recent = deps.conversationState.createProperty<HandoffLine[]>('handoffTranscript');
  }

  /** Every turn: keeps the rolling transcript (the consumer's message and every message the bot sends). */
  async watch(context: TurnContext): Promise<void> {
    if (context.activity.type === ActivityTypes.Message && context.activity.text?.trim()) {
      await this.remember(context, [{ from: 'consumer', text: context.activity.text, at: new Date() }]);
    }
    context.onSendActivities(async (_context, activities, next) => {
      const lines = activities
        .filter((activity) => activity.type === ActivityTypes.Message && activity.text)
        .map((activity): HandoffLine => ({ from: 'bot', text: activity.text!, at: new Date() }));
      if (lines.length > 0) await this.remember(context, lines);
      return next();
    });
  }

  /**
   * This turn's consumer's open handoff: one `_id` read, or none when the channel's conversation document says no
   * handoff is open (bot/handoffHint.ts); a read that finds none tells the document.
   */
  async activeFor(context: TurnContext): Promise<ActiveHandoffRecord | null> {
    const hint = handoffHintOf(context);
    if (hint?.noneOpen) return null;
    const consumer = consumerFrom(context);
    const active = await this.deps.service.activeFor(consumer.channel, consumer.channelUserId);
    if (!active) hint?.foundNone();
    return active;
  }

  /**
   * Before the dialogs, every message turn: one `_id` read (none when the conversation document says no handoff is
   * open). An open handoff takes the message (or a cancel); a request for a person opens one. Returns undefined when
   * the dialogs should run as usual.
   */
  async intercept(context: TurnContext, understanding: Understanding, language: Language, mobileOnFile?: string): Promise<HandoffTurn> {
    const texts = textsFor(language);
    const text = understanding.text;
    const active = await this.activeFor(context);
    if (active) {
      if (!text.trim()) return 'handled';
      if (active.status === 'waiting' && (understanding.intent === 'cancel' || understanding.intent === 'help' || understanding.intent === 'restart')) {
        if (await this.deps.service.cancelByConsumer(active)) {
          await context.sendActivity(EventFactory.createHandoffStatus(context.activity.conversation, 'failed', 'cancelled by the consumer'));
          await say(context, texts.handoffCancelled, texts.menuChoices);
          return 'handled';
        }
      }
      if (active.status === 'waiting' && active.callbackOfferedAt && (await this.answerCallbackOffer(context, active, understanding, texts))) return 'handled';
      await this.deps.service.appendMessage(active.handoffId, 'consumer', text);
      if (active.status === 'waiting') {
        // Outside office hours nobody reads it yet: the offer is the honest answer.
        // Repeated, the offer also names the ways out: otherwise a consumer who wanted something else is stuck in it.
        if (active.offHours) {
          await say(context, `${texts.handoffOffHours(this.deps.service.officeHours.label, maskedOrUndefined(active.mobile))} ${texts.offHoursWayBack}`, texts.yesNoChoices);
        }
        else await say(context, texts.handoffPassedOn);
      }
      return 'handled';
    }
    if (!asksForPerson(understanding)) return undefined;
    await this.begin(context, 'asked', language, mobileOnFile);
    return 'started';
  }

  /**
   * Opens a handoff (or finds the open one) for this turn's consumer: handoff.initiate with the transcript, then the
   * honest queue message — or, outside office hours, the callback offer instead of a queue.
   */
  async begin(context: TurnContext, reason: HandoffReason, language: Language, mobileOnFile?: string): Promise<void> {
    const consumer = consumerFrom(context);
    const texts = textsFor(language);
    const transcript = (await this.recent.get(context, [])).slice(-HANDOFF_TRANSCRIPT_LINES);
    const mobile = consumer.verifiedMobile ?? mobileOnFile;
    const started = await this.deps.service.start({ consumer, reason, lastText: context.activity.text ?? '', language, transcript, ...(mobile ? { mobile } : {}) });
    if (!started.reused) {
      const activities = transcript.map((line) => transcriptActivity(context, line));
      const handoffContext = { handoffId: started.active.handoffId, reason: started.active.reason, language, position: started.position };
      await context.sendActivity(EventFactory.createHandoffInitiation(context, handoffContext, { activities }));
    }
    const why = reason === 'upset' ? [texts.handoffUpset] : reason === 'not_understood' ? [texts.handoffNotUnderstood] : [];
    const service = this.deps.service;
    if (started.active.offHours) {
      await say(context, [...why, texts.handoffOffHours(service.officeHours.label, maskedOrUndefined(started.active.mobile))].join('\n'), texts.yesNoChoices);
      return;
    }
    const queue = {
      position: Math.max(1, started.position),
      ...(started.expectedWaitMinutes !== undefined ? { expectedWaitMinutes: started.expectedWaitMinutes } : {}),
      officeHours: service.officeHours.label,
      callbackAfterMinutes: Math.max(1, Math.round(service.callbackAfterMs / 60_000)),
    };
    await say(context, [...why, texts.handoffQueued(queue)].join('\n'));
  }

  /** The CallbackOfferTimer's delivery: "no agent is free — shall we call you back?" on the consumer's channel. */
  async sendCallbackOffer(active: ActiveHandoffRecord): Promise<boolean> {
    const result = await this.deliver(active, async (context, language) => {
      // One stored message however often a crashed delivery is retried (the channels keep idempotency keys).
      context.onSendActivities(async (_context, activities, next) => {
        for (const activity of activities) activity.channelData = { ...(activity.channelData as object | undefined), idempotencyKey: `${active.handoffId}:callback-offer` };
        return next();
      });
      const texts = textsFor(language);
      await say(context, texts.callbackOffer(maskedOrUndefined(active.mobile)), texts.yesNoChoices);
    });
    return result.delivered;
  }

  /** A yes, a no or a mobile number in answer to the pending offer; false when the message is something else. */
  private async answerCallbackOffer(context: TurnContext, active: ActiveHandoffRecord, understanding: Understanding, texts: Texts): Promise<boolean> {
    // A number alone, or one inside the line ("haan jaldi call karo 9918012345 pe"): the extraction read it as a mobile.
    const numberAlone = normaliseMobile(understanding.text.trim());
    const typed = numberAlone ?? understanding.entities.mobile;
    if (understanding.yesNo === 'no' && !numberAlone) {
      const outcome = await this.deps.service.declineCallback(active);
      if (outcome === 'ended') {
        await context.sendActivity(EventFactory.createHandoffStatus(context.activity.conversation, 'failed', 'callback declined'));
        await say(context, texts.callbackDeclinedOffHours, texts.menuChoices);
      } else {
        await say(context, texts.callbackDeclinedWaiting);
      }
      return true;
    }
    const mobile = typed ?? (understanding.yesNo === 'yes' && !active.awaitingMobile ? active.mobile : undefined);
    if (!mobile) {
      if (understanding.yesNo === 'yes') {
        await this.deps.service.awaitMobile(active);
        await say(context, texts.callbackAskMobile);
        return true;
      }
      if (active.awaitingMobile) {
        await say(context, texts.callbackBadMobile);
        return true;
      }
      return false;
    }
    // An agent who accepted meanwhile wins: the consumer is then simply in their chat.
    if (!(await this.deps.service.requestCallback(active, mobile))) return false;
    await context.sendActivity(EventFactory.createHandoffStatus(context.activity.conversation, 'failed', 'callback requested'));
    await say(context, texts.callbackRequested(maskMobile(mobile)), texts.menuChoices);
    return true;
  }

  // ── The agents' side ─────────────────────────────────────────────────────────────────────────────────────

  list(principal: StaffPrincipal): Promise<HandoffQueueEntry[]> {
    return this.deps.service.list(principal);
  }

  get(principal: StaffPrincipal, handoffId: string): Promise<HandoffDetail> {
    return this.deps.service.get(principal, handoffId);
  }

  async accept(principal: StaffPrincipal, handoffId: string): Promise<DeliveryResult> {
    const active = await this.deps.service.accept(principal, handoffId);
    const firstName = principal.name.trim().split(/\s+/)[0] || principal.username;
    return this.deliver(active, async (context, language) => {
      await context.sendActivity(EventFactory.createHandoffStatus(context.activity.conversation, 'accepted'));
      await say(context, textsFor(language).handoffAccepted(firstName));
    });
  }

  async send(principal: StaffPrincipal, handoffId: string, body: unknown): Promise<DeliveryResult> {
    const input = parseInput(handoffMessageSchema, body);
    const active = await this.deps.service.agentMessage(principal, handoffId, input);
    // Plain text from the bot account (PlainTextMiddleware marks it so): consumer-facing, never HTML.
    return this.deliver(active, async (context) => {
      await context.sendActivity(MessageFactory.text(input.text));
    });
  }

  async complete(principal: StaffPrincipal, handoffId: string): Promise<DeliveryResult> {
    const active = await this.deps.service.complete(principal, handoffId);
    return this.deliver(active, async (context, language) => {
      await context.sendActivity(EventFactory.createHandoffStatus(context.activity.conversation, 'completed'));
      const texts = textsFor(language);
      await say(context, texts.handoffCompleted, texts.menuChoices);
    });
  }

  /** A proactive turn in the consumer's latest conversation; false when they cannot be reached from this process. */
  private async deliver(active: ActiveHandoffRecord, logic: (context: TurnContext, language: Language) => Promise<void>): Promise<DeliveryResult> {
    const reachable = await this.deps.references.find(active.channel, active.channelUserId);
    if (!reachable) return { delivered: false };
    const adapter = (reachable.reference.channelId ? this.deps.adapterFor(reachable.reference.channelId) : undefined) ?? this.deps.adapterFor(active.channel);
    if (!adapter) return { delivered: false };
    let completed = false;
    await adapter.continueConversationAsync(this.deps.botAppId, reachable.reference as Partial<ConversationReference>, async (context) => {
      await logic(context, reachable.language ?? active.language);
      completed = true;
    });
    return { delivered: completed };
  }

  private async remember(context: TurnContext, lines: HandoffLine[]): Promise<void> {
    const kept = await this.recent.get(context, []);
    kept.push(...lines.map((line) => ({ ...line, text: line.text.slice(0, lineMax) })));
    await this.recent.set(context, kept.slice(-HANDOFF_TRANSCRIPT_LINES));
  }
}

function maskedOrUndefined(mobile: string | undefined): string | undefined {
  return mobile ? maskMobile(mobile) : undefined;
}

/** "Talk to a person" in words, or the menu button in any language. */
function asksForPerson(understanding: Understanding): boolean {
  if (understanding.intent === 'human') return true;
  const label = understanding.text.trim();
  return CONSUMER_LANGUAGES.some((language) => label === textsFor(language).menuChoices[3]);
}

function transcriptActivity(context: TurnContext, line: HandoffLine): Activity {
  const consumer = line.from === 'consumer';
  return {
    type: ActivityTypes.Message,
    text: line.text,
    timestamp: new Date(line.at),
    from: consumer ? context.activity.from : context.activity.recipient,
    recipient: consumer ? context.activity.recipient : context.activity.from,
    conversation: context.activity.conversation,
    channelId: context.activity.channelId,
  } as Activity;
}
