// The helpline's VAPID key pair for Web Push to officers (services/officerAlertService.ts): generated once into
// DATA_DIR/vapid.json (mode 0600) and reused, like the other local secrets, so browsers subscribed before a restart keep
// receiving alerts. The public key is handed to the officer page; the private key never leaves the file and the process.
import webpush from 'web-push';
import { z } from 'zod';
import { loadOrCreateSecretFile } from './localSecrets.js';

const keysSchema = z.object({ publicKey: z.string().min(80), privateKey: z.string().min(40) });
export type VapidKeyPair = z.infer<typeof keysSchema>;

export function loadOrCreateVapidKeys(dataDir: string): { keys: VapidKeyPair; created: boolean } {
  const { value, created } = loadOrCreateSecretFile(dataDir, 'vapid.json', keysSchema, () => {
    const { publicKey, privateKey } = webpush.generateVAPIDKeys();
    return { publicKey, privateKey };
  });
  return { keys: value, created };
}
