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

/** Offers a callback to every handoff whose offer is due and that this process wins. */
export class CallbackOfferTimer extends PeriodicPass {
  private readonly log: (line: string) => void;

  constructor(
    private readonly handoffs: LiveHandoffService,
    private readonly sender: CallbackOfferSender,
    options: CallbackOfferTimerOptions = {},
  ) {
    super({ intervalMs: options.checkIntervalMs ?? 15_000, runAtStart: true });
    this.log = options.log ?? ((line) => console.log(line));
  }

  protected async pass(): Promise<void> {
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

  protected passFailed(error: unknown): void {
    this.log(`[callback-offer-timer] check failed: ${String(error)}`);
  }
}
