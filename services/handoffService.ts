// Requests to talk to a person. For now they are recorded for the agent side; the live handoff builds on these.
import { randomBytes } from 'node:crypto';
import type { Models } from '../models/index.js';
import type { ConsumerActor } from '../models/ticketTypes.js';
import { consumerActorId } from './consumerIdentity.js';

export class HandoffService {
  constructor(private readonly models: Pick<Models, 'handoffRequests'>) {}

  async recordRequest(consumer: ConsumerActor, reason: 'asked' | 'not_understood' | 'upset', lastText: string): Promise<void> {
    await this.models.handoffRequests.create({
      _id: `handoff_${randomBytes(8).toString('hex')}`,
      consumerKey: consumerActorId(consumer),
      channel: consumer.channel,
      reason,
      lastText: lastText.slice(0, 1000) || '(empty)',
      status: 'waiting',
      createdAt: new Date(),
    });
  }
}
