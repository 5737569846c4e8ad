// Secrets for a machine that was given none: generated once into DATA_DIR (mode 0600) and reused, so `npm start`
// works on a fresh machine and a returning web-chat consumer keeps their identity across restarts.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const secretsSchema = z.object({ directLineSecret: z.string().min(32), webChatCookieSecret: z.string().min(32) });
export type LocalSecrets = z.infer<typeof secretsSchema>;

export function loadOrCreateLocalSecrets(dataDir: string): { secrets: LocalSecrets; created: boolean } {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) return { secrets: secretsSchema.parse(JSON.parse(readFileSync(file, 'utf8'))), created: false };
  mkdirSync(dataDir, { recursive: true });
  const secrets = { directLineSecret: randomBytes(32).toString('base64url'), webChatCookieSecret: randomBytes(32).toString('base64url') };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { secrets, created: true };
}
