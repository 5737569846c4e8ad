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
  /**
   * Two or more unlabelled numbers that could each be the mobile or the account number ("6789012345 8299012345"):
   * neither is stored until the consumer says which is which.
   */
  eitherNumbers?: string[];
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

type Frame = 'account' | 'mobile';

/**
 * "account" or "mobile" when a framing word stands near the number: the nearest one before it (another number in
 * between ends the search), else one after it in the same clause that does not itself introduce the next number
 * ("a/c 6789012345, mob 8299012345": "mob" belongs to the second number, not the first).
 */
function frameOf(analysed: AnalysedText, candidate: NumberCandidate): Frame | undefined {
  const { tokens } = analysed;
  const { isA } = lexicon();
  const inside = tokens.flatMap((token, index) => (token.start >= candidate.start && token.start < candidate.end ? [index] : []));
  const firstIndex = inside[0];
  const lastIndex = inside[inside.length - 1];
  if (firstIndex === undefined || lastIndex === undefined) return undefined;
  const isNumber = (index: number) => tokens[index]?.script === 'number' && tokens[index]!.text.length >= 5;
  const frameAt = (index: number): Frame | undefined =>
    isA(tokens[index], 'accountFrame') ? 'account' : isA(tokens[index], 'mobileFrame') ? 'mobile' : undefined;
  let before: { frame: Frame; distance: number } | undefined;
  for (let index = firstIndex - 1, seen = 0; seen < FRAME_REACH_BEFORE && index >= 0; index -= 1, seen += 1) {
    if (isNumber(index)) break;
    const frame = frameAt(index);
    if (frame) {
      before = { frame, distance: seen };
      break;
    }
  }
  let after: { frame: Frame; distance: number } | undefined;
  const clause = tokens[lastIndex]!.clause;
  for (let index = lastIndex + 1, seen = 0; seen < FRAME_REACH_AFTER && index < tokens.length; index += 1, seen += 1) {
    if (isNumber(index) || tokens[index]!.clause !== clause) break;
    const frame = frameAt(index);
    if (frame) {
      // "mob 8299012345", "mob no 8299012345": the label of the number right after it.
      const introducesNext = [1, 2].some((step) => isNumber(index + step));
      if (!introducesNext) after = { frame, distance: seen };
      break;
    }
  }
  // The nearer label wins ("8299012345 mera mobile hai aur 6789012345 account"); a tie goes to the one before.
  if (before && after) return after.distance < before.distance ? after.frame : before.frame;
  return (before ?? after)?.frame;
}

function numbersIn(analysed: AnalysedText, ticketSpans: ReadonlyArray<{ start: number; end: number }>): Pick<Entities, 'mobile' | 'accountNumber' | 'eitherNumbers'> {
  // Blank out ticket numbers (keeping offsets) so their digits are not read as a phone or account number.
  let text = analysed.normalised;
  for (const span of ticketSpans) text = text.slice(0, span.start) + ' '.repeat(span.end - span.start) + text.slice(span.end);

  const found: Pick<Entities, 'mobile' | 'accountNumber' | 'eitherNumbers'> = {};
  const candidates = numberCandidates(text);
  const read = candidates.map((candidate) => ({
    mobile: normaliseMobile(candidate.digits),
    accountNumber: normaliseAccountNumber(candidate.digits),
    // With a +91 or 0 prefix it can only be a phone.
    frame: candidate.digits.length > 10 ? ('mobile' as const) : frameOf(analysed, candidate),
  }));
  // Labels first: a labelled number is never displaced by an unlabelled one.
  for (const number of read) {
    if (number.frame === 'account' && number.accountNumber !== undefined) found.accountNumber ??= number.accountNumber;
    if (number.frame === 'mobile' && number.mobile !== undefined) found.mobile ??= number.mobile;
  }
  // Then shape: a number only an account can be is one; one that could be either fills what is still missing.
  const unlabelled = read.filter((number) => number.frame === undefined);
  for (const number of unlabelled) {
    if (number.mobile === undefined && number.accountNumber !== undefined) found.accountNumber ??= number.accountNumber;
  }
  const either = [...new Set(unlabelled.flatMap((number) => (number.mobile !== undefined && number.accountNumber !== undefined ? [number.mobile] : [])))].filter(
    (digits) => digits !== found.mobile && digits !== found.accountNumber,
  );
  if (either.length >= 2 && found.mobile === undefined && found.accountNumber === undefined) {
    // Two numbers that could each be either: which is which is the consumer's to say.
    found.eitherNumbers = either.slice(0, 2);
  } else {
    for (const digits of either) {
      if (found.mobile === undefined) found.mobile = digits;
      else if (found.accountNumber === undefined) found.accountNumber = digits;
    }
  }

  // The recogniser knows phone layouts our digit-run reading does not; anything it finds must still be a mobile
  // and must not be a number already read as something else.
  if (found.mobile === undefined && found.eitherNumbers === undefined && /\d{3}/.test(text)) {
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

/**
 * The number a consumer typed in answer to "your account number?" or "your mobile?": one labelled for that field,
 * else an unlabelled one of the right shape (answering the question asked is its label). Undefined when the message
 * carries none, or only one labelled for the other field.
 */
export function numberAnswerOf(analysed: AnalysedText, field: Frame): string | undefined {
  const candidates = numberCandidates(analysed.normalised);
  const valid = (digits: string) => (field === 'account' ? normaliseAccountNumber(digits) : normaliseMobile(digits));
  const labelled = candidates.find((candidate) => frameOf(analysed, candidate) === field && valid(candidate.digits) !== undefined);
  if (labelled) return valid(labelled.digits);
  const other: Frame = field === 'account' ? 'mobile' : 'account';
  const unlabelled = candidates.find((candidate) => frameOf(analysed, candidate) !== other && valid(candidate.digits) !== undefined);
  return unlabelled ? valid(unlabelled.digits) : undefined;
}

/** The first district the text names (by name, Hindi name or alias, in up to three words), canonical. */
function districtIn(raw: string, directory: Directory): string | undefined {
  const words = raw.split(WORD_SEPARATOR).filter((word) => word !== '' && !/^\p{N}+$/u.test(word));
  for (let start = 0; start < words.length; start += 1) {
    for (let size = Math.min(LONGEST_DISTRICT_WORDS, words.length - start); size >= 1; size -= 1) {
      const district = directory.districtNamed(words.slice(start, start + size).join(' '));
      if (district !== undefined) return district;
    }
  }
  return undefined;
}

export function entitiesOf(analysed: AnalysedText, directory: Directory): Entities {
  const entities: Entities = {};
  if (analysed.tokens.length === 0) return entities;
  const tickets = ticketNumbersIn(analysed.normalised);
  if (tickets[0] !== undefined) entities.ticketNumber = tickets[0].ticketNumber;
  const { mobile, accountNumber, eitherNumbers } = numbersIn(analysed, tickets);
  if (mobile !== undefined) entities.mobile = mobile;
  if (accountNumber !== undefined) entities.accountNumber = accountNumber;
  if (eitherNumbers !== undefined) entities.eitherNumbers = eitherNumbers;
  const place = directory.findLocalityInText(analysed.raw);
  if (place !== undefined) entities.place = place;
  const district = districtIn(analysed.raw, directory);
  if (district !== undefined) entities.district = district;
  return entities;
}
