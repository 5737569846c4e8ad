// Two bench sections about the Direct Line stream (issue 15 items 3 and 6), each with its baseline in the same run:
//   stream    one consumer's reply latency over the WebSocket stream, next to the same consumer polling (pollMs);
//   scaleout  closed-loop throughput of two helpline processes on one database against one process.
// The servers are scripts/benchServer.ts child processes (the helpline as `npm start` assembles it; `app.listen`
// serves the stream), so their CPU is their own.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { BenchServer, type ConversationContext } from './benchConversations.js';
import { DirectLineConsumer } from './benchDirectLineClient.js';
import { benchDirectLineSecret, fixed, formatTable, latencyStats, ownCpuMs, processCpuMs, whole, type LatencyStats } from './benchSupport.js';

const replyTimeoutMs = 30_000;

/** The whole machine's CPU time so far (every process, ours and others'), busy and total, in /proc/stat's ticks. */
function machineCpuTicks(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/**
 * The bench servers of these sections: no abuse limits (the load generator is one address opening hundreds of
 * sessions) and no incidents (the sixth complaint from one area would get a second reply, about the outage): these
 * sections measure consumer turns.
 */
function startServer(context: ConversationContext, heapMb: number | undefined): Promise<BenchServer> {
  process.env.BENCH_UNLIMITED = '1';
  try {
    return BenchServer.start(context, heapMb);
  } finally {
    delete process.env.BENCH_UNLIMITED;
  }
}

interface StreamedActivity {
  id: string;
  type?: string;
  text?: string;
  replyToId?: string;
  timestamp?: string;
  from?: { role?: string };
  /** performance.now() when its frame arrived (set here, not sent). */
  seenAt?: number;
}

/** A consumer as Web Chat is one by default: POSTs its messages and receives everything over the stream. */
export class StreamConsumer {
  private socket: WebSocket | undefined;
  private token = '';
  private conversationId = '';
  /** Bot replies by the id of the message they answer ('' for those answering none: the welcome). */
  private readonly replies = new Map<string, StreamedActivity[]>();
  private readonly waiting = new Map<string, () => void>();

  constructor(
    private readonly baseUrl: string,
    readonly userId: string,
  ) {}

  /** A new conversation (tokens/generate, as the page's backend), its stream, and the bot's welcome. */
  async start(): Promise<void> {
    const response = await fetch(`${this.baseUrl}/v3/directline/tokens/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${benchDirectLineSecret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: { id: this.userId } }),
    });
    if (!response.ok) throw new Error(`tokens/generate: ${response.status} ${(await response.text()).slice(0, 200)}`);
    const started = (await response.json()) as { conversationId: string; token: string; streamUrl?: string };
    if (!started.streamUrl) throw new Error('the server gave no streamUrl');
    this.token = started.token;
    this.conversationId = started.conversationId;
    const socket = new WebSocket(started.streamUrl);
    this.socket = socket;
    socket.on('message', (data) => {
      const text = data.toString();
      if (!text) return;
      for (const activity of (JSON.parse(text) as { activities: StreamedActivity[] }).activities) {
        if (activity.from?.role !== 'bot' || activity.type !== 'message') continue;
        activity.seenAt = performance.now();
        const key = activity.replyToId ?? '';
        this.replies.set(key, [...(this.replies.get(key) ?? []), activity]);
        this.waiting.get(key)?.();
      }
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, refused) => reject(new Error(`the stream was refused: ${refused.statusCode}`)));
    });
    await this.repliesTo('');
  }

  /** Sends a message; resolves when its reply has come over the stream (performance.now() then, and when it was stored). */
  async say(text: string): Promise<{ reply: string; seenAt: number; storedAtEpochMs: number }> {
    const response = await fetch(`${this.baseUrl}/v3/directline/conversations/${this.conversationId}/activities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text, from: { id: this.userId }, locale: 'hi-IN' }),
    });
    if (!response.ok) throw new Error(`POST activities: ${response.status} ${(await response.text()).slice(0, 200)}`);
    const { id } = (await response.json()) as { id: string };
    const reply = await this.repliesTo(id);
    const seenAt = performance.now();
    return { reply: reply.text ?? '', seenAt: reply.seenAt ?? seenAt, storedAtEpochMs: Date.parse(reply.timestamp ?? '') };
  }

  close(): void {
    this.socket?.close();
  }

  private repliesTo(key: string): Promise<StreamedActivity> {
    const arrived = this.replies.get(key)?.[0];
    if (arrived) return Promise.resolve(arrived);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error(`no reply to ${key || 'the welcome'} in ${this.conversationId} after ${replyTimeoutMs} ms`));
      }, replyTimeoutMs);
      this.waiting.set(key, () => {
        clearTimeout(timer);
        this.waiting.delete(key);
        resolve(this.replies.get(key)![0]!);
      });
    });
  }
}

/** A whole Hinglish registration (one reply per message); the mobile differs per consumer (8… numbers, this file's own). */
let serial = 0;
function nextConsumer(): { userId: string; script: string[] } {
  serial += 1;
  const mobile = `8${String(serial).padStart(9, '0')}`;
  return { userId: `dl_stream${randomBytes(4).toString('hex')}${serial}`, script: ['gomti nagar mein 3 ghante se bijli nahi hai', 'skip', mobile, 'haan'] };
}

// ── stream: one consumer's latency ──────────────────────────────────────────────────────────────────────────────

export interface StreamLatencyResults {
  conversations: number;
  /** From the POST to the reply seen by the client. */
  stream: LatencyStats;
  polling: LatencyStats;
  /** From the reply stored (its timestamp) to seen by the client: what the transport adds to the bot's turn. */
  streamDelivery: LatencyStats;
  pollingDelivery: LatencyStats;
  pollMs: number;
}

/** One consumer at a time, conversations alternating between the stream and polling so both see the same machine. */
export async function benchStreamLatency(context: ConversationContext, options: { conversations: number; pollMs: number; heapMb?: number }): Promise<StreamLatencyResults> {
  const server = await startServer(context, options.heapMb);
  const baseUrl = `http://127.0.0.1:${server.ports.helpline}`;
  const samples = { stream: [] as number[], polling: [] as number[], streamDelivery: [] as number[], pollingDelivery: [] as number[] };
  const delivery = (seenAt: number, storedAtEpochMs: number) => performance.timeOrigin + seenAt - storedAtEpochMs;
  try {
    const overStream = async (record: boolean) => {
      const { userId, script } = nextConsumer();
      const consumer = new StreamConsumer(baseUrl, userId);
      await consumer.start();
      try {
        for (const text of script) {
          const sent = performance.now();
          const { seenAt, storedAtEpochMs } = await consumer.say(text);
          if (record) {
            samples.stream.push(seenAt - sent);
            samples.streamDelivery.push(delivery(seenAt, storedAtEpochMs));
          }
        }
      } finally {
        consumer.close();
      }
    };
    const byPolling = async (record: boolean) => {
      const { userId, script } = nextConsumer();
      const consumer = new DirectLineConsumer({ baseUrl, secret: benchDirectLineSecret, pollMs: options.pollMs, replyTimeoutMs }, userId);
      await consumer.start(1);
      for (const text of script) {
        const sent = performance.now();
        const { seenAt, storedAtEpochMs } = await consumer.say(text, 1);
        if (record) {
          samples.polling.push(seenAt - sent);
          samples.pollingDelivery.push(delivery(seenAt, storedAtEpochMs));
        }
      }
    };
    // Warm-up: neither JIT is measured cold.
    await overStream(false);
    await byPolling(false);
    for (let round = 0; round < options.conversations; round++) {
      await overStream(true);
      await byPolling(true);
    }
  } finally {
    await server.stop();
  }
  context.log(`stream: ${samples.stream.length} turns over the stream, ${samples.polling.length} by polling`);
  return {
    conversations: options.conversations,
    stream: latencyStats(samples.stream),
    polling: latencyStats(samples.polling),
    streamDelivery: latencyStats(samples.streamDelivery),
    pollingDelivery: latencyStats(samples.pollingDelivery),
    pollMs: options.pollMs,
  };
}

export function printStreamLatency(results: StreamLatencyResults): void {
  console.log(`\nOne consumer's reply latency (ms, from the POST to the reply seen), ${results.conversations} whole complaints each way:`);
  console.log(
    formatTable(
      ['transport', 'turns', 'p50', 'p99', 'mean', 'after the reply was stored: p50', 'p99'],
      [
        ['WebSocket stream', results.stream, results.streamDelivery] as const,
        [`polling every ${results.pollMs} ms`, results.polling, results.pollingDelivery] as const,
      ].map(([name, latency, delivery]) => [
        name,
        whole(latency.ops),
        fixed(latency.p50Ms, 1),
        fixed(latency.p99Ms, 1),
        fixed(latency.meanMs, 1),
        fixed(delivery.p50Ms, 1),
        fixed(delivery.p99Ms, 1),
      ]),
    ),
  );
}

// ── scaleout: two processes against one ─────────────────────────────────────────────────────────────────────────

export interface ScaleOutRun {
  processes: number;
  consumers: number;
  seconds: number;
  turns: number;
  errors: number;
  firstError?: string;
  turnsPerSecond: number;
  latency: LatencyStats;
  /**
   * CPU used during the window, as cores' worth (CPU ms ÷ wall ms): all servers, the database, this load generator,
   * and the whole machine (other work included: on a shared machine that is what starves a run).
   */
  coresBusy: { servers: number; database?: number; client: number; machine?: number };
}

export interface ScaleOutResults {
  cores: number;
  runs: ScaleOutRun[];
  /** Two processes' turns/s ÷ one's (the means over the runs). */
  ratio: number;
  oneTurnsPerSecond: number;
  twoTurnsPerSecond: number;
  /**
   * CPU per turn of one process over the stream (its server + the database, ms), the mean of the one-process runs: the
   * CPU cost of a turn as Web Chat's page makes it, with no polling.
   */
  oneProcessCpuMsPerTurn?: { server: number; database: number };
  /** What bounded the two-process run: the machine's cores, or not. */
  limit: string;
}

/**
 * `consumers` consumers going through whole complaints back to back over the stream, each pinned to one of `ports`
 * (round robin, as a load balancer spreads new connections), for `seconds` after every first conversation is open
 * (longer if by then fewer than two turns per consumer have finished).
 */
async function closedLoopOver(ports: number[], pids: number[], databasePid: number | undefined, consumers: number, seconds: number): Promise<ScaleOutRun> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const open = async (index: number) => {
    const { userId, script } = nextConsumer();
    const consumer = new StreamConsumer(`http://127.0.0.1:${ports[index % ports.length]}`, userId);
    await consumer.start();
    return { consumer, script, next: 0 };
  };
  const first = await Promise.all(Array.from({ length: consumers }, (_, index) => open(index)));
  const cpuAt = () => ({
    servers: pids.reduce((sum, pid) => sum + (processCpuMs(pid) ?? 0), 0),
    database: databasePid === undefined ? undefined : processCpuMs(databasePid),
    client: ownCpuMs(),
  });
  const cpuBefore = cpuAt();
  const machineBefore = machineCpuTicks();
  const begin = performance.now();
  const end = begin + seconds * 1000;
  let closedAt: number | undefined;
  let cpuAfter: ReturnType<typeof cpuAt> | undefined;
  // A window in which most consumers finished no turn measures nothing: it stays open for two turns per consumer.
  const minimumTurns = 2 * consumers;
  const windowOpen = () => {
    if (closedAt !== undefined) return false;
    if (performance.now() < end || latencies.length < minimumTurns) return true;
    closedAt = performance.now();
    cpuAfter = cpuAt();
    return false;
  };
  await Promise.all(
    first.map(async (opened, index) => {
      let conversation: Awaited<ReturnType<typeof open>> | undefined = opened;
      while (windowOpen()) {
        try {
          conversation ??= await open(index);
          while (conversation.next < conversation.script.length && windowOpen()) {
            const sent = performance.now();
            const { seenAt } = await conversation.consumer.say(conversation.script[conversation.next]!);
            conversation.next += 1;
            if (closedAt === undefined) latencies.push(seenAt - sent);
          }
        } catch (error) {
          errors += 1;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
        conversation?.consumer.close();
        conversation = undefined;
      }
    }),
  );
  const wallMs = (closedAt ?? performance.now()) - begin;
  const after = cpuAfter ?? cpuAt();
  const machineAfter = machineCpuTicks();
  const machine =
    machineBefore && machineAfter && machineAfter.total > machineBefore.total
      ? ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * cpus().length
      : undefined;
  return {
    processes: ports.length,
    consumers,
    seconds: wallMs / 1000,
    turns: latencies.length,
    errors,
    firstError,
    turnsPerSecond: latencies.length / (wallMs / 1000),
    latency: latencyStats(latencies),
    coresBusy: {
      servers: (after.servers - cpuBefore.servers) / wallMs,
      database: after.database === undefined || cpuBefore.database === undefined ? undefined : (after.database - cpuBefore.database) / wallMs,
      client: (after.client - cpuBefore.client) / wallMs,
      machine,
    },
  };
}

export async function benchScaleOut(
  context: ConversationContext,
  options: { consumers: number; seconds: number; rounds: number; heapMb?: number },
): Promise<ScaleOutResults> {
  const servers = [await startServer(context, options.heapMb), await startServer(context, options.heapMb)];
  const runs: ScaleOutRun[] = [];
  try {
    const ports = servers.map((server) => server.ports.helpline);
    const pids = servers.map((server) => server.pid);
    // Warm-up of both processes.
    await closedLoopOver(ports, pids, context.databasePid, Math.min(10, options.consumers), 1);
    // One, two, two, one in each round: the database grows during the run (tickets, rate-limit counters that its
    // limiter scans), so a fixed order would charge that drift to whichever ran second.
    for (let round = 0; round < options.rounds; round++) {
      for (const processes of [1, 2, 2, 1]) {
        runs.push(await closedLoopOver(ports.slice(0, processes), pids.slice(0, processes), context.databasePid, options.consumers, options.seconds));
      }
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
  const mean = (processes: number) => {
    const matching = runs.filter((run) => run.processes === processes);
    return matching.reduce((sum, run) => sum + run.turnsPerSecond, 0) / Math.max(1, matching.length);
  };
  const cores = cpus().length;
  const twos = runs.filter((run) => run.processes === 2);
  const average = (pick: (run: ScaleOutRun) => number | undefined) => twos.reduce((sum, run) => sum + (pick(run) ?? 0), 0) / Math.max(1, twos.length);
  const ours = average((run) => run.coresBusy.servers + (run.coresBusy.database ?? 0) + run.coresBusy.client);
  const machine = average((run) => run.coresBusy.machine);
  const limit =
    ours >= cores * 0.85
      ? `CPU: the two servers, the database and the load generator kept ${fixed(ours, 2)} of ${cores} cores busy`
      : machine >= cores * 0.85
        ? `CPU taken by other work on the machine: ${fixed(machine, 2)} of ${cores} cores busy, ${fixed(ours, 2)} of them this benchmark's`
        : `not CPU (${fixed(machine, 2)} of ${cores} cores busy): waiting on the database, which serialises writes per collection`;
  const ones = runs.filter((run) => run.processes === 1 && run.turnsPerSecond > 0 && run.coresBusy.database !== undefined);
  const perTurn = (pick: (run: ScaleOutRun) => number) => ones.reduce((sum, run) => sum + (pick(run) * 1000) / run.turnsPerSecond, 0) / ones.length;
  const oneProcessCpuMsPerTurn = ones.length === 0 ? undefined : { server: perTurn((run) => run.coresBusy.servers), database: perTurn((run) => run.coresBusy.database!) };
  return { cores, runs, ratio: mean(2) / Math.max(1e-9, mean(1)), oneTurnsPerSecond: mean(1), twoTurnsPerSecond: mean(2), oneProcessCpuMsPerTurn, limit };
}

export function printScaleOut(results: ScaleOutResults): void {
  console.log(`\nTwo helpline processes on one database against one (closed loop over the stream, ${results.cores} cores):`);
  console.log(
    formatTable(
      ['processes', 'consumers', 'turns/s', 'p50 ms', 'p99 ms', 'errors', 'cores busy: servers', 'database', 'load generator', 'whole machine', 'CPU ms/turn (servers + db)'],
      results.runs.map((run) => [
        String(run.processes),
        whole(run.consumers),
        fixed(run.turnsPerSecond, 1),
        fixed(run.latency.p50Ms, 0),
        fixed(run.latency.p99Ms, 0),
        String(run.errors),
        fixed(run.coresBusy.servers, 2),
        fixed(run.coresBusy.database, 2),
        fixed(run.coresBusy.client, 2),
        fixed(run.coresBusy.machine, 2),
        run.coresBusy.database === undefined || run.turnsPerSecond <= 0 ? '–' : fixed(((run.coresBusy.servers + run.coresBusy.database) * 1000) / run.turnsPerSecond, 1),
      ]),
    ),
  );
  console.log(`Ratio (two ÷ one): ${fixed(results.ratio, 2)}; limit: ${results.limit}`);
  const failed = results.runs.find((run) => run.firstError);
  if (failed) console.log(`First error: ${failed.firstError}`);
}
