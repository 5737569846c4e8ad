// The live-handoff routes of the staff API, for server/staffApi/openApiDocument.ts (spread into its paths and schemas).
import { handoffMessageSchema } from '../../services/liveHandoffService.js';
import { CONSUMER_LANGUAGES } from '../../models/consumerLanguage.js';
import { errorResponse, json, jsonSchemaOf, ref } from './openApiParts.js';

export const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The handoff id, e.g. handoff_0123456789abcdef.',
  schema: { type: 'string', pattern: '^handoff_[0-9a-f]{16}$' },
};

const errors = {
  '400': errorResponse('Malformed JSON, unknown or invalid fields (listed in error.issues).'),
  '401': errorResponse('No token, or an unknown, expired, logged-out or disabled one.'),
  '403': errorResponse('Not an agent or supervisor — or, for messages and completion, not the agent who accepted it.'),
};
const actionErrors = {
  ...errors,
  '404': errorResponse('No such handoff.'),
  '409': errorResponse('The handoff is not in a state where this is possible (accepted already, or ended).'),
};
const emptyBody = { required: false, ...json({ type: 'object', additionalProperties: false }) };
const delivered = { description: 'Done; delivered says whether it reached the consumer\'s chat from this process.', ...json(ref('HandoffDelivery')) };

export const handoffPaths = {
  '/handoffs': {
    get: {
      summary: 'The queue: handoffs waiting for an agent or owned by one, oldest first, with how long each waited (agents and supervisors).',
      responses: {
        '200': { description: 'The queue.', ...json({ type: 'object', required: ['handoffs'], properties: { handoffs: { type: 'array', items: ref('HandoffQueueEntry') } } }) },
        '401': errors['401'],
        '403': errors['403'],
      },
    },
  },
  '/handoffs/{id}': {
    get: {
      summary: 'One handoff with the transcript the bot remembered and the messages exchanged since.',
      description: 'Texts are what the consumer typed: plain strings, to be shown as text, never as HTML.',
      parameters: [idParameter],
      responses: {
        '200': { description: 'The handoff.', ...json({ type: 'object', required: ['handoff'], properties: { handoff: ref('HandoffDetail') } }) },
        '401': errors['401'],
        '403': errors['403'],
        '404': actionErrors['404'],
      },
    },
  },
  '/handoffs/{id}/accept': {
    post: {
      summary: 'Take a waiting handoff: the caller becomes its agent, the conversation gets handoff.status "accepted" and the consumer is told who joined.',
      parameters: [idParameter],
      requestBody: emptyBody,
      responses: { '200': delivered, ...actionErrors },
    },
  },
  '/handoffs/{id}/messages': {
    post: {
      summary: 'A message from the accepting agent, delivered to the consumer on their channel as plain text from the bot account.',
      parameters: [idParameter],
      requestBody: { required: true, ...json(jsonSchemaOf(handoffMessageSchema)) },
      responses: { '200': delivered, ...actionErrors, '413': errorResponse('The body is larger than 64 kB.') },
    },
  },
  '/handoffs/{id}/complete': {
    post: {
      summary: 'Hand the conversation back to the bot (the accepting agent or a supervisor): handoff.status "completed", and the bot says it is back.',
      parameters: [idParameter],
      requestBody: emptyBody,
      responses: { '200': delivered, ...actionErrors },
    },
  },
};

const line = {
  type: 'object',
  required: ['from', 'text', 'at'],
  properties: { from: { type: 'string', enum: ['consumer', 'bot', 'agent'] }, text: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
};
const agent = { type: 'object', required: ['username', 'name'], properties: { username: { type: 'string' }, name: { type: 'string' } } };
const common = {
  id: { type: 'string' },
  channel: { type: 'string' },
  reason: { type: 'string', enum: ['asked', 'not_understood', 'upset'] },
  language: { type: 'string', enum: [...CONSUMER_LANGUAGES] },
  createdAt: { type: 'string', format: 'date-time' },
  waitingSeconds: { type: 'integer', description: 'Seconds waited for an agent: until now while waiting, until acceptance after.' },
  agent,
  acceptedAt: { type: 'string', format: 'date-time' },
};

export const handoffSchemas = {
  HandoffQueueEntry: {
    type: 'object',
    required: ['id', 'status', 'channel', 'reason', 'language', 'createdAt', 'waitingSeconds'],
    properties: {
      ...common,
      status: { type: 'string', enum: ['waiting', 'accepted'] },
      offHours: { type: 'boolean', description: 'Asked outside office hours: offered a callback instead of a place in the queue.' },
      callbackOfferedAt: { type: 'string', format: 'date-time', description: 'A callback was offered and the answer is pending.' },
    },
  },
  HandoffDetail: {
    type: 'object',
    required: ['id', 'status', 'channel', 'consumerKey', 'reason', 'createdAt', 'waitingSeconds', 'transcript', 'messages'],
    properties: {
      ...common,
      status: { type: 'string', enum: ['waiting', 'accepted', 'completed', 'failed'] },
      consumerKey: { type: 'string' },
      endedAt: { type: 'string', format: 'date-time' },
      transcript: { type: 'array', items: ref('HandoffLine'), description: 'The last messages before the request (at most 20), oldest first.' },
      messages: { type: 'array', items: ref('HandoffLine'), description: 'Consumer and agent messages since (the latest 200), oldest first.' },
    },
  },
  HandoffLine: line,
  HandoffDelivery: { type: 'object', required: ['delivered'], properties: { delivered: { type: 'boolean' } } },
};
