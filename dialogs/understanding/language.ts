// Which language and script a message is written in. Devanagari is Hindi ('hi'); romanised text is Hinglish ('hl',
// Hindi in Latin letters) when its function words are Hindi ones ("hai", "nahi", "mera"), and English ('en') when they
// are English ones. Domain loanwords ("light", "bill", "meter"), universal words ("ok", "hello") and the "no" of
// "acc no" say nothing either way. Whether the evidence is enough to change the language of a conversation already
// under way is decided in dialogs/replyLanguage.ts.
import type { ConsumerLanguage } from '../../models/consumerLanguage.js';
import { lexicon } from './lexicon/index.js';
import { findMatches } from './patterns.js';
import type { AnalysedText } from './text.js';

export type Language = ConsumerLanguage;

/** What one message shows of each language, counted in words. */
export interface LanguageEvidence {
  /** Words in Devanagari. */
  devanagari: number;
  /** Words in Latin letters (markers or not). */
  latin: number;
  /** Latin words typical of romanised Hindi. */
  hinglish: number;
  /** Latin words typical of English. */
  english: number;
}

// "acc no", "mob no.", "complaint no": the abbreviation of "number", not the English "no".
const NUMBER_ABBREVIATIONS = new Set(['no', 'num', 'nmbr', 'nbr']);
// Labels of a number that are not in the lexicon's frames: "A/C no", "CA no", "ph no", "mo no".
const NUMBER_LABELS = new Set(['c', 'ca', 'ph', 'mo', 'cont']);

export function languageEvidenceOf(analysed: AnalysedText): LanguageEvidence {
  const { hinglishMarkers, englishMarkers, isA } = lexicon();
  const evidence: LanguageEvidence = { devanagari: 0, latin: 0, hinglish: 0, english: 0 };
  analysed.tokens.forEach((token, index) => {
    if (token.script === 'devanagari') evidence.devanagari += 1;
    if (token.script !== 'latin') return;
    evidence.latin += 1;
    const previous = analysed.tokens[index - 1];
    const abbreviation =
      NUMBER_ABBREVIATIONS.has(token.key) && previous?.clause === token.clause && (isA(previous, 'accountFrame') || isA(previous, 'mobileFrame') || isA(previous, 'complaint') || NUMBER_LABELS.has(previous.key));
    // The "a" of "A/C" (whose loose key is that of "aa", a Hindi word).
    const accountLabel = token.key === 'a' && analysed.tokens[index + 1]?.key === 'c';
    if (abbreviation || accountLabel) return;
    if (hinglishMarkers.has(token.key)) evidence.hinglish += 1;
    else if (englishMarkers.has(token.key)) evidence.english += 1;
  });
  return evidence;
}

/** The language of a message read on its own; undefined when it carries no sign of one (numbers, "ok", a place). */
export function languageOf(analysed: AnalysedText): Language | undefined {
  return languageOfEvidence(languageEvidenceOf(analysed));
}

export function languageOfEvidence(evidence: LanguageEvidence): Language | undefined {
  const hindiEvidence = evidence.devanagari + evidence.hinglish;
  if (hindiEvidence === 0 && evidence.english === 0) return undefined;
  // A tie goes to Hindi: the helpline's default, and the safer reading of code-mixed text.
  if (evidence.english > hindiEvidence) return 'en';
  // Hindi: in the script most of its words are written in ("मेरा meter जल गया" is Devanagari, "mera meter" Latin) —
  // but Latin letters are Hinglish only when Hindi words are written in them; Latin words that are all English beside
  // Devanagari ones ("no power in Vivek Khand, मोबाइल …") make a Devanagari writer, not a Hinglish one.
  if (evidence.hinglish === 0 && evidence.devanagari > 0) return 'hi';
  return evidence.devanagari >= evidence.latin ? 'hi' : 'hl';
}

const OTHER_LANGUAGE_WORDS = { en: ['hindiLanguage', 'hinglishLanguage'], hi: ['englishLanguage', 'hinglishLanguage'], hl: [] } as const;

/**
 * An explicit request for a language. Contradictory requests count as none, and so does a request beside a bare
 * mention of another language ("the bill is in english and hindi"), which is more likely talk about languages.
 */
export function switchRequestOf(analysed: AnalysedText): Language | undefined {
  const { languageSwitch, isA } = lexicon();
  const consumed = new Array<boolean>(analysed.tokens.length).fill(false);
  const targets = new Set(findMatches(analysed.tokens, languageSwitch, consumed).map((match) => match.pattern.meta));
  const [target] = targets;
  if (targets.size !== 1 || target === undefined) return undefined;
  const otherWords: readonly ('hindiLanguage' | 'englishLanguage' | 'hinglishLanguage')[] = OTHER_LANGUAGE_WORDS[target];
  const mentionsOtherAside = analysed.tokens.some((token, index) => !consumed[index] && otherWords.some((word) => isA(token, word)));
  return mentionsOtherAside ? undefined : target;
}
