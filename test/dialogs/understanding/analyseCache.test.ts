// Issue 15 (CPU per turn): analyse() keeps its last few results by text, because a turn's message is analysed by
// understand() and again by the dialog step that reads it. A kept analysis must be the one a fresh run gives, must
// not be changeable by a caller, and must never answer for another text.
import { describe, expect, it } from 'vitest';
import { ANALYSIS_LIMIT, analyse, normaliseText, tokenise } from '../../../dialogs/understanding/text.js';

function fresh(text: string) {
  const raw = text.slice(0, ANALYSIS_LIMIT);
  const normalised = normaliseText(raw);
  return { raw, normalised, tokens: tokenise(normalised), hasQuestionMark: /[?？]/.test(normalised) };
}

describe('kept analyses', () => {
  it('answer the same as a fresh analysis, for the same text only', () => {
    const texts = ['Gomti Nagar mein 3 ghante se bijli nahi hai', 'haan', 'HAAN', 'haan?', 'मेरे घर में बिजली नहीं है', 'haan'];
    for (const text of texts) expect(analyse(text), text).toEqual(fresh(text));
    expect(analyse('haan')).toBe(analyse('haan'));
    expect(analyse('haan')).not.toBe(analyse('haan?'));
    expect(analyse('haan?').hasQuestionMark).toBe(true);
    expect(analyse('HAAN').raw).toBe('HAAN');
  });

  it('cannot be changed by a caller', () => {
    const analysed = analyse('light nahi hai');
    expect(() => ((analysed as { normalised: string }).normalised = 'haan')).toThrow(TypeError);
    expect(() => (analysed.tokens as unknown as string[]).push('haan')).toThrow(TypeError);
    expect(() => ((analysed.tokens[0] as { key: string }).key = 'haan')).toThrow(TypeError);
    expect(analyse('light nahi hai')).toEqual(fresh('light nahi hai'));
  });

  it('stay correct when more texts come than are kept', () => {
    const texts = Array.from({ length: 100 }, (_, index) => `shikayat ${index} light nahi`);
    for (const text of texts) analyse(text);
    for (const text of [...texts].reverse()) expect(analyse(text)).toEqual(fresh(text));
  });

  it('are keyed by what is analysed: texts alike in their first ANALYSIS_LIMIT characters share one', () => {
    const long = 'a'.repeat(ANALYSIS_LIMIT);
    expect(analyse(`${long} haan`)).toEqual(fresh(`${long} nahi`));
    expect(analyse(undefined as unknown as string)).toEqual(fresh(''));
  });
});
