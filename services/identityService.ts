// Verified identities. A consumer is the set of channel identities the channels themselves prove (a web chat identity,
// a WhatsApp sender with its country code). A mobile someone typed is only a contact detail until it is verified
// here: a one-time code sent to that number's WhatsApp and typed back in the chat, or shown in the chat and sent
// from that WhatsApp. Codes expire, are single-use, allow few attempts, are issued a few times an hour, and are
// stored only as a salted hash. A verified pair is written to `identityLinks`, both ways; the ticket service reads it.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { ConsumerLanguage } from '../models/consumerLanguage.js';
import type { VerificationCodeRecord } from '../models/identityModels.js';
import type { Models } from '../models/index.js';
import type { ConsumerActor } from '../models/ticketTypes.js';
import { channelIdentityKey, identityKeyOf, normaliseMobile, toAsciiDigits } from './consumerIdentity.js';
import { DomainError, InvalidInputError, NotPermittedError } from './errors.js';

/** Too many codes asked for, or too many wrong ones typed: answered with a polite "try later". */
export class VerificationRateLimitedError extends DomainError {
  readonly code = 'rate_limited';
}

/** Delivers a code to a WhatsApp sender on whichever WhatsApp door is configured (bot/consumerNotifier.ts). */
export interface VerificationCodeSender {
  sendCode(whatsAppUserId: string, code: string, language: ConsumerLanguage): Promise<'delivered' | 'unreachable' | 'elsewhere'>;
}

export interface IdentityServiceOptions {
  now?: () => Date;
  /** How long a code stays good; default 10 minutes. */
  codeTtlMs?: number;
  /** Wrong codes allowed per code before it is void; default 5. */
  maxAttempts?: number;
  /** Codes issued per web chat identity (or per WhatsApp number) per hour; default 3. */
  maxIssuedPerHour?: number;
}

/** `none`: no code is pending for this identity (a six-digit number typed for another reason, or a code already used). */
export type VerificationOutcome = 'linked' | 'wrong_code' | 'expired' | 'locked' | 'none';

const hourMs = 3_600_000;
const codePattern = /^\s*(\d{6})\s*$/;

export class IdentityService {
  private readonly now: () => Date;
  private readonly codeTtlMs: number;
  private readonly maxAttempts: number;
  private readonly maxIssuedPerHour: number;

  constructor(
    private readonly models: Pick<Models, 'identityLinks' | 'verificationCodes'>,
    private readonly sender: VerificationCodeSender | undefined,
    options: IdentityServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.codeTtlMs = options.codeTtlMs ?? 10 * 60_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.maxIssuedPerHour = options.maxIssuedPerHour ?? 3;
  }

  /**
   * Way one: a code goes to the typed mobile's WhatsApp; the web chat consumer types it back (confirmInChat).
   * Returns how the code went out: 'unreachable' when that number never wrote to the helpline's WhatsApp (then way two).
   */
  async sendCodeToWhatsApp(webActor: ConsumerActor, typedMobile: string, language: ConsumerLanguage = 'hi'): Promise<'delivered' | 'unreachable' | 'elsewhere'> {
    const { webIdentity, mobile, whatsAppUserId } = this.pair(webActor, typedMobile);
    if (!this.sender) return 'unreachable';
    const code = await this.issue(`chat:${webIdentity}`, webIdentity, mobile);
    return this.sender.sendCode(whatsAppUserId, code, language);
  }

  /** Way two: a code to show in the chat, for the consumer to send from the typed mobile's WhatsApp (confirmFromWhatsApp). */
  async codeToSendFromWhatsApp(webActor: ConsumerActor, typedMobile: string): Promise<string> {
    const { webIdentity, mobile, whatsAppUserId } = this.pair(webActor, typedMobile);
    return this.issue(`whatsapp:${channelIdentityKey('whatsapp', whatsAppUserId)}`, webIdentity, mobile);
  }

  /** The web chat consumer typed a code they received on WhatsApp. */
  async confirmInChat(webActor: ConsumerActor, typed: string): Promise<VerificationOutcome> {
    if (webActor.channel !== 'webchat') throw new NotPermittedError('Codes sent to WhatsApp are typed back in the web chat.');
    return this.redeem(`chat:${identityKeyOf(webActor)}`, typed);
  }

  /** A WhatsApp sender sent a code shown in a web chat: their own number is the one proven, nothing they claim. */
  async confirmFromWhatsApp(whatsAppActor: ConsumerActor, typed: string): Promise<VerificationOutcome> {
    if (whatsAppActor.channel !== 'whatsapp') throw new NotPermittedError('Codes shown in the chat are sent from WhatsApp.');
    return this.redeem(`whatsapp:${identityKeyOf(whatsAppActor)}`, typed);
  }

  /** Is this message a bare six-digit code? (The dialogs ask before treating it as one.) */
  static codeIn(text: string): string | undefined {
    return codePattern.exec(toAsciiDigits(text))?.[1];
  }

  /** The identity keys verified as the same consumer as this one. */
  async linkedTo(actor: Pick<ConsumerActor, 'channel' | 'channelUserId'>): Promise<string[]> {
    const links = await this.models.identityLinks.findById(identityKeyOf(actor), { linked: 1 }).lean();
    return links?.linked ?? [];
  }

  private pair(webActor: ConsumerActor, typedMobile: string) {
    if (webActor.channel !== 'webchat') throw new NotPermittedError('Only a web chat identity links a mobile number; a WhatsApp sender already is one.');
    const mobile = normaliseMobile(typedMobile);
    if (!mobile) throw new InvalidInputError(['mobile: is not a 10-digit Indian mobile number (6–9 first, optional +91 or 0)']);
    return { webIdentity: identityKeyOf(webActor), mobile, whatsAppUserId: `91${mobile}` };
  }

  /** A fresh code replaces any pending one under this key; issuing is limited per hour. Only its hash is stored. */
  private async issue(id: string, webIdentity: string, mobile: string): Promise<string> {
    const now = this.now();
    const previous = await this.models.verificationCodes.findById(id, { issued: 1, windowStart: 1 }).lean();
    const sameWindow = previous && now.getTime() - new Date(previous.windowStart).getTime() < hourMs;
    const issued = sameWindow ? previous.issued + 1 : 1;
    if (issued > this.maxIssuedPerHour) throw new VerificationRateLimitedError('Too many verification codes asked for; try again in an hour.');
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const salt = randomBytes(16).toString('hex');
    const record: VerificationCodeRecord = {
      _id: id,
      webIdentity,
      whatsAppIdentity: channelIdentityKey('whatsapp', `91${mobile}`),
      mobile,
      salt,
      codeHash: hashCode(salt, code),
      expiresAt: new Date(now.getTime() + this.codeTtlMs),
      attempts: 0,
      issued,
      windowStart: sameWindow ? previous.windowStart : now,
    };
    await this.models.verificationCodes.replaceOne({ _id: id }, record, { upsert: true });
    return code;
  }

  /**
   * Every attempt first spends one try (an atomic increment by `_id`), so racing guesses cannot exceed the limit; a
   * right code is then taken by deleting it, which exactly one of two racing redemptions does.
   */
  private async redeem(id: string, typed: string): Promise<VerificationOutcome> {
    const code = IdentityService.codeIn(typed);
    const before = await this.models.verificationCodes
      .findOneAndUpdate({ _id: id }, { $inc: { attempts: 1 } }, { returnDocument: 'before', projection: { _id: 1, webIdentity: 1, whatsAppIdentity: 1, salt: 1, codeHash: 1, expiresAt: 1, attempts: 1 } })
      .lean<VerificationCodeRecord>();
    if (!before) return 'none';
    if (this.now() > new Date(before.expiresAt)) return 'expired';
    if (before.attempts >= this.maxAttempts) return 'locked';
    if (!code || !sameHash(before.codeHash, hashCode(before.salt, code))) {
      return before.attempts + 1 >= this.maxAttempts ? 'locked' : 'wrong_code';
    }
    const { deletedCount } = await this.models.verificationCodes.deleteOne({ _id: id });
    if (deletedCount !== 1) return 'none';
    await this.link(before.webIdentity, before.whatsAppIdentity);
    return 'linked';
  }

  private async link(one: string, other: string): Promise<void> {
    const updatedAt = this.now();
    await this.models.identityLinks.bulkWrite(
      [
        [one, other],
        [other, one],
      ].map(([key, linked]) => ({ updateOne: { filter: { _id: key }, update: { $addToSet: { linked }, $set: { updatedAt } }, upsert: true } })),
      { ordered: false },
    );
  }
}

function hashCode(salt: string, code: string): string {
  return createHash('sha256').update(`${salt}:${code}`).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The status dialog's new-device check (dialogs/consumerTurn.ts MobileVerifier) on top of this service: a code goes
 * to the WhatsApp of the typed mobile only when that mobile is the one the ticket was registered with, and a right code
 * links this chat to that WhatsApp — after which the ticket opens only if its own identity is that WhatsApp or was
 * itself verified with it (a typed mobile never opens a ticket). Resolves alike whatever the ticket says.
 */
export function mobileVerifierFor(
  identities: IdentityService,
  tickets: { get(ticketNumber: string): Promise<{ consumer: { mobile?: string } }>; getForConsumer(ticketNumber: string, actor: ConsumerActor): Promise<unknown> },
) {
  return {
    async sendCode({ ticketNumber, mobile, consumer }: { ticketNumber: string; mobile: string; consumer: ConsumerActor }): Promise<void> {
      if (consumer.channel !== 'webchat') return;
      const ticket = await tickets.get(ticketNumber).catch(() => undefined);
      if (!ticket || ticket.consumer.mobile !== normaliseMobile(mobile)) return;
      await identities.sendCodeToWhatsApp(consumer, mobile).catch(() => undefined);
    },
    async confirmCode({ ticketNumber, consumer, code }: { ticketNumber: string; mobile: string; consumer: ConsumerActor; code: string }): Promise<boolean> {
      if (consumer.channel !== 'webchat') return false;
      if ((await identities.confirmInChat(consumer, code)) !== 'linked') return false;
      return tickets.getForConsumer(ticketNumber, consumer).then(
        () => true,
        () => false,
      );
    },
  };
}
