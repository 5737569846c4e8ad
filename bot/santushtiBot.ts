// The bot: understands each message once, keeps the consumer's language, remembers how to reach them, and runs the
// dialogs. Proactive turns (status updates, "is it solved?") run through the same state and dialogs.
import { ActivityHandler, TurnContext, type ConversationState, type StatePropertyAccessor, type UserState } from 'botbuilder';
import { DialogSet, DialogTurnStatus, type DialogContext, type DialogState, type DialogStateManagerConfiguration } from 'botbuilder-dialogs';
import { personRequestedIn, rememberUnderstanding, say, type PersonRequestReason } from '../dialogs/consumerDialog.js';
import type { IdentityService } from '../services/identityService.js';
import { consumerFrom, type ConsumerProfile, type DialogServices, type HandoffRequests, type MobileVerifier } from '../dialogs/consumerTurn.js';
import { EmergencyDialog, interruptForEmergency } from '../dialogs/emergencyDialog.js';
import { ROOT_DIALOG, RootDialog } from '../dialogs/rootDialog.js';
import { SATISFACTION_DIALOG, SatisfactionDialog, type SatisfactionState } from '../dialogs/satisfactionDialog.js';
import { currentLanguage, nextLanguage } from '../dialogs/replyLanguage.js';
import { textsFor, type Language } from '../dialogs/texts.js';
import { understand, type Understanding } from '../dialogs/understanding/index.js';
import type { Directory } from '../services/directory.js';
import type { IncidentService } from '../services/incidentService.js';
import type { TicketService } from '../services/ticketService.js';
import type { AbuseLimits } from '../services/abuseLimits.js';
import type { ConsumerMediaService, HeldMedia } from '../services/consumerMediaService.js';
import { incomingMediaOf, MediaTicketDialog, pinnedPlaceOf, receiveMedia } from '../dialogs/consumerMedia.js';
import type { ConversationReferences } from './conversationReferences.js';
import type { LiveHandoff } from './liveHandoff.js';

export interface SantushtiBotDependencies {
  conversationState: ConversationState;
  userState: UserState;
  tickets: TicketService;
  directory: Directory;
  handoffs: HandoffRequests;
  references: ConversationReferences;
  /** Live handoff to an agent (bot/liveHandoff.ts); without it, asking for a person is only recorded. */
  liveHandoff?: LiveHandoff;
  /** Area incidents: a supply complaint is counted into (and told about) its area's incident. */
  incidents?: IncidentService;
  /** Abuse limits (registrations per identity per day); without them, none. */
  limits?: AbuseLimits;
  /** One-time-code proof of a typed mobile (a new device asking about a ticket); see dialogs/consumerTurn.ts. */
  verifier?: MobileVerifier;
  /** Verification codes linking a typed mobile to a web chat (services/identityService.ts); without it, not offered. */
  identities?: IdentityService;
  /** Consumers' photos, bills and voice notes (dialogs/consumerMedia.ts); without it, media messages are not read. */
  media?: ConsumerMediaService;
}

/** Only the start of a message is analysed (and a complaint's description is capped at this length anyway). */
const maxAnalysedCharacters = 2_000;

/** The turn-state key under which botbuilder-dialogs' DialogStateManager looks for its configuration (not exported). */
const dialogStateConfigurationKey = 'DialogStateManagerConfiguration';

export class SantushtiBot extends ActivityHandler {
  private readonly dialogs: DialogSet;
  private readonly services: DialogServices;
  /** The id of the last consumer activity whose turn is saved: see run(). */
  private readonly appliedActivityId: StatePropertyAccessor<string | undefined>;
  /** "Is it solved?" questions that arrived while another dialog waited for an answer: asked when it ends. */
  private readonly waitingQuestions: StatePropertyAccessor<SatisfactionState[]>;
  /**
   * The dialogs' memory scopes and path resolvers (stateless objects), built once: botbuilder-dialogs otherwise builds
   * them afresh on every turn's first dialog context (its own DialogManager keeps one the same way).
   */
  private stateConfiguration?: DialogStateManagerConfiguration;

  constructor(private readonly deps: SantushtiBotDependencies) {
    super();
    const profile = deps.userState.createProperty<ConsumerProfile>('profile');
    const limits = deps.limits;
    this.services = {
      tickets: deps.tickets,
      directory: deps.directory,
      handoffs: deps.handoffs,
      profile,
      incidents: deps.incidents,
      registrationLimit: limits ? (consumerKey) => limits.consume('registrationsPerIdentity', consumerKey) : undefined,
      ...(deps.verifier ? { verifier: deps.verifier } : {}),
      ...(deps.identities ? { identities: deps.identities } : {}),
      ...(deps.media ? { media: { service: deps.media, held: deps.conversationState.createProperty<HeldMedia[]>('heldMedia') } } : {}),
    };
    this.dialogs = new DialogSet(deps.conversationState.createProperty<DialogState>('dialogState'));
    this.appliedActivityId = deps.conversationState.createProperty<string | undefined>('appliedActivityId');
    this.waitingQuestions = deps.conversationState.createProperty<SatisfactionState[]>('waitingSatisfactionQuestions');
    this.dialogs.add(new RootDialog(this.services));
    this.dialogs.add(new SatisfactionDialog(this.services));
    this.dialogs.add(new EmergencyDialog(this.services));
    this.dialogs.add(new MediaTicketDialog(this.services));

    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const joined = (context.activity.membersAdded ?? []).filter((member) => member.id !== context.activity.recipient.id);
      if (joined.length > 0) {
        const texts = textsFor(await this.languageOf(context));
        await say(context, texts.welcome, texts.menuChoices);
      }
      await next();
    });
  }

  /**
   * Every turn saves state at the end, also when the handlers above returned early. A channel runs a turn again when
   * the database went away during it (web chat) or delivers the same activity twice; if this activity's turn was
   * already saved (the state write landed, its reply was lost), running the dialogs again would apply the same
   * message one step further on. Its replies were stored before the state, so there is nothing left to do.
   */
  override async run(context: TurnContext): Promise<void> {
    const activityId = context.activity.id;
    if (activityId && (await this.appliedActivityId.get(context)) === activityId) return;
    await this.deps.liveHandoff?.watch(context); // live handoff: the rolling transcript
    await super.run(context);
    if (activityId) await this.appliedActivityId.set(context, activityId);
    await this.saveState(context);
  }

  /**
   * Asks "is your problem solved?" in a proactive turn — one question at a time: while another dialog waits for an
   * answer (a read-back, another ticket's question), this one waits too, and is asked when that dialog ends, so a
   * "haan" meant for the read-back never answers it. Returns true when the question is on the consumer's screen now.
   */
  async askSatisfaction(context: TurnContext, question: SatisfactionState): Promise<boolean> {
    const dc = await this.dialogContext(context);
    // A reminder (or a newer claim) replaces a question about the same ticket still waiting on the stack; otherwise
    // answering the new one would bring the old one back for a ticket that no longer waits.
    const sameTicket = (instance: { id: string; state: unknown }) =>
      instance.id === SATISFACTION_DIALOG && (instance.state as SatisfactionState).ticketNumber === question.ticketNumber;
    const others = dc.stack.filter((instance) => !sameTicket(instance));
    const waiting = (await this.waitingQuestions.get(context, [])).filter((waitingQuestion) => waitingQuestion.ticketNumber !== question.ticketNumber);
    if (others.length > 0) {
      await this.waitingQuestions.set(context, [...waiting, question]);
      await this.saveState(context);
      return false;
    }
    await this.waitingQuestions.set(context, waiting);
    dc.stack.splice(0, dc.stack.length);
    await dc.beginDialog(SATISFACTION_DIALOG, question);
    await this.saveState(context);
    return true;
  }

  /** The dialog in progress has ended: the next waiting "is it solved?" question, if its claim still stands. */
  private async askWaitingQuestion(context: TurnContext): Promise<void> {
    const waiting = await this.waitingQuestions.get(context, []);
    if (waiting.length === 0) return;
    const dc = await this.dialogContext(context);
    if (dc.activeDialog) return;
    const consumer = consumerFrom(context);
    while (waiting.length > 0) {
      const question = waiting.shift()!;
      const ticket = await this.deps.tickets.getForConsumer(question.ticketNumber, consumer).catch(() => undefined);
      if (!ticket?.claim || ticket.claim.id !== question.claimId || !['awaiting_confirmation', 'unconfirmed'].includes(ticket.status)) continue;
      await dc.beginDialog(SATISFACTION_DIALOG, question);
      await this.deps.tickets.recordClaimShown(ticket._id, ticket.claim.id, { role: 'system', id: `${consumer.channel}-delivery` }, consumer.channel);
      break;
    }
    await this.waitingQuestions.set(context, waiting);
  }

  /** A dialog context on the turn, with the memory configuration built once per process (see stateConfiguration). */
  private async dialogContext(context: TurnContext): Promise<DialogContext> {
    if (this.stateConfiguration && !context.turnState.has(dialogStateConfigurationKey)) {
      context.turnState.set(dialogStateConfigurationKey, this.stateConfiguration);
    }
    const dc = await this.dialogs.createContext(context);
    this.stateConfiguration ??= dc.state.configuration;
    return dc;
  }

  /** The consumer's language; before they have written, the page's locale (Web Chat sends it on every activity). */
  async languageOf(context: TurnContext): Promise<Language> {
    return currentLanguage(await this.services.profile.get(context, {}), context.activity.locale);
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const text = (context.activity.text ?? '').slice(0, maxAnalysedCharacters);
    const understanding = understand(text, this.deps.directory);
    rememberUnderstanding(context, understanding);

    const profile = await this.services.profile.get(context, {});
    Object.assign(profile, nextLanguage(profile, understanding));
    await this.services.profile.set(context, profile);
    const language = currentLanguage(profile, context.activity.locale);

    const consumer = consumerFrom(context);
    await this.deps.references.remember(consumer.channel, consumer.channelUserId, TurnContext.getConversationReference(context.activity), language);

    // A danger to life: safety advice first, before a live handoff or any dialog's question, then the emergency report.
    if (await interruptForEmergency(await this.dialogContext(context), this.services, understanding)) return;

    // Photos, bills, voice notes and pins: kept, attached or asked about; in a live handoff the agent is told instead.
    const incoming = this.services.media ? incomingMediaOf(context) : undefined;
    if (incoming) {
      const active = await this.deps.liveHandoff?.activeFor(context);
      const received = await receiveMedia(await this.dialogContext(context), this.services, incoming, { inHandoff: Boolean(active) });
      if (active && this.deps.liveHandoff && received.agentLines.length > 0) {
        await this.deps.liveHandoff.intercept(context, understand(received.agentLines.join('\n'), this.deps.directory), language, profile.mobile);
      }
      if (received.next === 'done') return;
    }

    // Live handoff: while one is open the dialogs stay silent; asking for a person opens one (and ends any dialog).
    const handoff = await this.deps.liveHandoff?.intercept(context, understanding, language, profile.mobile);
    if (handoff === 'started') await (await this.dialogContext(context)).cancelAllDialogs();
    if (handoff) return;
    // Clearly upset: to a person at once — unless the message may also answer a pending yes/no question (a furious
    // "NO!!" to "is it solved?" must still reopen the ticket); then the dialogs take the answer first.
    if (understanding.clearlyUpset && !(await this.mayAnswerAQuestion(context, understanding))) {
      await this.handOver(context, 'upset', language, profile.mobile);
      return;
    }

    if (!text.trim() && !pinnedPlaceOf(context)) {
      const texts = textsFor(language);
      await say(context, texts.didNotUnderstand, texts.menuChoices);
      return;
    }

    const dc = await this.dialogContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(ROOT_DIALOG);
    const requested = personRequestedIn(context) ?? (understanding.clearlyUpset ? 'upset' : undefined);
    if (requested) {
      await this.handOver(context, requested, language, (await this.services.profile.get(context, {})).mobile);
      return;
    }
    await this.askWaitingQuestion(context);
  }

  /** A yes or no while a dialog waits for an answer, or while a ticket of theirs waits for one. */
  private async mayAnswerAQuestion(context: TurnContext, understanding: Understanding): Promise<boolean> {
    if (understanding.yesNo === 'unclear') return false;
    if ((await this.dialogContext(context)).activeDialog) return true;
    const tickets = await this.deps.tickets.listForConsumer(consumerFrom(context));
    return tickets.some((ticket) => ticket.status === 'awaiting_confirmation' || ticket.status === 'unconfirmed' || ticket.closure?.provenance === 'callback_confirmed');
  }

  /** Hands the consumer to a person (the live handoff); without one, the request is recorded for staff. */
  private async handOver(context: TurnContext, reason: PersonRequestReason, language: Language, mobileOnFile: string | undefined): Promise<void> {
    if (this.deps.liveHandoff) {
      await this.deps.liveHandoff.begin(context, reason, language, mobileOnFile);
      await (await this.dialogContext(context)).cancelAllDialogs();
      return;
    }
    await this.deps.handoffs.recordRequest(consumerFrom(context), reason, context.activity.text ?? '');
    const texts = textsFor(language);
    await say(context, reason === 'not_understood' ? `${texts.didNotUnderstand}\n${texts.handoffRecorded}` : texts.handoffRecorded, texts.menuChoices);
  }

  /**
   * User state first: re-applying a turn's profile changes is harmless, while the conversation state (the dialog's
   * place, and the applied activity id) is what marks the turn done, so it is written last.
   */
  private async saveState(context: TurnContext): Promise<void> {
    await this.deps.userState.saveChanges(context, false);
    await this.deps.conversationState.saveChanges(context, false);
  }
}

