// The officer page's routes (server/staffApi/officerRouter.ts), for server/staffApi/openApiDocument.ts (spread into its paths).
import { officerWhatsAppSchema, pushEndpointSchema, pushSubscriptionSchema } from '../../services/officerAlertService.js';
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

const alertSettings = {
  description: "The officer's alert settings.",
  ...json({
    type: 'object',
    required: ['push', 'whatsApp'],
    properties: {
      push: { type: 'object', properties: { available: { type: 'boolean' }, publicKey: { type: ['string', 'null'], description: 'The VAPID public key for PushManager.subscribe (applicationServerKey).' }, subscriptions: { type: 'integer' } } },
      whatsApp: { type: 'object', properties: { available: { type: 'boolean' }, number: { type: ['string', 'null'], description: 'Masked, e.g. +98******10.' } } },
    },
  }),
};
const alertErrors = {
  '400': errors['400'],
  '401': errors['401'],
  '403': errorResponse('Not an officer account, or alerts (or Web Push) are not configured.'),
};

export const officerPaths = {
  '/officer/alerts': {
    get: { summary: 'Whether Web Push and WhatsApp alerts are available, and what this officer has set up.', responses: { '200': alertSettings, '401': errors['401'], '403': alertErrors['403'] } },
  },
  '/officer/alerts/push': {
    post: {
      summary: '"Notify me": store this browser\'s push subscription (PushSubscription.toJSON()); new assignments, escalations, emergencies and rejected claims are pushed to it.',
      requestBody: { required: true, ...json(jsonSchemaOf(pushSubscriptionSchema)) },
      responses: { '200': alertSettings, ...alertErrors },
    },
    delete: {
      summary: 'Stop pushing to this browser.',
      requestBody: { required: true, ...json(jsonSchemaOf(pushEndpointSchema)) },
      responses: { '200': alertSettings, ...alertErrors },
    },
  },
  '/officer/alerts/whatsapp': {
    put: {
      summary: "The officer's WhatsApp number for alert templates (null removes it). Messages from this number are never taken as a consumer's.",
      requestBody: { required: true, ...json(jsonSchemaOf(officerWhatsAppSchema)) },
      responses: { '200': alertSettings, ...alertErrors },
    },
  },
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
