// Photos, bills, voice notes and location pins from consumers, on every door. A channel puts each file on the message
// activity as an attachment and lends the turn a fetcher for its bytes (WhatsApp's media endpoint, whatsapp-web.js's
// downloadMedia, a Direct Line upload); a pin arrives as a Bot Framework `Place` entity with its `geo` coordinates.
// The bytes are fetched only here, after the rate limit let the message through, and checked by
// services/consumerMediaService.ts. A checked file goes to:
//   - the complaint being registered (held until the ticket exists, then attached by the registration dialog);
//   - the consumer's one open ticket;
//   - with several open tickets, the one the consumer chooses from their numbers (held until they say; a cancel drops it);
//   - with none, held for the complaint they register next (within heldForMs).
// A pin is resolved to the nearest locality (services/directory.ts placeAt) and fills the complaint's place, which the
// registration reads back before anything is stored; a pin outside the covered area is refused with a clear reply.
import type { Activity, Attachment, StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { DialogContext, DialogTurnResult } from 'botbuilder-dialogs';
import { MediaRefusedError, type ConsumerMediaService, type HeldMedia, type IncomingMedia, type MediaKind } from '../services/consumerMediaService.js';
import { placeAt, type ResolvedPlace } from '../services/directory.js';
import { ConsumerDialog, say, type Question } from './consumerDialog.js';
import { consumerFrom, languageOf, placeName, type DialogServices } from './consumerTurn.js';
import { mediaTextsFor, textsFor, type MediaTexts, type Texts } from './texts.js';
import type { Understanding } from './understanding/index.js';

export const MEDIA_TICKET_DIALOG = 'mediaTicket';

/** What the bot needs for consumers' media (DialogServices.media). */
export interface MediaServices {
  service: ConsumerMediaService;
  /** Files held for the complaint this conversation registers next (conversation state). */
  held: StatePropertyAccessor<HeldMedia[]>;
}

/** Fetches one attachment's bytes; throws MediaRefusedError when the channel already knows it is too large. */
export type MediaFetcher = (attachment: Attachment) => Promise<IncomingMedia>;

const fetcherKey = Symbol('santushti.mediaFetcher');
const pinKey = Symbol('santushti.pin');

/** A channel lends the turn the way to fetch its attachments' bytes (only attachments it can fetch count as media). */
export function lendMediaFetcher(context: TurnContext, fetcher: MediaFetcher): void {
  context.turnState.set(fetcherKey, fetcher);
}

/** A location pin as a Bot Framework `Place` entity (what the channels put on the activity). */
export function placeEntity(latitude: number, longitude: number, name?: string, address?: string): Record<string, unknown> {
  return {
    type: 'Place',
    geo: { type: 'GeoCoordinates', latitude, longitude },
    ...(name ? { name: name.slice(0, 200) } : {}),
    ...(address ? { address: address.slice(0, 300) } : {}),
  };
}

export interface Pin {
  latitude: number;
  longitude: number;
}

export interface IncomingMediaTurn {
  files: Attachment[];
  pin?: Pin;
}

/** The files and pin a message carries, or undefined when it carries none. */
export function incomingMediaOf(context: TurnContext): IncomingMediaTurn | undefined {
  const activity: Partial<Activity> = context.activity;
  const fetcher = context.turnState.get(fetcherKey) as MediaFetcher | undefined;
  const files = fetcher ? (activity.attachments ?? []).slice(0, 10) : [];
  let pin: Pin | undefined;
  for (const entity of activity.entities ?? []) {
    const geo = (entity as { type?: unknown; geo?: { latitude?: unknown; longitude?: unknown } }).geo;
    if (entity.type === 'Place' && typeof geo?.latitude === 'number' && typeof geo.longitude === 'number') {
      pin = { latitude: geo.latitude, longitude: geo.longitude };
      break;
    }
  }
  return files.length > 0 || pin ? { files, ...(pin ? { pin } : {}) } : undefined;
}

/** A pin resolved inside the area this turn: the registration takes it as the complaint's place. */
export interface PinnedPlace {
  place: ResolvedPlace;
  /** What the read-back shows beside the locality, and what the ticket keeps as its address detail. */
  detail: string;
}

export function pinnedPlaceOf(context: TurnContext): PinnedPlace | undefined {
  return context.turnState.get(pinKey) as PinnedPlace | undefined;
}

/** Held files older than this are not attached to a complaint registered later (they were for something else). */
const heldForMs = 2 * 3_600_000;

/**
 * The media part of a message turn. Returns 'continue' when the rest of the turn should run as for text (a caption,
 * or a pin the registration takes), 'done' when the media reply was the whole answer. In a live handoff no question
 * is asked (the agent has the conversation): `agentLine` tells the agent what arrived.
 */
export async function receiveMedia(
  dc: DialogContext,
  services: DialogServices,
  incoming: IncomingMediaTurn,
  options: { inHandoff: boolean },
): Promise<{ next: 'continue' | 'done'; agentLines: string[] }> {
  const media = services.media!;
  const context = dc.context;
  const language = await languageOf(services, context);
  const t = mediaTextsFor(language);
  const consumer = consumerFrom(context);
  const agentLines: string[] = [];
  const registering = registrationInProgress(dc);
  const choosing = dc.activeDialog?.id === MEDIA_TICKET_DIALOG ? (dc.activeDialog.state as MediaTicketState) : undefined;
  let asked = false;

  for (const attachment of incoming.files) {
    let file: IncomingMedia;
    try {
      file = await (context.turnState.get(fetcherKey) as MediaFetcher)(attachment);
    } catch (error) {
      await say(context, error instanceof MediaRefusedError ? t.refused[error.reason] : t.downloadFailed);
      continue;
    }
    try {
      if (registering || choosing) {
        const held = await media.service.hold(consumer, file);
        const kind = t.kindName[held.kind];
        if (choosing) choosing.held.push(held);
        else await media.held.set(context, [...(await media.held.get(context, [])), held]);
        await say(context, choosing ? t.whichTicket(kind) : t.heldForRegistration(kind), choosing?.tickets);
        if (held.kind === 'voice') await say(context, t.voiceKept);
        continue;
      }
      const outcome = await media.service.accept(consumer, file, consumer.channel);
      if (outcome.outcome === 'attached') {
        const kind = t.kindName[outcome.kind];
        await say(context, t.attached(kind, outcome.ticketNumber));
        if (outcome.kind === 'voice') await say(context, t.voiceKept);
        agentLines.push(t.agentLine(kind, outcome.ticketNumber));
        continue;
      }
      const held = await media.service.hold(consumer, file);
      const kind = t.kindName[held.kind];
      agentLines.push(t.agentLine(kind, undefined));
      if (outcome.outcome === 'choose_ticket' && !options.inHandoff) {
        await dc.beginDialog(MEDIA_TICKET_DIALOG, { tickets: outcome.tickets, held: [held] } satisfies MediaTicketState);
        asked = true;
        break;
      }
      // No open ticket (or a handoff, where the agent has the conversation): kept for the complaint registered next.
      await media.held.set(context, [...(await media.held.get(context, [])), held]);
      await say(context, t.heldNoTicket(kind));
      if (held.kind === 'voice') await say(context, t.voiceKept);
    } catch (error) {
      if (!(error instanceof MediaRefusedError)) throw error;
      await say(context, t.refused[error.reason]);
    }
  }
  if (asked) return { next: 'done', agentLines };

  if (incoming.pin) {
    const { latitude, longitude } = incoming.pin;
    const where = placeAt(services.directory, latitude, longitude);
    if (!where.inside) {
      const covered = services.directory.districts().map((name) => placeName(services, textsFor(language), name)).join(', ');
      await say(context, t.pinOutside(covered));
      return { next: 'done', agentLines };
    }
    const texts = textsFor(language);
    const locality = placeName(services, texts, where.locality);
    const subDivision = placeName(services, texts, where.place.subDivision);
    const km = where.distanceKm.toFixed(1);
    if (options.inHandoff) {
      agentLines.push(`📍 ${latitude.toFixed(5)}, ${longitude.toFixed(5)} → ${where.locality} (${where.place.subDivision}), ${km} km`);
      return { next: 'done', agentLines };
    }
    if (dc.activeDialog && !registering) {
      await say(context, t.pinNotNow);
      await dc.repromptDialog();
      return { next: 'done', agentLines };
    }
    await say(context, t.pinRead(locality, subDivision, km));
    context.turnState.set(pinKey, { place: where.place, detail: `📍 ${latitude.toFixed(5)}, ${longitude.toFixed(5)}` } satisfies PinnedPlace);
    return { next: 'continue', agentLines };
  }
  // A question was waiting (the registration's, "is it solved?"…): asked again, so the consumer knows it still waits.
  if (dc.activeDialog && !choosing && !options.inHandoff && incoming.files.length > 0 && !(context.activity.text ?? '').trim()) await dc.repromptDialog();
  return { next: (context.activity.text ?? '').trim() ? 'continue' : 'done', agentLines };
}

/** Attaches the files held for this conversation's next complaint to the ticket just registered; says so. */
export async function attachHeldMedia(context: TurnContext, services: DialogServices, ticketNumber: string, now: Date = new Date()): Promise<void> {
  const media = services.media;
  if (!media) return;
  const held = await media.held.get(context, []);
  if (held.length === 0) return;
  await media.held.set(context, []);
  const consumer = consumerFrom(context);
  const t = mediaTextsFor(await languageOf(services, context));
  for (const file of held) {
    if (now.getTime() - Date.parse(file.heldAt) > heldForMs) {
      await media.service.dropHeld(consumer, file);
      continue;
    }
    if (await media.service.attachHeld(consumer, file, ticketNumber, consumer.channel)) await say(context, t.attached(t.kindName[file.kind], ticketNumber));
  }
}

/** REGISTER_COMPLAINT_DIALOG's id (registerComplaintDialog.ts imports this module, so the id is not imported back). */
const REGISTER_COMPLAINT_DIALOG_ID = 'registerComplaint';

/** Is a complaint being registered (the registration dialog somewhere on the stack, inside the root dialog)? */
function registrationInProgress(dc: DialogContext): boolean {
  const inner = (state: unknown): boolean => {
    const stack = (state as { dialogs?: { dialogStack?: Array<{ id: string; state: unknown }> } } | undefined)?.dialogs?.dialogStack ?? [];
    return stack.some((instance) => instance.id === REGISTER_COMPLAINT_DIALOG_ID || inner(instance.state));
  };
  return dc.stack.some((instance) => instance.id === REGISTER_COMPLAINT_DIALOG_ID || inner(instance.state));
}

interface MediaTicketState {
  tickets: string[];
  held: HeldMedia[];
}

/** "Which complaint is this photo for?" — asked with the consumer's open ticket numbers; a cancel drops the held files. */
export class MediaTicketDialog extends ConsumerDialog<MediaTicketState> {
  constructor(services: DialogServices) {
    super(MEDIA_TICKET_DIALOG, services);
  }

  protected async start(dc: DialogContext, state: MediaTicketState, _texts: Texts): Promise<Question> {
    return this.question(state, await this.mediaTexts(dc.context));
  }

  protected async answer(dc: DialogContext, state: MediaTicketState, understanding: Understanding, _texts: Texts): Promise<Question | DialogTurnResult> {
    const t = await this.mediaTexts(dc.context);
    const text = understanding.text.trim().toUpperCase();
    const chosen = state.tickets.find((number) => number === text) ?? state.tickets.filter((number) => text.length >= 3 && number.endsWith(text)).at(0);
    if (!chosen) return { text: t.whichTicketAgain, choices: state.tickets };
    const consumer = consumerFrom(dc.context);
    for (const held of state.held) {
      if (await this.services.media!.service.attachHeld(consumer, held, chosen, consumer.channel)) await say(dc.context, t.attached(t.kindName[held.kind], chosen));
    }
    return dc.endDialog({ ticketNumber: chosen });
  }

  protected currentQuestion(state: MediaTicketState, texts: Texts): Question | undefined {
    return this.question(state, mediaTextsFor(texts.code));
  }

  private question(state: MediaTicketState, t: MediaTexts): Question {
    return { text: t.whichTicket(t.kindName[state.held[0]?.kind ?? 'photo']), choices: state.tickets };
  }

  private async mediaTexts(context: TurnContext): Promise<MediaTexts> {
    return mediaTextsFor(await languageOf(this.services, context));
  }
}

export type { MediaKind };
