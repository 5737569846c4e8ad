// Issue 15 (CPU per turn): findMatches no longer tries every pattern of a list on every message; an index built once
// per list (patterns filed under the keys of one exact word each) names the candidates. The answers must be the ones
// trying every pattern gives: same matches, same priority order, fuzzy words still found, words consumed as before.
import { describe, expect, it } from 'vitest';
import { byPriority, compilePattern, compileWordClasses, findMatches } from '../../../dialogs/understanding/patterns.js';
import { analyse } from '../../../dialogs/understanding/text.js';

const classes = compileWordClasses([{ negation: ['nahi', 'nahin', 'not', 'नहीं'], power: ['bijli', 'light', 'power', 'बिजली'] }]);
const patterns = byPriority(
  [
    ['{power} * {negation}', 'outage'],
    ['meter bypass', 'theft'],
    ['meter', 'meter'],
    ['~transformer', 'transformer'],
    ['^ haan $', 'yes'],
    ['{negation}', 'no'],
    ['koi dikkat {negation}', 'all fine'],
  ].map(([source, meta]) => compilePattern(source!, meta!, classes)),
);

function metas(text: string): string[] {
  return findMatches(analyse(text).tokens, patterns).map((match) => match.pattern.meta);
}

describe('pattern candidates from the index', () => {
  it('finds what trying every pattern finds, in priority order', () => {
    expect(metas('bijli 3 ghante se nahi hai')).toEqual(['outage']);
    expect(metas('meter bypass kar raha hai padosi')).toEqual(['theft']);
    expect(metas('meter kharab hai, light nahi')).toEqual(['outage', 'meter']);
    expect(metas('koi dikkat nahi')).toEqual(['all fine']);
    expect(metas('nahi')).toEqual(['no']);
    expect(metas('haan')).toEqual(['yes']);
    expect(metas('haan ji')).toEqual([]);
    expect(metas('कोई बात नहीं, बिजली नहीं है')).toEqual(['outage', 'no']);
    expect(metas('')).toEqual([]);
  });

  it('still finds a word only a fuzzy pattern knows (a typo), which no exact key can point to', () => {
    expect(metas('trasformer jal gaya')).toEqual(['transformer']);
    expect(metas('tarnsformer se awaaz')).toEqual(['transformer']);
  });

  it('lets an earlier list consume words before a later one, as before', () => {
    const tokens = analyse('koi dikkat nahi, meter theek').tokens;
    const consumed = new Array<boolean>(tokens.length).fill(false);
    const first = findMatches(tokens, patterns.filter((pattern) => pattern.meta === 'all fine'), consumed);
    const second = findMatches(tokens, patterns, consumed);
    expect(first.map((match) => match.pattern.meta)).toEqual(['all fine']);
    expect(second.map((match) => match.pattern.meta)).toEqual(['meter']);
  });
});
