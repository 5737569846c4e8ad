// The rules behind the accuracy figures, pinned one by one: especially the ones that keep a doubtful answer from
// closing a ticket.
import { describe, expect, it } from 'vitest';
import { classifyCategory, classifyYesNo, detectIntent, isUpset } from '../../../dialogs/understanding/index.js';

describe('classifyYesNo safety', () => {
  it('does not take a future, a hope or a temporary fix for a yes', () => {
    for (const text of ['light aa jayegi', 'kal tak theek ho jayega', 'it will be fixed', 'bijli aayi 5 minute ke liye', 'ho gaya hoga', 'shayad theek hai']) {
      expect(classifyYesNo(text), text).not.toBe('yes');
    }
  });

  it('does not take "yes, but …" for a yes', () => {
    for (const text of ['yes but', 'haan par', 'theek hai par kal phir dekhna padega', 'haan lekin voltage abhi bhi kam hai', 'yes but still not working']) {
      expect(classifyYesNo(text), text).toBe('unclear');
    }
  });

  it('reads a request for action as the problem still being there', () => {
    expect(classifyYesNo('jaldi kisi ko bhejo')).toBe('no');
    expect(classifyYesNo('please send someone')).toBe('no');
    expect(classifyYesNo('haan kisi ko bhejo')).toBe('unclear');
    expect(classifyYesNo('yes come fast')).toBe('unclear');
  });

  it('does not take an acknowledgement, a question or laughter for a yes', () => {
    for (const text of ['ok', 'okay', 'acha', 'thanks', 'ha ha ha', 'ho gaya?', 'light aa gayi kya', 'is it fixed', '🙏', 'ji']) {
      expect(classifyYesNo(text), text).toBe('unclear');
    }
  });

  it('lets a report of failure beat an earlier fix', () => {
    expect(classifyYesNo('ho gaya tha par phir chali gayi')).toBe('no');
    expect(classifyYesNo('it was working for an hour then stopped again')).toBe('no');
    expect(classifyYesNo('aa gayi thi par chali gayi')).toBe('no');
  });

  it('reads "no problem" style answers as yes', () => {
    expect(classifyYesNo('ab koi dikkat nahi')).toBe('yes');
    expect(classifyYesNo('no problem now')).toBe('yes');
    expect(classifyYesNo('कोई समस्या नहीं है अब')).toBe('yes');
  });

  it('treats spelling variants of Devanagari nasal marks and nukta alike', () => {
    for (const text of ['हाँ', 'हां', 'हा', 'हाँ\u200D', 'जी हाँ']) expect(classifyYesNo(text), text).toBe('yes');
    for (const text of ['नहीं', 'नही', 'नहिं']) expect(classifyYesNo(text), text).toBe('no');
  });
});

describe('classifyCategory', () => {
  it('prefers the named cause to the outage it causes', () => {
    expect(classifyCategory('light nahi aa rahi kyunki transformer jal gaya')?.category).toBe('transformer');
    expect(classifyCategory('meter jal gaya isliye light nahi aa rahi')?.category).toBe('meter');
    expect(classifyCategory('meter bypass karke bijli chala rahe')?.category).toBe('theft');
  });

  it('does not count a healthy meter or a paid bill as the complaint', () => {
    expect(classifyCategory('meter to theek hai par light nahi aa rahi')?.category).toBe('supply');
    expect(classifyCategory('Meter is not working')?.category).toBe('meter');
  });

  it('reports more confidence for stronger evidence', () => {
    const strong = classifyCategory('transformer se dhuan nikal raha hai');
    const weak = classifyCategory('bijli');
    expect(strong?.confidence).toBeGreaterThan(0.8);
    expect(weak?.category).toBe('supply');
    expect(weak?.confidence).toBeLessThan(0.5);
    expect(classifyCategory('hello')).toBeUndefined();
  });
});

describe('detectIntent', () => {
  it('puts a request for a person or to stop before a problem description', () => {
    expect(detectIntent('transformer jal gaya, kisi se baat karao')).toBe('human');
    expect(detectIntent('meri bill wali complaint cancel karo')).toBe('cancel');
  });

  it('puts a problem description before soft cues that often open one', () => {
    expect(detectIntent('help! transformer me aag lagi hai')).toBe('register');
    expect(detectIntent('namaste ji, bijli nahi aa rahi')).toBe('register');
    expect(detectIntent('transformer band karo aag lagi hai')).toBe('register');
    expect(detectIntent('band karo')).toBe('cancel');
  });

  it('reads a ticket number as a status request', () => {
    expect(detectIntent('UP-261128-00042')).toBe('status');
    expect(detectIntent('UP-261128-00042 light abhi bhi nahi aayi')).toBe('status');
  });
});

describe('isUpset', () => {
  it('hears frustration, long waits, shouting and abuse', () => {
    for (const text of ['bahut pareshan hain hum', '3 din se light nahi hai', 'teen din ho gaye', 'worst service', 'kya bakwas hai!!!', 'BIJLI KAB AAYEGI BATAO', 'bewakoof log', 'कितनी बार शिकायत करूं', '😡', 'ek hafte se meter kharab hai']) {
      expect(isUpset(text), text).toBe(true);
    }
  });

  it('does not hear it in an ordinary complaint', () => {
    for (const text of ['light nahi aa rahi 5 ghante se', 'meter jal gaya', 'UP-261128-00042', 'padosi bijli chura raha hai', 'LDA PGI', '']) {
      expect(isUpset(text), text).toBe(false);
    }
  });
});
