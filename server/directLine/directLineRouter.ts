// Direct Line 3.0, the part the official Web Chat client uses (polling, and the WebSocket stream of directLineStream.ts), mounted at
// /v3/directline. Authentication is `Authorization: Bearer <secret | token>`: the secret for trusted backends, a token
// (see tokenService.ts) for browsers. A token opens exactly one conversation, and the posting user is always the
// token's user, never the `from` a client writes.
import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import {
  ConversationMessageLimitError,
  DirectLineConversationNotFoundError,
  newWebChatUserId,
  type BotLogic,
  type DirectLineAdapter,
} from '../../bot/adapters/directLineAdapter.js';
import {
  badArgument,
  conversationNotFound,
  directLineErrorHandler,
  DirectLineHttpError,
  invalidCredentials,
  missingAuthorization,
  otherConversation,
  tokenExpired,
} from './directLineErrors.js';
import type { DirectLineUploadHandler } from './uploadHandler.js';
import { jsonBody } from '../jsonBody.js';
import { toIncomingActivity } from './inboundActivity.js';
import type { DirectLineTokenClaims, DirectLineTokenService, IssuedToken } from './tokenService.js';
import type { DirectLineStreamHub } from './directLineStream.js';
import type { AbuseLimits } from '../../services/abuseLimits.js';
import { clientAddressOf, refuseTooMany, withinLimit } from '../tooManyRequests.js';

export interface DirectLineRouterDependencies {
  adapter: DirectLineAdapter;
  tokens: DirectLineTokenService;
  /** The bot's turn handler, e.g. `(context) => bot.run(context)`. */
  logic: BotLogic;
  /**
   * Browser origins allowed to call the API. Default '*': safe because credentials are Bearer tokens, never cookies,
   * so another site can only use a token it already holds.
   */
  allowedOrigins?: '*' | string[];
  /** Largest request body; bigger ones get 413. Default 64 kB. */
  bodyLimit?: string | number;
  /** Sessions per address and messages per conversation (docs/limits.md); none when absent. */
  limits?: AbuseLimits;
  /** The WebSocket stream (directLineStream.ts): with it, conversation answers carry a `streamUrl`. */
  stream?: Pick<DirectLineStreamHub, 'streamUrl'>;
  /** Web Chat's file upload (uploadHandler.ts); without it uploads are refused. */
  upload?: DirectLineUploadHandler;
}

type Caller = { kind: 'secret' } | { kind: 'token'; claims: DirectLineTokenClaims };

const userIdSchema = z.string().regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'letters, digits and _ . : @ - only, at most 128');
const localeSchema = z.string().regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$/);

/** `{user:{id,name}}` for tokens/generate; directlinejs posts `{user:{id?}, locale?}` to start a conversation. */
const startBodySchema = z
  .object({
    user: z.object({ id: userIdSchema.optional(), name: z.string().trim().max(100).optional() }).optional(),
    locale: localeSchema.optional(),
  })
  .optional();

const watermarkSchema = z.union([z.literal(''), z.string().regex(/^\d{1,12}$/)]).optional();

export function createDirectLineRouter(deps: DirectLineRouterDependencies): Router {
  const { adapter, tokens, logic } = deps;
  const router = Router();
  const json = jsonBody({ limit: deps.bodyLimit ?? '64kb' });
  // A consumer's NUL is cleaned from the text (inboundActivity.ts) rather than refused.
  const activityJson = jsonBody({ limit: deps.bodyLimit ?? '64kb', allowNulInValues: true });

  router.use(corsFor(deps.allowedOrigins ?? '*'));
  router.use((_request, response, next) => {
    response.set('Cache-Control', 'no-store');
    next();
  });

  const authenticate = (request: Request): Caller => {
    const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(request.get('authorization') ?? '');
    if (!match?.[1]) throw missingAuthorization();
    const presented = match[1];
    if (tokens.isSecret(presented)) return { kind: 'secret' };
    const verification = tokens.verify(presented);
    if (verification.valid) return { kind: 'token', claims: verification.claims };
    throw verification.reason === 'expired' ? tokenExpired() : invalidCredentials();
  };

  // Credentials are checked before any body is read: a stranger cannot make the server parse 64 kB for nothing.
  const callers = new WeakMap<Request, Caller>();
  const withCaller: RequestHandler = (request, _response, next) => {
    callers.set(request, authenticate(request));
    next();
  };
  const callerOf = (request: Request): Caller => {
    const caller = callers.get(request);
    if (!caller) throw new Error('withCaller must run before this handler');
    return caller;
  };

  /** The caller may act in this conversation: the secret anywhere, a token only in its own. */
  const authorizeConversation = (request: Request): { caller: Caller; conversationId: string } => {
    const caller = callerOf(request);
    const conversationId = String(request.params.conversationId ?? '');
    if (caller.kind === 'token' && caller.claims.conversationId !== conversationId) throw otherConversation();
    return { caller, conversationId };
  };

  const conversationResponse = (issued: IssuedToken) => ({
    conversationId: issued.conversationId,
    token: issued.token,
    expires_in: issued.expiresIn,
  });
  /** With the stream: the URL to receive the conversation on, resuming after `watermark` (from the start without). */
  const startedResponse = (request: Request, issued: IssuedToken, watermark?: string) =>
    deps.stream
      ? { ...conversationResponse(issued), streamUrl: deps.stream.streamUrl(request, issued.conversationId, issued.token, watermark) }
      : conversationResponse(issued);

  router.post('/tokens/generate', withCaller, json, async (request, response) => {
    if (callerOf(request).kind !== 'secret') throw new DirectLineHttpError(403, 'SecretRequired', 'Generating a token needs the secret.');
    const body = parseBody(startBodySchema, request.body);
    if (!(await withinLimit(deps.limits, 'webChatSessionsPerAddress', clientAddressOf(request), response))) return;
    const userId = body?.user?.id ?? newWebChatUserId();
    const opened = await adapter.createConversation(userId, logic, body?.locale);
    response.json(startedResponse(request, tokens.issue({ conversationId: opened.conversationId, userId, userName: body?.user?.name })));
  });

  router.post('/tokens/refresh', withCaller, async (request, response) => {
    const caller = callerOf(request);
    if (caller.kind !== 'token') throw new DirectLineHttpError(403, 'TokenRequired', 'Only a token can be refreshed.');
    if (!(await adapter.getConversation(caller.claims.conversationId))) throw conversationNotFound();
    response.json(conversationResponse(tokens.issue(caller.claims)));
  });

  router.post('/conversations', withCaller, json, async (request, response) => {
    const caller = callerOf(request);
    const body = parseBody(startBodySchema, request.body);
    if (caller.kind === 'token') {
      // The conversation a token names is created with the token; this only repairs a lost one.
      const { conversationId, userId, userName } = caller.claims;
      await adapter.ensureConversation(conversationId, userId, logic, body?.locale);
      response.status(201).json(startedResponse(request, tokens.issue({ conversationId, userId, userName })));
      return;
    }
    if (!(await withinLimit(deps.limits, 'webChatSessionsPerAddress', clientAddressOf(request), response))) return;
    const userId = body?.user?.id ?? newWebChatUserId();
    const opened = await adapter.createConversation(userId, logic, body?.locale);
    response.status(201).json(startedResponse(request, tokens.issue({ conversationId: opened.conversationId, userId, userName: body?.user?.name })));
  });

  // Reconnect: the client comes back to a conversation it knows and gets a fresh token for it.
  router.get('/conversations/:conversationId', withCaller, async (request, response) => {
    const { caller, conversationId } = authorizeConversation(request);
    const conversation = await adapter.getConversation(conversationId);
    if (!conversation) throw conversationNotFound();
    if (caller.kind === 'token' && caller.claims.userId !== conversation.userId) throw otherConversation();
    const userName = caller.kind === 'token' ? caller.claims.userName : undefined;
    const watermarkText = watermarkSchema.safeParse(request.query.watermark);
    if (!watermarkText.success) throw badArgument('The watermark is not one this server gave out.');
    response.json(startedResponse(request, tokens.issue({ conversationId, userId: conversation.userId, userName }), watermarkText.data));
  });

  router.get('/conversations/:conversationId/activities', withCaller, async (request, response) => {
    const { conversationId } = authorizeConversation(request);
    const watermarkText = watermarkSchema.safeParse(request.query.watermark);
    if (!watermarkText.success) throw badArgument('The watermark is not one this server gave out.');
    const watermark = watermarkText.data ? Number(watermarkText.data) : 0;
    let page;
    try {
      page = await adapter.readActivities(conversationId, watermark, logic);
    } catch (error) {
      // Any error status but 403/404 ends Web Chat's polling for good; a database hiccup should only delay it.
      adapter.log(`[webchat] reading the activities of ${conversationId} failed; answering "nothing new": ${error instanceof Error ? error.message : String(error)}`);
      response.json({ activities: [], watermark: String(watermark) });
      return;
    }
    if (!page) throw conversationNotFound();
    response.json({ activities: page.activities, watermark: String(page.watermark) });
  });

  router.post('/conversations/:conversationId/activities', withCaller, activityJson, async (request, response) => {
    const { caller, conversationId } = authorizeConversation(request);
    let user: { userId: string; userName?: string };
    if (caller.kind === 'token') {
      user = { userId: caller.claims.userId, userName: caller.claims.userName };
    } else {
      const conversation = await adapter.getConversation(conversationId);
      if (!conversation) throw conversationNotFound();
      user = { userId: conversation.userId };
    }
    const activity = toIncomingActivity(request.body, conversationId, user);
    if (activity.type === 'typing') {
      // The consumer's typing indicator: acknowledged, neither stored nor worth a bot turn.
      if (!(await adapter.getConversation(conversationId))) throw conversationNotFound();
      response.json({ id: `${conversationId}:typing` });
      return;
    }
    // Counted by the take itself, in the conversation document (no command of its own), and refused before it is
    // stored: a 429 message was never accepted (Web Chat shows it as not sent, to retry).
    const messageLimit = deps.limits?.settings.messagesPerConversation;
    try {
      const { id } = await adapter.processActivity(activity, logic, messageLimit ? { messageLimit } : {});
      response.json({ id });
    } catch (error) {
      if (error instanceof ConversationMessageLimitError) {
        refuseTooMany(response, error.retryAfterSeconds);
        return;
      }
      if (error instanceof DirectLineConversationNotFoundError) throw conversationNotFound();
      throw error;
    }
  });

  // Web Chat's upload button (uploadHandler.ts): the files go to the bot like a WhatsApp photo. Without a handler they
  // are refused, and a refused upload only marks that one message as failed.
  router.post('/conversations/:conversationId/upload', withCaller, async (request, response) => {
    const { caller, conversationId } = authorizeConversation(request);
    const conversation = await adapter.getConversation(conversationId);
    if (!conversation) throw conversationNotFound();
    if (!deps.upload) {
      throw new DirectLineHttpError(400, 'UploadNotSupported', 'Photos and files cannot be sent in this chat yet; please describe the problem in words.');
    }
    const user = caller.kind === 'token' ? { userId: caller.claims.userId, userName: caller.claims.userName } : { userId: conversation.userId };
    if (!(await withinLimit(deps.limits, 'messagesPerConversation', conversationId, response))) return;
    await deps.upload(request, response, { conversationId, user });
  });

  router.use(directLineErrorHandler);
  return router;
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw badArgument(`The request body is not valid: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}

function corsFor(allowedOrigins: '*' | string[]): RequestHandler {
  return (request, response, next) => {
    const origin = request.get('origin');
    if (allowedOrigins === '*') {
      response.set('Access-Control-Allow-Origin', '*');
    } else {
      response.vary('Origin');
      if (origin && allowedOrigins.includes(origin)) response.set('Access-Control-Allow-Origin', origin);
    }
    if (request.method === 'OPTIONS') {
      response.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      response.set('Access-Control-Allow-Headers', 'Authorization, x-ms-bot-agent, Content-Type');
      response.set('Access-Control-Max-Age', '600');
      response.status(204).end();
      return;
    }
    next();
  };
}
