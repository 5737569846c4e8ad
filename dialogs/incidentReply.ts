// What a consumer hears about their area's incident (services/incidentService.ts): right after registering a supply
// complaint that joined one, and when they only ask "light kab aayegi" with no open complaint of their own.
import type { TurnContext } from 'botbuilder';
import type { TicketHead } from '../models/ticketTypes.js';
import { DomainError } from '../services/errors.js';
import type { IncidentNews } from '../services/incidentService.js';
import { placeName, type DialogServices } from './consumerTurn.js';
import type { IncidentNotice, Texts } from './texts.js';

export function incidentNotice(services: Pick<DialogServices, 'directory'>, texts: Texts, news: IncidentNews): IncidentNotice {
  return { ...news, locality: placeName(services, texts, news.locality) };
}

/** The one call after a registration: counts the complaint into its area and tells the consumer what is known. */
export async function tellIncidentAfterRegistration(context: TurnContext, services: DialogServices, texts: Texts, ticket: TicketHead): Promise<void> {
  if (!services.incidents) return;
  let news: IncidentNews | undefined;
  try {
    news = await services.incidents.recordComplaint(ticket);
  } catch (error) {
    // The complaint is registered; an incident busy being opened this instant only costs this one notice.
    if (!(error instanceof DomainError)) throw error;
  }
  if (news) await context.sendActivity(texts.incidentKnown(incidentNotice(services, texts, news)));
}

/**
 * "When will power come?" from a consumer with no open complaint (`tickets`: theirs, newest first): the open incident
 * of the place of their latest complaint, if there is one. True when it answered.
 */
export async function answerFromIncident(context: TurnContext, services: DialogServices, texts: Texts, tickets: TicketHead[]): Promise<boolean> {
  if (!services.incidents || tickets.some((ticket) => ticket.status !== 'closed')) return false;
  const latest = tickets[0];
  if (!latest) return false;
  const news = await services.incidents.incidentForPlace(latest.place);
  if (!news) return false;
  await context.sendActivity(texts.incidentAnswer(incidentNotice(services, texts, news)));
  return true;
}
