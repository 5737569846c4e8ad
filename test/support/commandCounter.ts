// Counts the database commands a piece of work sends, from the driver's commandStarted events (the test database is
// connected with monitorCommands): what a turn costs, measured on the real embedded database.
import type { Connection } from 'mongoose';

export interface CountedCommand {
  name: string;
  collection: string;
  command: Record<string, unknown>;
}

/** Internal chatter of the driver, not work of the code under test. */
const housekeeping = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'endSessions', 'buildInfo', 'saslStart', 'saslContinue']);

export async function countCommands<T>(connection: Connection, work: () => Promise<T>): Promise<{ result: T; commands: CountedCommand[] }> {
  const commands: CountedCommand[] = [];
  const client = connection.getClient();
  const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
    if (housekeeping.has(event.commandName)) return;
    const collection = event.command[event.commandName];
    commands.push({ name: event.commandName, collection: typeof collection === 'string' ? collection : '', command: event.command });
  };
  client.on('commandStarted', listener);
  try {
    const result = await work();
    return { result, commands };
  } finally {
    client.off('commandStarted', listener);
  }
}
