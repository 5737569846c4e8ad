// Is the message about a danger to life? Read from the same analysed tokens as everything else; see
// lexicon/emergency.ts for what counts and what is left out on purpose.
import { english } from './lexicon/english.js';
import { lexicon } from './lexicon/index.js';
import { EMERGENCY_KINDS, emergencyPatterns, type EmergencyKind } from './lexicon/emergency.js';
import { hindi } from './lexicon/hindi.js';
import { hinglish } from './lexicon/hinglish.js';
import { byPriority, compilePattern, compileWordClasses, findMatches, type CompiledPattern } from './patterns.js';
import type { AnalysedText } from './text.js';

export type { EmergencyKind } from './lexicon/emergency.js';

let compiled: ReadonlyArray<CompiledPattern<EmergencyKind>> | undefined;

function patterns(): ReadonlyArray<CompiledPattern<EmergencyKind>> {
  if (compiled) return compiled;
  const classes = compileWordClasses([hinglish.words, hindi.words, english.words]);
  compiled = byPriority(EMERGENCY_KINDS.flatMap((kind) => emergencyPatterns[kind].map((source) => compilePattern(source, kind, classes))));
  return compiled;
}

/** The most serious danger the message names, or undefined when it names none. */
export function emergencyOf(analysed: AnalysedText): EmergencyKind | undefined {
  if (analysed.tokens.length === 0) return undefined;
  const found = new Set(findMatches(analysed.tokens, patterns()).map((match) => match.pattern.meta));
  // "bill dekh ke jhatka lag gaya", "I got a shock when I saw my bill": a shock next to a bill is a figure of speech.
  if (found.has('shock') && analysed.tokens.some((token) => lexicon().isA(token, 'bill'))) found.delete('shock');
  return EMERGENCY_KINDS.find((kind) => found.has(kind));
}
