// Turns a ticket's owed consumer message into a proactive turn on the consumer's channel, in their language.
// A claimed resolution becomes the satisfaction dialog, and only once it is on their screen is the claim "shown".
import type { BotAdapter, TurnContext } from 'botbuilder';
import type { TicketEvent, TicketRecord } from '../models/ticketTypes.js';
import { say } from '../dialogs/consumerDialog.js';
import { textsFor, type IncidentNotice, type Language } from '../dialogs/texts.js';
import type { VerificationCodeSender } from '../services/identityService.js';
import type { ConsumerNotification, ConsumerNotifier } from '../services/notificationService.js';
import type { TicketService } from '../services/ticketService.js';
import type { ConversationReferences } from './conversationReferences.js';
import type { SantushtiBot } from './santushtiBot.js';

export interface ConsumerNotifierDependencies {
  bot: SantushtiBot;
  tickets: TicketService;
  references: ConversationReferences;
  /** By the `channelId` conversation references carry ('webchat', 'whatsapp-web', 'whatsapp-cloud', …). */
  adapters: Record<string, BotAdapter>;
  /** The bot's app id for continueConversationAsync; any stable string when no Microsoft app is registered. */
  botAppId: string;
}

export class BotConsumerNotifier implements ConsumerNotifier, VerificationCodeSender {
  constructor(private readonly deps: ConsumerNotifierDependencies) {}

  /** A verification code to a WhatsApp sender, on the door they last wrote from (services/identityService.ts). */
  async sendCode(whatsAppUserId: string, code: string, language: Language): Promise<'delivered' | 'unreachable' | 'elsewhere'> {
    return this.reach('whatsapp', whatsAppUserId, async (context, remembered) => {
      await context.sendActivity(textsFor(remembered ?? language).verification.codeMessage(code));
    });
  }

  async notifyConsumer({ ticket, event, idempotencyKey }: ConsumerNotification): Promise<'delivered' | 'unreachable' | 'elsewhere'> {
    const { channel, channelUserId } = ticket.consumer;
    return this.reach(channel, channelUserId, (context, remembered) => this.deliver(context, ticket, event, idempotencyKey, channel, remembered));
  }

  /** A proactive turn in the consumer's latest conversation on a channel. */
  private async reach(
    channel: TicketRecord['consumer']['channel'],
    channelUserId: string,
    logic: (context: TurnContext, rememberedLanguage: Language | undefined) => Promise<void>,
  ): Promise<'delivered' | 'unreachable' | 'elsewhere'> {
    const reachable = await this.deps.references.find(channel, channelUserId);
    // The door they last used; failing that, any adapter registered for their channel.
    const adapter = (reachable?.reference.channelId ? this.deps.adapters[reachable.reference.channelId] : undefined) ?? this.deps.adapters[channel];
    if (!reachable) return 'unreachable';
    // Their door is served by another process (only one runs the linked WhatsApp phone): leave it to that one.
    if (!adapter) return 'elsewhere';

    // An adapter hands a failing turn to its turn-error handler and returns normally; only a turn that ran to its end
    // counts as delivered, so a failed one stays in the outbox and is tried again.
    let completed = false;
    await adapter.continueConversationAsync(this.deps.botAppId, reachable.reference, async (context) => {
      await logic(context, reachable.language);
      completed = true;
    });
    if (!completed) throw new Error(`the proactive turn on ${channel} failed before it finished`);
    return 'delivered';
  }

  private async deliver(
    context: TurnContext,
    ticket: TicketRecord,
    event: TicketEvent,
    idempotencyKey: string,
    channel: TicketRecord['consumer']['channel'],
    rememberedLanguage: Language | undefined,
  ): Promise<void> {
    markIdempotent(context, idempotencyKey);
    const language = await this.languageFor(context, ticket, rememberedLanguage);
    const texts = textsFor(language);
    const officerName = event.officerId ? (ticket.officer?.id === event.officerId ? ticket.officer.name : undefined) : ticket.officer?.name;
    switch (event.type) {
      case 'ticket.resolution_claimed':
      case 'ticket.confirmation_requested': {
        // Only the claim still pending is worth asking about; an older one was withdrawn or answered meanwhile.
        if (!ticket.claim || ticket.claim.id !== event.claimId || !['awaiting_confirmation', 'unconfirmed'].includes(ticket.status)) return;
        const claimant = ticket.events.find((candidate) => candidate.type === 'ticket.resolution_claimed' && candidate.claimId === ticket.claim!.id);
        // The id of the message that put the question: recorded with the identity it was shown to (who may answer).
        let questionMessageId: string | undefined;
        context.onSendActivities(async (_context, _activities, next) => {
          const responses = await next();
          questionMessageId = responses?.findLast((response) => response?.id)?.id ?? questionMessageId;
          return responses;
        });
        const asked = await this.deps.bot.askSatisfaction(context, {
          ticketNumber: ticket._id,
          claimId: ticket.claim.id,
          claimNote: ticket.claim.note,
          claimLevel: ticket.level,
          // An agent or supervisor claims on the officer's word: the consumer hears the officer's name, not the desk's.
          claimOfficerName: (claimant?.actor.role === 'officer' ? claimant.actor.name : undefined) ?? ticket.officer?.name,
          reminder: event.type === 'ticket.confirmation_requested',
        });
        // Waiting behind a dialog in progress: shown (and recorded) when that dialog ends (bot/santushtiBot.ts).
        if (!asked) return;
        await this.deps.tickets.recordClaimShown(ticket._id, ticket.claim.id, { role: 'system', id: `${channel}-delivery` }, channel, {
          channel,
          channelUserId: ticket.consumer.channelUserId,
          ...(questionMessageId ? { messageId: questionMessageId.slice(0, 200) } : {}),
        });
        return;
      }
      case 'ticket.registered':
        await context.sendActivity(texts.update.openedByStaff(ticket._id, ticket.category, ticket.level, ticket.officer?.name));
        return;
      case 'ticket.assigned':
        await context.sendActivity(texts.update.assigned(ticket._id, event.level ?? ticket.level, officerName));
        return;
      case 'ticket.work_started':
        await context.sendActivity(texts.update.workStarted(ticket._id, event.evidence?.note, expectedByOf(event)));
        return;
      case 'ticket.progress_noted':
        await context.sendActivity(texts.update.progressNoted(ticket._id, event.evidence?.note, expectedByOf(event)));
        return;
      case 'ticket.escalated':
        await context.sendActivity(texts.update.escalated(ticket._id, event.level ?? ticket.level, officerName));
        return;
      case 'ticket.rejected':
        await context.sendActivity(texts.reopened(ticket._id, event.level ?? ticket.level, officerName));
        return;
      case 'ticket.reopened':
        await context.sendActivity(texts.update.reopened(ticket._id));
        return;
      case 'ticket.incident_update': {
        // An area incident's news (services/incidentService.ts broadcast); not worth telling once the ticket left it.
        if (ticket.incidentId !== event.data?.incidentId) return;
        await context.sendActivity(texts.update.incident(ticket._id, incidentNoticeOf(event, language)));
        return;
      }
      case 'ticket.unconfirmed':
        await context.sendActivity(texts.update.unconfirmed(ticket._id));
        return;
      case 'ticket.confirmed':
        // Closed on a supervisor's phone call: the consumer is told, and can still say "no" (dialogs/rootDialog.ts).
        // Already rejected again by the time this is delivered: nothing true left to say about that closure.
        if (event.data?.provenance === 'callback_confirmed') {
          if (ticket.status === 'closed' && ticket.closure?.rejectableUntil) {
            await say(context, texts.callbackClosed(ticket._id, new Date(ticket.closure.rejectableUntil)), texts.yesNoChoices);
          }
          return;
        }
        await context.sendActivity(texts.update.confirmed(ticket._id));
        return;
      default:
        return;
    }
  }

  private async languageFor(context: TurnContext, ticket: TicketRecord, remembered: Language | undefined): Promise<Language> {
    return remembered ?? ticket.consumer.language ?? (await this.deps.bot.languageOf(context));
  }
}

/** The incident's news as the broadcast wrote it into the ticket's event (services/incidentService.ts). */
function incidentNoticeOf(event: TicketEvent, language: Language): IncidentNotice {
  const data = event.data ?? {};
  const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : undefined);
  return {
    locality: (language === 'hi' ? text('localityHi') : undefined) ?? text('locality') ?? '',
    since: new Date(text('since') ?? event.at),
    reports: typeof data.reports === 'number' ? data.reports : 0,
    status: (text('incidentStatus') ?? 'reported') as IncidentNotice['status'],
    ...(text('etaAt') ? { etaAt: new Date(text('etaAt')!) } : {}),
    ...(event.evidence?.note ? { note: event.evidence.note } : {}),
  };
}

/** The expected time a progress note gave (kept on the event as ISO text). */
function expectedByOf(event: TicketEvent): Date | undefined {
  const value = event.data?.expectedBy;
  return typeof value === 'string' ? new Date(value) : undefined;
}

/**
 * Numbers every message of this delivery (`<effect id>:0`, `:1`, …) in `channelData.idempotencyKey`: a delivery
 * repeated after a crash sends the same messages in the same order, and the channel stores each only once.
 */
function markIdempotent(context: TurnContext, idempotencyKey: string): void {
  let sent = 0;
  context.onSendActivities(async (_context, activities, next) => {
    for (const activity of activities) {
      activity.channelData = { ...(activity.channelData as Record<string, unknown> | undefined), idempotencyKey: `${idempotencyKey}:${sent++}` };
    }
    return next();
  });
}
