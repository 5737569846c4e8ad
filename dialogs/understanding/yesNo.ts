// Reading the consumer's answer to "has your problem been solved?". Only their yes closes a ticket, so every rule
// here leans one way: when in doubt the answer is "unclear" (and the bot asks again), never "yes".
import { Culture, recognizeBoolean } from '@microsoft/recognizers-text-suite';
import { lexicon, type YesNoCue } from './lexicon/index.js';
import { findMatches, type PatternMatch } from './patterns.js';
import type { AnalysedText, Token } from './text.js';

export type YesNo = 'yes' | 'no' | 'unclear';

/** How far (in tokens) a negation reaches to cancel a yes statement: "nahi aa rahi", "theek nahi hua", "isn't working". */
const NEGATION_REACH_BEFORE = 3;
const NEGATION_REACH_AFTER = 2;

/** Sub-clause of each token: clauses split further at "but" / "par" / "lekin" (which themselves get -1). */
function segmentsOf(tokens: readonly Token[]): number[] {
  const { isA } = lexicon();
  const segments: number[] = [];
  let segment = 0;
  tokens.forEach((token, index) => {
    if (index > 0 && token.clause !== tokens[index - 1]!.clause) segment += 1;
    if (isA(token, 'contrast')) {
      segments.push(-1);
      segment += 1;
    } else {
      segments.push(segment);
    }
  });
  return segments;
}

/**
 * Its regular expressions slow down badly on long emoji-heavy text, and an answer word that matters is never far
 * into the message, so only this many words are shown to it.
 */
const RECOGNISER_WORD_LIMIT = 40;
/** No answer word is longer; a pasted 2,000-letter "word" would only cost time. */
const RECOGNISER_WORD_LENGTH = 20;

// The recogniser's own English expressions (recognizers-text-choice's EnglishChoice.TrueRegex and FalseRegex, skin
// tones left off), which it looks for in the lowercased text before anything else: text matching neither gets no
// result from it. It splits the whole text into graphemes first, the costliest step of understanding a message, so
// such text is not shown to it at all. test/dialogs/understanding/recogniserShortcut.test.ts keeps the two in step.
const RECOGNISER_TRUE = /\b(true|yes|yep|yup|yeah|y|sure|ok|agree)\b|(\uD83D\uDC4D|\uD83D\uDC4C|\u0001f44c)/is;
const RECOGNISER_FALSE = /\b(false|nope|nop|no|not\s+ok|disagree)\b|(\uD83D\uDC4E|\u270B|\uD83D\uDD90|\u0001F44E|\u0001F590)/is;

/** Could the Microsoft boolean recogniser find anything in this text? False means it would return nothing. */
export function booleanRecogniserMayFind(text: string): boolean {
  const lowered = text.toLowerCase();
  return RECOGNISER_TRUE.test(lowered) || RECOGNISER_FALSE.test(lowered);
}

/** English yes/no words our lists may not know ("yep", "nope", "👍" variants), from the Microsoft recogniser. */
function recognisedParticles(analysed: AnalysedText, consumed: readonly boolean[]): Array<{ index: number; yes: boolean }> {
  const { isA } = lexicon();
  // Words our lists already read keep our reading, and "ok" is an acknowledgement, not a confirmation.
  const shown = analysed.tokens
    .map((token, index) => ({ token, index }))
    .filter(
      ({ token, index }) =>
        (token.script === 'latin' || token.script === 'emoji') &&
        token.text.length <= RECOGNISER_WORD_LENGTH &&
        !consumed[index] &&
        !isA(token, 'acknowledgement'),
    )
    .slice(0, RECOGNISER_WORD_LIMIT);
  if (shown.length === 0) return [];
  const offsets: number[] = [];
  let text = '';
  for (const { token } of shown) {
    offsets.push(text.length);
    text += `${token.text} `;
  }
  const particles: Array<{ index: number; yes: boolean }> = [];
  if (!booleanRecogniserMayFind(text)) return particles;
  for (const result of recognizeBoolean(text, Culture.English)) {
    const position = offsets.findLastIndex((offset) => offset <= result.start);
    const value: unknown = (result.resolution as { value?: unknown } | undefined)?.value;
    const word = shown[position];
    if (word !== undefined && typeof value === 'boolean') particles.push({ index: word.index, yes: value });
  }
  return particles;
}

/** Is there a "but" followed by words that are not themselves a yes (or mere politeness)? */
function hasQualifyingContrast(
  tokens: readonly Token[],
  segments: readonly number[],
  consumed: readonly boolean[],
  matches: ReadonlyArray<PatternMatch<YesNoCue>>,
): boolean {
  const { isA } = lexicon();
  const yesSegments = new Set(
    matches.filter((match) => match.pattern.meta === 'yesParticles' || match.pattern.meta === 'yesStatements').map((match) => segments[match.first]),
  );
  return segments.some((segment, index) => {
    if (segment !== -1) return false;
    const after = segments[index + 1];
    // A message that breaks off after "but" ("yes but") has left its qualification unsaid.
    if (after === undefined) return true;
    if (after === -1 || yesSegments.has(after)) return false;
    return tokens.some(
      (other, otherIndex) =>
        segments[otherIndex] === after && !consumed[otherIndex] && !isA(other, 'filler') && !isA(other, 'acknowledgement'),
    );
  });
}

export function yesNoOf(analysed: AnalysedText): YesNo {
  const { tokens } = analysed;
  if (tokens.length === 0) return 'unclear';
  const { yesNo, isA } = lexicon();
  const consumed = new Array<boolean>(tokens.length).fill(false);
  const matches = findMatches(tokens, yesNo, consumed);
  const segments = segmentsOf(tokens);
  const cues = (cue: YesNoCue): Array<PatternMatch<YesNoCue>> => matches.filter((match) => match.pattern.meta === cue);

  const hedged = cues('hedges').length > 0;

  const negations = tokens.flatMap((token, index) => (!consumed[index] && isA(token, 'negation') ? [index] : []));
  const isNegated = (match: PatternMatch<YesNoCue>): boolean =>
    negations.some(
      (index) =>
        segments[index] === segments[match.first] && index >= match.first - NEGATION_REACH_BEFORE && index <= match.last + NEGATION_REACH_AFTER,
    );
  // "ho gaya tha", "it was working": a fix that did not last is no fix.
  const isRevoked = (match: PatternMatch<YesNoCue>): boolean =>
    isA(tokens[match.last + 1], 'pastAuxiliary') || isA(tokens[match.first - 1], 'pastAuxiliaryBefore') || isA(tokens[match.first - 2], 'pastAuxiliaryBefore');

  const recognised = recognisedParticles(analysed, consumed);
  const yesParticles = cues('yesParticles').length + recognised.filter((particle) => particle.yes).length;
  const yesStatements = cues('yesStatements').filter((match) => !isNegated(match) && !isRevoked(match)).length;
  const noStatements = cues('noStatements').length;
  // A negation standing alone in its sub-clause ("nahi", "no sir", "नहीं जी") is an answer word, not part of a statement.
  const bareNegations = negations.filter((index) =>
    tokens.every((token, other) => segments[other] !== segments[index] || isA(token, 'negation') || isA(token, 'filler')),
  ).length;
  const noParticles = cues('noParticles').length + recognised.filter((particle) => !particle.yes).length + bareNegations;

  const saysYes = yesParticles + yesStatements > 0;
  const saysNo = noParticles + noStatements + negations.length > 0;
  const asksBack =
    analysed.hasQuestionMark ||
    tokens.some((token, index) => !consumed[index] && isA(token, 'questionWord')) ||
    tokens.some((token, index) => isA(token, 'questionOpener') && (index === 0 || segments[index - 1] !== segments[index]));

  // Doubt or delay ("shayad", "kal dekhenge", "for an hour") undoes a yes, but not a plain report that it is still broken.
  if (hedged) return noStatements > 0 ? 'no' : 'unclear';
  if (saysYes && asksBack) return 'unclear';
  if (saysYes && saysNo) {
    // "haan par abhi bhi nahi aa rahi", "nahi, ho gaya": two answers in one message; ask again rather than guess.
    if (yesParticles > 0 || noParticles > 0) return 'unclear';
    // "ho gaya par phir chali gayi": a statement that it failed again outweighs one that it was fixed.
    return 'no';
  }
  // "theek hai par kal phir dekhna padega": whatever follows a "but" qualifies the yes, unless it is another yes.
  if (saysYes && hasQualifyingContrast(tokens, segments, consumed, matches)) return 'unclear';
  if (saysYes) return 'yes';
  if (saysNo) return 'no';
  return 'unclear';
}
