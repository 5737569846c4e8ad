// One normalisation for everything the bot reads: consumer messages and the word lists are both passed through it,
// so a spelling rule added here can never make the lexicon and the input disagree.
import { toAsciiDigits } from '../../services/consumerIdentity.js';

/**
 * Only this much of a message is analysed. A complaint that matters says so early; a pasted 20,000-character
 * document must not cost more than a short message does.
 */
export const ANALYSIS_LIMIT = 2000;

// Web chat can deliver pasted HTML; markup is not what the consumer said. Only tag-shaped text is removed, so a
// number written as "<9876543210>" survives.
const HTML_TAG = /<\/?[a-z][^<>]{0,300}>/gi;
const HTML_ENTITY = /&(?:nbsp|amp|lt|gt|quot|#39);/g;
const NUKTA = /\u093C/g;
const LATIN_COMBINING_MARKS = /[\u0300-\u036F]/g;
// Zero-width joiners/spaces, soft hyphens, variation selectors and skin tones change how a word or emoji looks,
// never what it means ("👍🏽" is "👍").
const INVISIBLE = /[\u00AD\u200B-\u200F\u2060\uFEFF\uFE0E\uFE0F]|\uD83C[\uDFFB-\uDFFF]/g;
// Consumers drop or swap nasal marks freely (नहीं / नही, हाँ / हां / हा, हिन्दी / हिंदी), so all of them are erased;
// the half nasal before a consonant is the same sound written a third way.
const NASAL_MARKS = /[\u0901\u0902]/g;
const HALF_NASAL_BEFORE_CONSONANT = /[\u0919\u091E\u0923\u0928\u092E]\u094D(?=[\u0915-\u0939])/g;
// कॉल and काल, ऑफिस and आफिस: the candra-O of English borrowings is typed either way.
const CANDRA_O_SIGN = /\u0949/g;
const CANDRA_O_LETTER = /\u0911/g;
const CANDRA_E_SIGN = /\u0945/g;
// "it's", "don't" → "its", "dont": one token, as people also type them.
const APOSTROPHE_IN_WORD = /(?<=\p{L})['’‘`´](?=\p{L})/gu;
const HORIZONTAL_SPACE = /[^\S\n]+/g;
const LINE_BREAKS = /\s*\n\s*/g;
// "a/c", "A/C No.": the account abbreviation, one word as "ac" (else the slash would split it into two letters).
const ACCOUNT_ABBREVIATION = /(?<![\p{L}\p{N}])a ?\/ ?c(?![\p{L}\p{N}])/gu;

/** The matching form of any text: see the comments above for each rule. Callers cap the length first. */
export function normaliseText(text: string): string {
  const unmarked = text
    .replace(HTML_TAG, ' ')
    .replace(HTML_ENTITY, ' ')
    .normalize('NFD')
    .replace(NUKTA, '')
    .replace(LATIN_COMBINING_MARKS, '')
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(HALF_NASAL_BEFORE_CONSONANT, '')
    .replace(NASAL_MARKS, '')
    .replace(CANDRA_O_SIGN, '\u093E')
    .replace(CANDRA_O_LETTER, '\u0906')
    .replace(CANDRA_E_SIGN, '\u0947');
  return toAsciiDigits(unmarked)
    .toLowerCase()
    .replace(APOSTROPHE_IN_WORD, '')
    .replace(ACCOUNT_ABBREVIATION, 'ac')
    .replace(HORIZONTAL_SPACE, ' ')
    .replace(LINE_BREAKS, '\n')
    .trim();
}

/**
 * The loose key of a romanised word: repeated letters collapsed, because Hinglish has no fixed spelling and
 * stretches words for emphasis ("haan"/"han", "bijlee"/"bijle", "nahiii"/"nahi", "yesss"/"yes").
 */
export function looseKey(word: string): string {
  return /[a-z]/.test(word) ? word.replace(/([a-z])\1+/g, '$1') : word;
}

export type TokenScript = 'devanagari' | 'latin' | 'number' | 'emoji' | 'other';

export interface Token {
  /** The normalised word or emoji. */
  text: string;
  /** What lexicon entries are compared with (see looseKey). */
  key: string;
  script: TokenScript;
  /** Punctuation-delimited clause the token is in; patterns never span two clauses. */
  clause: number;
  /** Offsets in AnalysedText.normalised. */
  start: number;
  end: number;
}

export interface AnalysedText {
  /** The message as received, cut to ANALYSIS_LIMIT. */
  raw: string;
  normalised: string;
  tokens: readonly Token[];
  /** A question mark anywhere: answers that ask something back are not answers. */
  hasQuestionMark: boolean;
}

const TOKEN = /(\p{Extended_Pictographic})|([\p{L}\p{M}\p{N}]+)|([.,!?;:।॥|\n]+)/gu;
const DEVANAGARI = /\p{Script=Devanagari}/u;
const LATIN_LETTER = /\p{Script=Latin}/u;
const ONLY_DIGITS = /^\p{N}+$/u;

function scriptOf(word: string, isEmoji: boolean): TokenScript {
  if (isEmoji) return 'emoji';
  if (DEVANAGARI.test(word)) return 'devanagari';
  if (LATIN_LETTER.test(word)) return 'latin';
  if (ONLY_DIGITS.test(word)) return 'number';
  return 'other';
}

/** Splits normalised text into word and emoji tokens, numbering clauses at punctuation. */
export function tokenise(normalised: string): Token[] {
  const tokens: Token[] = [];
  let clause = 0;
  for (const match of normalised.matchAll(TOKEN)) {
    const [whole, emoji, word] = match;
    const start = match.index;
    if (emoji === undefined && word === undefined) {
      if (tokens.length > 0 && tokens[tokens.length - 1]!.clause === clause) clause += 1;
      continue;
    }
    const text = emoji ?? word ?? whole;
    tokens.push({ text, key: looseKey(text), script: scriptOf(text, emoji !== undefined), clause, start, end: start + whole.length });
  }
  return tokens;
}

/**
 * The last few analyses, by text: a turn's message is analysed by understand() and again by the dialog step that reads
 * it (a number, a yes or no, a correction). Shared, so frozen.
 */
const recentAnalyses = new Map<string, AnalysedText>();
const RECENT_ANALYSES = 32;

/** Caps, normalises and tokenises a message; never throws, whatever the input. */
export function analyse(text: string): AnalysedText {
  const raw = typeof text === 'string' ? capLength(text) : '';
  const known = recentAnalyses.get(raw);
  if (known !== undefined) return known;
  const normalised = normaliseText(raw);
  const analysed: AnalysedText = Object.freeze({ raw, normalised, tokens: Object.freeze(tokenise(normalised).map((token) => Object.freeze(token))), hasQuestionMark: /[?？]/.test(normalised) });
  if (recentAnalyses.size >= RECENT_ANALYSES) recentAnalyses.delete(recentAnalyses.keys().next().value!);
  recentAnalyses.set(raw, analysed);
  return analysed;
}

/** Cuts at ANALYSIS_LIMIT without splitting a surrogate pair (half an emoji would be a stray character). */
function capLength(text: string): string {
  if (text.length <= ANALYSIS_LIMIT) return text;
  const cut = text.charCodeAt(ANALYSIS_LIMIT - 1);
  return text.slice(0, cut >= 0xd800 && cut <= 0xdbff ? ANALYSIS_LIMIT - 1 : ANALYSIS_LIMIT);
}
