// Meta's webhook for the WhatsApp Cloud API. GET is the subscription handshake. POST carries messages and delivery
// statuses: the raw bytes are checked against X-Hub-Signature-256 before anything is parsed or stored, then the
// payload is handed to the adapter, which stores it and answers the consumer in the background. Meta retries every
// non-200 for days, so only a failure worth a retry (bad signature, unreadable body, database down) gets one.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type Response, type NextFunction } from 'express';
import type { BotLogic, WhatsAppCloudAdapter } from '../../bot/adapters/whatsAppCloudAdapter.js';
import { webhookPayloadSchema } from '../../bot/adapters/whatsAppCloudMessages.js';
import type { ErrorBody } from '../httpErrors.js';

export interface WhatsAppCloudWebhookOptions {
  adapter: WhatsAppCloudAdapter;
  logic: BotLogic;
  appSecret: string;
  verifyToken: string;
  log: (line: string) => void;
  /** Largest body accepted; Meta's payloads are a few kilobytes. Default 1 MB. */
  maxBodyBytes?: number;
}

const signaturePattern = /^sha256=([0-9a-f]{64})$/i;

/** Equal strings compared in time independent of where they differ (hashed first, so lengths do not leak either). */
export function constantTimeEquals(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** `sha256=<hex>` of HMAC-SHA256(app secret, the exact bytes received). */
export function isValidSignature(appSecret: string, rawBody: Buffer, header: string | undefined): boolean {
  const match = header ? signaturePattern.exec(header.trim()) : null;
  if (!match) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'));
}

function fail(response: Response, status: number, code: string, message: string): void {
  response.status(status).json({ error: { code, message } } satisfies ErrorBody);
}

export function createWhatsAppCloudWebhookRouter(options: WhatsAppCloudWebhookOptions): Router {
  const { adapter, logic, appSecret, verifyToken, log } = options;
  const router = Router();

  router.get('/', (request: Request, response: Response) => {
    const mode = request.query['hub.mode'];
    const token = request.query['hub.verify_token'];
    const challenge = request.query['hub.challenge'];
    if (mode !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string' || challenge.length > 512 || !constantTimeEquals(token, verifyToken)) {
      log('[whatsapp-cloud] refused a webhook verification request');
      fail(response, 403, 'forbidden', 'Verification failed.');
      return;
    }
    response.status(200).type('text/plain').set('x-content-type-options', 'nosniff').send(challenge);
  });

  router.post(
    '/',
    // Raw bytes whatever the content type: the signature covers exactly what was sent, and parsing comes after it.
    express.raw({ type: () => true, limit: options.maxBodyBytes ?? 1024 * 1024 }),
    async (request: Request, response: Response, next: NextFunction) => {
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (!isValidSignature(appSecret, rawBody, request.get('x-hub-signature-256'))) {
        log('[whatsapp-cloud] refused a webhook POST with a missing or wrong signature');
        fail(response, 401, 'bad_signature', 'The X-Hub-Signature-256 header does not match the body.');
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
      } catch {
        log('[whatsapp-cloud] a signed webhook POST was not valid JSON');
        fail(response, 400, 'malformed_json', 'The request body is not valid JSON.');
        return;
      }
      const payload = webhookPayloadSchema.safeParse(json);
      if (!payload.success || payload.data.object !== 'whatsapp_business_account') {
        // Signed by Meta but not a shape we know: a retry would bring the same, so acknowledge it.
        log(`[whatsapp-cloud] ignored a webhook of an unknown shape${payload.success ? ` (object "${payload.data.object.slice(0, 40)}")` : ''}`);
        response.status(200).json({ received: true, ignored: true });
        return;
      }
      try {
        const summary = await adapter.receiveWebhook(payload.data, logic);
        response.status(200).json({ received: true, ...summary });
      } catch (error) {
        // Nothing acknowledged: Meta will deliver it again, and whatever was stored is deduplicated then.
        next(error);
      }
    },
  );

  return router;
}
