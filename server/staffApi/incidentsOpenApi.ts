// Area incidents' routes, for server/staffApi/openApiDocument.ts (spread into its paths and schemas).
import { INCIDENT_EVENT_TYPES, INCIDENT_STATUSES } from '../../models/incidentModel.js';
import {
  incidentDetachSchema,
  incidentEtaSchema,
  incidentMergeSchema,
  incidentNoteSchema,
  incidentOpenSchema,
  incidentRestoreSchema,
} from '../../services/incidentService.js';
import { errorResponse, json, jsonSchemaOf, ref } from './openApiParts.js';

const idParameter = { name: 'id', in: 'path', required: true, description: 'The incident id, e.g. INC-261204-001.', schema: { type: 'string' } };
const errors = {
  '400': errorResponse('Malformed JSON, unknown or invalid fields (listed in error.issues).'),
  '401': errorResponse('No token, or an unknown, expired, logged-out or disabled one.'),
  '403': errorResponse('An agent (agents only read incidents), or an officer outside their own area.'),
  '404': errorResponse('No such incident (or, for an officer, not in their area).'),
  '409': errorResponse('The incident is no longer open (restored or merged), or changed too quickly.'),
};
const incidentResult = (description: string) => ({ description, ...json({ type: 'object', required: ['incident'], properties: { incident: ref('Incident') } }) });
const body = (schema: Parameters<typeof jsonSchemaOf>[0]) => ({ required: true, ...json(jsonSchemaOf(schema)) });

export const incidentPaths = {
  '/incidents': {
    get: {
      summary: 'Area incidents, newest first (officers: their own area).',
      parameters: [{ name: 'status', in: 'query', required: false, schema: { type: 'string', enum: ['open', ...INCIDENT_STATUSES] } }],
      responses: {
        '200': { description: 'The incidents.', ...json({ type: 'object', required: ['incidents'], properties: { incidents: { type: 'array', items: ref('Incident') } } }) },
        '400': errors['400'],
        '401': errors['401'],
      },
    },
    post: {
      summary: 'Open an incident by hand for a locality, or for a feeder or transformer the directory knows (officers in their own area, supervisors anywhere).',
      requestBody: body(incidentOpenSchema),
      responses: { '201': incidentResult('Opened; its owner is the area\'s JE.'), ...errors },
    },
  },
  '/incidents/{id}': {
    get: {
      summary: 'One incident with its history, the verdict on its hash chain, and the tickets linked to it.',
      parameters: [idParameter],
      responses: {
        '200': {
          description: 'The incident.',
          ...json({
            type: 'object',
            required: ['incident', 'chain', 'tickets'],
            properties: {
              incident: { allOf: [ref('Incident'), { type: 'object', properties: { events: { type: 'array', items: ref('IncidentEvent') } } }] },
              chain: { type: 'object', properties: { ok: { type: 'boolean' }, events: { type: 'integer' }, brokenAt: { type: 'integer' }, reason: { type: 'string' } } },
              tickets: { type: 'array', items: ref('TicketSummary') },
            },
          }),
        },
        '401': errors['401'],
        '404': errors['404'],
      },
    },
  },
  '/incidents/{id}/progress': {
    post: {
      summary: 'A progress note, optionally moving the status to crew_assigned or work_in_progress; every linked consumer is told once.',
      parameters: [idParameter],
      requestBody: body(incidentNoteSchema),
      responses: { '200': incidentResult('Recorded and told.'), ...errors },
    },
  },
  '/incidents/{id}/eta': {
    post: {
      summary: 'A new expected restoration time; every linked consumer is told once, in their language, on their channel.',
      parameters: [idParameter],
      requestBody: body(incidentEtaSchema),
      responses: { '200': incidentResult('Recorded and told.'), ...errors },
    },
  },
  '/incidents/{id}/restore': {
    post: {
      summary: 'Supply is back. Closes NO ticket: each linked ticket gets a resolution claim and its consumer is asked; only their "yes" closes it.',
      parameters: [idParameter],
      requestBody: { required: false, ...json(jsonSchemaOf(incidentRestoreSchema)) },
      responses: {
        '200': {
          description: 'Restored; asked is how many consumers are now asked.',
          ...json({ type: 'object', required: ['incident', 'asked'], properties: { incident: ref('Incident'), asked: { type: 'integer' } } }),
        },
        ...errors,
      },
    },
  },
  '/incidents/{id}/merge': {
    post: {
      summary: 'Fold another open incident ({from}) into this one: its tickets move here, it ends as merged.',
      parameters: [idParameter],
      requestBody: body(incidentMergeSchema),
      responses: { '200': incidentResult('Merged.'), ...errors },
    },
  },
  '/incidents/{id}/tickets/{number}/detach': {
    post: {
      summary: 'Take one ticket out of the incident: it is worked, and asked, on its own.',
      parameters: [idParameter, { name: 'number', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: { required: false, ...json(jsonSchemaOf(incidentDetachSchema)) },
      responses: { '200': incidentResult('Detached.'), ...errors },
    },
  },
};

export const incidentSchemas = {
  Incident: {
    type: 'object',
    required: ['_id', 'status', 'place', 'openedAt', 'openedHow', 'reportCount'],
    properties: {
      _id: { type: 'string' },
      status: { type: 'string', enum: [...INCIDENT_STATUSES] },
      place: {
        type: 'object',
        properties: { district: { type: 'string' }, subDivision: { type: 'string' }, subDivisionId: { type: 'string' }, locality: { type: 'string' }, feeder: { type: 'string' }, transformer: { type: 'string' } },
      },
      areaKey: { type: 'string' },
      owner: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, level: { type: 'string' } } },
      openedAt: { type: 'string', format: 'date-time' },
      openedHow: { type: 'string', enum: ['threshold', 'staff'] },
      etaAt: { type: 'string', format: 'date-time' },
      lastNote: { type: 'string' },
      reportCount: { type: 'integer', description: 'Complaints counted into it (including ones later detached).' },
      restoredAt: { type: 'string', format: 'date-time' },
      mergedInto: { type: 'string' },
    },
  },
  IncidentEvent: {
    type: 'object',
    required: ['seq', 'type', 'at', 'actor', 'channel', 'prevHash', 'hash'],
    properties: {
      seq: { type: 'integer' },
      type: { type: 'string', enum: [...INCIDENT_EVENT_TYPES] },
      at: { type: 'string', format: 'date-time' },
      actor: { type: 'object', properties: { role: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' } } },
      channel: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      etaAt: { type: 'string', format: 'date-time' },
      note: { type: 'string' },
      data: { type: 'object' },
      prevHash: { type: 'string' },
      hash: { type: 'string' },
    },
  },
};
