// What the agent console's stream polls every second for each conversation some console has open: not the handoff
// (up to 20 transcript lines and 200 messages of 2,000 characters) but a fingerprint of what can change — status,
// agent, end, and the latest message — read by `_id $in` (an index hit) with the messages sliced to the last one.
// The whole handoff is read only when its fingerprint moved.
//
// An inclusion projection, not the `wholeDocument` exclusion (the embedded server refuses $slice beside an exclusion):
// a read torn by a concurrent write only makes the fingerprint differ once more, and the next poll reads it again.
import { trusted } from 'mongoose';
import type { HandoffRequestRecord } from '../models/handoffRequestModel.js';
import type { Models } from '../models/index.js';

export type HandoffVersions = (handoffIds: readonly string[]) => Promise<Map<string, string>>;

export function handoffVersionReader(models: Pick<Models, 'handoffRequests'>): HandoffVersions {
  return async (handoffIds) => {
    if (handoffIds.length === 0) return new Map();
    const heads = await models.handoffRequests
      .find({ _id: trusted({ $in: [...handoffIds] }) }, { status: 1, agentUsername: 1, endedAt: 1, messages: { $slice: -1 } })
      .lean<Array<Pick<HandoffRequestRecord, '_id' | 'status' | 'agentUsername' | 'endedAt' | 'messages'>>>();
    return new Map(
      heads.map((head) => {
        const last = head.messages?.at(-1);
        return [head._id, JSON.stringify([head.status, head.agentUsername, head.endedAt, last?.at, last?.from, last?.text])];
      }),
    );
  };
}
