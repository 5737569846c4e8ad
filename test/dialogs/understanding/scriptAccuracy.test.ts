// Measured reply language and script (issue 12 items 6 and 9): labelled consumer messages and whole conversations
// (data/script.json, written before the rules; data/scriptHoldout.json, written after them), scored per label — Hindi
// in Devanagari ('hi'), Hinglish in Latin letters ('hl'), English ('en') and "no sign of a language" (none). The
// figures are printed as the table docs/understanding.md reports. Conversations go through the same function the bot
// uses every turn (dialogs/replyLanguage.ts), with the page's locale where the conversation has one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { currentLanguage, languageOfLocale, nextLanguage, type LanguageMemory } from '../../../dialogs/replyLanguage.js';
import { classifyCategory, classifyYesNo, detectIntent, detectLanguage, detectLanguageSwitch, understand } from '../../../dialogs/understanding/index.js';
import { Directory } from '../../../services/directory.js';

type Label = 'hi' | 'hl' | 'en' | null;
interface ScriptSet {
  messages: Array<{ text: string; reply: Label }>;
  conversations: Array<{ name: string; page?: 'hi' | 'en' | 'hl'; turns: Array<{ text: string; reply: Exclude<Label, null> }> }>;
}

const DATA_FOLDER = new URL('./data/', import.meta.url);
const read = <T>(file: string): T => JSON.parse(readFileSync(new URL(file, DATA_FOLDER), 'utf8')) as T;
const load = (file: string): ScriptSet => read<ScriptSet>(file);
const labelled = load('script.json');
const holdout = load('scriptHoldout.json');
const directory = Directory.loadDefault();
const LABELS = ['hi', 'hl', 'en', 'none'] as const;
const pageLocales = { hi: 'hi-IN', en: 'en-US', hl: 'hi-Latn' } as const;

interface Figures {
  byLabel: Record<(typeof LABELS)[number], { correct: number; total: number }>;
  correct: number;
  total: number;
  misses: string[];
}

function tally(name: string, results: Array<{ text: string; expected: string; got: string }>): Figures {
  const byLabel = Object.fromEntries(LABELS.map((label) => [label, { correct: 0, total: 0 }])) as Figures['byLabel'];
  const misses: string[] = [];
  for (const { text, expected, got } of results) {
    const bucket = byLabel[expected as (typeof LABELS)[number]];
    bucket.total += 1;
    if (got === expected) bucket.correct += 1;
    else misses.push(`    ${JSON.stringify(text)}: expected ${expected}, got ${got}`);
  }
  const correct = results.length - misses.length;
  const cell = (label: (typeof LABELS)[number]) =>
    byLabel[label].total === 0 ? `${label} —` : `${label} ${byLabel[label].correct}/${byLabel[label].total} = ${((100 * byLabel[label].correct) / byLabel[label].total).toFixed(1)}%`;
  console.log([`${name}: ${correct}/${results.length} = ${((100 * correct) / results.length).toFixed(1)}% | ${LABELS.map(cell).join(' | ')}`, ...misses].join('\n'));
  return { byLabel, correct, total: results.length, misses };
}

/** Each message on its own: the language it asks for, else the language and script it shows, else none. */
function scoreMessages(name: string, set: ScriptSet): Figures {
  return tally(
    name,
    set.messages.map(({ text, reply }) => ({ text, expected: reply ?? 'none', got: detectLanguageSwitch(text) ?? detectLanguage(text) ?? 'none' })),
  );
}

/** Each turn of each conversation: the language the bot answers that turn in. */
function scoreConversations(name: string, set: ScriptSet): Figures {
  const results: Array<{ text: string; expected: string; got: string }> = [];
  for (const conversation of set.conversations) {
    const locale = conversation.page ? pageLocales[conversation.page] : undefined;
    let memory: LanguageMemory = {};
    for (const turn of conversation.turns) {
      memory = nextLanguage(memory, understand(turn.text, directory));
      results.push({ text: `${conversation.name} › ${turn.text}`, expected: turn.reply, got: currentLanguage(memory, locale) });
    }
  }
  return tally(name, results);
}

describe('reply language and script, measured', () => {
  it('the labelled sets cover every language and script, and a page locale', () => {
    for (const set of [labelled, holdout]) {
      for (const label of ['hi', 'hl', 'en', null]) expect(set.messages.some((message) => message.reply === label)).toBe(true);
      expect(set.conversations.some((conversation) => conversation.page !== undefined)).toBe(true);
    }
    expect(labelled.messages.length).toBeGreaterThanOrEqual(70);
    expect(languageOfLocale(pageLocales.hl)).toBe('hl');
  });

  // Written before the rules: the bar they were built to clear, per label, so no one language carries the others.
  it('labelled messages: at least 90% overall and 80% in each language and script', () => {
    const figures = scoreMessages('script messages (labelled)', labelled);
    expect(figures.correct / figures.total).toBeGreaterThanOrEqual(0.9);
    for (const label of LABELS) expect(figures.byLabel[label].correct / figures.byLabel[label].total, label).toBeGreaterThanOrEqual(0.8);
  });

  it('labelled conversations: every turn answered in the language the consumer writes or asked for', () => {
    const figures = scoreConversations('script conversations (labelled)', labelled);
    expect(figures.correct / figures.total).toBeGreaterThanOrEqual(0.95);
  });

  // Written after the rules, as an estimate of how they generalise: printed, with a floor well below the labelled bar.
  it('holdout: figures printed; a message with no sign of a language never changes the conversation', () => {
    const messages = scoreMessages('script messages (holdout)', holdout);
    const conversations = scoreConversations('script conversations (holdout)', holdout);
    expect(messages.correct / messages.total).toBeGreaterThanOrEqual(0.75);
    expect(conversations.correct / conversations.total).toBeGreaterThanOrEqual(0.75);
    for (const { text } of [...labelled.messages, ...holdout.messages].filter((message) => message.reply === null)) {
      for (const current of ['hi', 'hl', 'en'] as const) {
        expect(nextLanguage({ language: current }, understand(text, directory)).language, `${text} in ${current}`).toBe(current);
      }
    }
  });
});

// The other labelled sets (accuracy.test.ts) split by how each message is written, so no script hides behind the
// others: Devanagari when it has a Devanagari letter, else Hinglish or English as the message reads, else "other"
// (numbers, emoji).
type Script = 'Devanagari' | 'Hinglish' | 'English' | 'other';
function scriptOf(text: string): Script {
  if (DEVANAGARI_LETTER.test(text)) return 'Devanagari';
  const language = detectLanguage(text);
  return language === 'en' ? 'English' : language === 'hl' ? 'Hinglish' : 'other';
}
const DEVANAGARI_LETTER = /[\u0900-\u097F]/;

function byScript<T extends { text: string }>(name: string, examples: readonly T[], expected: (example: T) => string, got: (text: string) => string): Record<Script, number> {
  const groups: Record<Script, { correct: number; total: number }> = { Devanagari: { correct: 0, total: 0 }, Hinglish: { correct: 0, total: 0 }, English: { correct: 0, total: 0 }, other: { correct: 0, total: 0 } };
  for (const example of examples) {
    const group = groups[scriptOf(example.text)];
    group.total += 1;
    if (got(example.text) === expected(example)) group.correct += 1;
  }
  const cells = (Object.keys(groups) as Script[]).map((script) =>
    groups[script].total === 0 ? `${script} —` : `${script} ${groups[script].correct}/${groups[script].total} = ${((100 * groups[script].correct) / groups[script].total).toFixed(1)}%`,
  );
  console.log(`${name} by script: ${cells.join(' | ')}`);
  return Object.fromEntries((Object.keys(groups) as Script[]).map((script) => [script, groups[script].total === 0 ? 1 : groups[script].correct / groups[script].total])) as Record<Script, number>;
}

describe('the understanding, per script', () => {
  it('category, yes/no and intent figures for Devanagari, Hinglish and English messages', () => {
    const categoryOrNone = (text: string) => classifyCategory(text)?.category ?? 'none';
    const category = read<Array<{ text: string; category: string | null }>>('category.json');
    const yesNo = read<Array<{ text: string; answer: string }>>('yesno.json');
    const intent = read<Array<{ text: string; intent: string }>>('intent.json');
    const old = read<{ category: Array<{ text: string; category: string | null }>; yesno: Array<{ text: string; answer: string }> }>('holdout.json');
    const figures = [
      byScript('category (labelled)', category, (example) => example.category ?? 'none', categoryOrNone),
      byScript('yes/no (labelled)', yesNo, (example) => example.answer, classifyYesNo),
      byScript('intent (labelled)', intent, (example) => example.intent, detectIntent),
    ];
    byScript('category (holdout)', old.category, (example) => example.category ?? 'none', categoryOrNone);
    byScript('yes/no (holdout)', old.yesno, (example) => example.answer, classifyYesNo);
    // Each script holds the bar the whole set is held to (accuracy.test.ts), not only the sum of them.
    for (const perScript of figures) for (const script of ['Devanagari', 'Hinglish', 'English'] as const) expect(perScript[script], script).toBeGreaterThanOrEqual(0.9);
  });
});
