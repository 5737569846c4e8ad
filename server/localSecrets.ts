// Secrets for a machine that was given none: generated once into DATA_DIR (mode 0600) and reused, so `npm start`
// works on a fresh machine and a returning web-chat consumer keeps their identity across restarts.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const secretsSchema = z.object({ directLineSecret: z.string().min(32), webChatCookieSecret: z.string().min(32) });
export type LocalSecrets = z.infer<typeof secretsSchema>;

export function loadOrCreateLocalSecrets(dataDir: string): { secrets: LocalSecrets; created: boolean } {
  const { value, created } = loadOrCreateSecretFile(dataDir, 'secrets.json', secretsSchema, () => ({
    directLineSecret: randomBytes(32).toString('base64url'),
    webChatCookieSecret: randomBytes(32).toString('base64url'),
  }));
  return { secrets: value, created };
}

/** DATA_DIR/`name` as `schema` reads it, or `generate()` written there first (mode 0600, never overwriting). */
export function loadOrCreateSecretFile<T>(dataDir: string, name: string, schema: z.ZodType<T>, generate: () => T): { value: T; created: boolean } {
  const file = join(dataDir, name);
  if (existsSync(file)) return { value: schema.parse(JSON.parse(readFileSync(file, 'utf8'))), created: false };
  mkdirSync(dataDir, { recursive: true });
  const value = generate();
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { value, created: true };
}
