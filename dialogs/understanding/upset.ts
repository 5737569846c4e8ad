// Signs that a consumer is angry or at the end of their patience, for the rule that hands them to a person.
import { lexicon } from './lexicon/index.js';
import { findMatches } from './patterns.js';
import type { AnalysedText, Token } from './text.js';

/** Waits at or beyond these are a grievance in themselves ("3 din se", "24 ghante se"). */
const UPSETTING_WAIT = { days: 2, hours: 12 } as const;
const SHOUTING_MIN_LETTERS = 10;
const SHOUTING_UPPERCASE_SHARE = 0.8;
const REPEATED_EXCLAMATION = /!\s*!\s*!|[!?]{2,}!|![!?]{2,}/;

/** The number a token states: digits, a number word, or "kai"/"many" (read as "more than enough"). */
function countIn(token: Token | undefined): number | undefined {
  if (token === undefined) return undefined;
  if (token.script === 'number') return Number.parseInt(token.text, 10);
  const { numberWords, isA } = lexicon();
  const word = numberWords.get(token.key);
  if (word !== undefined) return word;
  return isA(token, 'many') ? Number.POSITIVE_INFINITY : undefined;
}

function hasLongWait(tokens: readonly Token[]): boolean {
  const { isA } = lexicon();
  return tokens.some((token, index) => {
    const count = countIn(tokens[index - 1]);
    if (count === undefined) return false;
    if (isA(token, 'dayUnit')) return count >= UPSETTING_WAIT.days;
    if (isA(token, 'longUnit')) return count >= 1;
    if (isA(token, 'hourUnit')) return count >= UPSETTING_WAIT.hours;
    return false;
  });
}

function isShouting(raw: string): boolean {
  const letters = raw.match(/[A-Za-z]/g) ?? [];
  if (letters.length < SHOUTING_MIN_LETTERS) return false;
  const upper = letters.filter((letter) => letter >= 'A' && letter <= 'Z').length;
  return upper / letters.length >= SHOUTING_UPPERCASE_SHARE;
}

export function upsetOf(analysed: AnalysedText): boolean {
  return (
    findMatches(analysed.tokens, lexicon().upset).length > 0 ||
    REPEATED_EXCLAMATION.test(analysed.normalised) ||
    isShouting(analysed.raw) ||
    hasLongWait(analysed.tokens)
  );
}

/**
 * Upset enough to hand to a person at once: abuse, or at least two separate signs (two complaint words, or one with
 * shouting, "!!!" or a long wait). One sign alone is an ordinary complaint: on the labelled sets (551 messages)
 * `upsetOf` fires on 11 — "3 din se light nahi", "bachche pareshan hai garmi se", a shouted "NAHI AAYI ABHI TAK" —
 * every one a complaint or an answer the bot handles itself; this rule fires on none of them.
 */
export function clearlyUpsetOf(analysed: AnalysedText): boolean {
  const cues = findMatches(analysed.tokens, lexicon().upset);
  if (cues.some((match) => match.pattern.meta === 'abuse')) return true;
  const signs = cues.length + Number(REPEATED_EXCLAMATION.test(analysed.normalised)) + Number(isShouting(analysed.raw)) + Number(hasLongWait(analysed.tokens));
  return signs >= 2;
}
