// One line per key (a conversation, a sender) in this process: a task starts only after the previous one with the
// same key has finished, in the order they were queued. Different keys never wait for each other. Every channel
// adapter runs its turns (and proactive turns) through one of these. `around` extends the line beyond this process
// (the web chat adapter holds a database lease per conversation there); a task nested in its own key skips it too.
import { AsyncScope } from './asyncScope.js';

interface RunningTask {
  key: string;
  active: boolean;
}

export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();
  /** The task running where the caller runs; one shared AsyncLocalStorage for all queues (services/asyncScope.ts). */
  private readonly running = new AsyncScope<RunningTask>();

  /**
   * @param stuckTaskMs a task still running after this long (a wedged browser, a call that never returns) no longer
   *   holds back the next task of its key
   * @param onStuck told when that happens, with the key, so the channel can log it its own way
   */
  constructor(
    private readonly stuckTaskMs: number,
    private readonly onStuck: (key: string) => void,
    private readonly around: <T>(key: string, task: () => Promise<T>) => Promise<T> = (_key, task) => task(),
  ) {}

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const current = this.running.getStore();
    // A task that itself awaits another task of its own key (a proactive message awaited inside a turn) would
    // otherwise wait for itself forever.
    if (current?.active && current.key === key) return task();

    const previous = this.tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return previous.then(async () => {
      const stuck = setTimeout(() => {
        this.onStuck(key);
        release();
      }, this.stuckTaskMs);
      stuck.unref();
      const running: RunningTask = { key, active: true };
      try {
        return await this.running.run(running, () => this.around(key, task));
      } finally {
        running.active = false;
        clearTimeout(stuck);
        release();
      }
    });
  }

  /**
   * Queues a task behind every task of its key, also when called from inside one of them (where `run` would start it
   * at once): for work a task schedules to follow it rather than to run within it.
   */
  runAfter<T>(key: string, task: () => Promise<T>): Promise<T> {
    // No task of this queue is running inside `task`'s call chain as far as `run` can tell: it queues, never nests.
    return this.running.run(undefined as unknown as RunningTask, () => this.run(key, task));
  }

  /** How many keys have a task running or waiting. */
  get size(): number {
    return this.tails.size;
  }

  /** Settles when every task queued so far (for one key, or all) has finished. */
  async idle(key?: string): Promise<void> {
    for (;;) {
      const pending = key === undefined ? [...this.tails.values()] : [this.tails.get(key)].filter((tail) => tail !== undefined);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }
}
