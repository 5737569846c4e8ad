import { describe, expect, it } from 'vitest';
import {
  ANALYSIS_LIMIT,
  classifyCategory,
  classifyYesNo,
  detectIntent,
  detectLanguage,
  detectLanguageSwitch,
  extractEntities,
  isUpset,
  understand,
} from '../../../dialogs/understanding/index.js';
import { analyse } from '../../../dialogs/understanding/text.js';
import { Directory } from '../../../services/directory.js';

const directory = Directory.loadDefault();

function everything(text: string) {
  return {
    understanding: understand(text, directory),
    language: detectLanguage(text),
    switchTo: detectLanguageSwitch(text),
    yesNo: classifyYesNo(text),
    category: classifyCategory(text),
    entities: extractEntities(text, directory),
    intent: detectIntent(text),
    upset: isUpset(text),
  };
}

describe('edge inputs', () => {
  it('handles empty and whitespace-only messages', () => {
    for (const text of ['', '   ', '\n\t\n', '\u200B\u200D']) {
      const result = everything(text);
      expect(result.understanding).toMatchObject({ intent: 'none', yesNo: 'unclear', upset: false, entities: {} });
      expect(result.language).toBeUndefined();
      expect(result.category).toBeUndefined();
    }
  });

  it('handles emoji-only messages', () => {
    expect(everything('😀😀😀').understanding).toMatchObject({ intent: 'none', yesNo: 'unclear', upset: false });
    expect(classifyYesNo('👍🏽')).toBe('yes');
    expect(classifyYesNo('✔️')).toBe('yes');
    expect(classifyYesNo('👎')).toBe('no');
    expect(isUpset('😡😡')).toBe(true);
  });

  it('reads HTML and script text as plain words, without executing or choking on it', () => {
    expect(classifyYesNo('<b>haan</b>')).toBe('yes');
    expect(classifyCategory('<p>transformer <i>jal</i> gaya</p>')?.category).toBe('transformer');
    const script = everything('<script>alert("nahi")</script><img src=x onerror=alert(1)>');
    expect(script.understanding.text).toContain('<script>');
    expect(script.category).toBeUndefined();
    expect(extractEntities('mobile <9876543210>', directory).mobile).toBe('9876543210');
  });

  it('analyses only the start of a 20,000-character message, quickly', () => {
    const long = `transformer jal gaya Vivek Khand me, mera number 9876543210. ${'bahut lamba sandesh hai '.repeat(900)}`.slice(0, 20_000);
    expect(long.length).toBe(20_000);
    understand('warm up', directory);
    const started = performance.now();
    const understanding = understand(long, directory);
    const elapsed = performance.now() - started;
    expect(understanding.text).toBe(long);
    expect(understanding).toMatchObject({ category: 'transformer', intent: 'register', entities: { mobile: '9876543210', place: { locality: 'Vivek Khand' } } });
    // Generous for slow CI machines; it takes a few milliseconds.
    expect(elapsed).toBeLessThan(250);
  });

  it('stays fast on long input that is hard for regular expressions', () => {
    for (const text of ['👍😡🙏'.repeat(7000), '1 2 3 4 5 6 7 8 9 0 '.repeat(1000), 'a'.repeat(20_000), '<'.repeat(20_000), '+91 '.repeat(5000), 'नहीं '.repeat(4000)]) {
      const started = performance.now();
      everything(text);
      expect(performance.now() - started, text.slice(0, 20)).toBeLessThan(500);
    }
  });

  it('analyses only the first ANALYSIS_LIMIT characters, cutting without splitting an emoji', () => {
    expect(analyse(`${'a'.repeat(ANALYSIS_LIMIT - 1)}😀 more`).raw).toBe('a'.repeat(ANALYSIS_LIMIT - 1));
    expect(classifyYesNo(`${'x '.repeat(ANALYSIS_LIMIT)} haan`)).toBe('unclear');
  });

  it('treats zero-width joiners, nukta and nasal-mark variants as the same word', () => {
    expect(classifyCategory('ट्रांस\u200Dफार्मर जल गया')?.category).toBe('transformer');
    expect(classifyCategory('ज़्यादा बिल आया')?.category).toBe('bill');
    expect(classifyCategory('मीटर में आग लग गयी')?.category).toBe('meter');
    expect(classifyYesNo('हाँ')).toBe(classifyYesNo('हां'));
  });

  it('does not throw on input that is not a string at run time', () => {
    expect(() => understand(undefined as unknown as string, directory)).not.toThrow();
    expect(classifyYesNo(null as unknown as string)).toBe('unclear');
  });
});
