// A bad setting: start-up stops with a message naming every problem (server/config.ts, the channels' own settings).
export class ConfigError extends Error {
  override name = 'ConfigError';
}
