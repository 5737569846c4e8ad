// Direct Line tokens: what a browser holds instead of the secret. Each names one conversation and one user and
// expires; the server keeps no token list, so a token is trusted only for its HMAC-SHA256 signature.
//
// Format: a compact JWS (header.payload.signature, base64url, HS256) with claims
//   { iss: "santushti-directline", conv, user, name?, iat, exp, jti }.
// A JWT because Web Chat decodes the `user` claim and uses it as the consumer's id, so the page cannot disagree with
// the server about who is typing. Only the one fixed header is accepted: nothing in a token chooses its algorithm.
//
// A browser presents the same token on every poll and post, so a token whose signature and claims checked out is
// remembered (until it expires, at most `verifiedCacheSize` of them, oldest dropped first): the next presentation of
// exactly the same text skips the HMAC and the claim parsing, while the expiry is still checked against the clock
// every time. Only exact byte-for-byte copies of a verified token hit the cache, so a tampered token never does.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

const issuer = 'santushti-directline';
const fixedHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const signatureBytes = 32;

export const minimumSecretLength = 32;

export interface DirectLineTokenClaims {
  conversationId: string;
  userId: string;
  userName?: string;
  /** Unix seconds. */
  expiresAt: number;
}

export interface IssuedToken {
  conversationId: string;
  token: string;
  /** Seconds, as Direct Line's `expires_in`. */
  expiresIn: number;
}

export type TokenVerification =
  | { valid: true; claims: DirectLineTokenClaims }
  | { valid: false; reason: 'malformed' | 'bad_signature' | 'expired' };

const payloadSchema = z.object({
  iss: z.literal(issuer),
  conv: z.string().min(1).max(64),
  user: z.string().min(1).max(128),
  name: z.string().max(100).optional(),
  iat: z.number().int(),
  exp: z.number().int(),
  jti: z.string().min(1).max(64),
});

export interface TokenServiceOptions {
  /** Default 1800 (30 minutes); Web Chat refreshes every 15 minutes while the page is open. */
  lifetimeSeconds?: number;
  /** Milliseconds since the epoch; for tests. */
  clock?: () => number;
  /** How many verified tokens are remembered (see above). Default 5,000 (a few MB); 0 turns the cache off. */
  verifiedCacheSize?: number;
}

export class DirectLineTokenService {
  readonly lifetimeSeconds: number;
  private readonly signingKey: Buffer;
  private readonly secretDigest: Buffer;
  private readonly clock: () => number;
  private readonly verifiedCacheSize: number;
  /** Verified tokens, oldest first (a Map keeps insertion order). */
  private readonly verified = new Map<string, DirectLineTokenClaims>();

  /**
   * @param secret the DIRECTLINE secret: the Bearer credential of trusted callers (tokens/generate, a backend), and,
   * through a derived key, the token signing key — so a leaked token never helps guess the secret.
   */
  constructor(secret: string, options: TokenServiceOptions = {}) {
    if (secret.length < minimumSecretLength) {
      throw new Error(`The Direct Line secret must be at least ${minimumSecretLength} characters long.`);
    }
    this.lifetimeSeconds = options.lifetimeSeconds ?? 1_800;
    if (!Number.isInteger(this.lifetimeSeconds) || this.lifetimeSeconds < 1) throw new Error('lifetimeSeconds must be a positive integer');
    this.signingKey = createHmac('sha256', secret).update('santushti direct line token signing v1').digest();
    this.secretDigest = createHash('sha256').update(secret).digest();
    this.clock = options.clock ?? Date.now;
    this.verifiedCacheSize = options.verifiedCacheSize ?? 5_000;
    if (!Number.isInteger(this.verifiedCacheSize) || this.verifiedCacheSize < 0) throw new Error('verifiedCacheSize must be a non-negative integer');
  }

  issue(claims: { conversationId: string; userId: string; userName?: string }): IssuedToken {
    const issuedAt = Math.floor(this.clock() / 1000);
    const payload = {
      iss: issuer,
      conv: claims.conversationId,
      user: claims.userId,
      ...(claims.userName ? { name: claims.userName } : {}),
      iat: issuedAt,
      exp: issuedAt + this.lifetimeSeconds,
      jti: randomBytes(9).toString('base64url'),
    };
    const signingInput = `${fixedHeader}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return {
      conversationId: claims.conversationId,
      token: `${signingInput}.${this.sign(signingInput).toString('base64url')}`,
      expiresIn: this.lifetimeSeconds,
    };
  }

  verify(token: string): TokenVerification {
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (Math.floor(this.clock() / 1000) < known.expiresAt) return { valid: true, claims: { ...known } };
      this.verified.delete(token);
      return { valid: false, reason: 'expired' };
    }
    const verification = this.verifyAfresh(token);
    if (verification.valid && this.verifiedCacheSize > 0) {
      if (this.verified.size >= this.verifiedCacheSize) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { ...verification.claims });
    }
    return verification;
  }

  /** Is this the DIRECTLINE secret? Compared in constant time (digests of equal length, whatever was presented). */
  isSecret(candidate: string): boolean {
    // A token this service verified is not the secret (the secret is never a signed token); the answer for it
    // reveals nothing the caller did not already know.
    if (this.verified.has(candidate)) return false;
    return timingSafeEqual(createHash('sha256').update(candidate).digest(), this.secretDigest);
  }

  private verifyAfresh(token: string): TokenVerification {
    const parts = token.split('.');
    if (parts.length !== 3) return { valid: false, reason: 'malformed' };
    const [header, payloadPart, signaturePart] = parts as [string, string, string];
    if (header !== fixedHeader || !isBase64Url(payloadPart) || !isBase64Url(signaturePart)) return { valid: false, reason: 'malformed' };

    const presented = Buffer.from(signaturePart, 'base64url');
    const expected = this.sign(`${header}.${payloadPart}`);
    if (presented.length !== signatureBytes || !timingSafeEqual(presented, expected)) return { valid: false, reason: 'bad_signature' };

    let payload: z.infer<typeof payloadSchema>;
    try {
      const parsed = payloadSchema.safeParse(JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')));
      if (!parsed.success) return { valid: false, reason: 'malformed' };
      payload = parsed.data;
    } catch {
      return { valid: false, reason: 'malformed' };
    }
    if (Math.floor(this.clock() / 1000) >= payload.exp) return { valid: false, reason: 'expired' };
    return {
      valid: true,
      claims: { conversationId: payload.conv, userId: payload.user, userName: payload.name, expiresAt: payload.exp },
    };
  }

  private sign(signingInput: string): Buffer {
    return createHmac('sha256', this.signingKey).update(signingInput).digest();
  }
}

function isBase64Url(text: string): boolean {
  return text.length > 0 && /^[A-Za-z0-9_-]+$/.test(text);
}
