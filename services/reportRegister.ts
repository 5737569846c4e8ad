// The satisfaction register (संतुष्टि रजिस्टर): every confirmed closure, kept in pages per IST day so that any day
// range is read by exact `_id`s (`<yyyy-mm-dd>:<page>`), never by scanning the closures or the tickets.
import { trusted } from 'mongoose';
import { z } from 'zod';
import { wholeDocument, type Models } from '../models/index.js';
import type { RegisterDayRecord, RegisterEntry, RegisterPageRecord, RegisterTicketRecord } from '../models/reportModels.js';
import type { TicketCategory } from '../models/ticketTypes.js';
import { InvalidInputError } from './errors.js';
import { daysBetween, istDay } from './reportRollups.js';
import { isDuplicateKeyError } from './mongoErrors.js';

/** Closures per page document (a page may run a little over when closures race onto it; nothing depends on the cap). */
export const REGISTER_PAGE_SIZE = 200;
/** Pages read per `_id $in`. */
const PAGES_PER_READ = 5;
/** A JSON request reads at most this many pages (an officer's filter may skip most lines); the cursor continues. */
const MAX_PAGES_PER_REQUEST = 50;

/** Where a reading stopped: `<yyyy-mm-dd>:<page>:<line>` (days run newest first, pages and lines in order). */
export const registerCursorSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}:\d{1,6}:\d{1,6}$/, 'the nextCursor of the previous page');

export interface RegisterFilter {
  from: string;
  to: string;
  category?: TicketCategory;
  /** The entries a reader may see (an officer: their area). */
  visible: (entry: RegisterEntry) => boolean;
}

export interface RegisterPage {
  entries: RegisterEntry[];
  nextCursor: string | null;
}


export class ReportRegister {
  constructor(private readonly models: Models) {}

  /** Adds a closure's line once, however often it is delivered (the per-ticket marker names the page that holds it). */
  async append(entry: RegisterEntry): Promise<void> {
    let marker = await this.models.registerTickets.findById(entry.ticket, wholeDocument).lean<RegisterTicketRecord>();
    if (!marker) {
      const day = istDay(entry.closedAt);
      const head = await this.models.registerDays.findById(day, wholeDocument).lean<RegisterDayRecord>();
      const candidate = { _id: entry.ticket, day, page: head?.lastPage ?? 0 };
      try {
        await this.models.registerTickets.collection.insertOne(candidate as never);
        marker = candidate;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        marker = await this.models.registerTickets.findById(entry.ticket, wholeDocument).lean<RegisterTicketRecord>();
        if (!marker) throw error;
      }
    }
    await this.addToPage(marker.day, marker.page, entry);
  }

  private async addToPage(day: string, page: number, entry: RegisterEntry): Promise<void> {
    const id = `${day}:${page}`;
    const pages = this.models.registerPages.collection;
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await this.models.registerPages.findById(id, wholeDocument).lean<RegisterPageRecord>();
      if (current?.entries.some((line) => line.ticket === entry.ticket)) return;
      let length: number;
      try {
        if (!current) {
          await pages.insertOne({ _id: id as never, day, page, entries: [entry], rev: 1 });
          length = 1;
        } else {
          // `{_id, rev}` is a unique index: an index hit, and a lost race shows as no match.
          const result = await pages.updateOne({ _id: id as never, rev: current.rev }, { $push: { entries: entry as never }, $inc: { rev: 1 } });
          if (result.matchedCount !== 1) continue;
          length = current.entries.length + 1;
        }
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        continue;
      }
      await this.raiseLastPage(day, length >= REGISTER_PAGE_SIZE ? page + 1 : page);
      return;
    }
    throw new Error(`register page ${id}: could not add ${entry.ticket} (too much contention)`);
  }

  private async raiseLastPage(day: string, lastPage: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.models.registerDays.collection.updateOne({ _id: day as never }, { $max: { lastPage } }, { upsert: true });
        return;
      } catch (error) {
        if (!isDuplicateKeyError(error) || attempt >= 3) throw error;
      }
    }
  }

  /** One page of lines for a JSON response: up to `limit` visible lines from `cursor` on. */
  async read(filter: RegisterFilter, limit: number, cursor?: string): Promise<RegisterPage> {
    const entries: RegisterEntry[] = [];
    let pagesRead = 0;
    for await (const { pageId, lines, startLine } of this.pages(filter, cursor)) {
      pagesRead += 1;
      for (let line = startLine; line < lines.length; line++) {
        if (!this.matches(filter, lines[line]!)) continue;
        entries.push(lines[line]!);
        if (entries.length === limit) return { entries, nextCursor: line + 1 < lines.length ? `${pageId}:${line + 1}` : await this.cursorAfter(filter, pageId) };
      }
      if (pagesRead >= MAX_PAGES_PER_REQUEST) return { entries, nextCursor: await this.cursorAfter(filter, pageId) };
    }
    return { entries, nextCursor: null };
  }

  /** Every visible line of the range, newest day first: for the CSV export, page by page. */
  async *entries(filter: RegisterFilter): AsyncGenerator<RegisterEntry[]> {
    for await (const { lines } of this.pages(filter)) yield lines.filter((entry) => this.matches(filter, entry));
  }

  private matches(filter: RegisterFilter, entry: RegisterEntry): boolean {
    return (filter.category === undefined || entry.category === filter.category) && filter.visible(entry);
  }

  /** The cursor of the page after `pageId`, or null when it was the last. */
  private async cursorAfter(filter: RegisterFilter, pageId: string): Promise<string | null> {
    const ids = await this.pageIds(filter);
    const next = ids[ids.indexOf(pageId) + 1];
    return next === undefined ? null : `${next}:0`;
  }

  /** The page ids of the range in reading order: one `_id $in` over the range's days (at most a year of ids). */
  private async pageIds(filter: RegisterFilter): Promise<string[]> {
    const days = daysBetween(filter.from, filter.to).reverse();
    const heads = await this.models.registerDays.find({ _id: trusted({ $in: days }) }, wholeDocument).lean<RegisterDayRecord[]>();
    const lastPage = new Map(heads.map((head) => [head._id, head.lastPage]));
    return days.flatMap((day) => (lastPage.has(day) ? Array.from({ length: lastPage.get(day)! + 1 }, (_, page) => `${day}:${page}`) : []));
  }

  private async *pages(filter: RegisterFilter, cursor?: string): AsyncGenerator<{ pageId: string; lines: RegisterEntry[]; startLine: number }> {
    let ids = await this.pageIds(filter);
    let startLine = 0;
    if (cursor !== undefined) {
      const [day, page, line] = cursor.split(':');
      const start = ids.indexOf(`${day}:${page}`);
      if (start < 0) throw new InvalidInputError(['cursor: not a page of this range']);
      ids = ids.slice(start);
      startLine = Number(line);
    }
    for (let start = 0; start < ids.length; start += PAGES_PER_READ) {
      const batch = ids.slice(start, start + PAGES_PER_READ);
      const found = await this.models.registerPages.find({ _id: trusted({ $in: batch }) }, wholeDocument).lean<RegisterPageRecord[]>();
      const byId = new Map(found.map((page) => [page._id, page]));
      for (const pageId of batch) {
        yield { pageId, lines: byId.get(pageId)?.entries ?? [], startLine };
        startLine = 0;
      }
    }
  }
}
