// What the consumer wants the bot to do. Requests about the conversation itself (a person, stop, start again) come
// first because ignoring them is what makes people give up on a bot; a described problem comes before the soft
// cues ("help!", "namaste") that so often open one.
import type { CategoryGuess } from './category.js';
import { ticketNumberIn } from './entities.js';
import { lexicon, type LexiconIntent } from './lexicon/index.js';
import { findMatches } from './patterns.js';
import type { AnalysedText } from './text.js';

export type Intent = 'register' | 'status' | 'my_complaints' | 'human' | 'help' | 'cancel' | 'restart' | 'greeting' | 'none';

/** A category guess this strong is a problem description (a bare "light" hint is not). */
const DESCRIBED_PROBLEM_SCORE = 1;

export function intentOf(analysed: AnalysedText, category: CategoryGuess | undefined): Intent {
  if (analysed.tokens.length === 0) return 'none';
  const decisive = new Set<LexiconIntent>();
  const soft = new Set<LexiconIntent>();
  for (const match of findMatches(analysed.tokens, lexicon().intents)) {
    const cue = match.pattern.meta;
    if (cue.kind === 'intent') (cue.soft ? soft : decisive).add(cue.intent);
  }
  const describesProblem = category !== undefined && category.score >= DESCRIBED_PROBLEM_SCORE;

  if (decisive.has('human')) return 'human';
  if (decisive.has('cancel')) return 'cancel';
  if (decisive.has('restart')) return 'restart';
  if (decisive.has('my_complaints')) return 'my_complaints';
  if (decisive.has('status') || ticketNumberIn(analysed) !== undefined) return 'status';
  if (describesProblem || decisive.has('register')) return 'register';
  if (soft.has('cancel')) return 'cancel';
  if (soft.has('help')) return 'help';
  if (soft.has('greeting')) return 'greeting';
  return 'none';
}
