// The report routes of the staff API, for server/staffApi/openApiDocument.ts (spread into its paths and schemas).
import { z } from 'zod';
import { CLOSURE_RESOLUTION_NOTE } from '../../services/reportRollups.js';
import { HOTSPOT_DIMENSIONS, MAX_RANGE_DAYS, hotspotQuerySchema, registerQuerySchema } from '../../services/reportService.js';
import { EVENT_CHANNELS, TICKET_CATEGORIES } from '../../models/ticketTypes.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const queryParametersOf = (schema: z.ZodObject) =>
  Object.entries(schema.shape).map(([name, field]) => {
    const { description, ...fieldSchema } = jsonSchemaOf(field as z.ZodType);
    return { name, in: 'query', required: false, ...(description ? { description } : {}), schema: fieldSchema };
  });

const errors = {
  '400': errorResponse(`Unknown or invalid parameters (listed in error.issues), from after to, or a range over ${MAX_RANGE_DAYS} days.`),
  '401': errorResponse('No token, or an unknown, expired, logged-out or disabled one.'),
  '403': errorResponse('Not a supervisor or an officer (agents read no reports).'),
};
const csv = { 'text/csv': { schema: { type: 'string' }, description: 'UTF-8 with a byte-order mark; every cell quoted; cells starting = + - @ prefixed with \'.' } };
const count = { type: 'integer' };
const nullableNumber = { type: ['number', 'null'] };

const metrics =
  'Every figure is for the IST calendar days from..to and the category, if given. complaints: tickets registered in the range ' +
  '(for officers: tickets handed to the officer in the range — assigned, escalated or sent back to them). open: of those ' +
  'complaints, how many are not closed now (for officers: still with that officer and not closed). breaches: escalations ' +
  'by the SLA timer in the range; escalations: all escalations in the range; reopens: tickets sent back to reopened in the ' +
  'range (a "no" or a withdrawn claim); claims, rejected ("no" answers), consumerConfirmed, callbackConfirmed, unconfirmed: ' +
  'in the range. rejectedRate = rejected / (rejected + consumerConfirmed + callbackConfirmed), the share of claims answered ' +
  `in the range that were answered "no". medianClosureMinutes: registration to confirmed closure, closures in the range; ${CLOSURE_RESOLUTION_NOTE} ` +
  'For an officer row, escalations, rejections and answers count against the officer who had the ticket. Supervisors see every ' +
  'row; officers only rows whose tickets all come from sub-divisions in their own area (by=district or division shows a place ' +
  'only to an officer whose area covers it; by=category sums their sub-divisions). Read from per-day rollups kept by the ' +
  'outbox, by exact ids — never from the tickets.';

export const reportPaths = {
  '/reports/hotspots': {
    get: {
      summary: 'Hotspots by district, division, sub-division, locality, feeder, officer or category, most complaints first (supervisors; officers: own area).',
      description: metrics,
      parameters: queryParametersOf(hotspotQuerySchema),
      responses: { '200': { description: 'The rows (JSON), or the same as CSV with format=csv.', content: { 'application/json': { schema: ref('HotspotReport') }, ...csv } }, ...errors },
    },
  },
  '/reports/satisfaction-register': {
    get: {
      summary: 'The satisfaction register (संतुष्टि रजिस्टर): every confirmed closure in the range, newest day first (supervisors; officers: own area).',
      description:
        'One line per closure: ticket, category, place, consumer-confirmed or callback-confirmed, who claimed the resolution, who ' +
        'confirmed (the consumer — never identified here — or the supervisor who recorded a callback), when, and the channel of the ' +
        'answer. JSON pages of `limit` lines continue with `cursor`; format=csv streams the whole range, headers in `lang`. ' +
        'Stored in pages per IST day and read by exact ids, so its cost follows the lines returned, not the tickets held.',
      parameters: queryParametersOf(registerQuerySchema),
      responses: { '200': { description: 'A page of lines (JSON), or the whole range as CSV with format=csv.', content: { 'application/json': { schema: ref('SatisfactionRegister') }, ...csv } }, ...errors },
    },
  },
};

const person = { type: 'object', required: ['role'], properties: { role: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' } } };

export const reportSchemas = {
  HotspotReport: {
    type: 'object',
    required: ['by', 'from', 'to', 'rows'],
    properties: {
      by: { enum: [...HOTSPOT_DIMENSIONS] },
      from: { type: 'string', format: 'date' },
      to: { type: 'string', format: 'date' },
      category: { enum: [...TICKET_CATEGORIES] },
      rows: {
        type: 'array',
        items: {
          type: 'object',
          required: ['key', 'label', 'complaints', 'open', 'breaches', 'escalations', 'reopens', 'claims', 'rejected', 'consumerConfirmed', 'callbackConfirmed', 'unconfirmed', 'rejectedRate', 'medianClosureMinutes'],
          properties: {
            key: { type: 'string' },
            label: { type: 'string' },
            labelHi: { type: 'string', description: 'The Devanagari name, where the directory has one.' },
            district: { type: 'string' },
            complaints: count,
            open: count,
            breaches: count,
            escalations: count,
            reopens: count,
            claims: count,
            rejected: count,
            consumerConfirmed: count,
            callbackConfirmed: count,
            unconfirmed: count,
            plannedShutdown: { ...count, description: 'Supply complaints during a planned shutdown of the place: not counted in complaints or open.' },
            incidents: { ...count, description: 'Area incidents opened in the place: each is one fault, however many complaints it links.' },
            inIncident: { ...count, description: 'Of the complaints, those linked to an area incident (a ticket that left its incident is not).' },
            faults: { ...count, description: 'complaints − inIncident + incidents: the complaints on their own, plus one fault per incident.' },
            rejectedRate: nullableNumber,
            medianClosureMinutes: nullableNumber,
          },
        },
      },
    },
  },
  SatisfactionRegister: {
    type: 'object',
    required: ['from', 'to', 'entries', 'nextCursor'],
    properties: {
      from: { type: 'string', format: 'date' },
      to: { type: 'string', format: 'date' },
      category: { enum: [...TICKET_CATEGORIES] },
      nextCursor: { type: ['string', 'null'], description: 'Pass as cursor for the next page; null on the last.' },
      entries: {
        type: 'array',
        items: {
          type: 'object',
          required: ['ticket', 'category', 'district', 'provenance', 'claimedBy', 'confirmedBy', 'closedAt', 'channel'],
          properties: {
            ticket: { type: 'string' },
            category: { enum: [...TICKET_CATEGORIES] },
            district: { type: 'string' },
            subDivision: { type: 'string' },
            subDivisionId: { type: 'string' },
            locality: { type: 'string' },
            provenance: { enum: ['consumer_confirmed', 'callback_confirmed'] },
            claimedBy: person,
            claimedAt: { type: 'string', format: 'date-time' },
            confirmedBy: person,
            closedAt: { type: 'string', format: 'date-time' },
            channel: { enum: [...EVENT_CHANNELS] },
          },
        },
      },
    },
  },
};
