// Deletes what has outlived its time — expired abuse-limit counters, idle web chat conversations and their
// activities — on an interval. The embedded database has no TTL expiry, so this is how it happens there (on MongoDB
// the rate-limit counters also carry a TTL index; the sweep is harmless beside it).
import { PeriodicPass } from './periodicPass.js';

/** One kind of expiry: deletes what is due and says how many documents went. */
export type ExpiryTask = { name: string; run: () => Promise<number> };

export interface ExpirySweepOptions {
  /** Default 10 minutes. */
  intervalMs?: number;
  log: (line: string) => void;
}

export class ExpirySweep extends PeriodicPass {
  constructor(
    private readonly tasks: ExpiryTask[],
    private readonly options: ExpirySweepOptions,
  ) {
    super({ intervalMs: options.intervalMs ?? 10 * 60_000, runAtStart: false });
  }

  protected async pass(): Promise<void> {
    for (const task of this.tasks) {
      const deleted = await task.run();
      if (deleted > 0) this.options.log(`[santushti] expiry sweep: ${task.name} deleted ${deleted}`);
    }
  }

  protected passFailed(error: unknown): void {
    this.options.log(`[santushti] expiry sweep failed: ${(error as Error).message}`);
  }
}
