import { describe, expect, it } from 'vitest';
import { detectIntent, detectLanguage, detectLanguageSwitch } from '../../../dialogs/understanding/index.js';

describe('detectLanguageSwitch', () => {
  it('hears a request for English', () => {
    for (const text of [
      'English please',
      'in english',
      'can you speak english',
      'Can you reply in English?',
      'english',
      'English only',
      'english me baat karo',
      'angrezi mein bolo',
      'अंग्रेजी में बताइए',
      "I don't understand Hindi",
      'hindi nahi aati',
      'hindi nahi, english me',
    ]) {
      expect(detectLanguageSwitch(text), text).toBe('en');
    }
  });

  it('hears a request for Hindi', () => {
    for (const text of ['हिंदी में', 'हिन्दी में बात करें', 'hindi mein baat karo', 'hindi please', 'Hindi', 'speak in hindi', 'english nahi aati', 'english nahi, hindi me', "I can't read English"]) {
      expect(detectLanguageSwitch(text), text).toBe('hi');
    }
  });

  it('hears a request for Hinglish (Hindi in Latin letters)', () => {
    for (const text of ['hinglish me baat karo', 'Hinglish please', 'roman mein likho', 'hinglish', 'reply in hinglish', 'hindi in english letters', 'hindi english akshar me likho', 'हिंग्लिश में बात करो']) {
      expect(detectLanguageSwitch(text), text).toBe('hl');
    }
  });

  it('does not hear one where there is none', () => {
    for (const text of ['light nahi aa rahi', 'Naka Hindola me transformer jal gaya', 'the bill is in english and hindi', 'haan', '', '👍']) {
      expect(detectLanguageSwitch(text), text).toBeUndefined();
    }
  });

  it('is not mistaken for a request to talk to a person', () => {
    expect(detectIntent('english me baat karo')).toBe('none');
    expect(detectIntent('hindi mein baat karo')).toBe('none');
    expect(detectIntent('kisi insaan se hindi mein baat karni hai')).toBe('human');
  });
});

describe('detectLanguage', () => {
  it('reads Devanagari as Hindi, even mixed with English words', () => {
    expect(detectLanguage('बिजली नहीं है')).toBe('hi');
    expect(detectLanguage('मेरा meter जल गया')).toBe('hi');
  });

  // Issue 12 item 6: Hindi in Latin letters is Hinglish ('hl'), answered in Latin letters, no longer 'hi' (Devanagari).
  it('reads romanised Hindi as Hinglish (Hindi in Latin letters) and English as English', () => {
    expect(detectLanguage('bhai light kab aayegi')).toBe('hl');
    expect(detectLanguage('mera bill galat aaya hai')).toBe('hl');
    expect(detectLanguage('My bill is wrong this month')).toBe('en');
    expect(detectLanguage('Sir light nahi aa rahi please help')).toBe('hl');
    expect(detectLanguage('मेरा bill 18000 aaya hai')).toBe('hl');
  });

  it('reads the "no" of "acc no", "mob no", "A/C No." as "number", not as English', () => {
    for (const text of ['acc no 2345678901', 'A/C No. 2345678901', 'mob no 9918012345', 'a/c 6789012345, mob 8299012345']) {
      expect(detectLanguage(text), text).toBeUndefined();
    }
  });

  it('has nothing to say about numbers, emoji, ticket numbers and shared loanwords', () => {
    for (const text of ['9876543210', '👍', 'UP-261128-00042', 'ok', 'meter', 'Gomti Nagar', '', '   ']) {
      expect(detectLanguage(text), text).toBeUndefined();
    }
  });
});
