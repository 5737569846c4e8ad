// The server side of the conversation benchmark, run by scripts/benchConversations.ts as a child process so that its
// resident memory is the server's alone. It serves, on two ephemeral ports of 127.0.0.1, the whole helpline (as
// `npm start` assembles it) and an echo bot on the same Direct Line router, adapter, middleware and database-backed
// conversation state: the echo bot is the floor the helpline's dialogs and services are measured against.
// Talks to its parent over IPC: sends `ready` with the ports, answers `counts` with the database commands sent so far
// and `heap` with its JavaScript heap.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActivityHandler, ConversationState, type TurnContext } from 'botbuilder';
import { DirectLineAdapter } from '../bot/adapters/directLineAdapter.js';
import { MongoStorage } from '../bot/mongoStorage.js';
import { PlainTextMiddleware } from '../bot/plainTextMiddleware.js';
import { createTurnErrorHandler } from '../bot/turnErrorHandler.js';
import { connectModels, type Database } from '../db/database.js';
import { createApp } from '../server/app.js';
import { createDirectLineRouter } from '../server/directLine/directLineRouter.js';
import { DirectLineTokenService } from '../server/directLine/tokenService.js';
import { createHelpline } from '../server/helpline.js';
import { Directory } from '../services/directory.js';
import { benchDirectLineSecret, benchHelplineOptions, CommandCounter, type ParentMessage, type ServerMessage } from './benchSupport.js';

/** Echoes every message and counts the conversation's turns in its state, which is read and written every turn. */
class EchoBot extends ActivityHandler {
  private readonly turns;

  constructor(private readonly conversationState: ConversationState) {
    super();
    this.turns = conversationState.createProperty<number>('turns');
    this.onMembersAdded(async (context, next) => {
      if ((context.activity.membersAdded ?? []).some((member) => member.id !== context.activity.recipient.id)) await context.sendActivity('Welcome');
      await next();
    });
    this.onMessage(async (context, next) => {
      const turn = (await this.turns.get(context, 0)) + 1;
      await this.turns.set(context, turn);
      await context.sendActivity(`Echo ${turn}: ${context.activity.text ?? ''}`);
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
  }
}

async function listen(app: ReturnType<typeof createApp>): Promise<Server> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function main(): Promise<void> {
  const uri = process.env.BENCH_MONGODB_URI;
  const dbName = process.env.BENCH_DB_NAME;
  if (!uri || !dbName || !process.send) throw new Error('benchServer runs as a child of the conversation benchmark (BENCH_MONGODB_URI, BENCH_DB_NAME, IPC)');
  const { connection, models } = await connectModels(uri, dbName, { monitorCommands: true });
  const counter = new CommandCounter(connection.getClient());
  // BENCH_LOG_COMMANDS=1 prints every command the server sends (name, collection, the start of its filter) to stderr:
  // which commands a turn is made of. The bench's own figures stay the same.
  if (process.env.BENCH_LOG_COMMANDS === '1') {
    connection.getClient().on('commandStarted', (event: { commandName: string; command: Record<string, unknown> }) => {
      const { commandName, command } = event;
      if (['hello', 'ping', 'isMaster', 'endSessions', 'getMore', 'killCursors'].includes(commandName)) return;
      const first = (key: string) => (Array.isArray(command[key]) ? (command[key] as Array<Record<string, unknown>>)[0] : undefined);
      const filter = command.filter ?? command.query ?? first('updates')?.q ?? first('deletes')?.q ?? first('documents')?._id ?? '';
      process.stderr.write(`[command] ${Date.now()} ${commandName} ${String(command[commandName])} ${JSON.stringify(filter).slice(0, 160)}\n`);
    });
  }
  const database: Database = { connection, models, close: () => connection.close() };
  const log = (line: string) => process.stderr.write(`[bench server] ${line}\n`);

  const helpline = createHelpline(database, Directory.loadDefault(), {
    ...benchHelplineOptions(log),
    // The stream sections drive one conversation far past the per-conversation message limit (scripts/benchStream.ts).
    // They also hold more streams from 127.0.0.1 than one address may (LIMIT_STREAMS_PER_ADDRESS).
    ...(process.env.BENCH_UNLIMITED === '1'
      ? {
          abuseLimits: { webChatSessionsPerAddress: { points: 1e9, durationMs: 3_600_000 }, messagesPerConversation: { points: 1e9, durationMs: 1_000 } },
          directLineStream: { maxStreamsPerAddress: 1_000_000 },
        }
      : {}),
  });

  const conversationState = new ConversationState(new MongoStorage(models));
  const echoAdapter = new DirectLineAdapter(models, { bot: { id: 'echo-bot', name: 'Echo' } });
  echoAdapter.use(new PlainTextMiddleware());
  echoAdapter.onTurnError = createTurnErrorHandler(conversationState, log);
  const echoBot = new EchoBot(conversationState);
  const echoApp = createApp({
    connection,
    routers: [
      [
        '/v3/directline',
        createDirectLineRouter({ adapter: echoAdapter, tokens: new DirectLineTokenService(benchDirectLineSecret), logic: (context) => echoBot.run(context) }),
      ],
    ],
  });

  const helplineServer = await listen(helpline.app);
  const echoServer = await listen(echoApp);
  await helpline.start();

  const send = (message: ServerMessage) => process.send!(message);
  process.on('message', (message: ParentMessage) => {
    if (message.kind === 'counts') send({ kind: 'counts', counts: Object.fromEntries(counter.snapshot()) });
    if (message.kind === 'heap') {
      const { heapUsed, heapTotal } = process.memoryUsage();
      send({ kind: 'heap', heapUsedMb: heapUsed / 1024 / 1024, heapTotalMb: heapTotal / 1024 / 1024 });
    }
    if (message.kind === 'stop') void stop();
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const server of [helplineServer, echoServer]) {
      server.closeAllConnections();
      server.close();
    }
    await helpline.stop();
    await echoAdapter.idle();
    await connection.close();
    process.disconnect();
  };
  // The parent going away (Ctrl-C, a crash) ends the child too.
  process.on('disconnect', () => void stop());
  send({
    kind: 'ready',
    helplinePort: (helplineServer.address() as AddressInfo).port,
    echoPort: (echoServer.address() as AddressInfo).port,
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
