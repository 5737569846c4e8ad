// Values that follow an asynchronous call chain (what AsyncLocalStorage gives), for any number of independent uses,
// on ONE AsyncLocalStorage for the whole process. Every enabled AsyncLocalStorage makes Node copy its store onto every
// promise and callback created anywhere in the process (a hook per storage, per promise), so each extra instance
// costs CPU on every await of every turn; the uses below share one, each reading only its own slot.
//
//   const scope = new AsyncScope<Turn>();
//   scope.run(turn, () => work());     // inside work(), however deep and across awaits: scope.getStore() === turn
//
// `run` and `getStore` behave as AsyncLocalStorage's do: the innermost `run` of a scope wins, other scopes' values
// stay visible, and nothing leaks out of the callback.
import { AsyncLocalStorage } from 'node:async_hooks';

interface Frame {
  readonly scope: AsyncScope<unknown>;
  readonly value: unknown;
  /** The frame that was current where this one was entered. */
  readonly outer: Frame | undefined;
}

const frames = new AsyncLocalStorage<Frame>();

export class AsyncScope<T> {
  /** Runs `task` with `value` as this scope's store, and returns what it returns. */
  run<R>(value: T, task: () => R): R {
    return frames.run({ scope: this as AsyncScope<unknown>, value, outer: frames.getStore() }, task);
  }

  /** This scope's value where the caller runs, or undefined outside any `run` of it. */
  getStore(): T | undefined {
    for (let frame = frames.getStore(); frame !== undefined; frame = frame.outer) {
      if (frame.scope === this) return frame.value as T;
    }
    return undefined;
  }
}
