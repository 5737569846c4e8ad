// One line per key (a sender, a conversation) in this process: a task starts only after the previous one with the same
// key has finished, in the order they were queued. Different keys never wait for each other.
import { AsyncLocalStorage } from 'node:async_hooks';

interface RunningTask {
  key: string;
  active: boolean;
}

export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly running = new AsyncLocalStorage<RunningTask>();

  constructor(
    private readonly name: string,
    private readonly stuckTaskMs: number,
    private readonly log: (line: string) => void,
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
      // A task stuck on a call that never returns (a wedged browser) would hold its key forever; after a while the
      // next one goes.
      const stuck = setTimeout(() => {
        this.log(`[whatsapp-web] a ${this.name} task is still running after ${this.stuckTaskMs} ms; starting the next one`);
        release();
      }, this.stuckTaskMs);
      stuck.unref();
      const running: RunningTask = { key, active: true };
      try {
        return await this.running.run(running, task);
      } finally {
        running.active = false;
        clearTimeout(stuck);
        release();
      }
    });
  }

  /** Settles when every task queued so far has finished. */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.tails.values()];
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }
}
