// The one place that picks the reply language (dialogs/replyLanguage.ts), rule by rule: locales and Accept-Language
// headers (hostile ones included), the first message, the bar for changing a language in use, and explicit choices.
import { describe, expect, it } from 'vitest';
import { currentLanguage, languageOfAcceptLanguage, languageOfLocale, nextLanguage } from '../../dialogs/replyLanguage.js';
import { understand } from '../../dialogs/understanding/index.js';
import { Directory } from '../../services/directory.js';

const directory = Directory.loadDefault();
const after = (memory: Parameters<typeof nextLanguage>[0], text: string) => nextLanguage(memory, understand(text, directory));

describe('locales', () => {
  it('maps a locale to the language it asks for', () => {
    expect(['en-US', 'en', 'EN-in', 'hi-IN', 'hi', 'hi-Latn', 'hi-Latn-IN', 'fr-FR', '', undefined].map(languageOfLocale)).toEqual([
      'en', 'en', 'en', 'hi', 'hi', 'hl', 'hl', undefined, undefined, undefined,
    ]);
  });

  it('reads Accept-Language by preference, and never throws on a hostile header', () => {
    expect(languageOfAcceptLanguage('en-US,en;q=0.9,hi;q=0.8')).toBe('en');
    expect(languageOfAcceptLanguage('fr-FR, hi;q=0.7, en;q=0.5')).toBe('hi');
    expect(languageOfAcceptLanguage('hi;q=0.4, en-GB;q=0.6')).toBe('en');
    expect(languageOfAcceptLanguage('en;q=0, hi-IN')).toBe('hi');
    for (const hostile of [undefined, '', ';;;,,,', 'en;q=abc', '*', `${'x,'.repeat(10_000)}en`, 'en-US;q=1e999', '<script>']) {
      expect(() => languageOfAcceptLanguage(hostile)).not.toThrow();
    }
    expect(languageOfAcceptLanguage(`${'x,'.repeat(10_000)}en`)).toBeUndefined();
  });

  it('the page locale stands in only until the consumer has a language of their own', () => {
    expect(currentLanguage({}, 'en-US')).toBe('en');
    expect(currentLanguage({}, undefined)).toBe('hi');
    expect(currentLanguage({ language: 'hl' }, 'en-US')).toBe('hl');
  });
});

describe('changing the language of a conversation', () => {
  it('the first message that shows a language sets it; one that shows none leaves it unset', () => {
    expect(after({}, 'bijli nahi hai')).toEqual({ language: 'hl' });
    expect(after({}, 'बिजली नहीं है')).toEqual({ language: 'hi' });
    expect(after({}, 'acc no 2345678901')).toEqual({});
  });

  it('a language in use changes only on three words with two markers of the new one', () => {
    expect(after({ language: 'hi' }, 'haan ji')).toEqual({ language: 'hi' });
    expect(after({ language: 'en' }, 'ji 9918012345')).toEqual({ language: 'en' });
    expect(after({ language: 'hl' }, 'No, mobile is 8299012345')).toEqual({ language: 'hl' });
    expect(after({ language: 'hl' }, 'please send someone, the wire is sparking')).toEqual({ language: 'en' });
    expect(after({ language: 'en' }, 'light nahi aa rahi hai')).toEqual({ language: 'hl' });
    expect(after({ language: 'hl' }, 'मेरा मीटर भी खराब है')).toEqual({ language: 'hi' });
    expect(after({ language: 'hi' }, 'mera meter bhi kharab hai')).toEqual({ language: 'hl' });
  });

  it("a tapped button of the bot's own never changes it", () => {
    expect(after({ language: 'en' }, 'Register a complaint')).toEqual({ language: 'en' });
    expect(after({ language: 'hl' }, 'Kisi vyakti se baat')).toEqual({ language: 'hl' });
  });

  it('an explicit request sets it and marks it chosen; after that, writing does not change it', () => {
    const chosen = after({ language: 'hi' }, 'hinglish me baat karo');
    expect(chosen).toEqual({ language: 'hl', languageChosen: true });
    expect(after(chosen, 'the meter is broken since last night')).toEqual(chosen);
    expect(after(chosen, 'English please')).toEqual({ language: 'en', languageChosen: true });
  });
});
