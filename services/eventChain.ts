// The tamper-evident history: each event's hash covers its own fields and the previous event's hash, and the
// first event's "previous hash" is derived from the ticket number, so events cannot be moved between tickets.
import { createHash } from 'node:crypto';
import type { TicketEvent, TicketRecord } from '../models/ticketTypes.js';

export type UnsealedEvent = Omit<TicketEvent, 'hash' | 'prevHash'>;

export function genesisHash(ticketNumber: string): string {
  return sha256(`santushti-ticket:${ticketNumber}`);
}

/** The genesis of an incident's history (services/incidentService.ts): derived from its id, like a ticket's. */
export function incidentGenesisHash(incidentId: string): string {
  return sha256(`santushti-incident:${incidentId}`);
}

export function sealEvent(event: UnsealedEvent, prevHash: string): TicketEvent;
export function sealEvent<E extends { seq: number; type: string }>(event: E, prevHash: string): E & { prevHash: string; hash: string };
export function sealEvent(event: object, prevHash: string): object {
  const withPrev = { ...event, prevHash };
  return { ...withPrev, hash: sha256(canonicalJson(withPrev)) };
}

/** Anything with a chained history: a ticket, an incident. */
export interface ChainedRecord {
  _id: string;
  events: ReadonlyArray<{ seq: number; type: string; to?: string; prevHash: string; hash: string }>;
  eventCount: number;
  lastEventHash: string;
  status: string;
}

export type ChainVerdict =
  | { ok: true; events: number }
  | { ok: false; brokenAt: number; reason: string };

/** Checks every link and names the first broken one (by event seq; -1 for the ticket's own head fields). */
export function verifyChain(ticket: Pick<TicketRecord, '_id' | 'events' | 'eventCount' | 'lastEventHash' | 'status'> | ChainedRecord, genesis = genesisHash(ticket._id)): ChainVerdict {
  let prevHash = genesis;
  for (const [index, event] of ticket.events.entries()) {
    if (event.seq !== index) {
      return { ok: false, brokenAt: index, reason: `event at position ${index} has seq ${event.seq}: an event was removed or inserted` };
    }
    if (event.prevHash !== prevHash) {
      return { ok: false, brokenAt: event.seq, reason: `event ${event.seq} does not link to the event before it` };
    }
    const { hash, ...rest } = event;
    if (sha256(canonicalJson(rest)) !== hash) {
      return { ok: false, brokenAt: event.seq, reason: `event ${event.seq} (${event.type}) was altered after it was written` };
    }
    prevHash = hash;
  }
  if (ticket.events.length !== ticket.eventCount || prevHash !== ticket.lastEventHash) {
    return { ok: false, brokenAt: ticket.events.length, reason: 'the history ends before the ticket says it does: events were removed' };
  }
  const lastStatus = [...ticket.events].reverse().find((event) => event.to !== undefined)?.to;
  if (lastStatus !== ticket.status) {
    return { ok: false, brokenAt: -1, reason: `the ticket says ${ticket.status} but its history ends in ${lastStatus ?? 'no status'}` };
  }
  return { ok: true, events: ticket.events.length };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * JSON with sorted keys, dates as ISO strings, and absent, null and empty-object fields dropped — so the hash of an
 * event built in memory equals the hash of the same event read back from either database (which may minimise them).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value));
}

function normalise(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .map(([key, inner]) => [key, normalise(inner)] as const)
      .filter(([, inner]) => inner !== undefined && inner !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  return value;
}
