// Bot state served from the document a turn already read. A channel whose turn holds its conversation's document (the
// web chat adapter, bot/adapters/directLineConversationStore.ts) runs the turn inside `turnStateScope.run(scope, ...)`;
// MongoStorage then answers reads of the keys the scope owns from the scope and buffers their writes there, to be
// stored in the turn's single final write. Keys the scope does not own, and turns outside any scope, go to the
// database as before.
import { AsyncScope } from '../services/asyncScope.js';

/** One stored state item: its eTag and the item (without the eTag) as JSON text. */
export interface HeldStateItem {
  eTag: string;
  json: string;
}

export interface TurnStateScope {
  /** Whether this scope answers for the key. */
  owns(key: string): boolean;
  /**
   * What the scope holds for an owned key: the item, null when it holds "no such item", or undefined when it has never
   * seen the key (the caller reads the database once and hands the result to `adopt`).
   */
  held(key: string): HeldStateItem | null | undefined;
  /** Takes what the database had for a key the scope had never seen. */
  adopt(key: string, item: HeldStateItem | null): void;
  /** Buffers a write (null: a delete) of an owned key until the turn's final write. */
  put(key: string, item: HeldStateItem | null): void;
  /**
   * Whether a write of this key must also go to the database at once: state shared with other conversations (the
   * user's), which the scope only caches.
   */
  writesThrough(key: string): boolean;
}

/** On the process's one shared AsyncLocalStorage (services/asyncScope.ts). */
export const turnStateScope = new AsyncScope<TurnStateScope>();

/** botbuilder's storage keys (ConversationState and UserState, any namespace). */
export function conversationStateKeyPrefix(channelId: string, conversationId: string): string {
  return `${channelId}/conversations/${conversationId}/`;
}

export function userStateKeyPrefix(channelId: string, userId: string): string {
  return `${channelId}/users/${userId}/`;
}
