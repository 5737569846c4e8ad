// Where consumers can be reached proactively: the latest conversation reference per channel identity, written only
// when it changes (the id of the message that happened to come last is not a change), read back for status updates.
import type { ConversationReference } from 'botbuilder';
import type { mongo } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConversationReferences } from '../../bot/conversationReferences.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('conversation_references');
const writes: string[] = [];

beforeAll(() => {
  db.connection.getClient().on('commandStarted', (event: mongo.CommandStartedEvent) => {
    if (event.commandName === 'update' && event.command.update === 'consumer_channels') writes.push(event.requestId.toString());
  });
});

function referenceFor(conversationId: string, activityId: string): Partial<ConversationReference> {
  return {
    activityId,
    channelId: 'webchat',
    serviceUrl: 'urn:santushti:directline',
    conversation: { id: conversationId } as ConversationReference['conversation'],
    user: { id: 'dl_asha', role: 'user' } as ConversationReference['user'],
    bot: { id: 'santushti-bot', name: 'Santushti', role: 'bot' } as ConversationReference['bot'],
    locale: 'hi-IN',
  };
}

describe('ConversationReferences', () => {
  it('writes once for a conversation whatever message came last, again when the conversation or language changes', async () => {
    const references = new ConversationReferences(db.models);
    writes.length = 0;
    await references.remember('webchat', 'dl_asha', referenceFor('conv-1', 'conv-1:0000000001'), 'hi');
    await references.remember('webchat', 'dl_asha', referenceFor('conv-1', 'conv-1:0000000003'), 'hi');
    await references.remember('webchat', 'dl_asha', referenceFor('conv-1', 'conv-1:0000000005'), 'hi');
    expect(writes).toHaveLength(1);

    await references.remember('webchat', 'dl_asha', referenceFor('conv-1', 'conv-1:0000000007'), 'en');
    expect(writes).toHaveLength(2);
    await references.remember('webchat', 'dl_asha', referenceFor('conv-2', 'conv-2:0000000001'), 'en');
    expect(writes).toHaveLength(3);

    const found = await references.find('webchat', 'dl_asha');
    expect(found?.language).toBe('en');
    const { activityId: _left, ...expected } = referenceFor('conv-2', 'unused');
    expect(found?.reference).toEqual(expected);
  });

  it('a process that never wrote for the consumer writes on its first turn (the skip is per process)', async () => {
    await new ConversationReferences(db.models).remember('webchat', 'dl_ravi', referenceFor('conv-9', 'conv-9:0000000001'), 'hi');
    writes.length = 0;
    await new ConversationReferences(db.models).remember('webchat', 'dl_ravi', referenceFor('conv-9', 'conv-9:0000000002'), 'hi');
    expect(writes).toHaveLength(1);
    expect((await new ConversationReferences(db.models).find('webchat', 'dl_ravi'))?.reference.conversation?.id).toBe('conv-9');
  });
});
