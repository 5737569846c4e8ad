// Issue 12: the labelled registration set — numbers with their labels (two numbers, typos, Devanagari digits), skips,
// corrections at the read-back and several problems in one message, as consumers write them. Every example must be
// read right; a misread one is listed by its text.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyProblems, detectCorrection, extractEntities, problemWordsIn, readLandmarkAnswer, understand } from '../../../dialogs/understanding/index.js';
import { Directory } from '../../../services/directory.js';

interface RegistrationSet {
  numbers: Array<{ text: string; accountNumber?: string; mobile?: string; eitherNumbers?: string[] }>;
  skips: Array<{ text: string; skip: boolean }>;
  corrections: Array<{ text: string; fields: string[]; saysWrong: boolean }>;
  problems: Array<{ text: string; problems: string[] }>;
  /** Each problem's own words in a message naming several (issue 12 item 3). */
  problemWords: Array<{ text: string; words: Record<string, string> }>;
  /** Answers to the landmark question asked in a large locality (issue 12 item 4). */
  landmarks: Array<{ text: string; answer: 'skip' | 'landmark' | 'none' }>;
}

const set = JSON.parse(readFileSync(new URL('./data/registration.json', import.meta.url), 'utf8')) as RegistrationSet;
const directory = Directory.loadDefault();

describe('the labelled registration set', () => {
  it('reads every account and mobile number by its label, and asks about two unlabelled ones', () => {
    const misread = set.numbers.filter(({ text, ...expected }) => {
      const { accountNumber, mobile, eitherNumbers } = extractEntities(text, directory);
      return JSON.stringify({ accountNumber, mobile, eitherNumbers }) !== JSON.stringify({ accountNumber: expected.accountNumber, mobile: expected.mobile, eitherNumbers: expected.eitherNumbers });
    });
    expect(misread.map((example) => example.text)).toEqual([]);
  });

  it('tells a skip from an answer', () => {
    const misread = set.skips.filter(({ text, skip }) => understand(text, directory).skip !== skip);
    expect(misread.map((example) => example.text)).toEqual([]);
  });

  it('names the field a read-back correction is about', () => {
    const misread = set.corrections.filter(({ text, fields, saysWrong }) => {
      const read = detectCorrection(text);
      return JSON.stringify(read.fields) !== JSON.stringify(fields) || read.saysWrong !== saysWrong;
    });
    expect(misread.map((example) => example.text)).toEqual([]);
  });

  it('lists each separate problem in a message, and only those', () => {
    const misread = set.problems.filter(({ text, problems }) => JSON.stringify(classifyProblems(text)) !== JSON.stringify(problems));
    expect(misread.map((example) => example.text)).toEqual([]);
  });

  it("keeps each problem's own words when a message names several", () => {
    const misread = set.problemWords.filter(({ text, words }) => JSON.stringify(problemWordsIn(text)) !== JSON.stringify(words));
    expect(misread.map((example) => example.text)).toEqual([]);
  });

  it('tells a landmark from a skip and from no answer at all', () => {
    const misread = set.landmarks.filter(({ text, answer }) => readLandmarkAnswer(text) !== answer);
    expect(misread.map((example) => example.text)).toEqual([]);
  });
});
