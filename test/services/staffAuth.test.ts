// Staff passwords, the login rate limit, and sessions: what a token is worth and when it stops being worth anything.
import { beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../services/directory.js';
import { InvalidInputError, NotPermittedError, UnauthenticatedError } from '../../services/errors.js';
import { DEFAULT_SCRYPT_PARAMETERS, hashPassword, needsRehash, parseStoredHash, verifyPassword } from '../../services/staffAuthPasswords.js';
import { LoginRateLimitedError, LoginRateLimiter } from '../../services/staffAuthRateLimiter.js';
import { StaffAuthService, actorFor, sessionIdFor, type StaffAdministrator } from '../../services/staffAuthService.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase('staff_auth');
const directory = Directory.loadDefault();
const operator: StaffAdministrator = { role: 'system', id: 'test-operator' };
const clientAddress = '127.0.0.1';

/** A clock the test moves by hand; starts at the real time so stored dates look ordinary. */
function manualClock() {
  let current = Date.now();
  return {
    now: () => new Date(current),
    advance: (ms: number) => {
      current += ms;
    },
  };
}

let userCounter = 0;
function uniqueUsername(prefix: string): string {
  userCounter += 1;
  return `${prefix}-${userCounter}-${Math.random().toString(36).slice(2, 7)}`;
}

describe('password hashing (scrypt)', () => {
  it('stores the algorithm, cost and a per-password salt with the key, and verifies only the right password', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain('correct horse battery');
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
    // Same password, different salt, different hash.
    expect(await hashPassword('correct horse battery')).not.toBe(stored);
  });

  it('treats the same characters in another Unicode form as the same password', async () => {
    const composed = 'pass-word-\u00e9\u00e9';
    const decomposed = 'pass-word-e\u0301e\u0301';
    expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true);
  });

  it('verifies hashes made with older parameters and says they need re-hashing', async () => {
    const older = { ...DEFAULT_SCRYPT_PARAMETERS, logN: 12 };
    const stored = await hashPassword('an older password', older);
    expect(parseStoredHash(stored)?.parameters).toEqual(older);
    expect(await verifyPassword('an older password', stored)).toBe(true);
    expect(needsRehash(stored)).toBe(true);
    expect(needsRehash(await hashPassword('a current password'))).toBe(false);
  });

  it('refuses a corrupted or cost-inflated stored hash without throwing or hashing for minutes', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', stored.replace('ln=15', 'ln=30'))).toBe(false);
    const key = stored.split('$').at(-1)!;
    const alteredKey = `${key.slice(0, 10)}${key[10] === 'A' ? 'B' : 'A'}${key.slice(11)}`;
    expect(await verifyPassword('correct horse battery', stored.replace(key, alteredKey))).toBe(false);
    expect(await verifyPassword('correct horse battery', stored.replace(key, key.slice(0, 12)))).toBe(false);
    expect(await verifyPassword('correct horse battery', 'plain-text-password')).toBe(false);
  });
});

describe('login rate limiter', () => {
  const minutes = 60_000;

  it('refuses the 6th attempt for a username from the address that failed 5 times, with the time until one ages out', () => {
    const clock = manualClock();
    const limiter = new LoginRateLimiter({ now: () => clock.now().getTime() });
    for (let attempt = 0; attempt < 5; attempt++) {
      limiter.begin('asha', '10.0.0.66');
      clock.advance(1 * minutes);
    }
    const refusal = (() => {
      try {
        limiter.begin('asha', '10.0.0.66');
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(LoginRateLimitedError);
    // The first failure was 5 minutes ago; it ages out of the 15-minute window in 10.
    expect((refusal as LoginRateLimitedError).retryAfterSeconds).toBe(10 * 60);
    clock.advance(10 * minutes);
    expect(() => limiter.begin('asha', '10.0.0.66')).not.toThrow();
  });

  it('issue 11 example: 5 failures for a username from anywhere only slow it down — never refused from another address', () => {
    const clock = manualClock();
    const limiter = new LoginRateLimiter({ now: () => clock.now().getTime() });
    for (let attempt = 0; attempt < 5; attempt++) limiter.begin('asha', `10.0.0.${attempt}`);
    // Main refused this (429 for 15 minutes); now it is allowed, after a short growing delay.
    const fromElsewhere = limiter.begin('asha', '10.0.1.1');
    expect(fromElsewhere.delayMs).toBe(500);
    expect(limiter.begin('asha', '10.0.1.2').delayMs).toBe(1_000);
    for (let attempt = 0; attempt < 10; attempt++) limiter.begin('asha', `10.0.2.${attempt}`);
    // The delay is capped.
    expect(limiter.begin('asha', '10.0.3.1').delayMs).toBe(8_000);
    // The right password forgives the username: the next attempt from a clean address has no delay.
    limiter.succeeded(fromElsewhere);
    expect(limiter.begin('asha', '10.0.4.1').delayMs).toBe(0);
  });

  it('issue 11 example: 20 failures from one address slow that address down and never refuse another staff member there', () => {
    const clock = manualClock();
    const limiter = new LoginRateLimiter({ now: () => clock.now().getTime() });
    for (let attempt = 0; attempt < 20; attempt++) limiter.begin(`guess-${attempt}`, 'shared-proxy');
    // Main refused every username from this address for 15 minutes.
    const colleague = limiter.begin('meera', 'shared-proxy');
    expect(colleague.delayMs).toBeGreaterThan(0);
    expect(colleague.delayMs).toBeLessThanOrEqual(8_000);
    expect(limiter.begin('meera', 'other-address').delayMs).toBe(0);
    clock.advance(15 * minutes + 1);
    expect(limiter.begin('meera', 'shared-proxy').delayMs).toBe(0);
  });

  it('counts attempts still in flight, so a burst of simultaneous guesses from one address cannot pass the limit', () => {
    const limiter = new LoginRateLimiter();
    for (let attempt = 0; attempt < 5; attempt++) limiter.begin('burst', '10.1.0.9');
    expect(() => limiter.begin('burst', '10.1.0.9')).toThrow(LoginRateLimitedError);
  });
});

describe('accounts, login and sessions', () => {
  let auth: StaffAuthService;
  let clock: ReturnType<typeof manualClock>;

  beforeAll(() => {
    clock = manualClock();
    auth = new StaffAuthService(db.models, directory, { now: clock.now });
  });

  it('logs in with a random token whose hash alone is stored, valid for 12 hours, as the account\'s role', async () => {
    const username = uniqueUsername('asha');
    await auth.createUser({ username, password: 'correct horse battery', role: 'agent', name: 'Asha Verma' }, operator);
    const result = await auth.login({ username: `  ${username.toUpperCase()} `, password: 'correct horse battery' }, clientAddress);

    expect(result.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(result.user).toEqual({ username, role: 'agent', name: 'Asha Verma' });
    expect(result.expiresAt.getTime() - clock.now().getTime()).toBe(12 * 60 * 60_000);

    const session = await db.models.staffSessions.findById(sessionIdFor(result.token), { _x: 0 }).lean();
    expect(session?.username).toBe(username);
    const everything = JSON.stringify(await db.models.staffSessions.find({}, { _x: 0 }).lean());
    expect(everything).not.toContain(result.token);

    const principal = await auth.authenticate(result.token);
    expect(principal).toMatchObject({ username, role: 'agent', name: 'Asha Verma' });
    expect(actorFor(principal)).toEqual({ role: 'agent', id: username, name: 'Asha Verma' });
  });

  it('acts for an officer under their directory officer id, with their level from the directory', async () => {
    const username = uniqueUsername('pradeep');
    const user = await auth.createUser({ username, password: 'pradeep-password', role: 'officer', officerId: 'je-gomti-nagar-1' }, operator);
    expect(user.name).toBe('Pradeep Srivastava (Demo)');
    const { token } = await auth.login({ username, password: 'pradeep-password' }, clientAddress);
    const principal = await auth.authenticate(token);
    expect(principal).toMatchObject({ role: 'officer', officerId: 'je-gomti-nagar-1', level: 'JE' });
    expect(actorFor(principal)).toEqual({ role: 'officer', id: 'je-gomti-nagar-1', name: 'Pradeep Srivastava (Demo)' });
  });

  it('refuses account rules: short passwords, officers without a known officer id, a second live account per officer', async () => {
    await expect(auth.createUser({ username: uniqueUsername('short'), password: 'nine-char', role: 'agent' }, operator)).rejects.toThrow(/at least 10 characters/);
    await expect(auth.createUser({ username: uniqueUsername('je'), password: 'long-enough-1', role: 'officer' }, operator)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      auth.createUser({ username: uniqueUsername('je'), password: 'long-enough-1', role: 'officer', officerId: 'je-nowhere-9' }, operator),
    ).rejects.toThrow(/no officer je-nowhere-9/);
    await expect(
      auth.createUser({ username: uniqueUsername('agent'), password: 'long-enough-1', role: 'agent', officerId: 'je-chowk-1' }, operator),
    ).rejects.toThrow(/only officer accounts/);

    const first = uniqueUsername('chowk');
    await auth.createUser({ username: first, password: 'long-enough-1', role: 'officer', officerId: 'je-chowk-1' }, operator);
    await expect(
      auth.createUser({ username: uniqueUsername('chowk'), password: 'long-enough-1', role: 'officer', officerId: 'je-chowk-1' }, operator),
    ).rejects.toThrow(/already has an enabled account/);
    await auth.disableUser(first, operator);
    await auth.createUser({ username: uniqueUsername('chowk'), password: 'long-enough-1', role: 'officer', officerId: 'je-chowk-1' }, operator);

    await expect(auth.createUser({ username: first, password: 'long-enough-1', role: 'agent' }, operator)).rejects.toThrow(/already taken/);
  });

  it('lets only supervisors (and the operator\'s script) administer accounts, and not disable themselves', async () => {
    const supervisorName = uniqueUsername('meera');
    await auth.createUser({ username: supervisorName, password: 'supervisor-pass', role: 'supervisor' }, operator);
    const supervisor = await auth.authenticate((await auth.login({ username: supervisorName, password: 'supervisor-pass' }, clientAddress)).token);
    const agentName = uniqueUsername('agent');
    await auth.createUser({ username: agentName, password: 'agent-password', role: 'agent' }, supervisor);
    const agent = await auth.authenticate((await auth.login({ username: agentName, password: 'agent-password' }, clientAddress)).token);

    await expect(auth.createUser({ username: uniqueUsername('x'), password: 'long-enough-1', role: 'supervisor' }, agent)).rejects.toBeInstanceOf(NotPermittedError);
    await expect(auth.disableUser(supervisorName, agent)).rejects.toBeInstanceOf(NotPermittedError);
    await expect(auth.disableUser(supervisorName, supervisor)).rejects.toThrow(/your own account/);
    expect((await auth.disableUser(agentName, supervisor)).disabled).toBe(true);
  });

  it('answers a wrong password, an unknown user and a disabled account alike, after the same scrypt work', async () => {
    const limiterless = new StaffAuthService(db.models, directory, {
      rateLimiter: new LoginRateLimiter({
        perUsernameAndClient: { maxFailures: 1000, windowMs: 60_000 },
        perUsername: { freeFailures: 1000, windowMs: 60_000, baseDelayMs: 0, maxDelayMs: 0 },
        perClient: { freeFailures: 1000, windowMs: 60_000, baseDelayMs: 0, maxDelayMs: 0 },
      }),
    });
    const username = uniqueUsername('timing');
    await limiterless.createUser({ username, password: 'the-right-password', role: 'agent' }, operator);
    const disabledName = uniqueUsername('gone');
    await limiterless.createUser({ username: disabledName, password: 'the-right-password', role: 'agent' }, operator);
    await limiterless.disableUser(disabledName, operator);

    const failure = async (name: string, password: string) => {
      const started = performance.now();
      const error = await limiterless.login({ username: name, password }, clientAddress).catch((caught: unknown) => caught);
      return { error: error as Error, ms: performance.now() - started };
    };
    await failure('warm-up-unknown', 'whatever-password'); // the dummy hash is made on first use
    const wrongPassword = [await failure(username, 'wrong-password'), await failure(username, 'wrong-password'), await failure(username, 'wrong-password')];
    const unknownUser = [await failure('nobody-here', 'wrong-password'), await failure('nobody-here', 'wrong-password'), await failure('No Such User!', 'x')];
    const disabled = await failure(disabledName, 'the-right-password');

    for (const { error } of [...wrongPassword, ...unknownUser, disabled]) {
      expect(error).toBeInstanceOf(UnauthenticatedError);
      expect(error.message).toBe(wrongPassword[0]!.error.message);
    }
    const median = (samples: Array<{ ms: number }>) => samples.map((sample) => sample.ms).sort((a, b) => a - b)[1]!;
    // Both run one scrypt (tens to hundreds of ms); a skipped hash would be ~1 ms.
    expect(median(unknownUser)).toBeGreaterThan(median(wrongPassword) * 0.4);
    expect(median(unknownUser)).toBeGreaterThan(20);
  });

  it('refuses the 6th attempt after 5 failures from the same address with a rate-limit error, even with the right password', async () => {
    const limited = new StaffAuthService(db.models, directory);
    const username = uniqueUsername('limited');
    await limited.createUser({ username, password: 'the-right-password', role: 'agent' }, operator);
    for (let attempt = 0; attempt < 5; attempt++) {
      await expect(limited.login({ username, password: `wrong-${attempt}-password` }, clientAddress)).rejects.toBeInstanceOf(UnauthenticatedError);
    }
    const refusal = await limited.login({ username, password: 'the-right-password' }, clientAddress).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(LoginRateLimitedError);
    expect((refusal as LoginRateLimitedError).retryAfterSeconds).toBeGreaterThan(14 * 60);
  });

  it('issue 11 example: five wrong passwords for a known username do not lock out the right password from another address', async () => {
    const service = new StaffAuthService(db.models, directory);
    const username = uniqueUsername('targeted');
    await service.createUser({ username, password: 'the-right-password', role: 'agent' }, operator);
    for (let attempt = 0; attempt < 5; attempt++) {
      await expect(service.login({ username, password: `wrong-${attempt}-password` }, '203.0.113.66')).rejects.toBeInstanceOf(UnauthenticatedError);
    }
    // Main answered LoginRateLimitedError here for 15 minutes, wherever the right password came from.
    const session = await service.login({ username, password: 'the-right-password' }, '198.51.100.10');
    expect(session.user.username).toBe(username);
    // The guesser's address is still refused for this username.
    await expect(service.login({ username, password: 'the-right-password' }, '203.0.113.66')).rejects.toBeInstanceOf(LoginRateLimitedError);
  });

  it('stops honouring a token when it expires, configurably', async () => {
    const shortLived = new StaffAuthService(db.models, directory, { now: clock.now, sessionTtlMs: 60_000 });
    const username = uniqueUsername('expiry');
    await shortLived.createUser({ username, password: 'expiring-password', role: 'agent' }, operator);
    const { token, expiresAt } = await shortLived.login({ username, password: 'expiring-password' }, clientAddress);
    expect(expiresAt.getTime() - clock.now().getTime()).toBe(60_000);
    await expect(shortLived.authenticate(token)).resolves.toMatchObject({ username });
    clock.advance(60_000);
    await expect(shortLived.authenticate(token)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('stops honouring a token after logout, but not the same user\'s other sessions', async () => {
    const username = uniqueUsername('logout');
    await auth.createUser({ username, password: 'logout-password', role: 'agent' }, operator);
    const first = await auth.login({ username, password: 'logout-password' }, clientAddress);
    const second = await auth.login({ username, password: 'logout-password' }, clientAddress);
    await auth.logout(await auth.authenticate(first.token));
    await expect(auth.authenticate(first.token)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(auth.authenticate(second.token)).resolves.toMatchObject({ username });
  });

  it('voids every session of a disabled user at once, and refuses their login', async () => {
    const username = uniqueUsername('disabled');
    await auth.createUser({ username, password: 'disabled-password', role: 'agent' }, operator);
    const tokens = [
      (await auth.login({ username, password: 'disabled-password' }, clientAddress)).token,
      (await auth.login({ username, password: 'disabled-password' }, clientAddress)).token,
    ];
    clock.advance(1);
    await auth.disableUser(username, operator);
    for (const token of tokens) await expect(auth.authenticate(token)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(auth.login({ username, password: 'disabled-password' }, clientAddress)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('refuses missing, malformed and forged tokens', async () => {
    await expect(auth.authenticate(undefined)).rejects.toThrow(/Log in first/);
    await expect(auth.authenticate('not-a-token')).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(auth.authenticate('A'.repeat(43))).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('re-hashes a password made with weaker parameters at the next successful login', async () => {
    const weak = new StaffAuthService(db.models, directory, { scrypt: { ...DEFAULT_SCRYPT_PARAMETERS, logN: 12 } });
    const username = uniqueUsername('upgrade');
    await weak.createUser({ username, password: 'upgrade-password', role: 'agent' }, operator);
    const before = await db.models.staffUsers.findById(username, { _x: 0 }).lean();
    expect(before?.passwordHash).toMatch(/^scrypt\$ln=12,/);
    await auth.login({ username, password: 'upgrade-password' }, clientAddress);
    const after = await db.models.staffUsers.findById(username, { _x: 0 }).lean();
    expect(after?.passwordHash).toMatch(/^scrypt\$ln=15,/);
    await expect(auth.login({ username, password: 'upgrade-password' }, clientAddress)).resolves.toMatchObject({ user: { username } });
  });
});
