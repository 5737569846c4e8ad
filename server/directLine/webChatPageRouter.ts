// The consumer's web chat page at `/`, its assets (the official Web Chat bundle straight from node_modules), and
// POST /webchat/session: the browser holds no secret, so the server gives it a Direct Line token for the consumer
// whose id it keeps in a signed, httpOnly, SameSite=Lax cookie. A reload sends the cookie again and gets the same
// conversation back with a fresh token, so the consumer keeps both their identity and their history.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { newWebChatUserId, type BotLogic, type DirectLineAdapter } from '../../bot/adapters/directLineAdapter.js';
import { languageOfAcceptLanguage } from '../../dialogs/replyLanguage.js';
import type { ErrorBody } from '../httpErrors.js';
import { jsonBody } from '../jsonBody.js';
import { pagePolicy, setCommonSecurityHeaders } from '../pageSecurity.js';
import { minimumSecretLength, type DirectLineTokenService } from './tokenService.js';
import type { AbuseLimits } from '../../services/abuseLimits.js';
import { clientAddressOf, withinLimit } from '../tooManyRequests.js';

export const webChatUserCookie = 'santushti_webchat_user';
/**
 * Over HTTPS the cookie is `__Host-` prefixed: the browser then accepts it only Secure, from this very host, with
 * Path=/ and no Domain, so no sibling subdomain or plain-HTTP page can plant or overwrite a consumer's identity.
 */
export const secureWebChatUserCookie = `__Host-${webChatUserCookie}`;
const defaultCookieLifetimeMs = 90 * 24 * 60 * 60 * 1000;
const noncePlaceholder = '{{CSP_NONCE}}';
const pageLanguagePlaceholder = '{{PAGE_LANG}}';

export interface WebChatPageDependencies {
  adapter: DirectLineAdapter;
  tokens: DirectLineTokenService;
  /** The bot's turn handler: a first visit starts a conversation, and the bot's welcome turn with it. */
  logic: BotLogic;
  /** Signs the consumer-id cookie: at least 32 characters, and not the Direct Line secret. */
  cookieSecret: string;
  /**
   * Mark the cookie Secure. Default: when the request came over HTTPS (`request.secure`; behind a TLS-terminating
   * proxy set express's 'trust proxy' so that it is right).
   */
  secureCookie?: boolean;
  /** Where the Direct Line router is mounted. Default '/v3/directline'. */
  directLinePath?: string;
  /** Web chat sessions per address (docs/limits.md); none when absent. */
  limits?: AbuseLimits;
  /** How long the identity cookie lives (WEBCHAT_COOKIE_LIFETIME). Default 90 days. */
  cookieLifetimeMs?: number;
}

const sessionBodySchema = z
  .object({ locale: z.string().regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$/).optional() })
  .optional();

const webDirectory = fileURLToPath(new URL('../../web/', import.meta.url));

function webChatBundlePath(): string {
  // The package exports only its entry point (lib/index.js); the browser bundle sits beside it in dist/.
  const entry = createRequire(import.meta.url).resolve('botframework-webchat');
  const bundle = join(dirname(entry), '..', 'dist', 'webchat.js');
  if (!existsSync(bundle)) throw new Error(`The Web Chat bundle is missing at ${bundle}; run npm install.`);
  return bundle;
}

/**
 * The empty string's SHA-256. Web Chat 4.18 does not pass its nonce on to react-scroll-to-bottom, whose emotion cache
 * inserts an empty <style> and then fills it through CSSOM (insertRule, which CSP does not check). Blocked, that
 * element gets no style sheet and the transcript scroller's rules are lost (measured in Chromium); allowed, it admits
 * nothing but empty style elements.
 */
const emptyStyleHash = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

/**
 * The page's Content Security Policy, measured against Web Chat 4.18 in Chromium: scripts only from this origin
 * (the bundle needs no eval, no inline script), styles from this origin or carrying this response's nonce (Web
 * Chat's CSS-in-JS inserts <style nonce> elements) or empty, no plugins, no framing, network to this origin alone.
 */
export function contentSecurityPolicy(nonce: string): string {
  return pagePolicy([
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}' ${emptyStyleHash}`,
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' blob: data:",
    "connect-src 'self'",
  ]);
}

export function createWebChatPageRouter(deps: WebChatPageDependencies): Router {
  if (deps.cookieSecret.length < minimumSecretLength) {
    throw new Error(`The web chat cookie secret must be at least ${minimumSecretLength} characters long.`);
  }
  const { adapter, tokens, logic } = deps;
  const directLinePath = deps.directLinePath ?? '/v3/directline';
  const cookieKey = createHmac('sha256', deps.cookieSecret).update('santushti web chat user cookie v1').digest();
  const pageTemplate = readFileSync(join(webDirectory, 'index.html'), 'utf8');
  if (!pageTemplate.includes(noncePlaceholder)) throw new Error(`web/index.html lacks the ${noncePlaceholder} placeholder`);
  if (!pageTemplate.includes(pageLanguagePlaceholder)) throw new Error(`web/index.html lacks the ${pageLanguagePlaceholder} placeholder`);
  const bundlePath = webChatBundlePath();

  const cookieLifetimeMs = deps.cookieLifetimeMs ?? defaultCookieLifetimeMs;
  // The cookie names its user and when it stops being honoured; the HMAC covers both, so neither can be stretched.
  const signature = (payload: string) => createHmac('sha256', cookieKey).update(payload).digest();
  const signUserId = (userId: string) => {
    const payload = `${userId}.${Math.floor((Date.now() + cookieLifetimeMs) / 1000)}`;
    return `${payload}.${signature(payload).toString('base64url')}`;
  };
  const isSecure = (request: Request) => deps.secureCookie ?? request.secure;
  const cookieNameFor = (request: Request) => (isSecure(request) ? secureWebChatUserCookie : webChatUserCookie);
  /** The signed, unexpired user id of the cookie (not yet checked against "forget me"). */
  const userIdFromCookie = (request: Request): string | undefined => {
    const value = readCookie(request, cookieNameFor(request));
    if (!value) return undefined;
    const separator = value.lastIndexOf('.');
    if (separator <= 0) return undefined;
    const payload = value.slice(0, separator);
    const presented = Buffer.from(value.slice(separator + 1), 'base64url');
    const expected = signature(payload);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
    const match = /^(.+)\.(\d{1,12})$/.exec(payload);
    if (!match || Number(match[2]) * 1000 <= Date.now()) return undefined;
    return match[1];
  };
  const setIdentityCookie = (request: Request, response: Response, userId: string) => {
    response.cookie(cookieNameFor(request), signUserId(userId), {
      httpOnly: true,
      sameSite: 'lax',
      secure: isSecure(request),
      path: '/',
      maxAge: cookieLifetimeMs,
    });
  };
  const refuseCrossSite = (request: Request, response: Response): boolean => {
    // SameSite=Lax already keeps the cookie off cross-site POSTs; this refuses them outright where browsers say so.
    if (request.get('sec-fetch-site') !== 'cross-site') return false;
    response.status(403).json({ error: { code: 'cross_site', message: 'Open the chat from its own page.' } } satisfies ErrorBody);
    return true;
  };

  const router = Router();

  router.get('/', (request, response) => {
    const nonce = randomBytes(16).toString('base64');
    // The page opens in the browser's language (English, else Hindi); page.js hands it to Web Chat as its locale,
    // which the bot's welcome follows. A language the consumer picked on the page before is kept by page.js.
    const pageLanguage = languageOfAcceptLanguage(request.get('accept-language')) === 'en' ? 'en' : 'hi';
    setCommonSecurityHeaders(response);
    response.set({
      // The page's "share my location" button asks the browser for the position (this page only, never a frame).
      'Permissions-Policy': 'camera=(), microphone=(), geolocation=(self), payment=(), usb=()',
      'Content-Security-Policy': contentSecurityPolicy(nonce),
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
    });
    response.set('Vary', 'Accept-Language');
    response.send(pageTemplate.replaceAll(noncePlaceholder, nonce).replace(pageLanguagePlaceholder, pageLanguage));
  });

  const asset = (path: string, file: string, cacheControl: string) => {
    router.get(path, (_request, response) => {
      setCommonSecurityHeaders(response);
      response.sendFile(file, { headers: { 'Cache-Control': cacheControl } });
    });
  };
  asset('/webchat/webchat.js', bundlePath, 'public, max-age=3600');
  asset('/webchat/page.js', join(webDirectory, 'page.js'), 'no-cache');
  asset('/webchat/page.css', join(webDirectory, 'page.css'), 'no-cache');

  router.post('/webchat/session', jsonBody({ limit: '1kb' }), async (request, response) => {
    setCommonSecurityHeaders(response);
    response.set('Cache-Control', 'no-store');
    if (refuseCrossSite(request, response)) return;
    const body = sessionBodySchema.safeParse(request.body);
    if (!body.success) {
      response.status(400).json({ error: { code: 'invalid_input', message: 'The session request is not valid.' } } satisfies ErrorBody);
      return;
    }
    if (!(await withinLimit(deps.limits, 'webChatSessionsPerAddress', clientAddressOf(request), response))) return;
    const cookieUserId = userIdFromCookie(request);
    // A forgotten identity's cookie starts a new consumer, as if there were none.
    const userId = cookieUserId && !(await adapter.isForgotten(cookieUserId)) ? cookieUserId : newWebChatUserId();
    const opened = await adapter.openConversationForUser(userId, logic, body.data?.locale);
    const issued = tokens.issue({ conversationId: opened.conversationId, userId });
    setIdentityCookie(request, response, userId);
    response.json({
      conversationId: issued.conversationId,
      token: issued.token,
      expires_in: issued.expiresIn,
      userId,
      directLinePath,
    });
  });

  // "Forget me" on a shared device: the identity is ended on the server (its cookie, copied or not, never works
  // again) and the browser's cookie is cleared. The next session is a new consumer with an empty history.
  router.post('/webchat/forget', async (request, response) => {
    setCommonSecurityHeaders(response);
    response.set('Cache-Control', 'no-store');
    if (refuseCrossSite(request, response)) return;
    const userId = userIdFromCookie(request);
    if (userId) await adapter.forgetUser(userId);
    response.clearCookie(cookieNameFor(request), { httpOnly: true, sameSite: 'lax', secure: isSecure(request), path: '/' });
    response.json({ forgotten: userId !== undefined });
  });

  return router;
}

function readCookie(request: Request, name: string): string | undefined {
  const header = request.get('cookie');
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator < 0 || pair.slice(0, separator).trim() !== name) continue;
    try {
      return decodeURIComponent(pair.slice(separator + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}
