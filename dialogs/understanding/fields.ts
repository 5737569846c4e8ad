// Reading answers inside the registration: which field of the read-back a message names ("mobile galat hai",
// "jagah Aliganj hai"), and whether it asks to skip an optional question ("chhodo", "छोड़ें", "pata nahi").
import { lexicon, type WordClassName } from './lexicon/index.js';
import { findMatches } from './patterns.js';
import type { AnalysedText } from './text.js';

export type ComplaintField = 'category' | 'description' | 'accountNumber' | 'mobile' | 'place';

const FIELD_FRAMES: ReadonlyArray<[ComplaintField, WordClassName]> = [
  ['accountNumber', 'accountFrame'],
  ['mobile', 'mobileFrame'],
  ['place', 'placeFrame'],
  ['description', 'detailFrame'],
  ['category', 'categoryFrame'],
];

/** The fields a message names, in the order it names them. */
export function fieldsNamedOf(analysed: AnalysedText): ComplaintField[] {
  const { isA } = lexicon();
  const named: ComplaintField[] = [];
  for (const token of analysed.tokens) {
    for (const [field, frame] of FIELD_FRAMES) if (isA(token, frame) && !named.includes(field)) named.push(field);
  }
  return named;
}

/** Does the message say something is wrong or to be changed ("galat", "wrong", "badlo")? */
export function saysWrongOf(analysed: AnalysedText): boolean {
  const { isA } = lexicon();
  return analysed.tokens.some((token) => isA(token, 'wrongWord'));
}

export function skipOf(analysed: AnalysedText): boolean {
  return analysed.tokens.length > 0 && findMatches(analysed.tokens, lexicon().skip).length > 0;
}

// A sector, block, house, lane or landmark: what a lineman needs beyond the locality's name.
const PLACE_DETAIL =
  /(?<![\p{L}\p{N}])(?:sector|sec|block|blk|phase|house|h\.? ?no|makan|plot|flat|gali|lane|ward|near|opp|opposite|samne|saamne|paas|pas|peeche|piche|chauraha|crossing|mandir|masjid|school|hospital|park|सेक्टर|ब्लॉक|मकान|प्लॉट|गली|वार्ड|पास|सामने|पीछे|चौराहा|मंदिर|मस्जिद|स्कूल|अस्पताल|पार्क)(?![\p{L}])/iu;
const CLAUSE_BREAK = /[,;\n।|]+|\.(?!\s?\d)/u;
const LONGEST_PLACE_DETAIL = 120;

/** The clause of a message that gives place detail ("indra nagar sector 14 ke paas"), as the consumer wrote it. */
export function placeDetailIn(text: string): string | undefined {
  const clause = text
    .split(CLAUSE_BREAK)
    .map((part) => part.trim())
    .find((part) => part.length <= LONGEST_PLACE_DETAIL && PLACE_DETAIL.test(part));
  return clause || undefined;
}
