// Which kind of complaint a message describes. Cues add up per category; the words that name a cause (a meter, a
// transformer, theft) outweigh the outage they cause, because the cause decides which crew is sent.
import { TICKET_CATEGORIES, type TicketCategory } from '../../models/ticketTypes.js';
import { lexicon, type CueStrength } from './lexicon/index.js';
import { findMatches } from './patterns.js';
import type { AnalysedText } from './text.js';

export interface CategoryGuess {
  category: TicketCategory;
  /** 0–1: rises with the evidence for the category and falls with the evidence for its nearest rival. */
  confidence: number;
  /** Summed cue weights; 1 or more means at least one real cue, not just a hint such as a bare "light". */
  score: number;
}

const STRONG_WEIGHT: Readonly<Record<TicketCategory, number>> = {
  // A theft report names the meter or line being bypassed; the theft word must outweigh that name.
  theft: 4,
  transformer: 3,
  meter: 3,
  bill: 3,
  // A new-connection request names the meter it is still waiting for ("meter abhi tak nahi laga"); it is not a meter fault.
  new_connection: 4,
  // "voltage" or "power cut" are outage words, but a named cause in the same message is the better category.
  supply: 2,
};
const OTHER_WEIGHTS: Readonly<Record<Exclude<CueStrength, 'strong'>, number>> = { cues: 1, hints: 0.5 };
/** Below this a category is not guessed at all. */
const MINIMUM_SCORE = 0.5;
/** How fast confidence approaches 1 as evidence accumulates: one strong cue alone gives about 0.86. */
const EVIDENCE_SCALE = 1.5;

export function categoryOf(analysed: AnalysedText): CategoryGuess | undefined {
  const scores = new Map<TicketCategory, { score: number; firstToken: number }>();
  for (const match of findMatches(analysed.tokens, lexicon().categories)) {
    const cue = match.pattern.meta;
    if (cue.kind !== 'category') continue;
    const weight = cue.strength === 'strong' ? STRONG_WEIGHT[cue.category] : OTHER_WEIGHTS[cue.strength];
    const entry = scores.get(cue.category) ?? { score: 0, firstToken: match.first };
    entry.score += weight;
    entry.firstToken = Math.min(entry.firstToken, match.first);
    scores.set(cue.category, entry);
  }
  // Equal evidence: the problem mentioned first is usually the one being reported.
  const ranked = TICKET_CATEGORIES.flatMap((category) => {
    const entry = scores.get(category);
    return entry === undefined ? [] : [{ category, ...entry }];
  }).sort((a, b) => b.score - a.score || a.firstToken - b.firstToken);
  const [best, runnerUp] = ranked;
  if (best === undefined || best.score < MINIMUM_SCORE) return undefined;
  const share = best.score / (best.score + (runnerUp?.score ?? 0));
  const strength = 1 - Math.exp(-best.score / EVIDENCE_SCALE);
  return { category: best.category, confidence: Math.round(share * strength * 100) / 100, score: best.score };
}

/** A cause named beside these is part of the same complaint, not a second one (a new connection's meter, a stolen line's meter). */
const PART_OF: Partial<Record<TicketCategory, readonly TicketCategory[]>> = {
  new_connection: ['meter'],
  theft: ['meter', 'supply'],
  transformer: ['supply'],
  meter: ['supply'],
};

/**
 * Every separate problem a message reports, in the order it names them ("bill 18000 aaya hai aur meter bhi tez chal
 * raha hai" → bill, meter). Only strongly named problems count, and an outage caused by a named fault is that fault.
 */
export function problemsOf(analysed: AnalysedText): TicketCategory[] {
  const firstStrong = new Map<TicketCategory, number>();
  for (const match of findMatches(analysed.tokens, lexicon().categories)) {
    const cue = match.pattern.meta;
    if (cue.kind !== 'category' || cue.strength !== 'strong') continue;
    firstStrong.set(cue.category, Math.min(firstStrong.get(cue.category) ?? Infinity, match.first));
  }
  const named = [...firstStrong].sort((a, b) => a[1] - b[1]).map(([category]) => category);
  return named.filter((category) => !named.some((other) => PART_OF[other]?.includes(category)));
}
