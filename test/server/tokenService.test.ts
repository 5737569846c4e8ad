// Issue 15 (CPU per turn): the Direct Line token service remembers tokens it has verified, so a browser's polls and
// posts do not pay the HMAC and the claim parsing each time. The cache must never change an answer: an expired token
// is still refused, a tampered or foreign one is never taken for a cached one, and the secret is still the secret.
import { describe, expect, it } from 'vitest';
import { DirectLineTokenService } from '../../server/directLine/tokenService.js';

const secret = 'token-cache-secret-0123456789abcdefghijklmn';

function serviceAt(start: number, options: { verifiedCacheSize?: number; lifetimeSeconds?: number } = {}) {
  let now = start;
  const service = new DirectLineTokenService(secret, { ...options, clock: () => now });
  return { service, advance: (ms: number) => (now += ms) };
}

describe('verified-token cache', () => {
  it('still refuses a token once it has expired, although it was verified (and cached) while valid', () => {
    const { service, advance } = serviceAt(1_750_000_000_000, { lifetimeSeconds: 60 });
    const { token } = service.issue({ conversationId: 'conv-1', userId: 'dl_user-1' });
    expect(service.verify(token)).toMatchObject({ valid: true, claims: { conversationId: 'conv-1', userId: 'dl_user-1' } });
    expect(service.verify(token).valid).toBe(true); // from the cache

    advance(59_000);
    expect(service.verify(token).valid).toBe(true);
    advance(1_000); // exactly the expiry second
    expect(service.verify(token)).toEqual({ valid: false, reason: 'expired' });
    // Asked again (the cache entry is gone): still expired, from the full check.
    expect(service.verify(token)).toEqual({ valid: false, reason: 'expired' });
  });

  it('never takes a tampered token for the cached genuine one', () => {
    const { service } = serviceAt(Date.now());
    const { token } = service.issue({ conversationId: 'conv-2', userId: 'dl_user-2' });
    expect(service.verify(token).valid).toBe(true);

    const [header, payload, signature] = token.split('.') as [string, string, string];
    const otherUser = Buffer.from(
      JSON.stringify({ ...(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as object), user: 'someone-else' }),
    ).toString('base64url');
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    expect(service.verify(`${header}.${otherUser}.${signature}`)).toEqual({ valid: false, reason: 'bad_signature' });
    expect(service.verify(`${header}.${payload}.${flipped}`)).toEqual({ valid: false, reason: 'bad_signature' });
    expect(service.verify(`${token} `)).toEqual({ valid: false, reason: 'malformed' });
    expect(service.verify(token).valid).toBe(true);
  });

  it("refuses a token another secret signed, even when that other service has it cached", () => {
    const { service } = serviceAt(Date.now());
    const other = new DirectLineTokenService('a-different-secret-0123456789abcdefghijkl');
    const { token } = other.issue({ conversationId: 'conv-3', userId: 'dl_user-3' });
    expect(other.verify(token).valid).toBe(true);
    expect(service.verify(token)).toEqual({ valid: false, reason: 'bad_signature' });
  });

  it('answers the same with the cache full (oldest dropped) as with no cache at all', () => {
    const start = 1_750_000_000_000;
    const { service: small, advance } = serviceAt(start, { verifiedCacheSize: 2, lifetimeSeconds: 120 });
    const uncached = new DirectLineTokenService(secret, { verifiedCacheSize: 0, lifetimeSeconds: 120, clock: () => start });
    const tokens = ['a', 'b', 'c', 'd'].map((id) => small.issue({ conversationId: `conv-${id}`, userId: `dl_user-${id}`, userName: `User ${id}` }).token);
    for (let round = 0; round < 3; round += 1) {
      for (const token of tokens) expect(small.verify(token)).toEqual(uncached.verify(token));
    }
    advance(120_000);
    for (const token of tokens) expect(small.verify(token)).toEqual({ valid: false, reason: 'expired' });
  });

  it('hands out claims a caller cannot change for the next caller', () => {
    const { service } = serviceAt(Date.now());
    const { token } = service.issue({ conversationId: 'conv-4', userId: 'dl_user-4' });
    const first = service.verify(token);
    if (!first.valid) throw new Error('expected a valid token');
    first.claims.conversationId = 'conv-other';
    first.claims.userId = 'dl_user-other';
    expect(service.verify(token)).toMatchObject({ valid: true, claims: { conversationId: 'conv-4', userId: 'dl_user-4' } });
  });

  it('still tells the secret from a token, cached or not', () => {
    const { service } = serviceAt(Date.now());
    const { token } = service.issue({ conversationId: 'conv-5', userId: 'dl_user-5' });
    expect(service.isSecret(token)).toBe(false);
    expect(service.verify(token).valid).toBe(true);
    expect(service.isSecret(token)).toBe(false);
    expect(service.isSecret(secret)).toBe(true);
    expect(service.isSecret(`${secret}x`)).toBe(false);
    expect(service.verify(secret)).toEqual({ valid: false, reason: 'malformed' });
    expect(service.isSecret(secret)).toBe(true);
  });

  it('refuses a bad cache size', () => {
    expect(() => new DirectLineTokenService(secret, { verifiedCacheSize: -1 })).toThrow(/verifiedCacheSize/);
    expect(() => new DirectLineTokenService(secret, { verifiedCacheSize: 1.5 })).toThrow(/verifiedCacheSize/);
  });
});
