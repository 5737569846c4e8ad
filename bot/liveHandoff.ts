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
import { ActivityTypes, EventFactory, MessageFactory, type Activity, type BotAdapter, type ConversationReference, type StatePropertyAccessor, type TurnContext, type ConversationState } from 'botbuilder';
import { consumerFrom } from '../dialogs/consumerTurn.js';
import { say } from '../dialogs/consumerDialog.js';
import { textsFor, type Language } from '../dialogs/texts.js';
import type { Understanding } from '../dialogs/understanding/index.js';
import type { ActiveHandoffRecord } from '../models/activeHandoffModel.js';
import type { HandoffLine } from '../models/handoffRequestModel.js';
import { HANDOFF_TRANSCRIPT_LINES, handoffMessageSchema, type HandoffDetail, type HandoffQueueEntry, type LiveHandoffService } from '../services/liveHandoffService.js';
import type { StaffPrincipal } from '../services/staffAuthService.js';
import { parseInput } from '../services/ticketInput.js';
import type { ConversationReferences } from './conversationReferences.js';

export interface LiveHandoffDependencies {
  service: LiveHandoffService;
  conversationState: ConversationState;
  references: ConversationReferences;
  /** The adapter for a conversation reference's `channelId` (or the consumer's channel); undefined if served elsewhere. */
  adapterFor: (channelId: string) => BotAdapter | undefined;
  /** The bot's app id for continueConversationAsync. */
  botAppId: string;
}

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

export class LiveHandoff implements HandoffDesk {
  private readonly recent: StatePropertyAccessor<HandoffLine[]>;

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
   * Before the dialogs, every message turn: one `_id` read. An open handoff takes the message (or a cancel); a request
   * for a person opens one. Returns undefined when the dialogs should run as usual.
   */
  async intercept(context: TurnContext, understanding: Understanding, language: Language): Promise<HandoffTurn> {
    const consumer = consumerFrom(context);
    const texts = textsFor(language);
    const text = understanding.text;
    const active = await this.deps.service.activeFor(consumer.channel, consumer.channelUserId);
    if (active) {
      if (!text.trim()) return 'handled';
      if (active.status === 'waiting' && (understanding.intent === 'cancel' || understanding.intent === 'help' || understanding.intent === 'restart')) {
        if (await this.deps.service.cancelByConsumer(active)) {
          await context.sendActivity(EventFactory.createHandoffStatus(context.activity.conversation, 'failed', 'cancelled by the consumer'));
          await say(context, texts.handoffCancelled, texts.menuChoices);
          return 'handled';
        }
      }
      await this.deps.service.appendMessage(active.handoffId, 'consumer', text);
      if (active.status === 'waiting') await say(context, texts.handoffPassedOn);
      return 'handled';
    }
    if (!asksForPerson(understanding)) return undefined;

    const transcript = (await this.recent.get(context, [])).slice(-HANDOFF_TRANSCRIPT_LINES);
    const started = await this.deps.service.start({ consumer, reason: 'asked', lastText: text, language, transcript });
    if (!started.reused) {
      const activities = transcript.map((line) => transcriptActivity(context, line));
      const handoffContext = { handoffId: started.active.handoffId, reason: started.active.reason, language, position: started.position };
      await context.sendActivity(EventFactory.createHandoffInitiation(context, handoffContext, { activities }));
    }
    await say(context, texts.handoffQueued(Math.max(1, started.position)));
    return 'started';
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

/** "Talk to a person" in words, or the menu button in either language. */
function asksForPerson(understanding: Understanding): boolean {
  if (understanding.intent === 'human') return true;
  const label = understanding.text.trim();
  return label === textsFor('hi').menuChoices[3] || label === textsFor('en').menuChoices[3];
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
