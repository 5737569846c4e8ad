// The shape every language's word list fills in. Words are written as people type them; normalisation (nasal marks,
// nukta, case, stretched letters) is applied when the lists are compiled, so entries need not repeat those variants.
// Patterns use the syntax described in ../patterns.ts.
import type { TicketCategory } from '../../../models/ticketTypes.js';

export type WordClassName =
  /** Electricity itself: "bijli", "light", "power". */
  | 'power'
  /** The power being absent or cut: "nahi", "gayab", "gul", "off". */
  | 'gone'
  | 'meter'
  | 'transformer'
  | 'bill'
  | 'connection'
  | 'newThing'
  /** A problem noun, for "no problem"-style answers. */
  | 'problem'
  /** Plain negation: "nahi", "not", "नहीं". */
  | 'negation'
  /** Politeness and address words that carry no answer: "ji", "sir", "bhai". */
  | 'filler'
  /** Past-tense auxiliaries after the verb (Hindi order): "ho gaya tha" reports a fix that did not last. */
  | 'pastAuxiliary'
  /** Past-tense auxiliaries before the verb (English order): "it was working". */
  | 'pastAuxiliaryBefore'
  /** A broken or absent state: "band", "kharab", "off", "dead". */
  | 'bad'
  /** Words that turn a message into a question wherever they stand (Hindi "kya", "kab"). */
  | 'questionWord'
  /** Words that make a clause a question when they open it (English "is", "did", "what"). */
  | 'questionOpener'
  /** "but", "par", "lekin": a yes before one and a no after it are two different statements. */
  | 'contrast'
  /** Acknowledgements that answer nothing: "ok", "acha", "thanks" (a recogniser may read "ok" as yes; it is not). */
  | 'acknowledgement'
  | 'complaint'
  | 'complaintPlural'
  | 'my'
  | 'englishLanguage'
  | 'hindiLanguage'
  /** Hindi in Latin letters as a language to answer in: "hinglish", "roman". */
  | 'hinglishLanguage'
  /** "Tell me" verbs: an answer that hands the turn back ("haan ji bataiye") is not a yes. */
  | 'tellMe'
  /** Words that introduce an account number: "account", "khata", "consumer". */
  | 'accountFrame'
  /** Words that introduce a mobile number: "mobile", "phone", "whatsapp". */
  | 'mobileFrame'
  /** "no", "number", "नंबर" after a frame word ("acc no", "mob no."): part of the label, not a "no" or an English word. */
  | 'numberWord'
  /** Words that name the place field at the read-back: "jagah", "address", "इलाका". */
  | 'placeFrame'
  /** Words that name the problem's details at the read-back: "vivran", "details". */
  | 'detailFrame'
  /** Words that name the complaint's subject at the read-back: "vishay", "category". */
  | 'categoryFrame'
  /** Words that say a field is wrong or to be changed: "galat", "wrong", "badlo". */
  | 'wrongWord'
  /** Units of waiting time, for "3 din se"-style upset: days, weeks or months, hours. */
  | 'dayUnit'
  | 'longUnit'
  | 'hourUnit'
  /** "kai", "many", "several": an unspecified number that is still more than one. */
  | 'many';

export type WordClasses = Partial<Record<WordClassName, readonly string[]>>;

/** Cue strengths: a strong cue names the problem outright, a cue points at it, a hint only leans. */
export interface CategoryCues {
  strong?: readonly string[];
  cues?: readonly string[];
  hints?: readonly string[];
}

export interface YesNoWords {
  /** A bare answer word: "haan", "yes", "जी हाँ". */
  yesParticles?: readonly string[];
  /** A statement that the problem is gone: "ho gaya", "light aa gayi", "it's working". */
  yesStatements?: readonly string[];
  /**
   * A statement that the problem remains, even without a negation word: "abhi bhi band hai", "still the same", and
   * requests for action ("jaldi bhejo", "please send someone"), which only make sense while it does.
   */
  noStatements?: readonly string[];
  /** A bare "no" (negations in general come from the {negation} class). */
  noParticles?: readonly string[];
  /** Doubt, deferral or handing the turn back: "shayad", "kal dekhenge", "not sure", "pata nahi". */
  hedges?: readonly string[];
}

export type LexiconIntent = 'register' | 'status' | 'my_complaints' | 'human' | 'help' | 'cancel' | 'restart' | 'greeting';

export interface Lexicon {
  words: WordClasses;
  /** Words typical of this language in Latin script, for telling Hinglish from English. Domain loanwords shared by both ("light", "bill", "meter", "ok") belong in neither list. */
  languageMarkers?: readonly string[];
  yesNo: YesNoWords;
  categories?: Partial<Record<TicketCategory, CategoryCues>>;
  /** Mentions of a category's word that are not a complaint about it ("meter to theek hai"): matched and ignored. */
  categoryNeutral?: readonly string[];
  /** Intent cues that hold whatever else the message says ("cancel", "kisi insaan se baat karni hai"). */
  intents?: Partial<Record<LexiconIntent, readonly string[]>>;
  /**
   * Intent cues that yield to a problem description: "band karo" is also how one asks for something to be switched off,
   * and "help!" opens many complaints.
   */
  softIntents?: Partial<Record<LexiconIntent, readonly string[]>>;
  /**
   * "Skip this question" at an optional step ("chhodo", "छोड़ें", "skip", "pata nahi"): some of these words cancel
   * the whole conversation elsewhere, so the dialog decides which it means.
   */
  skip?: readonly string[];
  /** Explicit requests to switch language (including "I can't read Hindi" → English). */
  languageSwitch?: { toEnglish?: readonly string[]; toHindi?: readonly string[]; toHinglish?: readonly string[] };
  /** Frustration and complaints about the service itself. */
  upset?: readonly string[];
  /** Abuse: always upset, in any context. */
  abuse?: readonly string[];
  /** Number words for waiting times ("teen din se"). */
  numbers?: Readonly<Record<string, number>>;
}
