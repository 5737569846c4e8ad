// Staff accounts and sessions: who may log in, what a bearer token is worth, and the ticket actor a session acts as.
//
// A request is authenticated with two exact `_id` reads and no cache: the session (keyed by the SHA-256 of the
// token) and its user (keyed by username). Reading the user every time is what makes "disable" and role changes
// take effect on the very next request, without having to find a user's sessions (that would be a scan).
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { wholeDocument, type Models } from '../models/index.js';
import type { StaffSessionRecord, StaffUserRecord } from '../models/staffModels.js';
import { STAFF_ROLES, type OfficerLevel, type StaffActor, type StaffRole } from '../models/ticketTypes.js';
import type { Directory } from './directory.js';
import { InvalidInputError, NotPermittedError, UnauthenticatedError } from './errors.js';
import {
  DEFAULT_SCRYPT_PARAMETERS,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  hashPassword,
  needsRehash,
  verifyPassword,
  type ScryptParameters,
} from './staffAuthPasswords.js';
import { LoginRateLimiter } from './staffAuthRateLimiter.js';
import { LIMITS, parseInput } from './ticketInput.js';
import { isDuplicateKeyError } from './mongoErrors.js';

export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60_000;

/** Who is calling, as established from a valid session and the user's current record. */
export interface StaffPrincipal {
  username: string;
  role: StaffRole;
  name: string;
  /** Officers only. */
  officerId?: string;
  /** Officers only, from the directory; absent when the directory no longer knows the officer id. */
  level?: OfficerLevel;
  sessionId: string;
  expiresAt: Date;
}

/** Who may administer accounts: a supervisor's session, or an operator at the machine (the users script). */
export type StaffAdministrator = StaffPrincipal | { role: 'system'; id: string };

export interface StaffUserView {
  username: string;
  role: StaffRole;
  name: string;
  officerId?: string;
  disabled: boolean;
  createdAt: Date;
  createdBy: string;
}

export interface LoginResult {
  /** 32 random bytes, base64url: shown to the client once; only its hash is stored. */
  token: string;
  expiresAt: Date;
  user: { username: string; role: StaffRole; name: string };
}

export interface StaffAuthServiceOptions {
  now?: () => Date;
  sessionTtlMs?: number;
  scrypt?: ScryptParameters;
  rateLimiter?: LoginRateLimiter;
}

const usernamePattern = /^[a-z0-9][a-z0-9._-]{1,39}$/;
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
const invalidCredentials = 'Wrong username or password.';
const invalidSession = 'Your session is not valid (unknown, expired, logged out or the account was disabled); log in again.';

/** Usernames compare case-insensitively: "Asha" and "asha" are one account. */
export function normaliseUsername(raw: string): string {
  return raw.normalize('NFC').trim().toLowerCase();
}

const usernameSchema = z
  .string()
  .max(100)
  .transform(normaliseUsername)
  .pipe(z.string().regex(usernamePattern, 'is 2–40 characters: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit'));

const passwordSchema = z
  .string()
  .refine((value) => [...value].length >= PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .refine((value) => [...value].length <= PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);

export const createStaffUserSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
  role: z.enum(STAFF_ROLES),
  officerId: z.string().trim().min(1).max(LIMITS.shortText).optional(),
  name: z.string().trim().min(1).max(LIMITS.shortText).optional(),
});
export type CreateStaffUserInput = z.input<typeof createStaffUserSchema>;

// Login takes any username string: one that cannot exist gets the same answer, after the same work, as a wrong password.
export const loginSchema = z.strictObject({
  username: z.string().min(1).max(100),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH * 4),
});
export type LoginInput = z.input<typeof loginSchema>;

export class StaffAuthService {
  private readonly now: () => Date;
  private readonly sessionTtlMs: number;
  private readonly scryptParameters: ScryptParameters;
  private readonly rateLimiter: LoginRateLimiter;
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly models: Models,
    private readonly directory: Directory,
    options: StaffAuthServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
    this.scryptParameters = options.scrypt ?? DEFAULT_SCRYPT_PARAMETERS;
    this.rateLimiter = options.rateLimiter ?? new LoginRateLimiter({ now: () => this.now().getTime() });
  }

  // ── Accounts ──────────────────────────────────────────────────────────────────────────────────────────────────

  async createUser(input: CreateStaffUserInput, by: StaffAdministrator): Promise<StaffUserView> {
    requireAdministrator(by, 'create staff accounts');
    const request = parseInput(createStaffUserSchema, input);
    // A supervisor cannot mint another supervisor (who could then record callback answers): the operator's command does.
    if (request.role === 'supervisor' && by.role !== 'system') {
      throw new NotPermittedError('Supervisor accounts are created by the operator with "npm run users", not through the API.');
    }
    let name = request.name;
    if (request.role === 'officer') {
      if (!request.officerId) throw new InvalidInputError(['officerId: an officer account needs the officer id from the directory, e.g. je-gomti-nagar-1']);
      const officer = this.directory.officerById(request.officerId);
      if (!officer) throw new InvalidInputError([`officerId: no officer ${request.officerId} in the directory`]);
      await this.requireOfficerIdFree(request.officerId);
      name ??= officer.name;
    } else if (request.officerId) {
      throw new InvalidInputError([`officerId: only officer accounts carry an officer id, not a ${request.role}`]);
    }

    const at = this.now();
    const record: StaffUserRecord = {
      _id: request.username,
      role: request.role,
      officerId: request.role === 'officer' ? request.officerId : undefined,
      name: name ?? request.username,
      passwordHash: await hashPassword(request.password, this.scryptParameters),
      disabled: false,
      tokensValidAfter: at,
      createdAt: at,
      createdBy: administratorId(by),
      updatedAt: at,
    };
    try {
      await this.models.staffUsers.create(record);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new InvalidInputError([`username: "${request.username}" is already taken`]);
      throw error;
    }
    return toUserView(record);
  }

  /** Disables the account and, through `tokensValidAfter`, voids every session it holds. */
  async disableUser(usernameInput: string, by: StaffAdministrator): Promise<StaffUserView> {
    requireAdministrator(by, 'disable staff accounts');
    const username = parseInput(usernameSchema, usernameInput);
    // Refused so that the last supervisor cannot lock everyone out by mistake; another supervisor or the script can.
    if (by.role === 'supervisor' && by.username === username) throw new NotPermittedError('You cannot disable your own account.');
    const at = this.now();
    const before = await this.models.staffUsers
      .findOneAndUpdate({ _id: username }, { $set: { disabled: true, tokensValidAfter: at, updatedAt: at } }, { returnDocument: 'before', projection: wholeDocument })
      .lean<StaffUserRecord>();
    if (!before) throw new InvalidInputError([`username: no staff account "${username}"`]);
    return toUserView({ ...before, disabled: true });
  }

  /** A new password (the old one forgotten or leaked): every session the account holds stops working at once. */
  async resetPassword(usernameInput: string, passwordInput: string, by: StaffAdministrator): Promise<StaffUserView> {
    requireAdministrator(by, 'reset staff passwords');
    const username = parseInput(usernameSchema, usernameInput);
    const { password } = parseInput(z.strictObject({ password: passwordSchema }), { password: passwordInput });
    const at = this.now();
    const passwordHash = await hashPassword(password, this.scryptParameters);
    const before = await this.models.staffUsers
      .findOneAndUpdate({ _id: username }, { $set: { passwordHash, tokensValidAfter: at, updatedAt: at } }, { returnDocument: 'before', projection: wholeDocument })
      .lean<StaffUserRecord>();
    if (!before) throw new InvalidInputError([`username: no staff account "${username}"`]);
    return toUserView(before);
  }

  /** For the users script and administration pages: a scan, but of a collection of a few hundred accounts. */
  async listUsers(by: StaffAdministrator): Promise<StaffUserView[]> {
    requireAdministrator(by, 'list staff accounts');
    const users = await this.models.staffUsers.find({}, wholeDocument).sort({ _id: 1 }).lean<StaffUserRecord[]>();
    return users.map(toUserView);
  }

  // ── Sessions ──────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Every failure — unknown user, wrong password, disabled account — gets the same error after one scrypt run
   * (against a dummy hash when there is no user), so neither the answer nor its timing says whether a user exists.
   */
  async login(input: LoginInput, clientAddress: string): Promise<LoginResult> {
    const request = parseInput(loginSchema, input);
    const username = normaliseUsername(request.username);
    const attempt = this.rateLimiter.begin(username, clientAddress);
    // The slow-down for a username or address with recent failures: the answer waits, the right password still works.
    if (attempt.delayMs > 0) await sleep(attempt.delayMs);

    const user = usernamePattern.test(username)
      ? await this.models.staffUsers.findById(username, wholeDocument).lean<StaffUserRecord>()
      : null;
    const passwordMatches = await verifyPassword(request.password, user?.passwordHash ?? (await this.dummyPasswordHash()));
    if (!user || !passwordMatches || user.disabled) throw new UnauthenticatedError(invalidCredentials);
    this.rateLimiter.succeeded(attempt);

    if (needsRehash(user.passwordHash, this.scryptParameters)) await this.upgradeHash(user, request.password);

    const token = randomBytes(32).toString('base64url');
    const issuedAt = this.now();
    const session: StaffSessionRecord = {
      _id: sessionIdFor(token),
      username,
      issuedAt,
      expiresAt: new Date(issuedAt.getTime() + this.sessionTtlMs),
      revoked: false,
    };
    await this.models.staffSessions.create(session);
    return { token, expiresAt: session.expiresAt, user: { username, role: user.role, name: user.name } };
  }

  /** The caller behind a bearer token, or UnauthenticatedError. Two exact `_id` reads. */
  async authenticate(token: string | undefined): Promise<StaffPrincipal> {
    if (token === undefined || token === '') throw new UnauthenticatedError('Log in first, then send "Authorization: Bearer <token>".');
    if (!tokenPattern.test(token)) throw new UnauthenticatedError(invalidSession);
    const session = await this.models.staffSessions.findById(sessionIdFor(token), wholeDocument).lean<StaffSessionRecord>();
    const now = this.now();
    if (!session || session.revoked || session.expiresAt.getTime() <= now.getTime()) throw new UnauthenticatedError(invalidSession);
    const user = await this.models.staffUsers.findById(session.username, wholeDocument).lean<StaffUserRecord>();
    if (!user || user.disabled || session.issuedAt.getTime() < user.tokensValidAfter.getTime()) throw new UnauthenticatedError(invalidSession);

    const principal: StaffPrincipal = { username: user._id, role: user.role, name: user.name, sessionId: session._id, expiresAt: session.expiresAt };
    if (user.role === 'officer' && user.officerId) {
      principal.officerId = user.officerId;
      const officer = this.directory.officerById(user.officerId);
      if (officer) principal.level = officer.level;
    }
    return principal;
  }

  async logout(principal: StaffPrincipal): Promise<void> {
    const at = this.now();
    await this.models.staffSessions.updateOne({ _id: principal.sessionId }, { $set: { revoked: true, revokedAt: at } });
  }

  // ── Internals ─────────────────────────────────────────────────────────────────────────────────────────────────

  private dummyPasswordHash(): Promise<string> {
    this.dummyHash ??= hashPassword(randomBytes(24).toString('base64url'), this.scryptParameters);
    return this.dummyHash;
  }

  /** Raising the scrypt cost takes effect one login at a time: the password is at hand only now. */
  private async upgradeHash(user: StaffUserRecord, password: string): Promise<void> {
    const passwordHash = await hashPassword(password, this.scryptParameters);
    // Conditional on the old hash, so a password changed meanwhile is never overwritten with the old one. Not an exact
    // key on the embedded server, so it scans — the accounts collection, a few hundred documents, once per upgrade.
    await this.models.staffUsers.updateOne({ _id: user._id, passwordHash: user.passwordHash }, { $set: { passwordHash, updatedAt: this.now() } });
  }

  /**
   * One enabled account per officer id, so an event's actor (the officer id) names one login. A transferred
   * officer's old account is disabled before the successor's is created. A scan, but only when creating officers.
   */
  private async requireOfficerIdFree(officerId: string): Promise<void> {
    const holder = await this.models.staffUsers.findOne({ officerId, disabled: false }, wholeDocument).lean<StaffUserRecord>();
    if (holder) throw new InvalidInputError([`officerId: ${officerId} already has an enabled account ("${holder._id}"); disable it first`]);
  }
}

/** The ticket actor for a staff session. Officers act under their directory id, so claims and escalations line up. */
export function actorFor(principal: StaffPrincipal): StaffActor {
  const id = principal.role === 'officer' && principal.officerId ? principal.officerId : principal.username;
  return { role: principal.role, id, name: principal.name };
}

export function sessionIdFor(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function requireAdministrator(by: StaffAdministrator, action: string): void {
  if (by.role !== 'supervisor' && by.role !== 'system') throw new NotPermittedError(`Only a supervisor can ${action}.`);
}

function administratorId(by: StaffAdministrator): string {
  return by.role === 'system' ? by.id : by.username;
}

function toUserView(record: StaffUserRecord): StaffUserView {
  const view: StaffUserView = {
    username: record._id,
    role: record.role,
    name: record.name,
    disabled: record.disabled,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
  };
  if (record.officerId) view.officerId = record.officerId;
  return view;
}
