// The callback queue's routes, for server/staffApi/openApiDocument.ts (spread into its paths and schemas).
import { handoffCallbackOutcomeSchema, ticketCallbackOutcomeSchema } from '../../services/callbackService.js';
import { CONSUMER_LANGUAGES } from '../../models/consumerLanguage.js';
import { errorResponse, json, jsonSchemaOf, ref } from './openApiParts.js';

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The callback id: handoff:<handoff id>, or ticket:<ticket number>:<claim id>.',
  schema: { type: 'string' },
};
const errors = {
  '400': errorResponse('Malformed JSON, unknown or invalid fields (listed in error.issues).'),
  '401': errorResponse('No token, or an unknown, expired, logged-out or disabled one.'),
  '403': errorResponse('Not an agent or supervisor; a ticket callback by an agent; or a callback answer by the supervisor who claimed the resolution.'),
  '404': errorResponse('No such open callback.'),
  '409': errorResponse('Someone else is making this call, the caller has not claimed it, or the ticket no longer waits for this answer.'),
};

export const callbackPaths = {
  '/callbacks': {
    get: {
      summary: 'The callback queue, oldest first: consumers who asked to be called back, and tickets nobody confirmed (agents and supervisors).',
      responses: {
        '200': { description: 'The open callbacks.', ...json({ type: 'object', required: ['callbacks'], properties: { callbacks: { type: 'array', items: ref('Callback') } } }) },
        '401': errors['401'],
        '403': errors['403'],
      },
    },
  },
  '/callbacks/{id}/claim': {
    post: {
      summary: 'I am calling: one caller at a time (ticket callbacks: supervisors only).',
      parameters: [idParameter],
      requestBody: { required: false, ...json({ type: 'object', additionalProperties: false }) },
      responses: { '200': { description: 'Claimed.', ...json({ type: 'object', required: ['callback'], properties: { callback: ref('Callback') } }) }, ...errors },
    },
  },
  '/callbacks/{id}/outcome': {
    post: {
      summary: 'How the call went, by its caller.',
      description:
        'Ticket callback: {answer: yes|no|unreachable, note}. yes closes the ticket as callback-confirmed (never consumer-confirmed) and the consumer is ' +
        'told on their channel and can still reject it; no reopens it one level up; unreachable keeps it queued with one more attempt. Only a ' +
        'supervisor who did not claim the resolution may record yes or no. Handoff callback: {outcome: done|unreachable, note}.',
      parameters: [idParameter],
      requestBody: { required: true, ...json({ oneOf: [jsonSchemaOf(ticketCallbackOutcomeSchema), jsonSchemaOf(handoffCallbackOutcomeSchema)] }) },
      responses: {
        '200': {
          description: 'Recorded. callback is the entry still queued (after unreachable), or null when finished; ticketStatus after a ticket answer.',
          ...json({ type: 'object', required: ['callback'], properties: { callback: { oneOf: [ref('Callback'), { type: 'null' }] }, ticketStatus: { type: 'string' } } }),
        },
        ...errors,
      },
    },
  },
};

export const callbackSchemas = {
  Callback: {
    type: 'object',
    required: ['id', 'kind', 'mobile', 'language', 'channel', 'createdAt', 'attempts'],
    properties: {
      id: { type: 'string' },
      kind: { type: 'string', enum: ['handoff', 'ticket'] },
      mobile: { type: 'string', description: 'The number to dial (ten digits).' },
      language: { type: 'string', enum: [...CONSUMER_LANGUAGES] },
      channel: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
      attempts: { type: 'integer', description: 'Calls that did not reach the consumer.' },
      ticketNumber: { type: 'string' },
      handoffId: { type: 'string' },
      lastNote: { type: 'string' },
      claimedBy: { type: 'object', properties: { username: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } } },
      claimedAt: { type: 'string', format: 'date-time' },
    },
  },
};
