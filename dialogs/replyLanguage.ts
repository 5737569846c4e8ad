// Which language and script the bot answers in — the one place that decides it. The consumer's own way of writing
// wins: Devanagari gets Devanagari ('hi'), Hindi in Latin letters gets Hinglish ('hl'), English gets English ('en').
// Once a conversation has a language it changes only when the consumer asks ("English please", "हिंदी में बात करो",
// "hinglish me baat karo") or clearly writes in another one: a message of numbers, "ok", "acc no 2345678901", a place
// name or a tapped button carries no sign of a language and keeps the current one. Before the consumer has written
// anything, the page's locale (Web Chat's `locale`) decides the welcome.
import type { Understanding } from './understanding/index.js';
import { textsFor, type Language } from './texts.js';

/** What is remembered about a consumer's language (user state). */
export interface LanguageMemory {
  language?: Language;
  /** True once the consumer asked for a language explicitly: then what they type no longer switches it. */
  languageChosen?: boolean;
}

/** The language a locale asks for: "en-US" → English, "hi-Latn"/"hi-Latn-IN" → Hinglish, "hi-IN" → Hindi. */
export function languageOfLocale(locale: string | undefined): Language | undefined {
  const tag = (locale ?? '').trim().toLowerCase();
  if (/^en(?:-|$)/.test(tag)) return 'en';
  if (/^hi-latn(?:-|$)/.test(tag)) return 'hl';
  if (/^hi(?:-|$)/.test(tag)) return 'hi';
  return undefined;
}

/** The first language of an Accept-Language header that we answer in, by its order of preference. */
export function languageOfAcceptLanguage(header: string | undefined): Language | undefined {
  const ranked = (header ?? '')
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...parameters] = part.trim().split(';');
      const quality = Number(parameters.map((parameter) => /^\s*q=([0-9.]+)\s*$/.exec(parameter)?.[1]).find((value) => value !== undefined) ?? '1');
      return { language: languageOfLocale(tag), quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((entry) => entry.language !== undefined && entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  return ranked[0]?.language;
}

/** The language to use now, before this turn's message is read: remembered, else the page's, else Hindi. */
export function currentLanguage(memory: LanguageMemory, locale: string | undefined): Language {
  return memory.language ?? languageOfLocale(locale) ?? 'hi';
}

/** Fewer words than this never change a language already in use ("haan ji", "ok", "mob 9918012345"). */
const WORDS_TO_SWITCH = 3;
/** Marker words of the new language needed to change one already in use. */
const EVIDENCE_TO_SWITCH = 2;

/**
 * The consumer's language after this message: the new memory to store (unchanged when the message says nothing
 * new). Until the consumer's own writing has shown a language, the page's locale only stands in for it.
 */
export function nextLanguage(memory: LanguageMemory, understanding: Pick<Understanding, 'text' | 'language' | 'switchTo' | 'evidence'>): LanguageMemory {
  if (understanding.switchTo) return { language: understanding.switchTo, languageChosen: true };
  if (memory.languageChosen) return memory;
  const detected = understanding.language;
  if (!detected || detected === memory.language) return memory;
  // Nothing remembered yet: the first message that shows a language sets it.
  if (!memory.language) return { ...memory, language: detected };
  if (isOfferedChoice(understanding.text, memory.language)) return memory;
  return clearlySwitched(memory.language, detected, understanding.evidence) ? { ...memory, language: detected } : memory;
}

function clearlySwitched(current: Language, detected: Language, evidence: Understanding['evidence']): boolean {
  if (evidence.devanagari + evidence.latin < WORDS_TO_SWITCH) return false;
  const hindi = evidence.devanagari + evidence.hinglish;
  switch (detected) {
    case 'en':
      return evidence.english >= EVIDENCE_TO_SWITCH && evidence.english > hindi;
    case 'hi':
      // Into Devanagari: mostly Devanagari words, from Hinglish as from English.
      return evidence.devanagari >= EVIDENCE_TO_SWITCH && evidence.devanagari > evidence.latin && (current !== 'en' || hindi > evidence.english);
    case 'hl':
      // Into Latin Hindi: Hindi function words in Latin letters and no Devanagari at all.
      return evidence.hinglish >= EVIDENCE_TO_SWITCH && evidence.devanagari === 0 && evidence.hinglish > evidence.english;
  }
}

/**
 * One of the bot's own button labels, in the language it offered them ("Register a complaint", "Talk to a person"):
 * tapping it says nothing about the consumer's language, however the label itself reads.
 */
function isOfferedChoice(text: string, language: Language): boolean {
  const texts = textsFor(language);
  const label = text.trim().toLowerCase();
  return [...texts.menuChoices, ...texts.categoryChoices, ...texts.yesNoChoices, ...texts.skipWords].some((choice) => choice.toLowerCase() === label);
}
