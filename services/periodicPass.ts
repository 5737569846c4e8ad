// The loop the background timers share: a pass on an interval (and on demand), never two at once in this process.
// A failed pass is reported and the next interval tries again; stop() waits for the pass in flight.
export interface PeriodicPassOptions {
  intervalMs: number;
  /** Run a pass at start() too, rather than only after the first interval. */
  runAtStart: boolean;
}

export abstract class PeriodicPass {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly periodic: PeriodicPassOptions) {}

  /** One pass over whatever is due. */
  protected abstract pass(): Promise<void>;
  /** A pass threw; the next interval tries again. */
  protected abstract passFailed(error: unknown): void;

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.checkDue(), this.periodic.intervalMs);
    // The interval alone must not keep a process (a test, a command) alive.
    this.timer.unref();
    if (this.periodic.runAtStart) void this.checkDue();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs a pass now; while one is in flight, answers with that one. */
  checkDue(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        await this.pass();
      } catch (error) {
        this.passFailed(error);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
