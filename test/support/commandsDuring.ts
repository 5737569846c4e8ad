// The database commands a connection sends while a task runs (the driver's commandStarted events): what a turn costs.
import type { Connection } from 'mongoose';

const bookkeeping = new Set(['hello', 'isMaster', 'ping', 'endSessions', 'getMore']);

/** The commands sent while `task` runs, in order (handshakes and pings left out); `detail` adds the collection. */
export async function commandsDuring(connection: Connection, task: () => Promise<unknown>, options: { detail?: boolean } = {}): Promise<string[]> {
  const client = connection.getClient();
  const seen: string[] = [];
  const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
    if (bookkeeping.has(event.commandName)) return;
    seen.push(options.detail ? `${event.commandName} ${String(event.command[event.commandName])}` : event.commandName);
  };
  client.on('commandStarted', listener);
  try {
    await task();
  } finally {
    client.off('commandStarted', listener);
  }
  return seen;
}
