// A tiny pattern language over tokens, so the word lists stay data instead of becoming regexes:
//
//   word            one token, compared by loose key ("haan" also matches "han", "haaan")
//   a|b|c           any of the alternatives
//   {name}          any word of a word class (the union of every language's list, so code-mixed text matches)
//   ~word           the word or a near miss (one typo from 7 letters, two from 10: "trasformer", "tarnsformer")
//   *               up to three tokens of anything
//   ^  $            start / end of a clause
//
// Longer patterns are tried first and the tokens they match are consumed, so "koi dikkat nahi" (all fine) is read
// before its "nahi" could count as a no, and "meter bypass" (theft) before "meter" could count as a meter fault.
import { normaliseText, tokenise, type Token } from './text.js';

const GAP_LIMIT = 3;

type Element =
  | { kind: 'word'; keys: ReadonlySet<string>; fuzzy: readonly string[] }
  | { kind: 'gap' }
  | { kind: 'clauseStart' }
  | { kind: 'clauseEnd' };

export interface CompiledPattern<Meta> {
  source: string;
  elements: readonly Element[];
  /** Number of words the pattern must match: more specific patterns win. */
  specificity: number;
  meta: Meta;
}

export interface PatternMatch<Meta> {
  pattern: CompiledPattern<Meta>;
  /** Indices of the tokens the pattern's words matched (gaps excluded). */
  tokenIndices: readonly number[];
  first: number;
  last: number;
}

export type CompiledWordClasses = ReadonlyMap<string, ReadonlySet<string>>;

export class LexiconError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The loose key of a lexicon word, which must be a single token once normalised (a typo here fails at start-up). */
export function wordKey(word: string, context: string): string {
  const tokens = tokenise(normaliseText(word));
  if (tokens.length !== 1) throw new LexiconError(`${context}: "${word}" is not a single word after normalisation`);
  return tokens[0]!.key;
}

export function compileWordClasses(lists: ReadonlyArray<Readonly<Record<string, readonly string[] | undefined>>>): CompiledWordClasses {
  const classes = new Map<string, Set<string>>();
  for (const list of lists) {
    for (const [name, words] of Object.entries(list)) {
      const keys = classes.get(name) ?? new Set<string>();
      for (const word of words ?? []) keys.add(wordKey(word, `word class {${name}}`));
      classes.set(name, keys);
    }
  }
  return classes;
}

function compileElement(part: string, classes: CompiledWordClasses, source: string): Element {
  if (part === '*') return { kind: 'gap' };
  if (part === '^') return { kind: 'clauseStart' };
  if (part === '$') return { kind: 'clauseEnd' };
  const keys = new Set<string>();
  const fuzzy: string[] = [];
  for (const alternative of part.split('|')) {
    const className = /^\{(\w+)\}$/.exec(alternative)?.[1];
    if (className !== undefined) {
      const members = classes.get(className);
      if (members === undefined) throw new LexiconError(`pattern "${source}": unknown word class {${className}}`);
      for (const key of members) keys.add(key);
    } else if (alternative.startsWith('~')) {
      const key = wordKey(alternative.slice(1), `pattern "${source}"`);
      keys.add(key);
      fuzzy.push(key);
    } else {
      keys.add(wordKey(alternative, `pattern "${source}"`));
    }
  }
  return { kind: 'word', keys, fuzzy };
}

export function compilePattern<Meta>(source: string, meta: Meta, classes: CompiledWordClasses): CompiledPattern<Meta> {
  const elements = source
    .trim()
    .split(/\s+/)
    .map((part) => compileElement(part, classes, source));
  const specificity = elements.filter((element) => element.kind === 'word').length;
  if (specificity === 0) throw new LexiconError(`pattern "${source}" matches no word`);
  return { source, elements, specificity, meta };
}

/** Most specific first; equally specific patterns keep their lexicon order, so the lists read as priorities. */
export function byPriority<Meta>(patterns: Array<CompiledPattern<Meta>>): Array<CompiledPattern<Meta>> {
  return patterns
    .map((pattern, order) => ({ pattern, order }))
    .sort((a, b) => b.pattern.specificity - a.pattern.specificity || a.order - b.order)
    .map(({ pattern }) => pattern);
}

/** Optimal string alignment distance, abandoned as soon as it must exceed `limit` (the caller only asks "is it close?"). */
function withinEditDistance(a: string, b: string, limit: number): boolean {
  if (Math.abs(a.length - b.length) > limit) return false;
  let previousRow: number[] = [];
  let row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const nextRow = [i];
    let rowMinimum = i;
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
      let cost = Math.min(row[j]! + 1, nextRow[j - 1]! + 1, row[j - 1]! + substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cost = Math.min(cost, previousRow[j - 2]! + 1);
      nextRow.push(cost);
      rowMinimum = Math.min(rowMinimum, cost);
    }
    if (rowMinimum > limit) return false;
    previousRow = row;
    row = nextRow;
  }
  return row[b.length]! <= limit;
}

function fuzzyMatches(candidates: readonly string[], key: string): boolean {
  for (const candidate of candidates) {
    // Short words have too many one-letter neighbours ("meter"/"metro") to guess at.
    const limit = candidate.length >= 10 ? 2 : candidate.length >= 7 ? 1 : 0;
    if (limit > 0 && key[0] === candidate[0] && withinEditDistance(key, candidate, limit)) return true;
  }
  return false;
}

function wordMatches(element: Extract<Element, { kind: 'word' }>, token: Token): boolean {
  if (element.keys.has(token.key)) return true;
  return element.fuzzy.length > 0 && token.script === 'latin' && fuzzyMatches(element.fuzzy, token.key);
}

function isClauseStart(tokens: readonly Token[], position: number): boolean {
  return position < tokens.length && (position === 0 || tokens[position - 1]!.clause !== tokens[position]!.clause);
}

function isClauseEnd(tokens: readonly Token[], position: number): boolean {
  return position > 0 && (position === tokens.length || tokens[position]!.clause !== tokens[position - 1]!.clause);
}

/** Tries to match elements[elementIndex…] from token `position`; returns the matched word positions or undefined. */
function matchFrom(
  elements: readonly Element[],
  elementIndex: number,
  tokens: readonly Token[],
  position: number,
  consumed: readonly boolean[],
  clause: number | undefined,
  matched: number[],
): number[] | undefined {
  const element = elements[elementIndex];
  if (element === undefined) return matched;
  switch (element.kind) {
    case 'clauseStart':
      return isClauseStart(tokens, position) ? matchFrom(elements, elementIndex + 1, tokens, position, consumed, clause, matched) : undefined;
    case 'clauseEnd':
      return isClauseEnd(tokens, position) ? matchFrom(elements, elementIndex + 1, tokens, position, consumed, clause, matched) : undefined;
    case 'gap':
      for (let skip = 0; skip <= GAP_LIMIT; skip += 1) {
        const skipped = tokens[position + skip - 1];
        if (skip > 0 && (skipped === undefined || (clause !== undefined && skipped.clause !== clause))) break;
        const result = matchFrom(elements, elementIndex + 1, tokens, position + skip, consumed, clause, matched);
        if (result !== undefined) return result;
      }
      return undefined;
    case 'word': {
      const token = tokens[position];
      if (token === undefined || consumed[position] || (clause !== undefined && token.clause !== clause)) return undefined;
      if (!wordMatches(element, token)) return undefined;
      return matchFrom(elements, elementIndex + 1, tokens, position + 1, consumed, token.clause, [...matched, position]);
    }
  }
}

/**
 * Which patterns of a list could match a message at all, found from the message's words instead of by trying every
 * pattern: each pattern is filed under the keys of one of its exact (not ~fuzzy) words — the one with the fewest
 * keys — so a pattern is a candidate only when the message holds one of them. Patterns with fuzzy words only are
 * always candidates. Built once per pattern list (the lexicon's lists live as long as the process).
 */
interface PatternIndex {
  byKey: ReadonlyMap<string, readonly number[]>;
  always: readonly number[];
}

const patternIndexes = new WeakMap<ReadonlyArray<CompiledPattern<unknown>>, PatternIndex>();

function indexOf(patterns: ReadonlyArray<CompiledPattern<unknown>>): PatternIndex {
  const known = patternIndexes.get(patterns);
  if (known !== undefined) return known;
  const byKey = new Map<string, number[]>();
  const always: number[] = [];
  patterns.forEach((pattern, position) => {
    let anchor: ReadonlySet<string> | undefined;
    for (const element of pattern.elements) {
      if (element.kind === 'word' && element.fuzzy.length === 0 && (anchor === undefined || element.keys.size < anchor.size)) anchor = element.keys;
    }
    if (anchor === undefined) {
      always.push(position);
      return;
    }
    for (const key of anchor) {
      const filed = byKey.get(key);
      if (filed === undefined) byKey.set(key, [position]);
      else filed.push(position);
    }
  });
  const index = { byKey, always };
  patternIndexes.set(patterns, index);
  return index;
}

/** The positions of the patterns that could match text with these keys, in list (priority) order. */
function candidatePositions(patterns: ReadonlyArray<CompiledPattern<unknown>>, present: ReadonlySet<string>): number[] {
  const { byKey, always } = indexOf(patterns);
  const positions = new Set(always);
  for (const key of present) for (const position of byKey.get(key) ?? []) positions.add(position);
  return [...positions].sort((a, b) => a - b);
}

/**
 * Every non-overlapping match of the patterns (already in priority order), consuming matched tokens in `consumed`
 * (pass one array to several calls to let an earlier family of patterns claim words first).
 */
export function findMatches<Meta>(
  tokens: readonly Token[],
  patterns: ReadonlyArray<CompiledPattern<Meta>>,
  consumed: boolean[] = new Array<boolean>(tokens.length).fill(false),
): Array<PatternMatch<Meta>> {
  const matches: Array<PatternMatch<Meta>> = [];
  // Most patterns name a word the message does not contain at all; ruling them out first keeps long messages cheap.
  const present = new Set(tokens.map((token) => token.key));
  const hasLatin = tokens.some((token) => token.script === 'latin');
  const couldMatch = (element: Element): boolean => {
    if (element.kind !== 'word') return true;
    if (element.fuzzy.length > 0 && hasLatin) return true;
    const [smaller, larger] = element.keys.size < present.size ? [element.keys, present] : [present, element.keys];
    for (const key of smaller) if (larger.has(key)) return true;
    return false;
  };
  for (const position of candidatePositions(patterns, present)) {
    const pattern = patterns[position]!;
    if (!pattern.elements.every(couldMatch)) continue;
    for (let start = 0; start < tokens.length; start += 1) {
      const indices = matchFrom(pattern.elements, 0, tokens, start, consumed, undefined, []);
      if (indices === undefined || indices.length === 0) continue;
      for (const index of indices) consumed[index] = true;
      matches.push({ pattern, tokenIndices: indices, first: indices[0]!, last: indices[indices.length - 1]! });
      start = indices[indices.length - 1]!;
    }
  }
  return matches;
}
