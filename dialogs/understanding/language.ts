// Which language to answer in. Devanagari is Hindi; romanised text is Hindi when its function words are Hindi ones
// ("hai", "nahi", "mera"), because UP consumers who write Hinglish read Hindi replies best. Domain loanwords
// ("light", "bill", "meter") and universal words ("ok", "hello") say nothing either way.
import { lexicon } from './lexicon/index.js';
import { findMatches } from './patterns.js';
import type { AnalysedText } from './text.js';

export type Language = 'hi' | 'en';

export function languageOf(analysed: AnalysedText): Language | undefined {
  const { hinglishMarkers, englishMarkers, isA } = lexicon();
  let hindiEvidence = 0;
  let englishEvidence = 0;
  for (const [index, token] of analysed.tokens.entries()) {
    // "acc no", "mob no.": the "no" is part of a label, and says nothing about the language.
    const previous = analysed.tokens[index - 1];
    if (isA(token, 'numberWord') && (isA(previous, 'accountFrame') || isA(previous, 'mobileFrame'))) continue;
    if (token.script === 'devanagari') hindiEvidence += 1;
    else if (token.script === 'latin') {
      if (hinglishMarkers.has(token.key)) hindiEvidence += 1;
      else if (englishMarkers.has(token.key)) englishEvidence += 1;
    }
  }
  if (hindiEvidence === 0 && englishEvidence === 0) return undefined;
  // A tie goes to Hindi: the helpline's default, and the safer reading of code-mixed text.
  return englishEvidence > hindiEvidence ? 'en' : 'hi';
}

/**
 * An explicit request for a language. Contradictory requests count as none, and so does a request beside a bare
 * mention of the other language ("the bill is in english and hindi"), which is more likely talk about languages.
 */
export function switchRequestOf(analysed: AnalysedText): Language | undefined {
  const { languageSwitch, isA } = lexicon();
  const consumed = new Array<boolean>(analysed.tokens.length).fill(false);
  const targets = new Set(findMatches(analysed.tokens, languageSwitch, consumed).map((match) => match.pattern.meta));
  const [target] = targets;
  if (targets.size !== 1 || target === undefined) return undefined;
  const otherLanguage = target === 'en' ? 'hindiLanguage' : 'englishLanguage';
  const mentionsOtherAside = analysed.tokens.some((token, index) => !consumed[index] && isA(token, otherLanguage));
  return mentionsOtherAside ? undefined : target;
}
