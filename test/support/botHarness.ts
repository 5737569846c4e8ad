// The real bot on the test database, driven turn by turn: assembled as server/helpline.ts assembles it (MongoStorage,
// conversation and user state, conversation references, the real ticket and handoff services, plain-text middleware,
// the turn error handler), with a TestAdapter in place of the web chat adapter. Proactive messages go the production
// way: a ticket's outbox is drained by the NotificationService through the real BotConsumerNotifier.
//
//   const harness = createBotHarness(db.models);
//   const chat = harness.consumer('webchat', 'web-asha');
//   const turn = await chat.say('light nahi aa rahi');   // turn.texts, turn.choices (button titles), turn.replies
//   await tickets.claimResolution(number, officer, { note: 'Fuse replaced' });
//   const question = await chat.deliver(number);         // drains the outbox; what this chat was sent
import { randomBytes } from 'node:crypto';
import {
  ActivityTypes,
  ConversationState,
  TestAdapter,
  TurnContext,
  UserState,
  type Activity,
  type BotAdapter,
  type ConversationReference,
  type ResourceResponse,
  type Storage,
  type StoreItems,
} from 'botbuilder';
import type { ClaimsIdentity } from 'botframework-connector';
import mongoose from 'mongoose';
import { BotConsumerNotifier } from '../../bot/consumerNotifier.js';
import { ConversationReferences } from '../../bot/conversationReferences.js';
import { LiveHandoff } from '../../bot/liveHandoff.js';
import { MongoStorage } from '../../bot/mongoStorage.js';
import { PlainTextMiddleware } from '../../bot/plainTextMiddleware.js';
import { SantushtiBot } from '../../bot/santushtiBot.js';
import type { MobileVerifier } from '../../dialogs/consumerTurn.js';
import { createTurnErrorHandler } from '../../bot/turnErrorHandler.js';
import type { Language } from '../../dialogs/texts.js';
import type { Models } from '../../models/index.js';
import type { ConsumerActor, ConsumerChannel, OfficerLevel, StaffActor } from '../../models/ticketTypes.js';
import { Directory } from '../../services/directory.js';
import { HandoffService } from '../../services/handoffService.js';
import { IdentityService } from '../../services/identityService.js';
import { LiveHandoffService, type LiveHandoffOptions } from '../../services/liveHandoffService.js';
import { NotificationService } from '../../services/notificationService.js';
import { TicketService } from '../../services/ticketService.js';
import { IncidentService } from '../../services/incidentService.js';

type BotLogic = (context: TurnContext) => Promise<void>;

/** One message the bot sent. */
export interface Reply {
  text: string;
  /** Suggested action titles, in order. */
  choices: string[];
  textFormat?: string;
  activity: Partial<Activity>;
}

/** Everything the bot sent in one turn (or, for `deliver`, in the proactive turns of a drain). */
export interface Turn {
  replies: Reply[];
  /** Each reply's text, in order. */
  texts: string[];
  /** All texts joined with newlines, for `toContain`. */
  text: string;
  /** The suggested actions of the last reply that has any (what the consumer can tap now). */
  choices: string[];
}

export interface ConsumerChat {
  readonly channel: ConsumerChannel;
  readonly userId: string;
  readonly conversationId: string;
  /** Who the ticket service sees behind this chat. */
  readonly actor: ConsumerActor;
  /** Opens the conversation (Web Chat's conversationUpdate with the consumer joining): the welcome. */
  join(): Promise<Turn>;
  /** One message from the consumer (`extra`: more of the activity, e.g. its timestamp); resolves with what the bot answered in that turn. */
  say(text: string, extra?: Partial<Activity>): Promise<Turn>;
  /** Drains a ticket's outbox the way production does and returns what reached this chat. */
  deliver(ticketNumber: string): Promise<Turn>;
  /** Messages this chat received outside its own turns (proactive ones) and not yet read. */
  unread(): Turn;
}

/**
 * The TestAdapter, plus what the web chat adapter offers that TestAdapter lacks: proactive turns
 * (continueConversationAsync), and replies kept per conversation so each consumer reads only their own.
 */
export class HarnessAdapter extends TestAdapter {
  private readonly inboxes = new Map<string, Partial<Activity>[]>();

  constructor(logic: BotLogic) {
    super(logic);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses = await super.sendActivities(context, activities);
    for (const activity of activities) {
      if (activity.type === ActivityTypes.Trace) continue;
      const id = activity.conversation?.id ?? context.activity.conversation?.id ?? '?';
      const inbox = this.inboxes.get(id) ?? [];
      inbox.push(activity);
      this.inboxes.set(id, inbox);
    }
    // The TestAdapter also queues every reply for assertReply; this harness reads the per-conversation inboxes.
    this.activeQueue.splice(0, this.activeQueue.length);
    return responses;
  }

  /** Removes and returns what was sent to this conversation so far. */
  take(conversationId: string): Partial<Activity>[] {
    const inbox = this.inboxes.get(conversationId) ?? [];
    this.inboxes.delete(conversationId);
    return inbox;
  }

  /** Runs one incoming activity through the middleware (and onTurnError) and the bot. */
  async receive(activity: Partial<Activity>): Promise<void> {
    await this.processActivity(activity);
  }

  /** Like the web chat adapter's: an event turn in the referenced conversation; errors go to onTurnError. */
  override async continueConversationAsync(botAppId: string, reference: Partial<ConversationReference>, logic: BotLogic): Promise<void>;
  override async continueConversationAsync(claimsIdentity: ClaimsIdentity, reference: Partial<ConversationReference>, logic: BotLogic): Promise<void>;
  override async continueConversationAsync(
    claimsIdentity: ClaimsIdentity,
    reference: Partial<ConversationReference>,
    audience: string,
    logic: BotLogic,
  ): Promise<void>;
  override async continueConversationAsync(
    _botAppIdOrClaims: string | ClaimsIdentity,
    reference: Partial<ConversationReference>,
    logicOrAudience: BotLogic | string,
    maybeLogic?: BotLogic,
  ): Promise<void> {
    const logic = typeof logicOrAudience === 'function' ? logicOrAudience : maybeLogic;
    if (!logic) throw new TypeError('continueConversationAsync needs the logic to run');
    if (!reference.conversation?.id) throw new TypeError('continueConversationAsync needs reference.conversation.id');
    const continuation = TurnContext.applyConversationReference(
      { type: ActivityTypes.Event, name: 'ContinueConversation', timestamp: new Date() },
      reference,
      true,
    );
    // Not replying to an old message (the web chat adapter drops the activity id the same way).
    delete continuation.replyToId;
    await this.runMiddleware(new TurnContext(this, continuation), logic);
  }
}

/**
 * The project's MongoStorage, which can be told to fail its next read or write once (a database hiccup), or to lose
 * the reply of a write that landed (the connection closing just after the server applied it).
 */
export class FaultyStorage implements Storage {
  private failures: Array<'read' | 'write'> = [];
  private lostReplies: string[] = [];

  constructor(private readonly inner: Storage) {}

  failNext(operation: 'read' | 'write'): void {
    this.failures.push(operation);
  }

  async read(keys: string[]): Promise<StoreItems> {
    this.maybeFail('read');
    return this.inner.read(keys);
  }

  /** The next write of a key containing `keyPart` is applied, then fails as a dropped connection does. */
  loseNextWriteReply(keyPart: string): void {
    this.lostReplies.push(keyPart);
  }

  async write(changes: StoreItems): Promise<void> {
    this.maybeFail('write');
    await this.inner.write(changes);
    const index = this.lostReplies.findIndex((keyPart) => Object.keys(changes).some((key) => key.includes(keyPart)));
    if (index < 0) return;
    this.lostReplies.splice(index, 1);
    throw new mongoose.mongo.MongoNetworkError('injected: connection closed after the write was applied');
  }

  async delete(keys: string[]): Promise<void> {
    return this.inner.delete(keys);
  }

  private maybeFail(operation: 'read' | 'write'): void {
    const index = this.failures.indexOf(operation);
    if (index < 0) return;
    this.failures.splice(index, 1);
    throw new Error(`injected storage ${operation} failure`);
  }
}

export interface BotHarness {
  readonly models: Models;
  readonly directory: Directory;
  readonly tickets: TicketService;
  readonly notifications: NotificationService;
  readonly bot: SantushtiBot;
  readonly adapter: HarnessAdapter;
  /** The live handoff's agent side (what the staff API calls). */
  readonly handoffs: LiveHandoff;
  readonly storage: FaultyStorage;
  /** The bot's conversation state, for a test that wires the bot to another adapter (with its own turn error handler). */
  readonly conversationState: ConversationState;
  /** What the turn error handler and the notification service logged. */
  readonly log: string[];
  /** `locale`: what the page's Web Chat sends on every activity (default 'hi-IN', the page's default). */
  consumer(channel: ConsumerChannel, userId: string, options?: { locale?: string }): ConsumerChat;
  /** A consumer nobody else in this run uses: user id, mobile and account number of their own. */
  newIdentity(label: string): Identity;
  /** The directory's officer for a sub-division and level, as the staff actor who acts on tickets. */
  officer(subDivisionId: string, level: OfficerLevel): StaffActor;
  /** Area incidents, only when asked for (`options.incidentThreshold`): otherwise complaints are not counted. */
  readonly incidents?: IncidentService;
}

export interface Identity {
  userId: string;
  mobile: string;
  accountNumber: string;
}

/** What the bot remembers of a web chat consumer's language (their user state, as stored). */
export async function storedLanguageOf(models: Models, userId: string): Promise<{ language?: Language; languageChosen?: boolean }> {
  const states = await models.botState.find({ _id: `webchat/users/${userId}/` }, { json: 1 }).lean();
  const json = JSON.parse(states[0]?.json ?? '{}') as { profile?: { language?: Language; languageChosen?: boolean } };
  return json.profile ?? {};
}

/** The ticket number in a reply ("… Complaint number: UP-261128-00042 …"). */
export function ticketNumberIn(text: string): string | undefined {
  return /UP-\d{6}-\d{5,9}/.exec(text)?.[0];
}

export function createBotHarness(
  models: Models,
  options: { directory?: Directory; handoff?: LiveHandoffOptions; now?: () => Date; incidentThreshold?: number; verifier?: MobileVerifier } = {},
): BotHarness {
  const directory = options.directory ?? Directory.loadDefault();
  const log: string[] = [];
  // As in server/helpline.ts, except that effects are delivered when a test drains a ticket, not on a background
  // wake-up, so that every proactive message arrives at a point the test chooses.
  const tickets = new TicketService(models, directory);
  const storage = new FaultyStorage(new MongoStorage(models));
  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);
  const references = new ConversationReferences(models);
  // Live handoff, as in server/helpline.ts: the agents' side (`harness.handoffs`) reaches chats through this adapter.
  const handoffs = new LiveHandoff({
    service: new LiveHandoffService(models, options.now, options.handoff),
    conversationState,
    references,
    adapterFor: (channelId): BotAdapter | undefined => (channelId === 'webchat' ? adapter : undefined),
    botAppId: '',
  });
  const incidents = options.incidentThreshold ? new IncidentService(models, directory, tickets, { threshold: options.incidentThreshold, log: (line) => log.push(line) }) : undefined;
  // Verification codes go out through the consumer notifier, made once the bot exists (it needs the bot).
  let codeSender: BotConsumerNotifier | undefined;
  const identityService = new IdentityService(models, {
    sendCode: async (whatsAppUserId, code, language) => (codeSender ? codeSender.sendCode(whatsAppUserId, code, language) : 'unreachable'),
  });
  const bot = new SantushtiBot({
    identities: identityService,
    conversationState,
    userState,
    tickets,
    directory,
    handoffs: new HandoffService(models),
    references,
    liveHandoff: handoffs,
    incidents,
    ...(options.verifier ? { verifier: options.verifier } : {}),
  });

  const adapter = new HarnessAdapter((context) => bot.run(context));
  adapter.use(new PlainTextMiddleware());
  adapter.onTurnError = createTurnErrorHandler(conversationState, (line) => log.push(line));

  const notifications = new NotificationService(
    models,
    (codeSender = new BotConsumerNotifier({ bot, tickets, references, adapters: { webchat: adapter }, botAppId: '' })),
    { log: (line) => log.push(line) },
  );

  const botAccount = { id: 'santushti-bot', name: 'Santushti', role: 'bot' };

  function consumer(channel: ConsumerChannel, userId: string, options: { locale?: string } = {}): ConsumerChat {
    const conversationId = `conv-${userId}-${randomBytes(4).toString('hex')}`;
    const user = { id: userId, name: userId, role: 'user' };
    const actor: ConsumerActor = { role: 'consumer', channel, channelUserId: userId };
    const base = (): Partial<Activity> => ({
      channelId: channel,
      serviceUrl: 'https://test.com',
      from: user,
      recipient: botAccount,
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: conversationId },
      locale: options.locale ?? 'hi-IN',
    });

    /** Proactive messages that arrived before the consumer's next turn: kept for `unread()`. */
    const unreadActivities: Partial<Activity>[] = [];
    async function turn(activity: Partial<Activity>): Promise<Turn> {
      unreadActivities.push(...adapter.take(conversationId));
      await adapter.receive(activity);
      return turnOf(adapter.take(conversationId));
    }

    return {
      channel,
      userId,
      conversationId,
      actor,
      join: () => turn({ ...base(), type: ActivityTypes.ConversationUpdate, membersAdded: [botAccount, user] }),
      say: (text: string, extra?: Partial<Activity>) => turn({ ...base(), type: ActivityTypes.Message, text, ...extra }),
      async deliver(ticketNumber: string) {
        await notifications.drainTicket(ticketNumber);
        const received = [...unreadActivities.splice(0), ...adapter.take(conversationId)];
        return turnOf(received);
      },
      unread() {
        return turnOf([...unreadActivities.splice(0), ...adapter.take(conversationId)]);
      },
    };
  }

  let identities = 0;
  const runTag = randomBytes(2).readUInt16BE(0) % 1000;
  function newIdentity(label: string): Identity {
    identities += 1;
    const serial = `${String(runTag).padStart(3, '0')}${String(identities).padStart(5, '0')}`;
    return {
      userId: `web-${label}-${randomBytes(4).toString('hex')}`,
      mobile: `98${serial}`,
      accountNumber: `20${serial}`,
    };
  }

  function officer(subDivisionId: string, level: OfficerLevel): StaffActor {
    const { id, name } = directory.officerFor(subDivisionId, level);
    return { role: 'officer', id, name };
  }

  return { models, directory, tickets, notifications, bot, adapter, handoffs, storage, conversationState, log, consumer, newIdentity, officer, incidents };
}

function turnOf(activities: Partial<Activity>[]): Turn {
  const replies = activities
    .filter((activity) => activity.type === ActivityTypes.Message)
    .map((activity): Reply => {
      const reply: Reply = {
        text: activity.text ?? '',
        choices: (activity.suggestedActions?.actions ?? []).map((action) => String(action.title ?? action.value)),
        activity,
      };
      if (activity.textFormat !== undefined) reply.textFormat = activity.textFormat;
      return reply;
    });
  const texts = replies.map((reply) => reply.text);
  const withChoices = replies.filter((reply) => reply.choices.length > 0);
  return { replies, texts, text: texts.join('\n'), choices: withChoices[withChoices.length - 1]?.choices ?? [] };
}
