// The database commands a connection sends while a task runs, as short strings (see commandCounter.ts).
import type { Connection } from 'mongoose';
import { countCommands } from './commandCounter.js';

/** The commands sent while `task` runs, in order (handshakes, pings and cursor follow-ups left out); `detail` adds the collection. */
export async function commandsDuring(connection: Connection, task: () => Promise<unknown>, options: { detail?: boolean } = {}): Promise<string[]> {
  const { commands } = await countCommands(connection, task);
  return commands.filter(({ name }) => name !== 'getMore').map(({ name, collection }) => (options.detail ? `${name} ${collection}` : name));
}
