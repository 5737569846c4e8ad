// The officer page's routes (server/staffApi/officerRouter.ts), for server/staffApi/openApiDocument.ts (spread into its paths).
import { reassignmentSchema } from '../../services/officerDeskService.js';
import { optionalNoteSchema } from '../../services/ticketInput.js';
import { errorResponse, json, jsonSchemaOf, ref } from './openApiParts.js';

const numberParameter = { name: 'number', in: 'path', required: true, description: 'The ticket number, e.g. UP-250101-00001.', schema: { type: 'string' } };
const errors = {
  '400': errorResponse('Malformed JSON, unknown or invalid fields (listed in error.issues).'),
  '401': errorResponse('No token, or an unknown, expired, logged-out or disabled one.'),
  '403': errorResponse("An officer acting on a ticket that is not at their level (a ticket escalated past them)."),
  '404': errorResponse("No such ticket, or not in the officer's area."),
  '409': errorResponse('The ticket is not in a status that allows this.'),
};

export const officerPaths = {
  '/officer/queue': {
    get: {
      summary: "The officer's own open tickets (officers only): emergencies first, then the soonest time limit; with counts and incidents.",
      responses: {
        '200': {
          description: 'The worklist.',
          ...json({
            type: 'object',
            required: ['officer', 'counts', 'tickets', 'incidents'],
            properties: {
              officer: { type: 'object' },
              counts: { type: 'object', properties: { total: { type: 'integer' }, emergencies: { type: 'integer' }, overdue: { type: 'integer' }, byStatus: { type: 'object' } } },
              tickets: { type: 'array', items: { type: 'object', description: 'A ticket summary plus dueAt (null while the consumer is asked), overdue and emergency.' } },
              incidents: { type: 'array', items: {} },
            },
          }),
        },
        '401': errors['401'],
        '403': errorResponse('Not an officer account.'),
      },
    },
  },
  '/tickets/{number}/start': {
    post: {
      summary: 'Accept and start work on an assigned or reopened ticket; the consumer is told.',
      parameters: [numberParameter],
      requestBody: { required: false, ...json(jsonSchemaOf(optionalNoteSchema)) },
      responses: { '200': { description: 'Started.', ...json(ref('TicketResult')) }, ...errors },
    },
  },
  '/tickets/{number}/reassignment-request': {
    post: {
      summary: "Ask for the ticket to be given to someone else; written into its history; it stays with its owner until reassigned.",
      parameters: [numberParameter],
      requestBody: { required: true, ...json(jsonSchemaOf(reassignmentSchema)) },
      responses: { '200': { description: 'Recorded.', ...json(ref('TicketResult')) }, ...errors },
    },
  },
};
