// Staff passwords: scrypt (memory-hard, in Node's crypto, nothing to install), a random salt per password, and the
// cost parameters stored with the hash so they can be raised later without invalidating existing passwords.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParameters {
  /** log2 of N, the CPU/memory cost. */
  logN: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
  keyLength: number;
}

/** ~32 MiB and ~0.1–0.25 s per hash on the 2-core machine this was built on: slow for a guesser, fine for a login. */
export const DEFAULT_SCRYPT_PARAMETERS: ScryptParameters = { logN: 15, r: 8, p: 1, keyLength: 32 };

export const PASSWORD_MIN_LENGTH = 10;
/** Long enough for any passphrase; short enough that nobody can make us hash a megabyte per guess. */
export const PASSWORD_MAX_LENGTH = 256;

const saltBytes = 16;
// A stored hash is trusted to name its own cost, so a tampered or corrupted one must not be able to ask for
// gigabytes of memory or minutes of CPU.
const parameterBounds = { logN: [10, 22], r: [1, 32], p: [1, 16], keyLength: [16, 64] } as const;

/** `scrypt$ln=15,r=8,p=1$<salt>$<key>`, salt and key in unpadded base64url (after the PHC string format). */
export async function hashPassword(password: string, parameters: ScryptParameters = DEFAULT_SCRYPT_PARAMETERS): Promise<string> {
  const salt = randomBytes(saltBytes);
  const key = await deriveKey(password, salt, parameters);
  return `scrypt$ln=${parameters.logN},r=${parameters.r},p=${parameters.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Constant-time comparison; false (never an exception) for a wrong password or an unreadable stored hash. */
export async function verifyPassword(password: string, storedHash: string): Promise<boolean> {
  const parsed = parseStoredHash(storedHash);
  if (!parsed) return false;
  const key = await deriveKey(password, parsed.salt, parsed.parameters);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** True when the stored hash was made with other parameters than the current ones (re-hash it at the next login). */
export function needsRehash(storedHash: string, parameters: ScryptParameters = DEFAULT_SCRYPT_PARAMETERS): boolean {
  const parsed = parseStoredHash(storedHash);
  if (!parsed) return true;
  const stored = parsed.parameters;
  return stored.logN !== parameters.logN || stored.r !== parameters.r || stored.p !== parameters.p || stored.keyLength !== parameters.keyLength;
}

export function parseStoredHash(storedHash: string): { parameters: ScryptParameters; salt: Buffer; key: Buffer } | undefined {
  const match = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,128})\$([A-Za-z0-9_-]{16,128})$/.exec(storedHash);
  if (!match) return undefined;
  const salt = Buffer.from(match[4]!, 'base64url');
  const key = Buffer.from(match[5]!, 'base64url');
  const parameters: ScryptParameters = { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]), keyLength: key.length };
  for (const [name, [min, max]] of Object.entries(parameterBounds) as Array<[keyof ScryptParameters, readonly [number, number]]>) {
    if (parameters[name] < min || parameters[name] > max) return undefined;
  }
  return { parameters, salt, key };
}

function deriveKey(password: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  const N = 2 ** parameters.logN;
  const options: ScryptOptions = {
    N,
    r: parameters.r,
    p: parameters.p,
    // OpenSSL needs 128·r·(N + p + 2) bytes; Node's default cap (32 MiB) is just below what N=2^15, r=8 takes.
    maxmem: 128 * parameters.r * (N + parameters.p + 2) + 1024 * 1024,
  };
  // The same characters typed on different keyboards can arrive in different Unicode forms.
  const normalised = password.normalize('NFC');
  return new Promise((resolve, reject) => {
    scrypt(normalised, salt, parameters.keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
