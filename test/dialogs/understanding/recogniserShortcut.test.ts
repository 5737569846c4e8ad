// Issue 15 (CPU per turn): yesNo.ts shows a message to the Microsoft boolean recogniser only when the recogniser's own
// expressions could match it (the recogniser splits the whole text into graphemes before it looks, the costliest step
// of understanding a message). The shortcut must never hide a result: whenever it says "nothing to find", the
// recogniser, asked anyway, finds nothing. Checked over every message of the understanding data sets and over text
// built to sit at the edges of the recogniser's words (case, word boundaries, emoji, Unicode case folding).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Culture, recognizeBoolean } from '@microsoft/recognizers-text-suite';
import { describe, expect, it } from 'vitest';
import { booleanRecogniserMayFind } from '../../../dialogs/understanding/yesNo.js';
import { analyse } from '../../../dialogs/understanding/text.js';

const dataDirectory = join(import.meta.dirname, 'data');

function corpusTexts(): string[] {
  const texts = new Set<string>();
  for (const file of readdirSync(dataDirectory).filter((name) => name.endsWith('.json'))) {
    const entries = JSON.parse(readFileSync(join(dataDirectory, file), 'utf8')) as unknown;
    const walk = (value: unknown): void => {
      if (typeof value === 'string') texts.add(value);
      else if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') Object.values(value).forEach(walk);
    };
    walk(entries);
  }
  return [...texts];
}

const recogniserWords = ['true', 'yes', 'yep', 'yup', 'yeah', 'y', 'sure', 'ok', 'agree', 'false', 'nope', 'nop', 'no', 'not ok', 'disagree'];
const edgeTexts = [
  ...recogniserWords.flatMap((word) => [word, word.toUpperCase(), `${word}!`, `x${word}`, `${word}x`, `${word}_`, `_${word}`, `${word}1`, `(${word})`, `${word}é`, `é${word}`]),
  'not   ok',
  'not\nok',
  'O\u212A', // Kelvin sign: lowercases to a Latin k
  'YES\u0130', // dotted capital I: lowercases to two characters
  'y\u0307',
  '👍',
  '👍🏽',
  '👌',
  '👎',
  '✋',
  '🖐',
  '🖐🏿',
  '\u0001f44c',
  'thumbs up',
  'haan ji bilkul',
  'nahi hua',
  'हाँ',
  'नहीं',
  '',
  ' ',
];

describe('boolean recogniser shortcut', () => {
  it('never skips text in which the recogniser would find a yes or a no', () => {
    const texts = [...corpusTexts(), ...edgeTexts];
    // Also the form yesNo.ts actually shows it: the message's normalised words, each followed by a space.
    const shown = texts.map((text) => analyse(text).tokens.map((token) => `${token.text} `).join(''));
    let skipped = 0;
    for (const text of [...texts, ...shown]) {
      if (booleanRecogniserMayFind(text)) continue;
      skipped += 1;
      expect(recognizeBoolean(text, Culture.English), JSON.stringify(text)).toEqual([]);
    }
    // The shortcut does skip most messages (else it would save nothing).
    expect(skipped).toBeGreaterThan(texts.length);
  });

  it('still shows the recogniser the words only it knows', () => {
    for (const text of ['yep ', 'nope ', 'yeah sure ', '👍 ', 'disagree ']) {
      expect(booleanRecogniserMayFind(text), text).toBe(true);
      expect(recognizeBoolean(text, Culture.English).length, text).toBeGreaterThan(0);
    }
  });
});
