// The public face of the module: each function takes the raw message, so callers never handle analysed text.
// understand() analyses once and reads everything from that.
import type { TicketCategory } from '../../models/ticketTypes.js';
import type { Directory } from '../../services/directory.js';
import { categoryOf, problemsOf } from './category.js';
import { emergencyOf, type EmergencyKind } from './emergency.js';
import { entitiesOf, numberAnswerOf, type Entities } from './entities.js';
import { fieldsNamedOf, placeDetailIn, saysWrongOf, skipOf, type ComplaintField } from './fields.js';
import { intentOf, type Intent } from './intent.js';
import { lexicon } from './lexicon/index.js';
import { languageEvidenceOf, languageOfEvidence, switchRequestOf, type Language, type LanguageEvidence } from './language.js';
import { analyse } from './text.js';
import { clearlyUpsetOf, upsetOf } from './upset.js';
import { yesNoOf, type YesNo } from './yesNo.js';

export function detectLanguage(text: string): Language | undefined {
  return languageOfEvidence(languageEvidenceOf(analyse(text)));
}

export function detectLanguageSwitch(text: string): Language | undefined {
  return switchRequestOf(analyse(text));
}

export function classifyYesNo(text: string): YesNo {
  return yesNoOf(analyse(text));
}

export function classifyCategory(text: string): { category: TicketCategory; confidence: number } | undefined {
  const guess = categoryOf(analyse(text));
  return guess === undefined ? undefined : { category: guess.category, confidence: guess.confidence };
}

/** The separate problems a message reports, in order (see problemsOf). */
export function classifyProblems(text: string): TicketCategory[] {
  return problemsOf(analyse(text));
}

/**
 * An answer to "which sector, house number or landmark?": 'skip' ("chhodo", "pata nahi", a bare "nahi"; the "No." of
 * "H.No. 12" or "gali no 4" is a house number, not a no), 'none' when it is no answer at all ("haan", "ok"), otherwise
 * 'landmark' (the consumer's words are kept as written).
 */
export function readLandmarkAnswer(text: string): 'skip' | 'landmark' | 'none' {
  const analysed = analyse(text);
  const { isA } = lexicon();
  // Nothing, or only "ok" / "acha" / "thanks": that answers nothing.
  if (analysed.tokens.every((token) => isA(token, 'acknowledgement') || isA(token, 'filler'))) return 'none';
  if (skipOf(analysed)) return 'skip';
  const yesNo = yesNoOf(analysed);
  if (yesNo === 'no' && !/\p{N}/u.test(text) && placeDetailIn(text) === undefined) return 'skip';
  return yesNo === 'yes' ? 'none' : 'landmark';
}

// Where one problem's words end and the next one's begin: punctuation, or a joining word ("aur", "and", "और").
const PROBLEM_BREAK = /[,;\n।|]+|\.(?!\d)|\s(?:aur|and|also|tatha|phir|और|तथा|एवं|फिर)\s/iu;

/**
 * Each problem's own words in a message that names several ("bill 18000 aaya hai aur meter bhi tez chal raha hai" →
 * bill: "bill 18000 aaya hai", meter: "meter bhi tez chal raha hai"): the clauses that name it, in the consumer's words.
 * A problem none of whose clauses can be told apart is left out (its ticket keeps the whole message).
 */
export function problemWordsIn(text: string): Partial<Record<TicketCategory, string>> {
  const problems = problemsOf(analyse(text));
  const words: Partial<Record<TicketCategory, string[]>> = {};
  let previous: TicketCategory | undefined;
  for (const piece of text.split(PROBLEM_BREAK)) {
    const clause = piece?.trim();
    if (!clause) continue;
    const analysed = analyse(clause);
    const named = problemsOf(analysed).filter((category) => problems.includes(category));
    // "transformer jal gaya aur light nahi hai": the outage it causes belongs to the problem just named.
    if (named.length === 0 && previous && categoryOf(analysed)) named.push(previous);
    for (const category of named) (words[category] ??= []).push(clause);
    previous = named.at(-1) ?? previous;
  }
  return Object.fromEntries(Object.entries(words).map(([category, clauses]) => [category, clauses.join(', ')]));
}

export function extractEntities(text: string, directory: Directory): Entities {
  return entitiesOf(analyse(text), directory);
}

/** The account or mobile number a message gives in answer to the question for it (see entities.ts). */
export function readNumberAnswer(text: string, field: 'account' | 'mobile'): string | undefined {
  return numberAnswerOf(analyse(text), field);
}

/** The read-back fields a message names ("mobile galat hai" → mobile), and whether it calls something wrong. */
export function detectCorrection(text: string): { fields: ComplaintField[]; saysWrong: boolean } {
  const analysed = analyse(text);
  return { fields: fieldsNamedOf(analysed), saysWrong: saysWrongOf(analysed) };
}

export function detectIntent(text: string): Intent {
  const analysed = analyse(text);
  return intentOf(analysed, categoryOf(analysed));
}

export function detectEmergency(text: string): EmergencyKind | undefined {
  return emergencyOf(analyse(text));
}

export function isUpset(text: string): boolean {
  return upsetOf(analyse(text));
}

export function isClearlyUpset(text: string): boolean {
  return clearlyUpsetOf(analyse(text));
}

export interface Understanding {
  /** The message as received (only its first ANALYSIS_LIMIT characters were analysed). */
  text: string;
  /** The language and script of this message alone (see dialogs/replyLanguage.ts for the conversation's). */
  language?: Language;
  /** The words behind `language`, so a conversation changes language only on clear evidence. */
  evidence: LanguageEvidence;
  switchTo?: Language;
  intent: Intent;
  category?: TicketCategory;
  entities: Entities;
  yesNo: YesNo;
  upset: boolean;
  /** Upset enough to be handed to a person at once (abuse, or two separate signs). */
  clearlyUpset: boolean;
  /** Asks to skip the question ("chhodo", "छोड़ें", "skip"): at an optional step a skip, elsewhere what the intent says. */
  skip: boolean;
  /** A danger to life (live wire, sparking, fire, shock): the bot gives safety advice before anything else. */
  emergency?: EmergencyKind;
}

export function understand(text: string, directory: Directory): Understanding {
  const analysed = analyse(text);
  const category = categoryOf(analysed);
  const understanding: Understanding = {
    text: typeof text === 'string' ? text : '',
    intent: intentOf(analysed, category),
    entities: entitiesOf(analysed, directory),
    yesNo: yesNoOf(analysed),
    upset: upsetOf(analysed),
    clearlyUpset: clearlyUpsetOf(analysed),
    skip: skipOf(analysed),
    evidence: languageEvidenceOf(analysed),
  };
  const language = languageOfEvidence(understanding.evidence);
  if (language !== undefined) understanding.language = language;
  const switchTo = switchRequestOf(analysed);
  if (switchTo !== undefined) understanding.switchTo = switchTo;
  if (category !== undefined) understanding.category = category.category;
  const emergency = emergencyOf(analysed);
  if (emergency !== undefined) understanding.emergency = emergency;
  return understanding;
}
