// The staff API described in OpenAPI 3.1. Request bodies and query parameters are generated from the very zod
// schemas the routes validate with, so the description cannot drift from what is accepted; responses are written
// out by hand. test/server/staffApi.test.ts checks that every registered route appears here.
import { z } from 'zod';
import { CONSUMER_LANGUAGES } from '../../models/consumerLanguage.js';
import { OFFICER_LEVELS, STAFF_ROLES, TICKET_CATEGORIES, TICKET_EVENT_TYPES, TICKET_STATUSES, EVENT_CHANNELS } from '../../models/ticketTypes.js';
import { PASSWORD_MIN_LENGTH } from '../../services/staffAuthPasswords.js';
import { createStaffUserSchema, loginSchema } from '../../services/staffAuthService.js';
import { staffAssignSchema, staffNoteSchema, staffProgressSchema, ticketListQuerySchema } from '../../services/staffService.js';
import { handoffPaths, handoffSchemas } from './handoffOpenApi.js'; // live handoff
import { agentConsolePaths, agentConsoleSchemas } from './agentConsoleOpenApi.js'; // agent console
import { callbackPaths, callbackSchemas } from './callbacksOpenApi.js'; // callback queue
import { shutdownPaths, shutdownSchemas } from './shutdownsOpenApi.js'; // planned shutdowns
import { officerPaths } from './officerOpenApi.js'; // officer page
import { reportPaths, reportSchemas } from './reportsOpenApi.js';
import { incidentPaths, incidentSchemas } from './incidentsOpenApi.js'; // incidents

type JsonSchema = Record<string, unknown>;

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } });
const errorResponse = (description: string) => ({ description, ...json(ref('Error')) });

const ticketNumberParameter = {
  name: 'number',
  in: 'path',
  required: true,
  description: 'The ticket number, e.g. UP-261128-00042.',
  schema: { type: 'string', pattern: '^UP-\\d{6}-\\d{5,9}$' },
};

const staffErrors = {
  '400': errorResponse('Malformed JSON, unknown or invalid fields (listed in error.issues).'),
  '401': errorResponse('No token, or an unknown, expired, logged-out or disabled one.'),
  '413': errorResponse('The body is larger than 64 kB.'),
};
const ticketActionErrors = {
  ...staffErrors,
  '403': errorResponse('An officer acting on a ticket that is not at their level (or assigning outside its place).'),
  '404': errorResponse('No such ticket — or, for an officer, a ticket outside their area.'),
  '409': errorResponse('The ticket is in a status where this action is not possible, or changing too fast.'),
};

const closureRefusal = (summary: string, bodyDescription: string) => ({
  summary,
  description:
    'There is no way to close a ticket, or set its status, through this API: only the consumer\'s own "yes" to the ' +
    'resolution claim they were shown closes it. Always answered 403 (code closure_not_permitted); for a caller allowed ' +
    'to see the ticket the attempt is written into its history as ticket.closure_refused, with the caller as actor. ' +
    'Record a resolution claim instead: POST /tickets/{number}/resolution.',
  parameters: [ticketNumberParameter],
  requestBody: {
    required: false,
    description: bodyDescription,
    ...json({ type: 'object', properties: { status: {}, note: { type: 'string' } }, additionalProperties: true }),
  },
  responses: {
    '403': errorResponse('Refused (and recorded): only the consumer closes a ticket.'),
    '401': staffErrors['401'],
    '404': ticketActionErrors['404'],
    '400': staffErrors['400'],
  },
});

const listParameters = Object.entries(ticketListQuerySchema.shape).map(([name, schema]) => {
  const parameter = jsonSchemaOf(schema);
  const { description, ...parameterSchema } = parameter;
  return { name, in: 'query', required: false, ...(description ? { description } : {}), schema: parameterSchema };
});

export const staffOpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Santushti staff API',
    version: '1.0.0',
    description:
      'For helpline agents, field officers and supervisors. Every action is attributed to the caller\'s session. ' +
      'Agents and supervisors see and act on every ticket; an officer sees tickets in their area and acts only on ' +
      'those at their own level. Nothing here closes a ticket.',
  },
  servers: [{ url: '/api' }],
  security: [{ bearerAuth: [] }],
  paths: {
    '/openapi.json': {
      get: {
        summary: 'This document.',
        security: [],
        responses: { '200': { description: 'The OpenAPI 3.1 document.', ...json({ type: 'object' }) } },
      },
    },
    '/auth/login': {
      post: {
        summary: 'Exchange a username and password for a bearer token.',
        description:
          'Every failure gets the same 401, whether or not the user exists. After 5 failures for a username (or 20 from ' +
          'one address) within 15 minutes, further attempts get 429 with Retry-After.',
        security: [],
        requestBody: { required: true, ...json(jsonSchemaOf(loginSchema)) },
        responses: {
          '200': { description: 'Logged in.', ...json(ref('LoginResult')) },
          '400': staffErrors['400'],
          '401': errorResponse('Wrong username or password (or a disabled account).'),
          '429': {
            description: 'Too many failed logins; try again after Retry-After seconds.',
            headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds until another attempt is allowed.' } },
            ...json(ref('Error')),
          },
        },
      },
    },
    '/auth/logout': {
      post: {
        summary: 'End this session: its token stops working at once.',
        responses: { '204': { description: 'Logged out.' }, '401': staffErrors['401'] },
      },
    },
    '/tickets': {
      get: {
        summary: 'A page of tickets, newest first, without their history; open emergencies first.',
        description:
          'The first page (no cursor) starts with every open emergency ticket that matches the filters (up to 100, newest ' +
          'first), above the page\'s limit; the newest-first listing after them and on later pages leaves those out. ' +
          'phone matches the consumer\'s mobile however it is written and reads only that consumer\'s tickets. An officer ' +
          'sees only tickets in their area.',
        parameters: listParameters,
        responses: { '200': { description: 'A page.', ...json(ref('TicketPage')) }, ...staffErrors },
      },
    },
    '/tickets/{number}': {
      get: {
        summary: 'One ticket with its history, the messages it owes, and the verdict on its hash chain.',
        parameters: [ticketNumberParameter],
        responses: {
          '200': { description: 'The ticket.', ...json({ type: 'object', required: ['ticket', 'chain'], properties: { ticket: ref('TicketDetail'), chain: ref('ChainVerdict') } }) },
          '401': staffErrors['401'],
          '404': ticketActionErrors['404'],
        },
      },
      patch: closureRefusal('Refused: a ticket\'s status is never set directly.', 'A body with a "status" is refused and recorded; any other body is a 400.'),
    },
    '/tickets/{number}/assign': {
      post: {
        summary: 'Assign to a named officer, or (without officerId) to the officer of the ticket\'s place at its current level.',
        parameters: [ticketNumberParameter],
        requestBody: { required: false, ...json(jsonSchemaOf(staffAssignSchema)) },
        responses: { '200': { description: 'Assigned.', ...json(ref('TicketResult')) }, ...ticketActionErrors },
      },
    },
    '/tickets/{number}/progress': {
      post: {
        summary: 'A progress note from the field, optionally with when the work is expected done; the consumer gets both, the note quoted. The first note on an assigned ticket starts the work.',
        parameters: [ticketNumberParameter],
        requestBody: { required: true, ...json(jsonSchemaOf(staffProgressSchema)) },
        responses: { '200': { description: 'Recorded.', ...json(ref('TicketResult')) }, ...ticketActionErrors },
      },
    },
    '/tickets/{number}/resolution': {
      post: {
        summary: 'Claim the problem is solved. The consumer is asked; the ticket waits (awaiting_confirmation) for their answer.',
        parameters: [ticketNumberParameter],
        requestBody: { required: true, ...json(jsonSchemaOf(staffNoteSchema)) },
        responses: {
          '200': {
            description: 'Claimed; the consumer will be asked.',
            ...json({ type: 'object', required: ['ticket', 'claimId'], properties: { ticket: ref('TicketSummary'), claimId: { type: 'string' } } }),
          },
          ...ticketActionErrors,
        },
      },
    },
    '/tickets/{number}/close': { post: closureRefusal('Refused: only the consumer closes a ticket.', 'Ignored except for an optional note.') },
    '/tickets/{number}/status': { post: closureRefusal('Refused: a ticket\'s status is never set directly.', 'Any body is refused and recorded.') },
    '/users': {
      post: {
        summary: 'Create a staff account (supervisors only).',
        description: `Officers need officerId (from the directory), which gives their level and area. Passwords have at least ${PASSWORD_MIN_LENGTH} characters.`,
        requestBody: { required: true, ...json(jsonSchemaOf(createStaffUserSchema)) },
        responses: {
          '201': { description: 'Created.', ...json({ type: 'object', required: ['user'], properties: { user: ref('User') } }) },
          ...staffErrors,
          '403': errorResponse('Not a supervisor.'),
        },
      },
    },
    '/users/{username}/disable': {
      post: {
        summary: 'Disable a staff account (supervisors only); its sessions stop working at once.',
        parameters: [{ name: 'username', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { required: false, ...json({ type: 'object', additionalProperties: false }) },
        responses: {
          '200': { description: 'Disabled.', ...json({ type: 'object', required: ['user'], properties: { user: ref('User') } }) },
          ...staffErrors,
          '403': errorResponse('Not a supervisor, or disabling one\'s own account.'),
        },
      },
    },
  ...handoffPaths, // live handoff
  ...agentConsolePaths, // agent console
  ...callbackPaths, // callback queue
  ...shutdownPaths, // planned shutdowns
  ...officerPaths, // officer page
  ...reportPaths,
  ...incidentPaths, // incidents
  },
  components: {
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'The token from POST /auth/login.' } },
    schemas: {
      ...handoffSchemas, // live handoff
      ...agentConsoleSchemas, // agent console
      ...callbackSchemas, // callback queue
      ...shutdownSchemas, // planned shutdowns
      ...reportSchemas,
      ...incidentSchemas, // incidents
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' }, issues: { type: 'array', items: { type: 'string' } } },
          },
        },
      },
      LoginResult: {
        type: 'object',
        required: ['token', 'expiresAt', 'user'],
        properties: {
          token: { type: 'string', description: '32 random bytes, base64url. Send as "Authorization: Bearer <token>".' },
          expiresAt: { type: 'string', format: 'date-time' },
          user: {
            type: 'object',
            required: ['username', 'role', 'name'],
            properties: { username: { type: 'string' }, role: { enum: [...STAFF_ROLES] }, name: { type: 'string' } },
          },
        },
      },
      User: {
        type: 'object',
        required: ['username', 'role', 'name', 'disabled', 'createdAt', 'createdBy'],
        properties: {
          username: { type: 'string' },
          role: { enum: [...STAFF_ROLES] },
          name: { type: 'string' },
          officerId: { type: 'string' },
          disabled: { type: 'boolean' },
          createdAt: { type: 'string', format: 'date-time' },
          createdBy: { type: 'string' },
        },
      },
      Actor: {
        type: 'object',
        required: ['role', 'id'],
        properties: { role: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' } },
      },
      Evidence: {
        type: 'object',
        properties: { note: { type: 'string' }, photoRef: { type: 'string' }, meterReadingKwh: { type: 'number' } },
      },
      TicketSummary: {
        type: 'object',
        required: ['number', 'rev', 'category', 'description', 'consumer', 'place', 'level', 'status', 'createdAt', 'updatedAt', 'eventCount', 'lastEventHash'],
        properties: {
          number: { type: 'string' },
          rev: { type: 'integer' },
          category: { enum: [...TICKET_CATEGORIES] },
          description: { type: 'string' },
          consumer: {
            type: 'object',
            required: ['channel', 'channelUserId', 'mobile'],
            properties: {
              channel: { type: 'string' },
              channelUserId: { type: 'string' },
              mobile: { type: 'string' },
              accountNumber: { type: 'string' },
              language: { enum: [...CONSUMER_LANGUAGES] },
            },
          },
          place: {
            type: 'object',
            required: ['district'],
            properties: Object.fromEntries(
              ['district', 'zone', 'circle', 'division', 'subDivision', 'subDivisionId', 'locality', 'feeder', 'transformer', 'addressText'].map((field) => [field, { type: 'string' }]),
            ),
          },
          level: { enum: [...OFFICER_LEVELS] },
          levelFloor: { enum: [...OFFICER_LEVELS], description: 'The level a consumer\'s "no" lifted the ticket to; only a supervisor, with a reason, assigns below it.' },
          linkedTickets: { type: 'array', items: { type: 'string' }, description: 'Other consumers\' tickets for the same complaint (staff only; each consumer confirms their own).' },
          officer: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, level: { enum: [...OFFICER_LEVELS] } } },
          status: { enum: [...TICKET_STATUSES] },
          emergency: { type: 'boolean', description: 'A danger to life (live wire, sparking, fire, shock): short time limit, SDO told at once, listed first.' },
          claim: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              by: ref('Actor'),
              at: { type: 'string', format: 'date-time' },
              note: { type: 'string' },
              evidence: ref('Evidence'),
              shownAt: { type: 'string', format: 'date-time' },
              shownTo: {
                type: 'object',
                description: 'The consumer identity the question was shown to, and the message: only its answer counts.',
                properties: { channel: { type: 'string' }, channelUserId: { type: 'string' }, messageId: { type: 'string' } },
              },
              remindersSent: { type: 'integer' },
            },
          },
          progress: {
            type: 'object',
            description: 'The latest progress note and the expected time it gave (what the consumer is told).',
            properties: { note: { type: 'string' }, at: { type: 'string', format: 'date-time' }, expectedBy: { type: 'string', format: 'date-time' } },
          },
          closure: {
            type: 'object',
            properties: {
              provenance: { enum: ['consumer_confirmed', 'callback_confirmed'] },
              claimId: { type: 'string' },
              by: ref('Actor'),
              at: { type: 'string', format: 'date-time' },
            },
          },
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
          closedAt: { type: 'string', format: 'date-time' },
          eventCount: { type: 'integer' },
          lastEventHash: { type: 'string' },
        },
      },
      TicketEvent: {
        type: 'object',
        required: ['seq', 'type', 'at', 'actor', 'channel', 'prevHash', 'hash'],
        properties: {
          seq: { type: 'integer' },
          type: { enum: [...TICKET_EVENT_TYPES] },
          at: { type: 'string', format: 'date-time' },
          actor: ref('Actor'),
          channel: { enum: [...EVENT_CHANNELS] },
          from: { enum: [...TICKET_STATUSES] },
          to: { enum: [...TICKET_STATUSES] },
          level: { enum: [...OFFICER_LEVELS] },
          officerId: { type: 'string' },
          claimId: { type: 'string' },
          evidence: ref('Evidence'),
          data: { type: 'object' },
          prevHash: { type: 'string' },
          hash: { type: 'string' },
        },
      },
      TicketDetail: {
        allOf: [
          ref('TicketSummary'),
          {
            type: 'object',
            required: ['events', 'outbox'],
            properties: { events: { type: 'array', items: ref('TicketEvent') }, outbox: { type: 'array', items: ref('OutboxEffect') } },
          },
        ],
      },
      OutboxEffect: {
        type: 'object',
        description: 'A message the ticket owes (to the consumer or an officer); failedAt is set when delivery gave up.',
        required: ['id', 'kind', 'eventSeq', 'eventType', 'createdAt', 'attempts'],
        properties: {
          id: { type: 'string' },
          kind: { type: 'string' },
          eventSeq: { type: 'integer' },
          eventType: { enum: [...TICKET_EVENT_TYPES] },
          createdAt: { type: 'string', format: 'date-time' },
          attempts: { type: 'integer' },
          nextAttemptAt: { type: 'string', format: 'date-time' },
          failedAt: { type: 'string', format: 'date-time' },
          lastError: { type: 'string' },
        },
      },
      ChainVerdict: {
        oneOf: [
          { type: 'object', required: ['ok', 'events'], properties: { ok: { const: true }, events: { type: 'integer' } } },
          { type: 'object', required: ['ok', 'brokenAt', 'reason'], properties: { ok: { const: false }, brokenAt: { type: 'integer' }, reason: { type: 'string' } } },
        ],
      },
      TicketResult: { type: 'object', required: ['ticket'], properties: { ticket: ref('TicketSummary') } },
      TicketPage: {
        type: 'object',
        required: ['tickets', 'nextCursor'],
        properties: {
          tickets: { type: 'array', items: ref('TicketSummary') },
          nextCursor: { type: ['string', 'null'], description: 'Pass as cursor for the next page; null on the last page.' },
        },
      },
    },
  },
};
