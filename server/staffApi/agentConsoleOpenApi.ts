// The agent console's routes of the staff API (handoff stream, ticket panel, evidence files), for
// server/staffApi/openApiDocument.ts (spread into its paths and schemas).
import { EVIDENCE_CONTENT_TYPES, VOICE_CONTENT_TYPES } from '../../models/evidenceModel.js';
import { EVIDENCE_MAX_BYTES, OPAQUE_CONTENT_TYPE, THUMBNAIL_MAX_SIDE } from '../../services/evidenceService.js';
import { handoffTicketSchema } from '../../services/handoffTicketService.js';
import { EVIDENCE_FILENAME_HEADER } from './agentTicketsRouter.js';
import { idParameter as handoffIdParameter } from './handoffOpenApi.js';
import { errorResponse, json, jsonSchemaOf, ref } from './openApiParts.js';
import { handoffStreamQuerySchema } from './handoffStream.js';

const unauthenticated = errorResponse('No token, or an unknown, expired, logged-out or disabled one.');
const deskOnly = errorResponse('Not an agent or supervisor.');
const evidenceIdParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^evidence_[0-9a-f]{16}$' } };
const ticketNumberParameter = { name: 'number', in: 'path', required: true, description: 'e.g. UP-261128-00042.', schema: { type: 'string' } };
const opened = json({ type: 'object', required: ['ticket', 'duplicate'], properties: { ticket: ref('TicketSummary'), duplicate: { type: 'boolean' } } });

export const agentConsolePaths = {
  '/handoffs/stream': {
    get: {
      summary: 'Server-Sent Events for the agent console: the queue, and one handoff\'s messages and status, pushed as they change.',
      description: [
        'Read it with fetch() and the Authorization header (EventSource cannot send one; tokens never go in URLs).',
        'Events: `queue` ({handoffs}, as GET /handoffs) on connect and on every change; `handoff` ({handoff}, as GET',
        '/handoffs/{id}) for `?handoff=`; `end` ({reason: unauthenticated | replaced | shutdown}) before the server ends',
        'the stream. A comment line every 15 s keeps it open. Changes made by any process on the same database arrive',
        'within a poll (1 s). A user holds at most 4 streams; a fifth ends the oldest.',
      ].join(' '),
      parameters: [{ name: 'handoff', in: 'query', required: false, schema: jsonSchemaOf(handoffStreamQuerySchema.shape.handoff.unwrap()) }],
      responses: {
        '200': { description: 'The event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        '400': errorResponse('An unknown query parameter or a malformed handoff id.'),
        '401': unauthenticated,
        '403': deskOnly,
        '404': errorResponse('No such handoff.'),
      },
    },
  },
  '/handoffs/{id}/tickets': {
    get: {
      summary: 'The tickets of this handoff\'s consumer, newest first (agents and supervisors).',
      parameters: [handoffIdParameter],
      responses: {
        '200': { description: 'Their tickets.', ...json({ type: 'object', required: ['tickets'], properties: { tickets: { type: 'array', items: ref('TicketSummary') } } }) },
        '401': unauthenticated,
        '403': deskOnly,
        '404': errorResponse('No such handoff.'),
      },
    },
    post: {
      summary: 'Open a ticket in the name of this handoff\'s consumer (its agent, or a supervisor); the agent is the actor.',
      description: 'The consumer is who wrote in the handoff, not anyone named in the body: they see the ticket and get its updates on their channel. An open ticket for the same complaint is returned instead (200, duplicate true).',
      parameters: [handoffIdParameter],
      requestBody: { required: true, ...json(jsonSchemaOf(handoffTicketSchema)) },
      responses: {
        '201': { description: 'Registered.', ...opened },
        '200': { description: 'The consumer\'s open ticket for the same complaint.', ...opened },
        '400': errorResponse('Invalid fields (listed in error.issues).'),
        '401': unauthenticated,
        '403': errorResponse('Not an agent or supervisor, or an agent who has not accepted this handoff.'),
        '404': errorResponse('No such handoff.'),
      },
    },
  },
  '/tickets/{number}/evidence': {
    post: {
      summary: 'Upload an evidence file (JPEG, PNG or PDF, at most 2 MB) for a ticket; name its id in evidence.files of a progress note or resolution claim.',
      parameters: [
        ticketNumberParameter,
        { name: EVIDENCE_FILENAME_HEADER, in: 'header', required: false, description: 'The file\'s name, percent-encoded; kept only as a sanitised display name.', schema: { type: 'string' } },
      ],
      requestBody: {
        required: true,
        content: Object.fromEntries(EVIDENCE_CONTENT_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary', maxLength: EVIDENCE_MAX_BYTES } }])),
      },
      responses: {
        '201': { description: 'Stored.', ...json({ type: 'object', required: ['evidence'], properties: { evidence: ref('EvidenceFile') } }) },
        '400': errorResponse('An empty file.'),
        '401': unauthenticated,
        '403': errorResponse('An officer acting on a ticket no longer at their level.'),
        '404': errorResponse('No such ticket (or not in the officer\'s area).'),
        '413': errorResponse('Larger than 2 MB.'),
        '415': errorResponse('Not a JPEG, PNG or PDF, or the bytes are not what Content-Type says.'),
      },
    },
  },
  '/evidence/{id}': {
    get: {
      summary: 'Download an evidence file (as an attachment, never rendered inline) — for whoever may read its ticket.',
      description: `Served under the type its bytes prove (a stored file whose bytes disagree with its record comes as ${OPAQUE_CONTENT_TYPE}), with X-Content-Type-Options: nosniff and a sandboxing Content-Security-Policy.`,
      parameters: [evidenceIdParameter],
      responses: {
        '200': {
          description: 'The file.',
          content: Object.fromEntries([...EVIDENCE_CONTENT_TYPES, ...VOICE_CONTENT_TYPES, OPAQUE_CONTENT_TYPE].map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
        },
        '401': unauthenticated,
        '404': errorResponse('No such file, or its ticket is not the caller\'s to read.'),
      },
    },
  },
  '/evidence/{id}/thumbnail': {
    get: {
      summary: `A photo's thumbnail (JPEG, at most ${THUMBNAIL_MAX_SIDE} px a side), re-encoded by the server — for whoever may read its ticket.`,
      parameters: [evidenceIdParameter],
      responses: {
        '200': { description: 'The thumbnail.', content: { 'image/jpeg': { schema: { type: 'string', format: 'binary' } } } },
        '401': unauthenticated,
        '404': errorResponse('No such file, or its ticket is not the caller\'s to read.'),
        '415': errorResponse('Not a photo, or it does not decode as one.'),
      },
    },
  },
  '/tickets/{number}/media': {
    get: {
      summary: "Every file the ticket's history names (consumers' photos, bills and voice notes; the field's evidence), with the URLs to fetch them with the session, and its location pins.",
      parameters: [ticketNumberParameter],
      responses: {
        '200': {
          description: 'The files, oldest first.',
          ...json({
            type: 'object',
            required: ['media', 'locations'],
            properties: {
              locations: {
                type: 'array',
                description: "Location pins in the ticket's history (a consumer's WhatsApp location or shared web location), oldest first.",
                items: {
                  type: 'object',
                  required: ['latitude', 'longitude', 'at', 'eventSeq', 'by'],
                  properties: { latitude: { type: 'number' }, longitude: { type: 'number' }, at: { type: 'string', format: 'date-time' }, eventSeq: { type: 'integer' }, by: { type: 'string' } },
                },
              },
              media: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'kind', 'contentType', 'size', 'sha256', 'uploadedBy', 'uploadedAt', 'eventSeq', 'eventType', 'url'],
                  properties: {
                    id: { type: 'string' },
                    kind: { enum: ['photo', 'document', 'voice'] },
                    contentType: { enum: [...EVIDENCE_CONTENT_TYPES, ...VOICE_CONTENT_TYPES] },
                    size: { type: 'integer' },
                    sha256: { type: 'string' },
                    uploadedBy: ref('Actor'),
                    uploadedAt: { type: 'string', format: 'date-time' },
                    eventSeq: { type: 'integer' },
                    eventType: { type: 'string' },
                    url: { type: 'string', description: 'GET with the session (Authorization: Bearer).' },
                    thumbnailUrl: { type: 'string', description: 'Photos only.' },
                  },
                },
              },
            },
          }),
        },
        '401': unauthenticated,
        '404': errorResponse("No such ticket, or not in the officer's area."),
      },
    },
  },
};

export const agentConsoleSchemas = {
  EvidenceFile: {
    type: 'object',
    required: ['id', 'ticketNumber', 'contentType', 'filename', 'size', 'sha256', 'uploadedBy', 'uploadedAt'],
    properties: {
      id: { type: 'string' },
      ticketNumber: { type: 'string' },
      contentType: { type: 'string', enum: [...EVIDENCE_CONTENT_TYPES] },
      filename: { type: 'string' },
      size: { type: 'integer' },
      sha256: { type: 'string' },
      uploadedBy: { type: 'object', properties: { role: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' } } },
      uploadedAt: { type: 'string', format: 'date-time' },
    },
  },
};
