// Planned shutdowns' routes, for server/staffApi/openApiDocument.ts (spread into its paths and schemas).
import { declareShutdownSchema, shutdownListQuerySchema } from '../../services/shutdownService.js';
import { errorResponse, json, jsonSchemaOf, ref } from './openApiParts.js';

const errors = {
  '400': errorResponse('Malformed JSON, unknown or invalid fields (listed in error.issues): an unknown place, an end before the start, over 7 days.'),
  '401': errorResponse('No token, or an unknown, expired, logged-out or disabled one.'),
  '403': errorResponse('Declaring and cancelling are for supervisors.'),
  '404': errorResponse('No such planned shutdown.'),
};
const one = json({ type: 'object', required: ['shutdown'], properties: { shutdown: ref('PlannedShutdown') } });
const include = (jsonSchemaOf(shutdownListQuerySchema) as { properties: Record<string, unknown> }).properties.include;

export const shutdownPaths = {
  '/shutdowns': {
    get: {
      summary: 'Planned shutdowns, soonest first (any staff).',
      parameters: [{ name: 'include', in: 'query', required: false, schema: include }],
      responses: {
        '200': { description: 'The shutdowns.', ...json({ type: 'object', required: ['shutdowns'], properties: { shutdowns: { type: 'array', items: ref('PlannedShutdown') } } }) },
        '400': errors['400'],
        '401': errors['401'],
      },
    },
    post: {
      summary: 'Declare a planned shutdown of a district, sub-division or locality (supervisors).',
      description:
        'Supply complaints registered in the area while it runs are told it is planned and when supply returns, and the ' +
        'reports count them as plannedShutdown, not as complaints (faults).',
      requestBody: { required: true, ...json(jsonSchemaOf(declareShutdownSchema)) },
      responses: { '201': { description: 'Declared.', ...one }, '400': errors['400'], '401': errors['401'], '403': errors['403'] },
    },
  },
  '/shutdowns/{id}/cancel': {
    post: {
      summary: 'Cancel a planned shutdown (supervisors); cancelling twice answers the same.',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^shd_[0-9a-f]{16}$' } }],
      requestBody: { required: false, ...json({ type: 'object', additionalProperties: false }) },
      responses: { '200': { description: 'Cancelled.', ...one }, '400': errors['400'], '401': errors['401'], '403': errors['403'], '404': errors['404'] },
    },
  },
};

export const shutdownSchemas = {
  PlannedShutdown: {
    type: 'object',
    required: ['id', 'area', 'startsAt', 'endsAt', 'reason', 'createdBy', 'createdAt', 'state'],
    properties: {
      id: { type: 'string' },
      area: {
        type: 'object',
        required: ['key', 'district'],
        properties: { key: { type: 'string' }, district: { type: 'string' }, subDivision: { type: 'string' }, subDivisionId: { type: 'string' }, locality: { type: 'string' } },
      },
      startsAt: { type: 'string', format: 'date-time' },
      endsAt: { type: 'string', format: 'date-time' },
      reason: { type: 'string' },
      createdBy: ref('Actor'),
      createdAt: { type: 'string', format: 'date-time' },
      cancelledAt: { type: 'string', format: 'date-time' },
      cancelledBy: ref('Actor'),
      state: { type: 'string', enum: ['running', 'upcoming', 'ended', 'cancelled'] },
      complaints: { type: 'integer', minimum: 0, description: 'In a list: supply complaints registered in the area while it ran (a moment behind: the report rollups).' },
    },
  },
};
