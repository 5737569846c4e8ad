// The ticket service's edge: every input is parsed here, strictly (unknown keys such as "$where" are refused),
// before anything touches the database.
import { z } from 'zod';
import { CONSUMER_LANGUAGES } from '../models/consumerLanguage.js';
import { CONSUMER_CHANNELS, STAFF_ROLES, TICKET_CATEGORIES, type Actor } from '../models/ticketTypes.js';
import { normaliseAccountNumber, normaliseMobile } from './consumerIdentity.js';
import { InvalidInputError } from './errors.js';

export const LIMITS = {
  description: 2000,
  note: 2000,
  shortText: 120,
  addressText: 300,
  channelUserId: 200,
  photoRef: 500,
} as const;

/** Without the control characters that have no place in a complaint (NUL among them); tabs and line breaks stay. */
export function withoutControlCharacters(value: string): string {
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

/** Trimmed, non-empty, bounded, and free of control characters. */
const text = (max: number) =>
  z
    .string()
    .transform((value) => withoutControlCharacters(value).trim())
    .pipe(z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));

const mobile = z.string().max(40).transform((value, context) => {
  const normalised = normaliseMobile(value);
  if (!normalised) {
    context.addIssue({ code: 'custom', message: 'is not a 10-digit Indian mobile number (6–9 first, optional +91 or 0)' });
    return z.NEVER;
  }
  return normalised;
});

const accountNumber = z.string().max(40).transform((value, context) => {
  const normalised = normaliseAccountNumber(value);
  if (!normalised) {
    context.addIssue({ code: 'custom', message: 'is not a 10-digit consumer account number' });
    return z.NEVER;
  }
  return normalised;
});

export const evidenceIdPattern = /^evidence_[0-9a-f]{16}$/;
export const EVIDENCE_FILES_PER_NOTE = 5;

export const ticketNumberPattern = /^UP-\d{6}-\d{5,9}$/;
export const ticketNumberSchema = z
  .string()
  .max(30)
  .transform((value) => value.trim().toUpperCase())
  .pipe(z.string().regex(ticketNumberPattern, 'is not a ticket number like UP-261128-00042'));

const consumerIdentitySchema = z.strictObject({
  channel: z.enum(CONSUMER_CHANNELS),
  channelUserId: text(LIMITS.channelUserId),
  mobile: mobile.optional(),
  accountNumber: accountNumber.optional(),
  /** A new connection's application number: letters, digits and dashes as printed on the receipt. */
  applicationNumber: z
    .string()
    .max(40)
    .transform((value) => value.trim().toUpperCase())
    .pipe(z.string().regex(/^[A-Z0-9][A-Z0-9/-]{3,29}$/, 'is not an application number (4–30 letters, digits, "-" or "/")'))
    .optional(),
  anonymous: z.boolean().optional(),
  language: z.enum(CONSUMER_LANGUAGES).optional(),
});

const placeSchema = z.strictObject({
  district: text(LIMITS.shortText),
  division: text(LIMITS.shortText).optional(),
  subDivision: text(LIMITS.shortText).optional(),
  locality: text(LIMITS.shortText).optional(),
  feeder: text(LIMITS.shortText).optional(),
  transformer: text(LIMITS.shortText).optional(),
  addressText: text(LIMITS.addressText).optional(),
});

export const registerTicketSchema = z
  .strictObject({
    category: z.enum(TICKET_CATEGORIES),
    description: text(LIMITS.description),
    consumer: consumerIdentitySchema,
    place: placeSchema,
    /** A danger to life: see TicketRecord.emergency. */
    emergency: z.literal(true).optional(),
  })
  .superRefine((request, context) => {
    // Only a theft report may be anonymous, and only an anonymous one may come without a mobile.
    if (request.consumer.anonymous && request.category !== 'theft') {
      context.addIssue({ code: 'custom', path: ['consumer', 'anonymous'], message: 'only a theft report can be anonymous' });
    }
    if (request.consumer.mobile === undefined && !request.consumer.anonymous) {
      context.addIssue({ code: 'custom', path: ['consumer', 'mobile'], message: 'is required (only an anonymous theft report may leave it out)' });
    }
  });
export type RegisterTicketInput = z.input<typeof registerTicketSchema>;
export type RegisterTicket = z.output<typeof registerTicketSchema>;

export const evidenceSchema = z.strictObject({
  note: text(LIMITS.note).optional(),
  photoRef: text(LIMITS.photoRef).optional(),
  meterReadingKwh: z.number().finite().nonnegative().max(1e9).optional(),
  files: z.array(z.string().regex(evidenceIdPattern, 'is not an evidence id like evidence_0123456789abcdef')).min(1).max(EVIDENCE_FILES_PER_NOTE).optional(),
});

export const noteSchema = z.strictObject({
  note: text(LIMITS.note),
  evidence: evidenceSchema.optional(),
});
export type NoteInput = z.input<typeof noteSchema>;

export const optionalNoteSchema = z.strictObject({ note: text(LIMITS.note).optional() });

/** When the field expects the work done, as an ISO date-time with its offset ("2026-12-04T18:00:00+05:30"). */
export const expectedBySchema = z.iso.datetime({ offset: true }).meta({ description: 'When the work is expected to be done (ISO 8601 with offset); the consumer is told it.' });

/** A progress note, optionally with the expected time of completion (told to the consumer). */
export const progressSchema = noteSchema.extend({ expectedBy: expectedBySchema.optional() });
export type ProgressInput = z.input<typeof progressSchema>;

export const assignSchema = z.strictObject({
  officerId: text(LIMITS.shortText).optional(),
  note: text(LIMITS.note).optional(),
});

export const answerSchema = z.strictObject({
  claimId: text(LIMITS.shortText),
  answer: z.enum(['yes', 'no']),
  note: text(LIMITS.note).optional(),
});
export type AnswerInput = z.input<typeof answerSchema>;

export const actorSchema: z.ZodType<Actor> = z.discriminatedUnion('role', [
  z.strictObject({
    role: z.literal('consumer'),
    channel: z.enum(CONSUMER_CHANNELS),
    channelUserId: text(LIMITS.channelUserId),
    verifiedMobile: mobile.optional(),
  }),
  z.strictObject({ role: z.enum(STAFF_ROLES), id: text(LIMITS.shortText), name: text(LIMITS.shortText).optional() }),
  z.strictObject({ role: z.literal('system'), id: text(LIMITS.shortText) }),
]);

/** Parses or throws InvalidInputError listing every problem by its path ("consumer.mobile: is not …"). */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidInputError(
    result.error.issues.map((issue) => {
      const path = issue.path.join('.');
      const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(', ')}` : issue.message;
      return path ? `${path}: ${message}` : message;
    }),
  );
}
