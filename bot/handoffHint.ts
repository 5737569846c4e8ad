// What a channel's conversation document knows about the consumer's live handoff, handed to the turn (bot/liveHandoff.ts
// reads it before asking the database). A web chat turn's document says "none is open" once a turn has checked and
// found none, until whoever opens a handoff marks it (services/liveHandoffService.ts HandoffMarks): then the turn skips
// the per-turn `active_handoffs` read. Channels without such a document set nothing, and the turn reads as before.
import type { TurnContext } from 'botbuilder';

export interface TurnHandoffHint {
  /** The conversation document says no live handoff is open for this consumer. */
  readonly noneOpen: boolean;
  /** The turn read the handoff and found none: the document may remember it. */
  foundNone(): void;
}

const hintKey = Symbol('santushti.handoffHint');

export function setHandoffHint(context: TurnContext, hint: TurnHandoffHint): void {
  context.turnState.set(hintKey, hint);
}

export function handoffHintOf(context: TurnContext): TurnHandoffHint | undefined {
  return context.turnState.get(hintKey) as TurnHandoffHint | undefined;
}
