// Numbers and places inside free text. A ten-digit number is either a mobile or an account number, and reading one
// as the other would look up the wrong consumer, so the words around a number decide, and only an unframed number
// falls back to the shape rule (Indian mobiles start with 6–9).
import { Culture, recognizePhoneNumber } from '@microsoft/recognizers-text-suite';
import { normaliseAccountNumber, normaliseMobile } from '../../services/consumerIdentity.js';
import type { Directory, ResolvedPlace } from '../../services/directory.js';
import { ticketNumberPattern } from '../../services/ticketInput.js';
import { lexicon } from './lexicon/index.js';
import type { AnalysedText } from './text.js';

export interface Entities {
  /** Ten digits; only when framed as an account/consumer/khata number, or bare and not shaped like a mobile. */
  accountNumber?: string;
  /** Ten digits, without +91 or 0. */
  mobile?: string;
  /** Canonical upper case, e.g. "UP-261128-00042". */
  ticketNumber?: string;
  place?: ResolvedPlace;
  /** Canonical name of a district named in the text ("lko", "लखनऊ" → "Lucknow"). */
  district?: string;
}

// Dashes of every width: phones autocorrect "-" to "–".
// Spaces alone also separate the parts ("up 261204 00002"), as people read numbers out.
const TICKET_NUMBER = /(?<![\p{L}\p{N}])up\s*(?:[-‐‑–—]\s*|\s)(\d{6})\s*(?:[-‐‑–—]\s*|\s)(\d{5,9})(?!\d)/gu;
const DIGIT_RUN = /\+?\d+(?:[ \-.()]{1,3}\d+)*/g;
const LONGEST_PHONE_DIGITS = 12;
/** How many tokens away a framing word ("account", "mobile") may stand from its number. */
const FRAME_REACH_BEFORE = 6;
const FRAME_REACH_AFTER = 4;
/** No district name in the directory is longer than this many words. */
const LONGEST_DISTRICT_WORDS = 3;
const WORD_SEPARATOR = /[^\p{L}\p{M}\p{N}\p{Cf}]+/u;
/** The phone recogniser is slow on long digit-heavy text; a number it alone can read is given early if at all. */
const RECOGNISER_TEXT_LIMIT = 300;

interface NumberCandidate {
  digits: string;
  start: number;
  end: number;
}

function ticketNumbersIn(normalised: string): Array<{ ticketNumber: string; start: number; end: number }> {
  const found: Array<{ ticketNumber: string; start: number; end: number }> = [];
  for (const match of normalised.matchAll(TICKET_NUMBER)) {
    const ticketNumber = `UP-${match[1]}-${match[2]}`;
    if (ticketNumberPattern.test(ticketNumber)) found.push({ ticketNumber, start: match.index, end: match.index + match[0].length });
  }
  return found;
}

/** The first ticket number in the text, canonical. */
export function ticketNumberIn(analysed: AnalysedText): string | undefined {
  return ticketNumbersIn(analysed.normalised)[0]?.ticketNumber;
}

/**
 * Phone- and account-length numbers, however spaced ("+91 98765 43210", "98765-43210"). Digit groups are joined
 * greedily up to twelve digits, so two numbers typed side by side are still told apart.
 */
function numberCandidates(text: string): NumberCandidate[] {
  const candidates: NumberCandidate[] = [];
  for (const run of text.matchAll(DIGIT_RUN)) {
    const groups = [...run[0].matchAll(/\d+/g)].map((group) => ({ digits: group[0], start: run.index + group.index, end: run.index + group.index + group[0].length }));
    let first = 0;
    while (first < groups.length) {
      let joined = '';
      let best: NumberCandidate | undefined;
      for (let last = first; last < groups.length; last += 1) {
        joined += groups[last]!.digits;
        if (joined.length > LONGEST_PHONE_DIGITS) break;
        if (normaliseMobile(joined) !== undefined || normaliseAccountNumber(joined) !== undefined) {
          best = { digits: joined, start: groups[first]!.start, end: groups[last]!.end };
        }
      }
      if (best === undefined) {
        first += 1;
        continue;
      }
      const taken = best;
      candidates.push(taken);
      first = groups.findIndex((group) => group.start >= taken.end);
      if (first === -1) break;
    }
  }
  return candidates;
}

/** "account" or "mobile" when a framing word stands near the number (the nearest one wins; another number in between ends the search). */
function frameOf(analysed: AnalysedText, candidate: NumberCandidate): 'account' | 'mobile' | undefined {
  const { tokens } = analysed;
  const { isA } = lexicon();
  const inside = tokens.flatMap((token, index) => (token.start >= candidate.start && token.start < candidate.end ? [index] : []));
  const firstIndex = inside[0];
  const lastIndex = inside[inside.length - 1];
  if (firstIndex === undefined || lastIndex === undefined) return undefined;
  const look = (from: number, step: number, reach: number): 'account' | 'mobile' | undefined => {
    for (let index = from, seen = 0; seen < reach && index >= 0 && index < tokens.length; index += step, seen += 1) {
      const token = tokens[index]!;
      if (token.script === 'number' && token.text.length >= 5) return undefined;
      if (isA(token, 'accountFrame')) return 'account';
      if (isA(token, 'mobileFrame')) return 'mobile';
    }
    return undefined;
  };
  return look(firstIndex - 1, -1, FRAME_REACH_BEFORE) ?? look(lastIndex + 1, 1, FRAME_REACH_AFTER);
}

function numbersIn(analysed: AnalysedText, ticketSpans: ReadonlyArray<{ start: number; end: number }>): Pick<Entities, 'mobile' | 'accountNumber'> {
  // Blank out ticket numbers (keeping offsets) so their digits are not read as a phone or account number.
  let text = analysed.normalised;
  for (const span of ticketSpans) text = text.slice(0, span.start) + ' '.repeat(span.end - span.start) + text.slice(span.end);

  const found: Pick<Entities, 'mobile' | 'accountNumber'> = {};
  const candidates = numberCandidates(text);
  for (const candidate of candidates) {
    const mobile = normaliseMobile(candidate.digits);
    const accountNumber = normaliseAccountNumber(candidate.digits);
    // With a +91 or 0 prefix it can only be a phone.
    const frame = candidate.digits.length > 10 ? 'mobile' : frameOf(analysed, candidate);
    if (frame === 'account' && accountNumber !== undefined) found.accountNumber ??= accountNumber;
    else if (frame !== 'account' && mobile !== undefined) found.mobile ??= mobile;
    else if (frame === undefined && accountNumber !== undefined) found.accountNumber ??= accountNumber;
  }

  // The recogniser knows phone layouts our digit-run reading does not; anything it finds must still be a mobile
  // and must not be a number already read as something else.
  if (found.mobile === undefined && /\d{3}/.test(text)) {
    for (const result of recognizePhoneNumber(text.slice(0, RECOGNISER_TEXT_LIMIT), Culture.English)) {
      const overlaps = candidates.some((candidate) => result.start < candidate.end && candidate.start <= result.end);
      const mobile = overlaps ? undefined : normaliseMobile(result.text);
      if (mobile !== undefined) {
        found.mobile = mobile;
        break;
      }
    }
  }
  return found;
}

// One locality per district, found once per directory, to ask the directory whether a word names that district
// (resolvePlace answers only when the district named is the locality's own). The directory has no public
// district-name lookup, and its aliases ("lko", "लखनउ") live in its data, so they are asked, not copied.
const districtProbes = new WeakMap<Directory, ReadonlyArray<{ district: string; locality: string }>>();

function probesFor(directory: Directory): ReadonlyArray<{ district: string; locality: string }> {
  const known = districtProbes.get(directory);
  if (known !== undefined) return known;
  const localityByDistrict = new Map<string, string>();
  for (const locality of directory.localities()) {
    const place = directory.resolvePlace({ locality: locality.name });
    if (place !== undefined && !localityByDistrict.has(place.district)) localityByDistrict.set(place.district, locality.name);
  }
  const probes = [...localityByDistrict].map(([district, locality]) => ({ district, locality }));
  districtProbes.set(directory, probes);
  return probes;
}

function districtIn(raw: string, directory: Directory): string | undefined {
  const probes = probesFor(directory);
  if (probes.length === 0) return undefined;
  const words = raw.split(WORD_SEPARATOR).filter((word) => word !== '' && !/^\p{N}+$/u.test(word));
  for (let start = 0; start < words.length; start += 1) {
    for (let size = Math.min(LONGEST_DISTRICT_WORDS, words.length - start); size >= 1; size -= 1) {
      const phrase = words.slice(start, start + size).join(' ');
      for (const probe of probes) {
        if (directory.resolvePlace({ district: phrase, locality: probe.locality })?.district === probe.district) return probe.district;
      }
    }
  }
  return undefined;
}

export function entitiesOf(analysed: AnalysedText, directory: Directory): Entities {
  const entities: Entities = {};
  if (analysed.tokens.length === 0) return entities;
  const tickets = ticketNumbersIn(analysed.normalised);
  if (tickets[0] !== undefined) entities.ticketNumber = tickets[0].ticketNumber;
  const { mobile, accountNumber } = numbersIn(analysed, tickets);
  if (mobile !== undefined) entities.mobile = mobile;
  if (accountNumber !== undefined) entities.accountNumber = accountNumber;
  const place = directory.findLocalityInText(analysed.raw);
  if (place !== undefined) entities.place = place;
  const district = districtIn(analysed.raw, directory);
  if (district !== undefined) entities.district = district;
  return entities;
}
