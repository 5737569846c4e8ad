// Compiles every language's word list once, at first use, into pattern families ready for matching. A malformed
// entry (a phrase where a single word is expected, an unknown {class}) throws here, at start-up, not mid-conversation.
import { TICKET_CATEGORIES, type TicketCategory } from '../../../models/ticketTypes.js';
import { byPriority, compilePattern, compileWordClasses, wordKey, type CompiledPattern, type CompiledWordClasses } from '../patterns.js';
import type { Token } from '../text.js';
import { english } from './english.js';
import { hindi } from './hindi.js';
import { hinglish } from './hinglish.js';
import { symbols } from './symbols.js';
import type { CategoryCues, Lexicon, LexiconIntent, WordClassName, YesNoWords } from './types.js';

export type { Lexicon, LexiconIntent, WordClassName } from './types.js';

const LEXICONS: readonly Lexicon[] = [hinglish, hindi, english, symbols];

export type YesNoCue = keyof YesNoWords;
export type CueStrength = keyof CategoryCues;
export type CategoryCue = { kind: 'category'; category: TicketCategory; strength: CueStrength } | { kind: 'neutral' };
export type IntentCue = { kind: 'intent'; intent: LexiconIntent; soft: boolean } | { kind: 'languageSwitch' };
export type UpsetCue = 'upset' | 'abuse';
export type SwitchTarget = 'hi' | 'en' | 'hl';

export interface CompiledLexicon {
  yesNo: ReadonlyArray<CompiledPattern<YesNoCue>>;
  categories: ReadonlyArray<CompiledPattern<CategoryCue>>;
  intents: ReadonlyArray<CompiledPattern<IntentCue>>;
  languageSwitch: ReadonlyArray<CompiledPattern<SwitchTarget>>;
  upset: ReadonlyArray<CompiledPattern<UpsetCue>>;
  skip: ReadonlyArray<CompiledPattern<'skip'>>;
  /** Loose keys of words typical of romanised Hindi / of English. */
  hinglishMarkers: ReadonlySet<string>;
  englishMarkers: ReadonlySet<string>;
  numberWords: ReadonlyMap<string, number>;
  /** Is the token a word of this class (in any language)? */
  isA(token: Token | undefined, className: WordClassName): boolean;
}

const YES_NO_CUES: readonly YesNoCue[] = ['yesParticles', 'yesStatements', 'noStatements', 'noParticles', 'hedges'];
const CUE_STRENGTHS: readonly CueStrength[] = ['strong', 'cues', 'hints'];

function compileFamily<Meta>(entries: Array<{ source: string; meta: Meta }>, classes: CompiledWordClasses): Array<CompiledPattern<Meta>> {
  return byPriority(entries.map(({ source, meta }) => compilePattern(source, meta, classes)));
}

function compile(): CompiledLexicon {
  const classes = compileWordClasses(LEXICONS.map((lexicon) => lexicon.words));

  const yesNo: Array<{ source: string; meta: YesNoCue }> = [];
  const categories: Array<{ source: string; meta: CategoryCue }> = [];
  const intents: Array<{ source: string; meta: IntentCue }> = [];
  const languageSwitch: Array<{ source: string; meta: SwitchTarget }> = [];
  const upset: Array<{ source: string; meta: UpsetCue }> = [];
  const skip: Array<{ source: string; meta: 'skip' }> = [];
  const hinglishMarkers = new Set<string>();
  const englishMarkers = new Set<string>();
  const numberWords = new Map<string, number>();

  for (const lexicon of LEXICONS) {
    for (const cue of YES_NO_CUES) for (const source of lexicon.yesNo[cue] ?? []) yesNo.push({ source, meta: cue });
    for (const category of TICKET_CATEGORIES) {
      const cues = lexicon.categories?.[category];
      for (const strength of CUE_STRENGTHS) {
        for (const source of cues?.[strength] ?? []) categories.push({ source, meta: { kind: 'category', category, strength } });
      }
    }
    for (const source of lexicon.categoryNeutral ?? []) categories.push({ source, meta: { kind: 'neutral' } });
    for (const [soft, table] of [[false, lexicon.intents], [true, lexicon.softIntents]] as const) {
      for (const [intent, sources] of Object.entries(table ?? {}) as Array<[LexiconIntent, readonly string[]]>) {
        for (const source of sources) intents.push({ source, meta: { kind: 'intent', intent, soft } });
      }
    }
    for (const source of lexicon.languageSwitch?.toEnglish ?? []) languageSwitch.push({ source, meta: 'en' });
    for (const source of lexicon.languageSwitch?.toHindi ?? []) languageSwitch.push({ source, meta: 'hi' });
    for (const source of lexicon.languageSwitch?.toHinglish ?? []) languageSwitch.push({ source, meta: 'hl' });
    for (const source of lexicon.upset ?? []) upset.push({ source, meta: 'upset' });
    for (const source of lexicon.abuse ?? []) upset.push({ source, meta: 'abuse' });
    for (const source of lexicon.skip ?? []) skip.push({ source, meta: 'skip' });
    const markers = lexicon === english ? englishMarkers : hinglishMarkers;
    for (const word of lexicon.languageMarkers ?? []) markers.add(wordKey(word, 'language markers'));
    for (const [word, value] of Object.entries(lexicon.numbers ?? {})) numberWords.set(wordKey(word, 'numbers'), value);
  }

  // A request to switch language ("english me baat karo") must not also read as a request for a person.
  for (const { source } of languageSwitch) intents.push({ source, meta: { kind: 'languageSwitch' } });

  // Words in both marker lists say nothing about which language it is.
  for (const key of [...englishMarkers]) {
    if (hinglishMarkers.delete(key)) englishMarkers.delete(key);
  }

  return {
    yesNo: compileFamily(yesNo, classes),
    categories: compileFamily(categories, classes),
    intents: compileFamily(intents, classes),
    languageSwitch: compileFamily(languageSwitch, classes),
    upset: compileFamily(upset, classes),
    skip: compileFamily(skip, classes),
    hinglishMarkers,
    englishMarkers,
    numberWords,
    isA: (token, className) => token !== undefined && (classes.get(className)?.has(token.key) ?? false),
  };
}

let compiled: CompiledLexicon | undefined;

export function lexicon(): CompiledLexicon {
  compiled ??= compile();
  return compiled;
}
