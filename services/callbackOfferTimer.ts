// The callback offer's timer: every check, the waiting handoffs whose offer is due (the due time is stored on each
// active handoff, so nothing is lost in a restart) are offered a callback on the consumer's channel — exactly once
// across processes: a conditional update takes the delivery, and only a delivered offer is marked offered.
import type { ActiveHandoffRecord } from '../models/activeHandoffModel.js';
import type { LiveHandoffService } from './liveHandoffService.js';
import { PeriodicPass } from './periodicPass.js';

/** Implemented where the channels live (bot/liveHandoff.ts). */
export interface CallbackOfferSender {
  /** True once the offer is on the consumer's screen; false when this process cannot reach them. */
  sendCallbackOffer(active: ActiveHandoffRecord): Promise<boolean>;
}

export interface CallbackOfferTimerOptions {
  checkIntervalMs?: number;
  log?: (line: string) => void;
}

export class CallbackOfferTimer {
  private readonly loop: PeriodicPass;

  constructor(
    private readonly handoffs: LiveHandoffService,
    private readonly sender: CallbackOfferSender,
    options: CallbackOfferTimerOptions = {},
  ) {
    const log = options.log ?? ((line) => console.log(line));
    this.loop = new PeriodicPass(() => this.offerDue(), {
      intervalMs: options.checkIntervalMs ?? 15_000,
      runAtStart: true,
      onError: (error) => log(`[callback-offer-timer] check failed: ${String(error)}`),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Offers a callback to every handoff whose offer is due and that this process wins. */
  checkDue(): Promise<void> {
    return this.loop.run();
  }

  private async offerDue(): Promise<void> {
    for (const active of await this.handoffs.dueCallbackOffers()) {
      if (!(await this.handoffs.claimCallbackOffer(active))) continue;
      let delivered = false;
      try {
        delivered = await this.sender.sendCallbackOffer(active);
      } finally {
        await this.handoffs.settleCallbackOffer(active, delivered);
      }
    }
  }
}
