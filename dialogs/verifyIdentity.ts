// The small verification exchange (services/identityService.ts). On web chat, "link 98765 43210" (or "नंबर जोड़ें …")
// sends a code to that number's WhatsApp — or, when the helpline cannot reach it, shows a code to send from it; a bare
// six-digit code is then redeemed, in the web chat or from that WhatsApp. Returns false when the message is not one
// of these, so the front desk goes on as usual.
import type { TurnContext } from 'botbuilder';
import { maskMobile, normaliseMobile, toAsciiDigits } from '../services/consumerIdentity.js';
import { IdentityService, VerificationRateLimitedError } from '../services/identityService.js';
import { consumerFrom, type DialogServices } from './consumerTurn.js';
import type { Texts } from './texts.js';

const linkRequest = /^\s*(?:link|verify|link\s+number|verify\s+number|नंबर\s+जोड़ें|नंबर\s+जोड़ो|number\s+jodo|number\s+jodein)\s*[:\-]?\s*([+\d\s\-()]{10,20})\s*$/iu;

export async function handleVerification(context: TurnContext, services: DialogServices, texts: Texts, text: string): Promise<boolean> {
  const identities = services.identities;
  if (!identities) return false;
  const consumer = consumerFrom(context);
  const asked = linkRequest.exec(toAsciiDigits(text));
  const mobile = asked && consumer.channel === 'webchat' ? normaliseMobile(asked[1]!) : undefined;
  try {
    if (mobile) {
      const sent = await identities.sendCodeToWhatsApp(consumer, mobile, texts.code);
      if (sent === 'delivered') {
        await context.sendActivity(texts.verification.codeSent(maskMobile(mobile)));
      } else {
        await context.sendActivity(texts.verification.codeToSend(await identities.codeToSendFromWhatsApp(consumer, mobile), maskMobile(mobile)));
      }
      return true;
    }
  } catch (error) {
    if (!(error instanceof VerificationRateLimitedError)) throw error;
    await context.sendActivity(texts.verification.rateLimited);
    return true;
  }
  const code = IdentityService.codeIn(text);
  if (!code) return false;
  const outcome = consumer.channel === 'webchat' ? await identities.confirmInChat(consumer, code) : await identities.confirmFromWhatsApp(consumer, code);
  if (outcome === 'none') return false;
  const reply = { linked: texts.verification.linked, wrong_code: texts.verification.wrongCode, expired: texts.verification.expired, locked: texts.verification.locked }[outcome];
  await context.sendActivity(reply);
  return true;
}
