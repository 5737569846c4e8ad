// The hostile-input corpus as data: one row per request a stranger (or a consumer, or a staff member) might send to a
// public entry point, with the answer it must get and what must hold afterwards. test/reliability/hostileInput.test.ts
// sends every row as raw bytes to the whole helpline and checks, after each one, that the process still answers
// /healthz, that no document holds a "$…" or dotted key, that no prototype was polluted, and that nothing was
// stored except in the collections the row names.
//
// Adding a route: add it to `jsonEndpoints` (if it reads a JSON body: it then gets every body in `hostileBodies`),
// and add rows to `specificCases` for its own credentials, ids and fields.
import { createHmac } from 'node:crypto';
import type { Models } from '../../models/index.js';
import { messageWebhook, textMessage } from '../support/fakeGraphApi.js';
import { storedWhatsAppMessages } from '../support/whatsAppStored.js';

export type EntryPoint = 'direct-line' | 'web-chat-page' | 'whatsapp-cloud-webhook' | 'whatsapp-web-staff' | 'staff-api';

/** Ids and credentials made in the test's setup; rows build their requests from them. */
export interface CorpusContext {
  directLine: {
    secret: string;
    /** Consumer A's token and conversation (A owns `tickets.ofConsumerA`). */
    tokenA: string;
    conversationA: string;
    userA: string;
    /** Consumer B, who must not reach A's conversation or ticket. */
    tokenB: string;
    conversationB: string;
    /** Signed with the right key, but its time is up. */
    expiredToken: string;
  };
  staff: { supervisor: string; agent: string; officer: string; revoked: string; expired: string; disabled: string };
  whatsApp: { appSecret: string; verifyToken: string; phoneNumberId: string };
  tickets: {
    ofConsumerA: string;
    descriptionOfA: string;
    /** Issue 11: another ticket of A's (mobile `mobileOfA`) whose resolution question was shown to A's web chat. */
    awaitingOfA: string;
    mobileOfA: string;
  };
  /** A consumer waiting in the handoff queue, and a callback queued for another. */
  handoffs: { waiting: string };
  callbacks: { waiting: string };
}

export interface RawRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Sent byte for byte, unnormalised (so `..` and `%2f` reach the server as written). */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Streams this many bytes of a JSON string, chunked, with no Content-Length. */
  streamBytes?: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json?: unknown;
}

/** What a row may look at after its request, besides the response. */
export interface Probe {
  models: Models;
  /** Waits until every bot turn and every message to a consumer started by the request has finished. */
  settle(): Promise<void>;
  /** The bot's replies in a Direct Line conversation, oldest first. */
  botTextsIn(conversationId: string): Promise<string[]>;
  /** Every stored activity of a Direct Line conversation, oldest first (its document's window and the collection). */
  storedActivities(conversationId: string): Promise<Array<{ id: string; text?: string; type?: string; textFormat?: string; from?: { id?: string; role?: string } }>>;
}

export interface HostileCase {
  name: string;
  entryPoint: EntryPoint;
  request: (context: CorpusContext) => RawRequest;
  expect: {
    status: number;
    /** The `error.code` of a refusal. */
    code?: string;
    /** Default 'json'. */
    type?: 'json' | 'html' | 'text';
  };
  /** Collections (keys of Models) this request may add to or change; default none, '*' for a bot turn. */
  mayChange?: Array<keyof Models> | '*';
  /** A flood: the request is sent this many times first (answers unchecked), then once more and checked. */
  floodBefore?: number;
  /** Further post-conditions; throws when one fails, returns what it saw (for the report). */
  verify?: (context: CorpusContext, response: RawResponse, probe: Probe) => Promise<Record<string, unknown>>;
}

// ── Building blocks ──────────────────────────────────────────────────────────────────────────────────────────────────

const json = (value: unknown) => JSON.stringify(value);
const jsonType = { 'content-type': 'application/json' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** The shape of a staff session token, issued by nobody. */
const forgedStaffToken = 'Zm9yZ2VkLXRva2VuLWZvcmdlZC10b2tlbi1mb3JnZWQtdG9rZW4';
export const scriptPayload = '<script>alert("x")</script><img src=x onerror=alert(1)>';
/** 10 MB: far over every JSON limit (64 kB, 1 kB for the session, 1 MB for the webhook). */
export const oversizedBytes = 10 * 1024 * 1024;

export function signatureOf(appSecret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/** A webhook payload for one text message from `from`, with `overrides` written over the message's fields. */
export function webhookWith(phoneNumberId: string, overrides: Record<string, unknown>, from = '919800000001'): Record<string, unknown> {
  return messageWebhook(phoneNumberId, [{ ...textMessage(from, 'hi'), ...overrides }]);
}

const replayedTimestamp = String(Math.floor(Date.now() / 1000));

/** The same bytes every time they are asked for: a delivery and its replay. */
function replayedBody(context: CorpusContext): string {
  return json(webhookWith(context.whatsApp.phoneNumberId, { id: 'wamid.hostile.replayed', timestamp: replayedTimestamp, text: { body: 'bijli nahi hai' } }, '919800000004'));
}

function signedWebhook(context: CorpusContext, body: Buffer | string): RawRequest {
  return {
    method: 'POST',
    path: '/webhooks/whatsapp',
    headers: { ...jsonType, 'x-hub-signature-256': signatureOf(context.whatsApp.appSecret, body) },
    body,
  };
}

/** A route that reads a JSON body, with credentials that get it past authentication. */
interface JsonEndpoint {
  entryPoint: EntryPoint;
  label: string;
  method: 'POST' | 'PATCH';
  path: (context: CorpusContext) => string;
  headers: (context: CorpusContext) => Record<string, string>;
  /** How the route answers a well-formed body with hostile keys or values, when not with 400 invalid_input. */
  whenContentHostile?: Pick<HostileCase, 'expect' | 'mayChange' | 'verify'>;
}

/**
 * The staff API's closure attempts read their bodies loosely on purpose: whatever comes is refused with 403 and
 * recorded (as text) in the ticket's history, so that no stray field turns an attempt into a 400 without a trace.
 */
const closureAttemptRecorded: Pick<HostileCase, 'expect' | 'mayChange' | 'verify'> = {
  expect: { status: 403, code: 'closure_not_permitted' },
  mayChange: ['tickets', 'ticketWatch', 'reportBuckets', 'reportCells', 'officerNotifications'],
  verify: async (context, _response, probe) => {
    const ticket = await probe.models.tickets.findById(context.tickets.ofConsumerA, { events: 1, status: 1 }).lean();
    const last = ticket?.events.at(-1);
    assertThat(last?.type === 'ticket.closure_refused', `recorded as a refused closure: ${last?.type}`);
    assertThat(ticket?.status !== 'closed', 'not closed');
    return { recorded: last?.type, note: last?.evidence?.note, status: ticket?.status };
  },
};

const staffPost = (label: string, path: (context: CorpusContext) => string, method: 'POST' | 'PATCH' = 'POST'): JsonEndpoint => ({
  entryPoint: 'staff-api',
  label,
  method,
  path,
  headers: (context) => bearer(context.staff.supervisor),
});

const agentPost = (label: string, path: (context: CorpusContext) => string): JsonEndpoint => ({
  ...staffPost(label, path),
  headers: (context) => bearer(context.staff.agent),
});

export const jsonEndpoints: JsonEndpoint[] = [
  {
    entryPoint: 'direct-line',
    label: 'POST /v3/directline/tokens/generate',
    method: 'POST',
    path: () => '/v3/directline/tokens/generate',
    headers: (context) => bearer(context.directLine.secret),
  },
  {
    entryPoint: 'direct-line',
    label: 'POST /v3/directline/conversations',
    method: 'POST',
    path: () => '/v3/directline/conversations',
    headers: (context) => bearer(context.directLine.tokenA),
  },
  {
    entryPoint: 'direct-line',
    label: 'POST /v3/directline/conversations/{id}/activities',
    method: 'POST',
    path: (context) => `/v3/directline/conversations/${context.directLine.conversationA}/activities`,
    headers: (context) => bearer(context.directLine.tokenA),
  },
  {
    entryPoint: 'web-chat-page',
    label: 'POST /webchat/session',
    method: 'POST',
    path: () => '/webchat/session',
    headers: () => ({}),
  },
  { entryPoint: 'staff-api', label: 'POST /api/auth/login', method: 'POST', path: () => '/api/auth/login', headers: () => ({}) },
  staffPost('POST /api/tickets/{number}/assign', (context) => `/api/tickets/${context.tickets.ofConsumerA}/assign`),
  staffPost('POST /api/tickets/{number}/progress', (context) => `/api/tickets/${context.tickets.ofConsumerA}/progress`),
  staffPost('POST /api/tickets/{number}/resolution', (context) => `/api/tickets/${context.tickets.ofConsumerA}/resolution`),
  { ...staffPost('POST /api/tickets/{number}/close', (context) => `/api/tickets/${context.tickets.ofConsumerA}/close`), whenContentHostile: closureAttemptRecorded },
  { ...staffPost('POST /api/tickets/{number}/status', (context) => `/api/tickets/${context.tickets.ofConsumerA}/status`), whenContentHostile: closureAttemptRecorded },
  staffPost('PATCH /api/tickets/{number}', (context) => `/api/tickets/${context.tickets.ofConsumerA}`, 'PATCH'),
  staffPost('POST /api/users', () => '/api/users'),
  staffPost('POST /api/users/{username}/disable', () => '/api/users/nobody-here/disable'),
  staffPost('POST /api/handoffs/{id}/accept', () => '/api/handoffs/no-such-handoff/accept'),
  staffPost('POST /api/handoffs/{id}/messages', () => '/api/handoffs/no-such-handoff/messages'),
  staffPost('POST /api/handoffs/{id}/complete', () => '/api/handoffs/no-such-handoff/complete'),
  agentPost('POST /api/handoffs/{id}/tickets', (context) => `/api/handoffs/${context.handoffs.waiting}/tickets`),
  agentPost('POST /api/callbacks/{id}/claim', (context) => `/api/callbacks/${encodeURIComponent(context.callbacks.waiting)}/claim`),
  agentPost('POST /api/callbacks/{id}/outcome', (context) => `/api/callbacks/${encodeURIComponent(context.callbacks.waiting)}/outcome`),
];

/** Bodies every JSON endpoint refuses the same way, before any handler runs. */
interface HostileBody {
  label: string;
  body?: Buffer | string;
  streamBytes?: number;
  expect: { status: number; code: string };
  /** Well-formed JSON whose keys or values are the problem (not its size or bytes). */
  contentHostile?: boolean;
}

const deeplyNested = `${'['.repeat(200)}${']'.repeat(200)}`;

export const hostileBodies: HostileBody[] = [
  { label: '10 MB streamed without a length', streamBytes: oversizedBytes, expect: { status: 413, code: 'payload_too_large' } },
  { label: 'invalid UTF-8', body: Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]), expect: { status: 400, code: 'invalid_utf8' } },
  { label: 'truncated JSON', body: '{"text": "light nahi', expect: { status: 400, code: 'malformed_json' } },
  { label: 'a raw NUL byte inside JSON', body: Buffer.from('{"text":"a\u0000b"}'), expect: { status: 400, code: 'malformed_json' } },
  { label: 'a "$where" key', body: json({ $where: 'sleep(5000) || true' }), expect: { status: 400, code: 'invalid_input' }, contentHostile: true },
  { label: 'operators as values', body: json({ text: { $gt: '' }, username: { $ne: null }, note: { $regex: '.*' } }), expect: { status: 400, code: 'invalid_input' }, contentHostile: true },
  { label: 'a dotted key', body: json({ 'consumer.mobile': '9876543210', 'a.b': 1 }), expect: { status: 400, code: 'invalid_input' }, contentHostile: true },
  { label: 'a NUL in a key', body: '{"no\\u0000te":"x"}', expect: { status: 400, code: 'invalid_input' }, contentHostile: true },
  { label: '"__proto__" pollution', body: '{"__proto__":{"polluted":"yes"},"text":"hi"}', expect: { status: 400, code: 'invalid_input' }, contentHostile: true },
  { label: '"constructor.prototype" pollution', body: json({ constructor: { prototype: { polluted: 'yes' } } }), expect: { status: 400, code: 'invalid_input' }, contentHostile: true },
  { label: '200 levels of nesting', body: deeplyNested, expect: { status: 400, code: 'invalid_input' }, contentHostile: true },
];

function crossProduct(): HostileCase[] {
  return jsonEndpoints.flatMap((endpoint) =>
    hostileBodies.map(
      (hostile): HostileCase => ({
        name: `${endpoint.label}: ${hostile.label}`,
        entryPoint: endpoint.entryPoint,
        request: (context) => ({
          method: endpoint.method,
          path: endpoint.path(context),
          headers: { ...jsonType, ...endpoint.headers(context) },
          body: hostile.body,
          streamBytes: hostile.streamBytes,
        }),
        expect: hostile.expect,
        ...(hostile.contentHostile ? endpoint.whenContentHostile : undefined),
      }),
    ),
  );
}

// ── Rows of their own ────────────────────────────────────────────────────────────────────────────────────────────────

async function storedActivityTexts(probe: Probe, conversationId: string): Promise<string[]> {
  return (await probe.storedActivities(conversationId)).map((activity) => String(activity.text ?? ''));
}

function assertThat(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

const directLineCases: HostileCase[] = [
  {
    name: 'Direct Line: no Authorization header',
    entryPoint: 'direct-line',
    request: (context) => ({ method: 'GET', path: `/v3/directline/conversations/${context.directLine.conversationA}/activities` }),
    expect: { status: 401, code: 'MissingAuthorization' },
  },
  {
    name: 'Direct Line: a forged token (right shape, wrong signature)',
    entryPoint: 'direct-line',
    request: (context) => {
      const [header, payload] = context.directLine.tokenA.split('.');
      return { method: 'GET', path: `/v3/directline/conversations/${context.directLine.conversationA}/activities`, headers: bearer(`${header}.${payload}.${'A'.repeat(43)}`) };
    },
    expect: { status: 403, code: 'InvalidToken' },
  },
  {
    name: 'Direct Line: a token whose claims were edited to another conversation',
    entryPoint: 'direct-line',
    request: (context) => {
      const [header, payload, signature] = context.directLine.tokenA.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      const edited = Buffer.from(JSON.stringify({ ...claims, conv: context.directLine.conversationB })).toString('base64url');
      return { method: 'GET', path: `/v3/directline/conversations/${context.directLine.conversationB}/activities`, headers: bearer(`${header}.${edited}.${signature}`) };
    },
    expect: { status: 403, code: 'InvalidToken' },
  },
  {
    name: 'Direct Line: an "alg: none" token',
    entryPoint: 'direct-line',
    request: (context) => {
      const payload = context.directLine.tokenA.split('.')[1]!;
      return { method: 'GET', path: `/v3/directline/conversations/${context.directLine.conversationA}/activities`, headers: bearer(`${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`) };
    },
    expect: { status: 403, code: 'InvalidToken' },
  },
  {
    name: 'Direct Line: an expired token',
    entryPoint: 'direct-line',
    request: (context) => ({ method: 'GET', path: `/v3/directline/conversations/${context.directLine.conversationA}/activities`, headers: bearer(context.directLine.expiredToken) }),
    expect: { status: 403, code: 'TokenExpired' },
  },
  {
    name: "Direct Line: consumer B reads consumer A's conversation",
    entryPoint: 'direct-line',
    request: (context) => ({ method: 'GET', path: `/v3/directline/conversations/${context.directLine.conversationA}/activities`, headers: bearer(context.directLine.tokenB) }),
    expect: { status: 403, code: 'WrongConversation' },
  },
  {
    name: "Direct Line: consumer B posts into consumer A's conversation",
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: `/v3/directline/conversations/${context.directLine.conversationA}/activities`,
      headers: { ...jsonType, ...bearer(context.directLine.tokenB) },
      body: json({ type: 'message', text: 'haan' }),
    }),
    expect: { status: 403, code: 'WrongConversation' },
  },
  {
    name: "Direct Line: consumer B reconnects to consumer A's conversation",
    entryPoint: 'direct-line',
    request: (context) => ({ method: 'GET', path: `/v3/directline/conversations/${context.directLine.conversationA}`, headers: bearer(context.directLine.tokenB) }),
    expect: { status: 403, code: 'WrongConversation' },
  },
  {
    name: 'Direct Line: a conversation id that does not exist (with the secret)',
    entryPoint: 'direct-line',
    request: (context) => ({ method: 'GET', path: '/v3/directline/conversations/no-such-conversation-0000/activities', headers: bearer(context.directLine.secret) }),
    expect: { status: 404, code: 'ConversationNotFound' },
  },
  {
    name: 'Direct Line: path traversal as the conversation id',
    entryPoint: 'direct-line',
    request: (context) => ({ method: 'GET', path: '/v3/directline/conversations/..%2f..%2f..%2fetc%2fpasswd/activities', headers: bearer(context.directLine.secret) }),
    expect: { status: 404, code: 'ConversationNotFound' },
  },
  {
    name: 'Direct Line: an invalid UTF-8 escape as the conversation id',
    entryPoint: 'direct-line',
    request: (context) => ({ method: 'GET', path: '/v3/directline/conversations/%FF%FE/activities', headers: bearer(context.directLine.secret) }),
    expect: { status: 400, code: 'bad_request' },
  },
  {
    name: 'Direct Line: an operator in the watermark query',
    entryPoint: 'direct-line',
    request: (context) => ({ method: 'GET', path: `/v3/directline/conversations/${context.directLine.conversationA}/activities?watermark=%24gt`, headers: bearer(context.directLine.tokenA) }),
    expect: { status: 400, code: 'BadArgument' },
  },
  {
    name: 'Direct Line: bracketed operators and __proto__ in the query are plain, unknown parameters',
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'GET',
      path: `/v3/directline/conversations/${context.directLine.conversationA}/activities?watermark[$gt]=&__proto__[polluted]=1&constructor[prototype][polluted]=1`,
      headers: bearer(context.directLine.tokenA),
    }),
    expect: { status: 200 },
    verify: async (context, response) => {
      const page = response.json as { activities: Array<{ conversation: { id: string } }> };
      assertThat(page.activities.every((activity) => activity.conversation.id === context.directLine.conversationA), 'only its own conversation');
      return { activities: page.activities.length };
    },
  },
  {
    // Uploads are taken since consumers may send photos and bills (docs/consumer-media.md): the name is only a label,
    // never a path, and a text file is not a kind the helpline keeps.
    name: 'Direct Line: an upload with a path-traversal file name writes nothing where the name points and keeps no file',
    entryPoint: 'direct-line',
    request: (context) => {
      const boundary = 'hostileboundary';
      const body = [
        `--${boundary}`,
        'Content-Disposition: form-data; name="file"; filename="../../../../../../tmp/santushti-hostile-upload.txt"',
        'Content-Type: text/plain',
        '',
        'owned',
        `--${boundary}`,
        'Content-Disposition: form-data; name="activity"; filename="..%2f..%2factivity.json"',
        'Content-Type: application/vnd.microsoft.activity',
        '',
        json({ type: 'message', text: 'photo' }),
        `--${boundary}--`,
        '',
      ].join('\r\n');
      return {
        method: 'POST',
        path: `/v3/directline/conversations/${context.directLine.conversationA}/upload?userId=..%2f..%2froot`,
        headers: { ...bearer(context.directLine.tokenA), 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
      };
    },
    expect: { status: 200 },
    mayChange: '*',
    verify: async (_context, _response, probe) => {
      const { existsSync } = await import('node:fs');
      assertThat(!existsSync('/tmp/santushti-hostile-upload.txt'), 'no file written where the name pointed');
      const kept = await probe.models.evidence.countDocuments({});
      assertThat(kept === 0, `no file kept (${kept} evidence records)`);
      return { fileWritten: false, evidenceKept: kept };
    },
  },
  {
    name: 'Direct Line: an attachment with a path-traversal name inside an activity',
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: `/v3/directline/conversations/${context.directLine.conversationA}/activities`,
      headers: { ...jsonType, ...bearer(context.directLine.tokenA) },
      body: json({ type: 'message', text: 'see photo', attachments: [{ contentType: 'image/png', contentUrl: 'file:///etc/passwd', name: '../../etc/passwd' }] }),
    }),
    expect: { status: 400, code: 'AttachmentsNotSupported' },
  },
  {
    name: 'Direct Line: a user id with path traversal',
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: '/v3/directline/tokens/generate',
      headers: { ...jsonType, ...bearer(context.directLine.secret) },
      body: json({ user: { id: '../../etc/passwd' } }),
    }),
    expect: { status: 400, code: 'BadArgument' },
  },
  {
    name: "Direct Line: HTML as the consumer's display name stays text in the token",
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: '/v3/directline/tokens/generate',
      headers: { ...jsonType, ...bearer(context.directLine.secret) },
      body: json({ user: { id: 'hostile-named-consumer', name: '<img src=x onerror=alert(1)>' } }),
    }),
    expect: { status: 200 },
    mayChange: '*',
    verify: async (_context, response, probe) => {
      await probe.settle();
      const token = (response.json as { token: string }).token;
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { name?: string };
      assertThat(claims.name === '<img src=x onerror=alert(1)>', `kept as text: ${claims.name}`);
      return { name: claims.name };
    },
  },
  {
    name: "Direct Line: a NUL in the consumer's display name",
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: '/v3/directline/tokens/generate',
      headers: { ...jsonType, ...bearer(context.directLine.secret) },
      body: '{"user":{"id":"hostile-nul-name","name":"Asha\\u0000"}}',
    }),
    expect: { status: 400, code: 'invalid_input' },
  },
  {
    name: 'Direct Line: a JSON body in UTF-16',
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: `/v3/directline/conversations/${context.directLine.conversationA}/activities`,
      headers: { 'content-type': 'application/json; charset=utf-16', ...bearer(context.directLine.tokenA) },
      body: Buffer.from(json({ type: 'message', text: 'hello' }), 'utf16le'),
    }),
    expect: { status: 415, code: 'unsupported_charset' },
  },
  {
    name: 'Direct Line: the body as text/plain',
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: `/v3/directline/conversations/${context.directLine.conversationA}/activities`,
      headers: { 'content-type': 'text/plain', ...bearer(context.directLine.tokenA) },
      body: json({ type: 'message', text: 'hello' }),
    }),
    expect: { status: 400, code: 'BadArgument' },
  },
  {
    name: 'Direct Line: a message that is only NUL characters',
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: `/v3/directline/conversations/${context.directLine.conversationA}/activities`,
      headers: { ...jsonType, ...bearer(context.directLine.tokenA) },
      body: '{"type":"message","text":"\\u0000\\u0000\\u0000"}',
    }),
    expect: { status: 400, code: 'EmptyMessage' },
  },
  {
    name: "Direct Line: a consumer's message with NUL characters is taken without them",
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: `/v3/directline/conversations/${context.directLine.conversationA}/activities`,
      headers: { ...jsonType, ...bearer(context.directLine.tokenA) },
      body: '{"type":"message","text":"bijli\\u0000 nahi\\u0000 hai"}',
    }),
    expect: { status: 200 },
    mayChange: '*',
    verify: async (context, _response, probe) => {
      await probe.settle();
      const texts = await storedActivityTexts(probe, context.directLine.conversationA);
      assertThat(texts.includes('bijli nahi hai'), `stored without the NULs: ${JSON.stringify(texts.slice(-3))}`);
      assertThat(!texts.some((text) => text.includes('\u0000')), 'no NUL stored');
      return { stored: 'bijli nahi hai' };
    },
  },
  {
    name: "Direct Line: HTML and script in a consumer's message are stored as text",
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: `/v3/directline/conversations/${context.directLine.conversationA}/activities`,
      headers: { ...jsonType, ...bearer(context.directLine.tokenA) },
      body: json({ type: 'message', text: scriptPayload, textFormat: 'xml' }),
    }),
    expect: { status: 200 },
    mayChange: '*',
    verify: async (context, _response, probe) => {
      await probe.settle();
      const texts = await storedActivityTexts(probe, context.directLine.conversationA);
      assertThat(texts.includes(scriptPayload), 'stored verbatim');
      const records = await probe.storedActivities(context.directLine.conversationA);
      const botMessages = records
        .filter((activity) => activity.from?.role === 'bot' && activity.type === 'message');
      assertThat(botMessages.every((activity) => activity.textFormat === 'plain'), 'every bot message is plain text');
      return { storedVerbatim: true, botMessagesPlain: botMessages.length };
    },
  },
  {
    name: 'Direct Line: a "from" naming another user is ignored; the token says who posts',
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: `/v3/directline/conversations/${context.directLine.conversationA}/activities`,
      headers: { ...jsonType, ...bearer(context.directLine.tokenA) },
      body: json({ type: 'message', text: 'namaste', from: { id: 'supervisor', role: 'bot' } }),
    }),
    expect: { status: 200 },
    mayChange: '*',
    verify: async (context, response, probe) => {
      await probe.settle();
      const id = (response.json as { id: string }).id;
      const from = (await probe.storedActivities(context.directLine.conversationA)).find((activity) => activity.id === id)?.from;
      assertThat(from?.id === context.directLine.userA && from.role === 'user', `posted as ${JSON.stringify(from)}`);
      return { from };
    },
  },
  {
    name: "Direct Line: consumer B asks the bot about consumer A's ticket number",
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: `/v3/directline/conversations/${context.directLine.conversationB}/activities`,
      headers: { ...jsonType, ...bearer(context.directLine.tokenB) },
      body: json({ type: 'message', text: `${context.tickets.ofConsumerA} ka status batao` }),
    }),
    expect: { status: 200 },
    mayChange: '*',
    verify: async (context, _response, probe) => {
      await probe.settle();
      const replies = await probe.botTextsIn(context.directLine.conversationB);
      const last = replies.at(-1) ?? '';
      assertThat(last.includes(context.tickets.ofConsumerA), `the refusal names the number: ${last}`);
      // Asked in Hinglish, refused in Hinglish (or Hindi/English, had the conversation been in either).
      assertThat(/नहीं मिली|nahi mili|could not find/.test(last), `the bot says it is not theirs: ${last}`);
      assertThat(!replies.some((reply) => reply.includes(context.tickets.descriptionOfA)), 'nothing of the ticket leaks');
      return { reply: last };
    },
  },
];

const webChatPageCases: HostileCase[] = [
  ...[
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/webchat/..%2f..%2fpackage.json',
    '/webchat/%2e%2e/%2e%2e/package.json',
    '/webchat/webchat.js/..%2f..%2f..%2f.env',
    '/../../../etc/passwd',
    '/webchat/....//....//package.json',
    '/staff/whatsapp-web/..%2f..%2f..%2fpackage.json',
    '/%00/etc/passwd',
  ].map(
    (path): HostileCase => ({
      name: `Static routes: path traversal ${path}`,
      entryPoint: 'web-chat-page',
      request: () => ({ method: 'GET', path }),
      expect: { status: 404, code: 'not_found' },
    }),
  ),
  {
    name: 'Web chat page: a query string full of script is not reflected',
    entryPoint: 'web-chat-page',
    request: () => ({ method: 'GET', path: `/?q=${encodeURIComponent(scriptPayload)}&__proto__[polluted]=1` }),
    expect: { status: 200, type: 'html' },
    verify: async (_context, response) => {
      assertThat(!response.text.includes('alert('), 'the page does not echo the query');
      assertThat(/script-src 'self'/.test(String(response.headers['content-security-policy'])), 'CSP allows no inline script');
      return { reflected: false };
    },
  },
  {
    name: 'Web chat session: a forged cookie gets a new identity, not the forged one',
    entryPoint: 'web-chat-page',
    request: (context) => ({
      method: 'POST',
      path: '/webchat/session',
      headers: { ...jsonType, cookie: `santushti_webchat_user=${context.directLine.userA}.${'A'.repeat(43)}` },
      body: '{}',
    }),
    expect: { status: 200 },
    mayChange: '*',
    verify: async (context, response, probe) => {
      await probe.settle();
      const session = response.json as { userId: string; conversationId: string };
      assertThat(session.userId !== context.directLine.userA, 'not consumer A');
      assertThat(session.conversationId !== context.directLine.conversationA, "not A's conversation");
      return { newUser: true };
    },
  },
  {
    name: 'Web chat session: an operator-shaped cookie is no cookie',
    entryPoint: 'web-chat-page',
    request: () => ({ method: 'POST', path: '/webchat/session', headers: { ...jsonType, cookie: `santushti_webchat_user=${encodeURIComponent('{"$ne":null}')}` }, body: '{}' }),
    expect: { status: 200 },
    mayChange: '*',
    verify: async (context, response, probe) => {
      await probe.settle();
      assertThat((response.json as { userId: string }).userId !== context.directLine.userA, 'a fresh user');
      return { newUser: true };
    },
  },
  {
    name: 'Web chat session: a locale with a NUL is refused',
    entryPoint: 'web-chat-page',
    request: () => ({ method: 'POST', path: '/webchat/session', headers: jsonType, body: '{"locale":"hi\\u0000-IN"}' }),
    expect: { status: 400, code: 'invalid_input' },
  },
  {
    name: 'Web chat session: a cross-site request',
    entryPoint: 'web-chat-page',
    request: () => ({ method: 'POST', path: '/webchat/session', headers: { ...jsonType, 'sec-fetch-site': 'cross-site' }, body: '{}' }),
    expect: { status: 403, code: 'cross_site' },
  },
];

const webhookCases: HostileCase[] = [
  {
    name: 'WhatsApp webhook: verification with a wrong verify token',
    entryPoint: 'whatsapp-cloud-webhook',
    request: () => ({ method: 'GET', path: '/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guess-0123456789abcdef&hub.challenge=123' }),
    expect: { status: 403, code: 'forbidden' },
  },
  {
    name: 'WhatsApp webhook: verification with an operator as the verify token',
    entryPoint: 'whatsapp-cloud-webhook',
    request: () => ({ method: 'GET', path: '/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token[$ne]=x&hub.challenge=123' }),
    expect: { status: 403, code: 'forbidden' },
  },
  {
    name: 'WhatsApp webhook: the verify token repeated (an array)',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => ({ method: 'GET', path: `/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${context.whatsApp.verifyToken}&hub.verify_token=x&hub.challenge=1` }),
    expect: { status: 403, code: 'forbidden' },
  },
  {
    name: 'WhatsApp webhook: a script as the challenge comes back as plain text only',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => ({ method: 'GET', path: `/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${context.whatsApp.verifyToken}&hub.challenge=${encodeURIComponent(scriptPayload)}` }),
    expect: { status: 200, type: 'text' },
    verify: async (_context, response) => {
      assertThat(response.headers['x-content-type-options'] === 'nosniff', 'nosniff');
      return { contentType: response.headers['content-type'] };
    },
  },
  {
    name: 'WhatsApp webhook: no signature',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => ({ method: 'POST', path: '/webhooks/whatsapp', headers: jsonType, body: json(webhookWith(context.whatsApp.phoneNumberId, { text: { body: 'hi' } })) }),
    expect: { status: 401, code: 'bad_signature' },
  },
  {
    name: 'WhatsApp webhook: signed with another secret',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => {
      const body = json(webhookWith(context.whatsApp.phoneNumberId, { text: { body: 'hi' } }));
      return { method: 'POST', path: '/webhooks/whatsapp', headers: { ...jsonType, 'x-hub-signature-256': signatureOf('not-the-app-secret-0123456789', body) }, body };
    },
    expect: { status: 401, code: 'bad_signature' },
  },
  {
    name: 'WhatsApp webhook: a valid signature of a different body',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => {
      const signed = json(webhookWith(context.whatsApp.phoneNumberId, { text: { body: 'hi' } }));
      const sent = signed.replace('"hi"', '"haan"');
      return { method: 'POST', path: '/webhooks/whatsapp', headers: { ...jsonType, 'x-hub-signature-256': signatureOf(context.whatsApp.appSecret, signed) }, body: sent };
    },
    expect: { status: 401, code: 'bad_signature' },
  },
  {
    name: 'WhatsApp webhook: a SHA-1 signature header',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => {
      const body = json(webhookWith(context.whatsApp.phoneNumberId, { text: { body: 'hi' } }));
      return { method: 'POST', path: '/webhooks/whatsapp', headers: { ...jsonType, 'x-hub-signature': `sha1=${createHmac('sha1', context.whatsApp.appSecret).update(body).digest('hex')}` }, body };
    },
    expect: { status: 401, code: 'bad_signature' },
  },
  {
    name: 'WhatsApp webhook: 10 MB streamed',
    entryPoint: 'whatsapp-cloud-webhook',
    request: () => ({ method: 'POST', path: '/webhooks/whatsapp', headers: { ...jsonType, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }, streamBytes: oversizedBytes }),
    expect: { status: 413, code: 'payload_too_large' },
  },
  {
    name: 'WhatsApp webhook: signed, but not UTF-8',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => signedWebhook(context, Buffer.concat([Buffer.from('{"object":"whatsapp_business_account","entry":[],"x":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')])),
    expect: { status: 400, code: 'malformed_json' },
  },
  {
    name: 'WhatsApp webhook: signed, operators and __proto__ in the envelope',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) =>
      signedWebhook(context, `{"__proto__":{"polluted":"yes"},"$where":"1","constructor":{"prototype":{"polluted":"yes"}},"object":"whatsapp_business_account","entry":[]}`),
    expect: { status: 200 },
  },
  {
    name: 'WhatsApp webhook: signed, an operator as the message text and the sender',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => signedWebhook(context, json(webhookWith(context.whatsApp.phoneNumberId, { text: { body: { $gt: '' } }, from: { $ne: null } }))),
    expect: { status: 200 },
    verify: async (_context, response) => {
      const summary = response.json as { stored: number; ignored: number };
      assertThat(summary.stored === 0 && summary.ignored === 1, `ignored, not stored: ${response.text}`);
      return summary;
    },
  },
  {
    name: 'WhatsApp webhook: signed, a "$"-key and a dotted key inside the message',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => signedWebhook(context, json(webhookWith(context.whatsApp.phoneNumberId, { text: { body: 'namaste', $where: 'x', 'a.b': 1 } }, '919800000002'))),
    expect: { status: 200 },
    mayChange: '*',
    verify: async (_context, _response, probe) => {
      await probe.settle();
      const [record] = await storedWhatsAppMessages(probe.models, '919800000002');
      assertThat(record?.content === json({ kind: 'text', text: 'namaste' }), `only the text is kept: ${record?.content}`);
      return { content: record?.content };
    },
  },
  {
    name: "WhatsApp webhook: signed, a consumer's text with NUL characters and a script",
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => signedWebhook(context, json(webhookWith(context.whatsApp.phoneNumberId, { text: { body: `light\u0000 nahi ${scriptPayload}` } }, '919800000003'))),
    expect: { status: 200 },
    mayChange: '*',
    verify: async (_context, _response, probe) => {
      await probe.settle();
      const [record] = await storedWhatsAppMessages(probe.models, '919800000003');
      const content = JSON.parse(record?.content ?? '{}') as { text?: string };
      assertThat(content.text === `light nahi ${scriptPayload}`, `stored as text without the NUL: ${JSON.stringify(content.text)}`);
      return { text: content.text };
    },
  },
  {
    name: 'WhatsApp webhook: a signed delivery, first time',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => signedWebhook(context, replayedBody(context)),
    expect: { status: 200 },
    mayChange: '*',
    verify: async (_context, response, probe) => {
      await probe.settle();
      const summary = response.json as { stored: number };
      assertThat(summary.stored === 1, `stored: ${response.text}`);
      return summary;
    },
  },
  {
    name: 'WhatsApp webhook: the same signed bytes replayed',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => signedWebhook(context, replayedBody(context)),
    expect: { status: 200 },
    verify: async (_context, response) => {
      const summary = response.json as { stored: number; duplicates: number };
      assertThat(summary.stored === 0 && summary.duplicates === 1, `a duplicate, nothing new: ${response.text}`);
      return summary;
    },
  },
  {
    name: 'WhatsApp webhook: signed, for another business number',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => signedWebhook(context, json(webhookWith('999999999999', { text: { body: 'hi' } }))),
    expect: { status: 200 },
    verify: async (_context, response) => {
      const summary = response.json as { stored: number; ignored: number };
      assertThat(summary.stored === 0 && summary.ignored === 1, `ignored: ${response.text}`);
      return summary;
    },
  },
];

const staffCases: HostileCase[] = [
  ...(['forged', 'revoked', 'expired', 'disabled'] as const).map(
    (kind): HostileCase => ({
      name: `Staff API: a ${kind} token`,
      entryPoint: 'staff-api',
      request: (context) => ({
        method: 'GET',
        path: '/api/tickets',
        headers: bearer(kind === 'forged' ? forgedStaffToken : context.staff[kind]),
      }),
      expect: { status: 401, code: 'unauthenticated' },
    }),
  ),
  {
    name: 'Staff API: an operator as the bearer token',
    entryPoint: 'staff-api',
    request: () => ({ method: 'GET', path: '/api/tickets', headers: { authorization: 'Bearer {"$ne":null}' } }),
    expect: { status: 401, code: 'unauthenticated' },
  },
  {
    name: 'Staff API: login with operators for username and password',
    entryPoint: 'staff-api',
    request: () => ({ method: 'POST', path: '/api/auth/login', headers: jsonType, body: json({ username: { $ne: null }, password: { $ne: null } }) }),
    expect: { status: 400, code: 'invalid_input' },
  },
  {
    name: 'Staff API: login with an injection-looking username',
    entryPoint: 'staff-api',
    request: () => ({ method: 'POST', path: '/api/auth/login', headers: jsonType, body: json({ username: "meera' || '1'=='1", password: 'x'.repeat(12) }) }),
    expect: { status: 401, code: 'unauthenticated' },
  },
  {
    name: 'Staff API: login with a NUL in the username',
    entryPoint: 'staff-api',
    request: () => ({ method: 'POST', path: '/api/auth/login', headers: jsonType, body: '{"username":"meera\\u0000","password":"hostile-password-1"}' }),
    expect: { status: 400, code: 'invalid_input' },
  },
  ...[
    ['phone[$ne]=x', 'an operator on the phone filter'],
    ['by[$gt]=', 'an operator on an unknown field'],
    ['__proto__[polluted]=1', '__proto__'],
    ['constructor[prototype][polluted]=1', 'constructor.prototype'],
    ['status=registered&status=closed', 'a repeated parameter (an array)'],
    ['district.name=x', 'a dotted parameter'],
    ['phone=%00', 'a NUL as the phone'],
    ['cursor=..%2f..%2fetc', 'path traversal as the cursor'],
  ].map(
    ([query, label]): HostileCase => ({
      name: `Staff API: GET /api/tickets?${query} (${label})`,
      entryPoint: 'staff-api',
      request: (context) => ({ method: 'GET', path: `/api/tickets?${query}`, headers: bearer(context.staff.supervisor) }),
      expect: { status: 400, code: 'invalid_input' },
    }),
  ),
  {
    name: 'Staff API: a district filter with a script finds nothing and echoes it only as JSON',
    entryPoint: 'staff-api',
    request: (context) => ({ method: 'GET', path: `/api/tickets?district=${encodeURIComponent(scriptPayload)}`, headers: bearer(context.staff.supervisor) }),
    expect: { status: 200 },
    verify: async (_context, response) => {
      assertThat((response.json as { tickets: unknown[] }).tickets.length === 0, 'nothing found');
      return { tickets: 0 };
    },
  },
  {
    name: 'Staff API: path traversal as the ticket number',
    entryPoint: 'staff-api',
    request: (context) => ({ method: 'GET', path: '/api/tickets/..%2f..%2fetc%2fpasswd', headers: bearer(context.staff.supervisor) }),
    expect: { status: 400, code: 'invalid_input' },
  },
  {
    name: 'Staff API: an invalid UTF-8 escape as the ticket number',
    entryPoint: 'staff-api',
    request: (context) => ({ method: 'GET', path: '/api/tickets/%FF%FE', headers: bearer(context.staff.supervisor) }),
    expect: { status: 400, code: 'bad_request' },
  },
  {
    name: 'Staff API: an invalid UTF-8 escape in the query',
    entryPoint: 'staff-api',
    request: (context) => ({ method: 'GET', path: '/api/tickets?district=%FF%FE', headers: bearer(context.staff.supervisor) }),
    expect: { status: 200 },
  },
  {
    name: 'Staff API: a regex-looking ticket number',
    entryPoint: 'staff-api',
    request: (context) => ({ method: 'GET', path: `/api/tickets/${encodeURIComponent('UP-.*')}`, headers: bearer(context.staff.supervisor) }),
    expect: { status: 400, code: 'invalid_input' },
  },
  {
    name: 'Staff API: a staff note with a NUL is refused',
    entryPoint: 'staff-api',
    request: (context) => ({
      method: 'POST',
      path: `/api/tickets/${context.tickets.ofConsumerA}/progress`,
      headers: { ...jsonType, ...bearer(context.staff.supervisor) },
      body: '{"note":"lineman\\u0000 sent"}',
    }),
    expect: { status: 400, code: 'invalid_input' },
  },
  {
    name: 'Staff API: a handoff message with a NUL is refused',
    entryPoint: 'staff-api',
    request: (context) => ({ method: 'POST', path: '/api/handoffs/no-such-handoff/messages', headers: { ...jsonType, ...bearer(context.staff.supervisor) }, body: '{"text":"hello\\u0000"}' }),
    expect: { status: 400, code: 'invalid_input' },
  },
  {
    name: 'Staff API: the body as text/plain',
    entryPoint: 'staff-api',
    request: (context) => ({
      method: 'POST',
      path: `/api/tickets/${context.tickets.ofConsumerA}/progress`,
      headers: { 'content-type': 'text/plain', ...bearer(context.staff.supervisor) },
      body: json({ note: 'lineman sent' }),
    }),
    expect: { status: 400, code: 'invalid_input' },
  },
  {
    name: 'Staff API: a staff note with HTML and script is stored as text',
    entryPoint: 'staff-api',
    request: (context) => ({
      method: 'POST',
      path: `/api/tickets/${context.tickets.ofConsumerA}/progress`,
      headers: { ...jsonType, ...bearer(context.staff.supervisor) },
      body: json({ note: scriptPayload }),
    }),
    expect: { status: 200 },
    // The consumer is told of the progress on their web chat.
    mayChange: ['tickets', 'reportBuckets', 'reportCells', 'registerPages', 'registerDays', 'registerTickets', 'officerNotifications', 'ticketWatch', 'directLineActivities', 'directLineDedupe', 'directLineConversations'],
    verify: async (context, _response, probe) => {
      const ticket = await probe.models.tickets.findById(context.tickets.ofConsumerA, { events: 1 }).lean();
      const notes = (ticket?.events ?? []).map((event) => event.evidence?.note);
      assertThat(notes.includes(scriptPayload), 'the note is stored verbatim');
      return { storedVerbatim: true };
    },
  },
  {
    name: 'Staff API: a user whose name is HTML is stored as text',
    entryPoint: 'staff-api',
    request: (context) => ({
      method: 'POST',
      path: '/api/users',
      headers: { ...jsonType, ...bearer(context.staff.supervisor) },
      body: json({ username: 'hostile-name-user', password: 'hostile-password-123', role: 'agent', name: scriptPayload.slice(0, 100) }),
    }),
    expect: { status: 201 },
    mayChange: ['staffUsers'],
    verify: async (_context, _response, probe) => {
      const user = await probe.models.staffUsers.findById('hostile-name-user', { name: 1 }).lean();
      assertThat(user?.name === scriptPayload.slice(0, 100), `stored verbatim: ${user?.name}`);
      return { name: user?.name };
    },
  },
  {
    name: 'Staff API: a username that is HTML is refused',
    entryPoint: 'staff-api',
    request: (context) => ({
      method: 'POST',
      path: '/api/users',
      headers: { ...jsonType, ...bearer(context.staff.supervisor) },
      body: json({ username: '<script>x</script>', password: 'hostile-password-123', role: 'agent' }),
    }),
    expect: { status: 400, code: 'invalid_input' },
  },
  {
    name: "Staff API: an officer reads a ticket outside their area",
    entryPoint: 'staff-api',
    request: (context) => ({ method: 'GET', path: `/api/tickets/${context.tickets.ofConsumerA}`, headers: bearer(context.staff.officer) }),
    // Outside their area a ticket does not exist for them.
    expect: { status: 404, code: 'ticket_not_found' },
  },
];

type MissingCredential = 'none' | 'forged' | 'revoked' | 'expired';

/** A GET for desk staff only: 401 for each credential that is not a session, 403 for an officer's. */
function refusedCredentials(entryPoint: EntryPoint, path: string, kinds: MissingCredential[], name: (who: string) => string): HostileCase[] {
  const unauthenticated = kinds.map(
    (kind): HostileCase => ({
      name: name(kind === 'none' ? 'no token' : `a ${kind} token`),
      entryPoint,
      request: (context) => ({ method: 'GET', path, headers: kind === 'none' ? {} : bearer(kind === 'forged' ? forgedStaffToken : context.staff[kind]) }),
      expect: { status: 401, code: 'unauthenticated' },
    }),
  );
  const officer: HostileCase = {
    name: name("an officer's token"),
    entryPoint,
    request: (context) => ({ method: 'GET', path, headers: bearer(context.staff.officer) }),
    expect: { status: 403, code: 'not_permitted' },
  };
  return [...unauthenticated, officer];
}

const pngBytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('the rest of a meter photo')]);

const evidenceUpload = (context: CorpusContext, headers: Record<string, string>, body: Buffer | string): RawRequest => ({
  method: 'POST',
  path: `/api/tickets/${context.tickets.ofConsumerA}/evidence`,
  headers,
  body,
});

const agentDeskAndReportCases: HostileCase[] = [
  ...refusedCredentials('staff-api', '/api/handoffs/stream', ['none', 'forged', 'revoked'], (who) => `Handoff stream: ${who}, refused before any stream`),
  ...['handoff=..%2f..%2fx', 'handoff=../../x', 'handoff[$ne]=', `handoff=${encodeURIComponent(scriptPayload)}`].map(
    (query): HostileCase => ({
      name: `Handoff stream: ?${query}`,
      entryPoint: 'staff-api',
      request: (context) => ({ method: 'GET', path: `/api/handoffs/stream?${query}`, headers: bearer(context.staff.agent) }),
      expect: { status: 400, code: 'invalid_input' },
    }),
  ),
  {
    name: 'Evidence upload: no token',
    entryPoint: 'staff-api',
    request: (context) => evidenceUpload(context, { 'content-type': 'image/png' }, pngBytes),
    expect: { status: 401, code: 'unauthenticated' },
  },
  {
    name: 'Evidence upload: an HTML page',
    entryPoint: 'staff-api',
    request: (context) => evidenceUpload(context, { 'content-type': 'text/html', ...bearer(context.staff.supervisor) }, `<html><body>${scriptPayload}</body></html>`),
    expect: { status: 415, code: 'unsupported_media_type' },
  },
  {
    name: 'Evidence upload: an SVG with a script',
    entryPoint: 'staff-api',
    request: (context) =>
      evidenceUpload(context, { 'content-type': 'image/svg+xml', ...bearer(context.staff.supervisor) }, `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">${scriptPayload}</svg>`),
    expect: { status: 415, code: 'unsupported_media_type' },
  },
  {
    name: 'Evidence upload: an SVG declared as a PNG',
    entryPoint: 'staff-api',
    request: (context) => evidenceUpload(context, { 'content-type': 'image/png', ...bearer(context.staff.supervisor) }, `<svg xmlns="http://www.w3.org/2000/svg">${scriptPayload}</svg>`),
    expect: { status: 415, code: 'unsupported_media_type' },
  },
  {
    name: 'Evidence upload: a real PNG named ../../etc/passwd is stored under a name without a path',
    entryPoint: 'staff-api',
    request: (context) => evidenceUpload(context, { 'content-type': 'image/png', 'x-evidence-filename': '../../etc/passwd', ...bearer(context.staff.supervisor) }, pngBytes),
    expect: { status: 201 },
    mayChange: ['evidence'],
    verify: async (_context, response, probe) => {
      const { id, filename } = (response.json as { evidence: { id: string; filename: string } }).evidence;
      const stored = await probe.models.evidence.findById(id, { filename: 1 }).lean();
      assertThat(stored?.filename === 'passwd.png' && filename === 'passwd.png', `stored without a path: ${stored?.filename}, answered ${filename}`);
      return { filename: stored?.filename };
    },
  },
  ...['by[$ne]=x', 'by=__proto__', `from=${encodeURIComponent('<script>')}`].map(
    (query): HostileCase => ({
      name: `Reports: GET /api/reports/hotspots?${query}`,
      entryPoint: 'staff-api',
      request: (context) => ({ method: 'GET', path: `/api/reports/hotspots?${query}`, headers: bearer(context.staff.supervisor) }),
      expect: { status: 400, code: 'invalid_input' },
    }),
  ),
  {
    name: "Reports: an agent's token asks for hotspots",
    entryPoint: 'staff-api',
    request: (context) => ({ method: 'GET', path: '/api/reports/hotspots', headers: bearer(context.staff.agent) }),
    expect: { status: 403, code: 'not_permitted' },
  },
  {
    name: 'Reports: the satisfaction register as CSV with a forged token',
    entryPoint: 'staff-api',
    request: () => ({ method: 'GET', path: '/api/reports/satisfaction-register?format=csv', headers: bearer(forgedStaffToken) }),
    expect: { status: 401, code: 'unauthenticated' },
  },
  ...['/agent/..%2f..%2fpackage.json', '/dashboard/..%2f..%2fpackage.json'].map(
    (path): HostileCase => ({
      name: `Staff pages: ${path}`,
      entryPoint: 'staff-api',
      request: () => ({ method: 'GET', path }),
      expect: { status: 404, code: 'not_found' },
    }),
  ),
  {
    name: 'Agent console: the page ignores a query full of script',
    entryPoint: 'staff-api',
    request: () => ({ method: 'GET', path: `/agent?x=${encodeURIComponent(scriptPayload)}` }),
    expect: { status: 200, type: 'html' },
    verify: async (_context, response) => {
      assertThat(!response.text.includes('alert('), 'not reflected');
      return { reflected: false };
    },
  },
];

const whatsAppWebStaffCases: HostileCase[] = [
  ...refusedCredentials('whatsapp-web-staff', '/staff/whatsapp-web/qr', ['none', 'forged', 'revoked', 'expired'], (who) => `WhatsApp Web staff page: the QR with ${who}`),
  {
    name: 'WhatsApp Web staff page: the page itself ignores a query full of script',
    entryPoint: 'whatsapp-web-staff',
    request: () => ({ method: 'GET', path: `/staff/whatsapp-web/?${encodeURIComponent(scriptPayload)}` }),
    expect: { status: 200, type: 'html' },
    verify: async (_context, response) => {
      assertThat(!response.text.includes('alert('), 'not reflected');
      return { reflected: false };
    },
  },
];

// Floods from one address (issue 11 item 6) and "forget me" (item 7). Last in the corpus: they use up the address's
// allowances, which the rows before must not meet.
let floodMessageCount = 0;
const floodCases: HostileCase[] = [
  {
    name: 'Flood: web chat sessions from one address past the hourly limit get 429 with Retry-After',
    entryPoint: 'web-chat-page',
    request: () => ({ method: 'POST', path: '/webchat/session', headers: jsonType, body: '{}' }),
    floodBefore: 40,
    expect: { status: 429, code: 'too_many_requests' },
    mayChange: '*',
    verify: async (_context, response) => {
      assertThat(/^\d+$/.test(String(response.headers['retry-after'])), 'Retry-After in seconds');
      return { retryAfter: response.headers['retry-after'] };
    },
  },
  {
    name: 'Flood: Direct Line conversations from one address past the hourly limit get 429',
    entryPoint: 'direct-line',
    request: (context) => ({ method: 'POST', path: '/v3/directline/conversations', headers: { ...jsonType, ...bearer(context.directLine.secret) }, body: '{}' }),
    expect: { status: 429, code: 'too_many_requests' },
  },
  {
    name: 'Flood: messages into one conversation past the per-minute limit get 429 and are not stored',
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: `/v3/directline/conversations/${context.directLine.conversationB}/activities`,
      headers: { ...jsonType, ...bearer(context.directLine.tokenB) },
      body: json({ type: 'message', text: `flood ${++floodMessageCount}`, from: { id: 'x' } }),
    }),
    floodBefore: 25,
    expect: { status: 429, code: 'too_many_requests' },
    mayChange: '*',
    verify: async (context, response, probe) => {
      await probe.settle();
      const texts = await probe.botTextsIn(context.directLine.conversationB);
      assertThat(/^\d+$/.test(String(response.headers['retry-after'])), 'Retry-After in seconds');
      const conversation = await probe.models.directLineConversations.findById(context.directLine.conversationB, { head: 1 }).lean();
      const last = await probe.storedActivities(context.directLine.conversationB);
      const refusedStored = last.some((activity) => JSON.stringify(activity).includes(`"flood ${floodMessageCount}"`));
      assertThat(!refusedStored, 'the refused message is not stored');
      return { botReplies: texts.length, head: conversation?.head, refusedStored };
    },
  },
  {
    name: 'Flood: WhatsApp webhook messages from one sender past the per-minute limit are still acknowledged (200) and stored',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) =>
      signedWebhook(
        context,
        json(webhookWith(context.whatsApp.phoneNumberId, { id: `wamid.hostile.flood.${++floodMessageCount}`, text: { body: 'bijli nahi hai' } }, '919800000077')),
      ),
    floodBefore: 25,
    expect: { status: 200 },
    mayChange: '*',
    verify: async (_context, _response, probe) => {
      await probe.settle();
      const stored = (await storedWhatsAppMessages(probe.models)).length;
      assertThat(stored >= 26, 'every acknowledged message is stored');
      return { inboundStored: stored };
    },
  },
  {
    name: 'Forget me: a cross-site request is refused',
    entryPoint: 'web-chat-page',
    request: (context) => ({ method: 'POST', path: '/webchat/forget', headers: { 'sec-fetch-site': 'cross-site', cookie: `santushti_webchat_user=${context.directLine.userA}.${'A'.repeat(43)}` } }),
    expect: { status: 403, code: 'cross_site' },
  },
  {
    name: 'Forget me: a forged or operator-shaped cookie forgets nobody',
    entryPoint: 'web-chat-page',
    request: (context) => ({ method: 'POST', path: '/webchat/forget', headers: { cookie: `santushti_webchat_user=${encodeURIComponent(`{"$ne":null}.${context.directLine.userA}`)}` } }),
    expect: { status: 200 },
    verify: async (_context, response) => {
      assertThat((response.json as { forgotten: boolean }).forgotten === false, 'nothing forgotten');
      return { forgotten: false };
    },
  },
];

/** Every row, in the order they are sent. */
// ── Issue 11: identity borrowing. A mobile is a contact detail: the WhatsApp of A's typed number, a forged identity in a
// payload, or a mobile typed by staff never sees or answers for A's ticket. ────────────────────────────────────────
async function stillAwaiting(probe: Probe, number: string): Promise<Record<string, unknown>> {
  await probe.settle();
  const ticket = await probe.models.tickets.findById(number, { status: 1, closure: 1 }).lean();
  assertThat(ticket?.status === 'awaiting_confirmation' && !ticket.closure, `ticket is ${ticket?.status}, closure ${JSON.stringify(ticket?.closure)}`);
  return { status: ticket?.status };
}

const identityBorrowingCases: HostileCase[] = [
  {
    name: 'WhatsApp webhook: identity borrowing — "haan" from the WhatsApp of the mobile consumer A typed does not close A\'s ticket',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => signedWebhook(context, json(webhookWith(context.whatsApp.phoneNumberId, { text: { body: 'haan' } }, `91${context.tickets.mobileOfA}`))),
    expect: { status: 200 },
    mayChange: '*',
    verify: async (context, _response, probe) => stillAwaiting(probe, context.tickets.awaitingOfA),
  },
  {
    name: 'WhatsApp webhook: a foreign sender whose 10 digits look like A\'s mobile (Singapore-style) answers "yes": nothing closes',
    entryPoint: 'whatsapp-cloud-webhook',
    request: (context) => signedWebhook(context, json(webhookWith(context.whatsApp.phoneNumberId, { text: { body: 'yes' } }, context.tickets.mobileOfA))),
    expect: { status: 200 },
    mayChange: '*',
    verify: async (context, _response, probe) => stillAwaiting(probe, context.tickets.awaitingOfA),
  },
  {
    name: 'Direct Line: consumer B forges A\'s identity and a verified mobile in the payload and answers "haan"',
    entryPoint: 'direct-line',
    request: (context) => ({
      method: 'POST',
      path: `/v3/directline/conversations/${context.directLine.conversationB}/activities`,
      headers: { ...jsonType, ...bearer(context.directLine.tokenB) },
      body: json({
        type: 'message',
        text: 'haan',
        from: { id: context.directLine.userA, role: 'user' },
        channelId: 'whatsapp',
        channelData: { verifiedMobile: context.tickets.mobileOfA, channelUserId: context.directLine.userA, claimId: 'clm_0000000000000000' },
      }),
    }),
    expect: { status: 200 },
    mayChange: '*',
    verify: async (context, _response, probe) => {
      const seen = await stillAwaiting(probe, context.tickets.awaitingOfA);
      const texts = (await probe.botTextsIn(context.directLine.conversationB)).join('\n');
      assertThat(!texts.includes(context.tickets.awaitingOfA), 'B is never told A\'s ticket number');
      return seen;
    },
  },
  {
    name: 'Staff API: a supervisor cannot create a supervisor account (the operator command does)',
    entryPoint: 'staff-api',
    request: (context) => ({
      method: 'POST',
      path: '/api/users',
      headers: { ...jsonType, ...bearer(context.staff.supervisor) },
      body: json({ username: 'minted-supervisor', password: 'minted-password-123', role: 'supervisor' }),
    }),
    expect: { status: 403, code: 'not_permitted' },
  },
  {
    name: 'Staff API: a supervisor opens a handoff ticket typing A\'s mobile: the ticket is the handoff consumer\'s, and A\'s mobile gains nothing',
    entryPoint: 'staff-api',
    request: (context) => ({
      method: 'POST',
      path: `/api/handoffs/${context.handoffs.waiting}/tickets`,
      headers: { ...jsonType, ...bearer(context.staff.supervisor) },
      body: json({ category: 'bill', description: 'Bill galat aaya hai', place: { district: 'Lucknow', locality: 'Gomti Nagar' }, mobile: context.tickets.mobileOfA }),
    }),
    expect: { status: 201 },
    mayChange: ['tickets', 'counters', 'duplicateGuards', 'consumerIndex', 'ticketWatch', 'leases', 'reportBuckets', 'reportCells', 'registerPages', 'registerDays', 'registerTickets', 'officerNotifications'],
    verify: async (context, response, probe) => {
      await probe.settle();
      const number = (response.json as { ticket: { number: string } }).ticket.number;
      const ticket = await probe.models.tickets.findById(number, { consumer: 1 }).lean();
      assertThat(ticket?.consumer.channelUserId !== context.directLine.userA, 'the ticket is not A\'s');
      const waIndex = await probe.models.consumerIndex.findById(`channel:whatsapp:91${context.tickets.mobileOfA}`, { ticketNumbers: 1 }).lean();
      assertThat(!(waIndex?.ticketNumbers ?? []).includes(number), 'not indexed for the WhatsApp of the typed mobile');
      const links = await probe.models.identityLinks.findById(`channel:whatsapp:91${context.tickets.mobileOfA}`, { linked: 1 }).lean();
      assertThat(!links, 'no identity link made from a typed mobile');
      return { consumer: ticket?.consumer.channel };
    },
  },
];

export const hostileCorpus: HostileCase[] = [
  ...crossProduct(),
  ...directLineCases,
  ...webChatPageCases,
  ...webhookCases,
  ...staffCases,
  ...agentDeskAndReportCases,
  ...whatsAppWebStaffCases,
  ...identityBorrowingCases,
  ...floodCases,
];
