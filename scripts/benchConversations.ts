// Complete complaint conversations over the Direct Line HTTP API, against the helpline and against an echo bot on the
// same HTTP stack, adapter and database-backed state (scripts/benchServer.ts, a child process so that its memory is
// its own): closed-loop saturation throughput at 1, 10 and 100 consumers, open-loop latency at a fixed offered load,
// database round trips per consumer turn, and the server's peak resident memory under the 100-consumer load.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DirectLineConsumer, type ClientOptions, type TurnResult } from './benchDirectLineClient.js';
import {
  benchDirectLineSecret,
  fixed,
  formatTable,
  latencyStats,
  ownCpuMs,
  processCpuMs,
  processRssMb,
  roundTrips,
  serverMemorySettings,
  whole,
  type LatencyStats,
  type ParentMessage,
  type RoundTrips,
  type ServerMessage,
} from './benchSupport.js';

export type BotName = 'helpline' | 'echo';
const BOTS: readonly BotName[] = ['echo', 'helpline'];

export interface ConversationBenchOptions {
  /** Concurrent closed-loop consumers, one level after another. */
  levels: number[];
  /** Length of each closed-loop run (one per bot, level and round). */
  closedSeconds: number;
  /** The bots take turns this many times at each level. */
  rounds: number;
  /** Offered load of the open-loop run, messages per second. */
  openRate: number;
  openSeconds: number;
  /** Conversations kept open for the open loop (each has at most one message in flight). */
  openConversations: number;
  /** Once this many seconds' worth of messages wait for a free conversation, the rest are not sent (not sustained). */
  maxBacklogSeconds: number;
  /** Untimed closed-loop seconds per bot before anything is measured. */
  warmupSeconds: number;
  pollMs: number;
  /** Sequential conversations per bot whose database commands are counted. */
  countedConversations: number;
  /** node --max-old-space-size for the server process, in MB. */
  serverHeapMb?: number;
}

export interface ConversationContext {
  uri: string;
  dbName: string;
  /** The embedded database's process, whose memory is sampled too. */
  databasePid?: number;
  log: (line: string) => void;
}

/**
 * The consumer's side of a whole registration in Hinglish: the problem and the place in one message, no account
 * number, the mobile, and "yes" at the summary. The helpline answers each message with exactly one reply (checked:
 * a reply more or less fails the turn), and its last reply carries the new ticket's number.
 */
function complaintScript(mobile: string): string[] {
  return ['gomti nagar mein 3 ghante se bijli nahi hai', 'skip', mobile, 'haan'];
}
const turnsPerConversation = complaintScript('').length;
const ticketNumberPattern = /UP-\d{6}-\d{5,}/;
const replyTimeoutMs = 30_000;

let consumerSerial = 0;
let ticketsRegistered = 0;
/** A mobile and a user id no other consumer of this run has: the helpline refuses a duplicate complaint. */
function nextIdentity(): { userId: string; mobile: string } {
  consumerSerial += 1;
  return { userId: `dl_bench${randomBytes(4).toString('hex')}${consumerSerial}`, mobile: `9${String(consumerSerial).padStart(9, '0')}` };
}

// ── The server process ─────────────────────────────────────────────────────────────────────────────────────────

export interface ServerHeap {
  usedMb: number;
  totalMb: number;
}

export class BenchServer {
  private pending: ((counts: Record<string, number>) => void) | undefined;
  private pendingHeap: ((heap: ServerHeap) => void) | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly ports: Record<BotName, number>,
  ) {
    child.on('message', (message: ServerMessage) => {
      if (message.kind === 'counts') {
        this.pending?.(message.counts);
        this.pending = undefined;
      }
      if (message.kind === 'heap') {
        this.pendingHeap?.({ usedMb: message.heapUsedMb, totalMb: message.heapTotalMb });
        this.pendingHeap = undefined;
      }
    });
  }

  static async start(context: ConversationContext, heapMb: number | undefined): Promise<BenchServer> {
    const memory = serverMemorySettings(heapMb);
    const child = fork(fileURLToPath(new URL('./benchServer.ts', import.meta.url)), [], {
      // BENCH_SERVER_CPU_PROF=<dir> writes the server's V8 CPU profile there when it exits (profiling a turn's cost).
      execArgv: [
        '--import',
        'tsx',
        ...memory.execArgv,
        ...(process.env.BENCH_SERVER_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_CPU_PROF}`] : []),
      ],
      env: { ...process.env, ...memory.env, BENCH_MONGODB_URI: context.uri, BENCH_DB_NAME: context.dbName },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<ServerMessage>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`the bench server exited with code ${code} before it was ready`)));
    });
    if (ready.kind !== 'ready') throw new Error(`the bench server said ${ready.kind} before ready`);
    return new BenchServer(child, { helpline: ready.helplinePort, echo: ready.echoPort });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Database commands the server has sent so far, by name. */
  counts(): Promise<Record<string, number>> {
    if (this.pending) throw new Error('bench bug: one counts request at a time');
    return new Promise((resolve) => {
      this.pending = resolve;
      this.child.send({ kind: 'counts' } satisfies ParentMessage);
    });
  }

  /** The server's JavaScript heap: what is live (used) and what V8 has reserved for it (total). */
  heap(): Promise<ServerHeap> {
    if (this.pendingHeap) throw new Error('bench bug: one heap request at a time');
    return new Promise((resolve) => {
      this.pendingHeap = resolve;
      this.child.send({ kind: 'heap' } satisfies ParentMessage);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ kind: 'stop' } satisfies ParentMessage);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [name, count] of Object.entries(after)) {
    const added = count - (before[name] ?? 0);
    if (added > 0) delta[name] = added;
  }
  return delta;
}

/** CPU milliseconds per consumer turn (the conversations' starts included), by process. */
export interface CpuPerTurn {
  server?: number;
  database?: number;
  /** The load generator itself (this process), which shares the machine's cores. */
  client: number;
}

function cpuMeter(serverPid: number, databasePid: number | undefined): (turns: number) => CpuPerTurn {
  const server = processCpuMs(serverPid);
  const database = databasePid === undefined ? undefined : processCpuMs(databasePid);
  const client = ownCpuMs();
  const per = (now: number | undefined, then: number | undefined, turns: number) =>
    now === undefined || then === undefined ? undefined : (now - then) / turns;
  return (turns) => ({
    server: per(processCpuMs(serverPid), server, turns),
    database: databasePid === undefined ? undefined : per(processCpuMs(databasePid), database, turns),
    client: (ownCpuMs() - client) / turns,
  });
}

/** Asks the server for its heap every 500 ms while `during` runs; the largest used and total seen. */
async function peakHeapWhile<T>(server: BenchServer | undefined, during: () => Promise<T>): Promise<{ result: T; peak?: ServerHeap }> {
  if (!server) return { result: await during() };
  let peak: ServerHeap = { usedMb: 0, totalMb: 0 };
  let asking = false;
  const timer = setInterval(() => {
    if (asking) return;
    asking = true;
    void server.heap().then((heap) => {
      peak = { usedMb: Math.max(peak.usedMb, heap.usedMb), totalMb: Math.max(peak.totalMb, heap.totalMb) };
      asking = false;
    });
  }, 500);
  try {
    return { result: await during(), peak };
  } finally {
    clearInterval(timer);
  }
}

/** Samples a process's resident memory every 100 ms while `during` runs; the peak seen, in MB. */
async function peakRssWhile<T>(pid: number | undefined, during: () => Promise<T>): Promise<{ result: T; peakMb?: number }> {
  if (pid === undefined) return { result: await during() };
  let peak = processRssMb(pid);
  const timer = setInterval(() => {
    const now = processRssMb(pid);
    if (now !== undefined && (peak === undefined || now > peak)) peak = now;
  }, 100);
  try {
    const result = await during();
    return { result, peakMb: peak };
  } finally {
    clearInterval(timer);
  }
}

// ── One consumer's conversation ─────────────────────────────────────────────────────────────────────────────────

interface Conversation {
  consumer: DirectLineConsumer;
  script: string[];
  next: number;
}

async function openConversation(bot: BotName, client: Omit<ClientOptions, 'baseUrl'>, server: BenchServer): Promise<Conversation> {
  const { userId, mobile } = nextIdentity();
  const consumer = new DirectLineConsumer({ ...client, baseUrl: `http://127.0.0.1:${server.ports[bot]}` }, userId);
  await consumer.start(1);
  return { consumer, script: complaintScript(mobile), next: 0 };
}

/** The conversation's next message; checks that the last one registered a ticket. */
async function nextTurn(bot: BotName, conversation: Conversation): Promise<TurnResult> {
  const text = conversation.script[conversation.next]!;
  const result = await conversation.consumer.say(text, 1);
  conversation.next += 1;
  if (bot === 'helpline' && conversation.next === conversation.script.length && !ticketNumberPattern.test(result.replies[0] ?? '')) {
    throw new Error(`the last turn did not register a ticket; the helpline said: ${result.replies.join(' | ')}`);
  }
  if (conversation.next === conversation.script.length) {
    const late = conversation.consumer.lateReplies();
    if (late.length > 0) throw new Error(`replies came after their turn was counted done: ${late.join(' | ')}`);
    if (bot === 'helpline') ticketsRegistered += 1;
  }
  return result;
}

// ── Closed loop ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface ClosedLoopRun {
  bot: BotName;
  consumers: number;
  /** How long the window actually stayed open (see closedLoop). */
  seconds: number;
  turns: number;
  conversations: number;
  turnsPerSecond: number;
  /** From POST to the reply seen by the polling client. */
  latency: LatencyStats;
  cpuMsPerTurn: CpuPerTurn;
  /** GETs per turn: a polling client asks more often the longer the replies take, which loads the server further. */
  pollsPerTurn: number;
}

/**
 * `consumers` consumers, each going through whole conversations back to back, for `seconds` — and longer if by then
 * fewer than two turns per consumer have finished, since a window shorter than a turn measures nothing. The clock
 * starts once every consumer has its first conversation open, so a hundred consumers arriving at once are not in it.
 */
async function closedLoop(
  bot: BotName,
  consumers: number,
  seconds: number,
  client: Omit<ClientOptions, 'baseUrl'>,
  server: BenchServer,
  databasePid?: number,
): Promise<ClosedLoopRun> {
  const latencies: number[] = [];
  let conversations = 0;
  let polls = 0;
  const first = await Promise.all(Array.from({ length: consumers }, () => openConversation(bot, client, server)));
  const cpu = cpuMeter(server.pid, databasePid);
  const begin = performance.now();
  const end = begin + seconds * 1000;
  const minimumTurns = 2 * consumers;
  // Set when the window closes; turns still finishing after it are neither counted nor charged.
  let closedAt: number | undefined;
  let cpuMsPerTurn: CpuPerTurn | undefined;
  const windowOpen = () => {
    if (closedAt !== undefined) return false;
    if (performance.now() < end || latencies.length < minimumTurns) return true;
    closedAt = performance.now();
    cpuMsPerTurn = cpu(latencies.length);
    return false;
  };
  const consumerLoop = async (opened: Conversation) => {
    let conversation: Conversation | undefined = opened;
    while (windowOpen()) {
      conversation ??= await openConversation(bot, client, server);
      while (conversation.next < conversation.script.length && windowOpen()) {
        const sent = performance.now();
        const result = await nextTurn(bot, conversation);
        if (closedAt === undefined) {
          latencies.push(result.seenAt - sent);
          polls += result.emptyPolls + result.dataPolls;
        }
      }
      if (conversation.next === conversation.script.length) conversations += 1;
      conversation = undefined;
    }
  };
  await Promise.all(first.map(consumerLoop));
  const elapsed = ((closedAt ?? performance.now()) - begin) / 1000;
  return {
    bot,
    consumers,
    seconds: elapsed,
    turns: latencies.length,
    conversations,
    turnsPerSecond: latencies.length / elapsed,
    latency: latencyStats(latencies),
    cpuMsPerTurn: cpuMsPerTurn ?? cpu(Math.max(1, latencies.length)),
    pollsPerTurn: polls / Math.max(1, latencies.length),
  };
}

// ── Open loop ───────────────────────────────────────────────────────────────────────────────────────────────────

export interface OpenLoopRun {
  bot: BotName;
  offeredPerSecond: number;
  seconds: number;
  scheduled: number;
  completed: number;
  errors: number;
  firstError?: string;
  /** Messages not sent at all because the backlog passed `maxBacklogSeconds` worth: the load was not sustained. */
  abandoned: number;
  achievedPerSecond: number;
  /** From the scheduled send time to the reply seen by the client (includes waiting for a free conversation). */
  latency: LatencyStats;
  /** From the scheduled send time to the server storing the reply (no polling interval in it). */
  serverLatency: LatencyStats;
  /** Sends that found every open conversation busy and waited for one (their wait is in the latency). */
  waitedForConversation: number;
  conversationsOpened: number;
  cpuMsPerTurn: CpuPerTurn;
  pollsPerTurn: number;
}

/**
 * Messages at fixed times, `rate` a second, whatever the replies do: each goes to an open conversation with nothing
 * in flight (a consumer types after the last answer), so latency is measured from when it was due to be sent, not
 * from when a busy client got round to it. Finished conversations are replaced by new ones as they end.
 */
async function openLoop(
  bot: BotName,
  options: ConversationBenchOptions,
  client: Omit<ClientOptions, 'baseUrl'>,
  server: BenchServer,
  databasePid?: number,
): Promise<OpenLoopRun> {
  const idle: Conversation[] = [];
  let opened = 0;
  const open = async () => {
    idle.push(await openConversation(bot, client, server));
    opened += 1;
  };
  for (let i = 0; i < options.openConversations; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, options.openConversations - i) }, open));
  }
  opened = 0;

  const scheduled = Math.round(options.openRate * options.openSeconds);
  const maxBacklog = options.openRate * options.maxBacklogSeconds;
  const latencies: number[] = [];
  const serverLatencies: number[] = [];
  const waiting: Array<{ dueAt: number }> = [];
  const inFlight = new Set<Promise<void>>();
  let errors = 0;
  let firstError: string | undefined;
  let waited = 0;
  let lastCompletion = 0;
  let polls = 0;
  const cpu = cpuMeter(server.pid, databasePid);
  const begin = performance.now();

  const send = (conversation: Conversation, dueAt: number) => {
    const task = (async () => {
      try {
        const result = await nextTurn(bot, conversation);
        latencies.push(result.seenAt - dueAt);
        polls += result.emptyPolls + result.dataPolls;
        serverLatencies.push(result.storedAtEpochMs - (performance.timeOrigin + dueAt));
        lastCompletion = Math.max(lastCompletion, result.seenAt);
        if (conversation.next < conversation.script.length) release(conversation);
        else replace();
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
        replace();
      }
    })();
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };
  const release = (conversation: Conversation) => {
    const due = waiting.shift();
    if (due) send(conversation, due.dueAt);
    else idle.push(conversation);
  };
  const replace = () => {
    const task = openConversation(bot, client, server).then(
      (conversation) => {
        opened += 1;
        release(conversation);
      },
      (error: unknown) => {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      },
    );
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };

  let abandoned = 0;
  for (let k = 0; k < scheduled; k++) {
    const dueAt = begin + (k * 1000) / options.openRate;
    const wait = dueAt - performance.now();
    if (wait > 1) await sleep(wait);
    if (waiting.length > maxBacklog) {
      abandoned = scheduled - k;
      break;
    }
    const conversation = idle.shift();
    if (conversation) send(conversation, dueAt);
    else {
      waited += 1;
      waiting.push({ dueAt });
    }
  }
  // Each message that finishes hands its conversation to the next one waiting, so this ends with the backlog served
  // (or left, if every conversation failed to reopen).
  while (inFlight.size > 0) await Promise.race(inFlight);
  abandoned += waiting.length;
  const completed = latencies.length;
  const cpuMsPerTurn = cpu(Math.max(1, completed));
  return {
    bot,
    offeredPerSecond: options.openRate,
    seconds: options.openSeconds,
    scheduled,
    completed,
    errors,
    firstError,
    abandoned,
    achievedPerSecond: completed / ((lastCompletion - begin) / 1000),
    latency: latencyStats(latencies),
    serverLatency: latencyStats(serverLatencies),
    waitedForConversation: waited,
    conversationsOpened: opened,
    cpuMsPerTurn,
    pollsPerTurn: polls / Math.max(1, completed),
  };
}

// ── Round trips ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface TurnRoundTrips {
  bot: BotName;
  conversations: number;
  /** Opening the conversation: the token, the conversation document and the bot's welcome turn. */
  start: RoundTrips;
  /** Each scripted message: the POST, the bot's turn, and the GETs that fetched the reply. */
  turns: RoundTrips;
  /**
   * The turns that change no ticket (all but the script's last, which registers the complaint), without their polling
   * GETs: what a consumer turn itself costs (the conversation document's take and write, plus what the bot reads).
   */
  ordinaryTurns: RoundTrips;
  /** Of `turns`: what the polling GETs cost (counted GETs × their measured cost). */
  pollingPerTurn: number;
  pollsPerTurn: number;
  /** Commands that came after the last reply (the outbox delivering the new ticket's effects), per conversation. */
  afterwards: RoundTrips;
  /** Commands per GET that found nothing new, and per GET that returned activities. */
  emptyPollCost: number;
  dataPollCost: number;
}

/** Waits until the server has sent no command for `quietMs`; returns what it sent meanwhile. */
async function settle(server: BenchServer, from: Record<string, number>, quietMs = 300): Promise<Record<string, number>> {
  let last = await server.counts();
  for (;;) {
    await sleep(quietMs);
    const now = await server.counts();
    if (JSON.stringify(now) === JSON.stringify(last)) return difference(now, from);
    last = now;
  }
}

function add(total: Record<string, number>, more: Record<string, number>): void {
  for (const [name, count] of Object.entries(more)) total[name] = (total[name] ?? 0) + count;
}

async function countRoundTrips(bot: BotName, count: number, client: Omit<ClientOptions, 'baseUrl'>, server: BenchServer): Promise<TurnRoundTrips> {
  const start: Record<string, number> = {};
  const turns: Record<string, number> = {};
  const ordinary: Record<string, number> = {};
  const ordinaryPolls = { empty: 0, data: 0 };
  const afterwards: Record<string, number> = {};
  let emptyPolls = 0;
  let dataPolls = 0;
  let last: Conversation | undefined;
  for (let i = 0; i < count; i++) {
    let before = await settle(server, {}).then(() => server.counts());
    const conversation = await openConversation(bot, client, server);
    let now = await server.counts();
    add(start, difference(now, before));
    while (conversation.next < conversation.script.length) {
      before = now;
      const isOrdinary = conversation.next < conversation.script.length - 1;
      const result = await nextTurn(bot, conversation);
      now = await server.counts();
      add(turns, difference(now, before));
      if (isOrdinary) {
        add(ordinary, difference(now, before));
        ordinaryPolls.empty += result.emptyPolls;
        ordinaryPolls.data += result.dataPolls;
      }
      emptyPolls += result.emptyPolls;
      dataPolls += result.dataPolls;
    }
    add(afterwards, await settle(server, now));
    last = conversation;
  }
  // What one GET costs: asked again and again of the last conversation, which has nothing new.
  const samples = 20;
  const costOf = async (poll: () => Promise<unknown>) => {
    const before = await server.counts();
    for (let i = 0; i < samples; i++) await poll();
    const spent = difference(await server.counts(), before);
    return Object.values(spent).reduce((sum, value) => sum + value, 0) / samples;
  };
  const probe = last!.consumer;
  const emptyPollCost = await costOf(() => probe.pollOnce(false));
  const dataPollCost = await costOf(() => probe.pollOnce(true));
  const turnCount = count * turnsPerConversation;
  const ordinaryCount = count * (turnsPerConversation - 1);
  // Polling GETs are all `find`s: their measured cost comes off the ordinary turns' finds.
  ordinary.find = Math.max(0, (ordinary.find ?? 0) - (ordinaryPolls.empty * emptyPollCost + ordinaryPolls.data * dataPollCost));
  return {
    bot,
    conversations: count,
    start: roundTrips(count, start),
    turns: roundTrips(turnCount, turns),
    ordinaryTurns: roundTrips(ordinaryCount, ordinary),
    pollingPerTurn: (emptyPolls * emptyPollCost + dataPolls * dataPollCost) / turnCount,
    pollsPerTurn: (emptyPolls + dataPolls) / turnCount,
    afterwards: roundTrips(count, afterwards),
    emptyPollCost,
    dataPollCost,
  };
}

// ── The section ─────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * From the CPU the largest closed-loop level cost per turn: how many turns a second two cores given only to the
 * server and the database would serve, the load generator elsewhere (a ceiling the shared bench machine hides).
 */
export interface CpuCapacity {
  cpuMsPerTurn: CpuPerTurn;
  turnsPerSecondOnTwoCores?: number;
}

export interface ConversationResults {
  pollMs: number;
  serverHeapMb?: number;
  turnsPerConversation: number;
  closedLoop: ClosedLoopRun[];
  /** Per level: helpline turns/s ÷ echo turns/s, over all rounds. */
  closedLoopRatios: Array<{ consumers: number; helplineTurnsPerSecond: number; echoTurnsPerSecond: number; ratio: number; p50Ratio: number }>;
  openLoop: OpenLoopRun[];
  roundTrips: Record<BotName, TurnRoundTrips>;
  cpuCapacity: Record<BotName, CpuCapacity>;
  memory: {
    /** The consumers of the largest closed-loop level, during whose helpline runs the peak was sampled. */
    underLoadConsumers: number;
    /** The server process (helpline + echo bot), sampled every 100 ms during the largest level's helpline runs. */
    serverPeakRssUnderLoadMb?: number;
    /** The server's JavaScript heap during the same runs (largest in use, garbage not yet collected included; largest reserved). */
    serverHeapUnderLoad?: ServerHeap;
    /** Its high-water mark over the whole section. */
    serverHighWaterMb?: number;
    serverRssIdleMb?: number;
    databasePeakRssUnderLoadMb?: number;
  };
  ticketsRegistered: number;
}

export async function benchConversations(context: ConversationContext, options: ConversationBenchOptions): Promise<ConversationResults> {
  const { log } = context;
  const client = { secret: benchDirectLineSecret, pollMs: options.pollMs, replyTimeoutMs };
  const server = await BenchServer.start(context, options.serverHeapMb);
  try {
    // Warm both JITs and both bots' code paths, untimed.
    for (const bot of BOTS) await closedLoop(bot, 5, options.warmupSeconds, client, server);
    const serverRssIdleMb = processRssMb(server.pid);

    const runs: ClosedLoopRun[] = [];
    let serverPeak: number | undefined;
    let databasePeak: number | undefined;
    let heapPeak: ServerHeap | undefined;
    const largest = Math.max(...options.levels);
    for (const consumers of options.levels) {
      for (let round = 0; round < options.rounds; round++) {
        for (const bot of BOTS) {
          const measureMemory = bot === 'helpline' && consumers === largest;
          const { result, peakMb } = await peakRssWhile(measureMemory ? server.pid : undefined, async () => {
            const database = await peakRssWhile(measureMemory ? context.databasePid : undefined, () =>
              peakHeapWhile(measureMemory ? server : undefined, () => closedLoop(bot, consumers, options.closedSeconds, client, server, context.databasePid)),
            );
            if (database.peakMb !== undefined) databasePeak = Math.max(databasePeak ?? 0, database.peakMb);
            const { peak } = database.result;
            if (peak) heapPeak = { usedMb: Math.max(heapPeak?.usedMb ?? 0, peak.usedMb), totalMb: Math.max(heapPeak?.totalMb ?? 0, peak.totalMb) };
            return database.result.result;
          });
          if (peakMb !== undefined) serverPeak = Math.max(serverPeak ?? 0, peakMb);
          runs.push(result);
          log(
            `  closed loop, ${bot.padEnd(8)} ${String(consumers).padStart(3)} consumers: ${fixed(result.turnsPerSecond, 1)} turns/s, ` +
              `p50 ${fixed(result.latency.p50Ms, 0)} ms, p99 ${fixed(result.latency.p99Ms, 0)} ms, ${fixed(result.pollsPerTurn, 1)} polls/turn, ` +
              `CPU ms/turn server ${fixed(result.cpuMsPerTurn.server, 1)} database ${fixed(result.cpuMsPerTurn.database, 1)}`,
          );
        }
      }
    }
    const closedLoopRatios = options.levels.map((consumers) => {
      const of = (bot: BotName) => runs.filter((run) => run.bot === bot && run.consumers === consumers);
      const rate = (list: ClosedLoopRun[]) => list.reduce((sum, run) => sum + run.turns, 0) / list.reduce((sum, run) => sum + run.seconds, 0);
      const p50 = (list: ClosedLoopRun[]) => list.reduce((sum, run) => sum + run.latency.p50Ms, 0) / list.length;
      const helpline = rate(of('helpline'));
      const echo = rate(of('echo'));
      return { consumers, helplineTurnsPerSecond: helpline, echoTurnsPerSecond: echo, ratio: helpline / echo, p50Ratio: p50(of('helpline')) / p50(of('echo')) };
    });

    const cpuCapacity = Object.fromEntries(
      BOTS.map((bot) => {
        const measured = runs.filter((run) => run.bot === bot && run.consumers === largest);
        const mean = (key: keyof CpuPerTurn) => {
          const values = measured.map((run) => run.cpuMsPerTurn[key]);
          const known = values.filter((value): value is number => value !== undefined);
          return known.length < values.length ? undefined : known.reduce((sum, value) => sum + value, 0) / known.length;
        };
        const cpuMsPerTurn = { server: mean('server'), database: mean('database'), client: mean('client')! };
        const serving = cpuMsPerTurn.server === undefined ? undefined : cpuMsPerTurn.server + (cpuMsPerTurn.database ?? 0);
        return [bot, { cpuMsPerTurn, turnsPerSecondOnTwoCores: serving ? 2_000 / serving : undefined }];
      }),
    ) as Record<BotName, CpuCapacity>;

    const openLoopRuns: OpenLoopRun[] = [];
    for (const bot of BOTS) {
      const run = await openLoop(bot, options, client, server, context.databasePid);
      openLoopRuns.push(run);
      log(
        `  open loop,   ${bot.padEnd(8)} ${run.offeredPerSecond}/s offered: ${fixed(run.achievedPerSecond, 1)}/s achieved, ` +
          `p50 ${fixed(run.latency.p50Ms, 0)} ms, p99 ${fixed(run.latency.p99Ms, 0)} ms, ${run.errors} errors, ${run.abandoned} not sent`,
      );
    }

    const trips = {} as Record<BotName, TurnRoundTrips>;
    for (const bot of BOTS) trips[bot] = await countRoundTrips(bot, options.countedConversations, client, server);
    const serverHighWaterMb = processRssMb(server.pid, 'VmHWM');
    return {
      pollMs: options.pollMs,
      serverHeapMb: options.serverHeapMb,
      turnsPerConversation,
      closedLoop: runs,
      closedLoopRatios,
      openLoop: openLoopRuns,
      roundTrips: trips,
      cpuCapacity,
      memory: { underLoadConsumers: largest, serverPeakRssUnderLoadMb: serverPeak, serverHeapUnderLoad: heapPeak, serverHighWaterMb, serverRssIdleMb, databasePeakRssUnderLoadMb: databasePeak },
      ticketsRegistered,
    };
  } finally {
    await server.stop();
  }
}

export function printConversations(results: ConversationResults): void {
  console.log(
    `\nConversations over Direct Line HTTP (${results.turnsPerConversation} consumer turns each; the client polls every ${results.pollMs} ms ` +
      'while it waits for a reply), helpline vs echo bot on the same stack:',
  );
  console.log(
    formatTable(
      ['consumers', 'helpline turns/s', 'echo turns/s', 'ratio', 'helpline p50 ms', 'echo p50 ms', 'helpline p99 ms', 'echo p99 ms'],
      results.closedLoopRatios.map((level) => {
        const runs = (bot: BotName) => results.closedLoop.filter((run) => run.bot === bot && run.consumers === level.consumers);
        const worst = (bot: BotName, key: 'p50Ms' | 'p99Ms') => Math.max(...runs(bot).map((run) => run.latency[key]));
        return [
          String(level.consumers),
          fixed(level.helplineTurnsPerSecond, 1),
          fixed(level.echoTurnsPerSecond, 1),
          fixed(level.ratio, 2),
          fixed(worst('helpline', 'p50Ms'), 0),
          fixed(worst('echo', 'p50Ms'), 0),
          fixed(worst('helpline', 'p99Ms'), 0),
          fixed(worst('echo', 'p99Ms'), 0),
        ];
      }),
    ),
  );
  console.log(`\nCPU per consumer turn at ${Math.max(...results.closedLoop.map((run) => run.consumers))} consumers (conversation starts included), and what two cores given to the server and the database alone would serve:`);
  console.log(
    formatTable(
      ['bot', 'server CPU ms', 'database CPU ms', 'load generator CPU ms', 'turns/s on 2 dedicated cores'],
      BOTS.map((bot) => {
        const { cpuMsPerTurn, turnsPerSecondOnTwoCores } = results.cpuCapacity[bot];
        return [bot, fixed(cpuMsPerTurn.server, 2), fixed(cpuMsPerTurn.database, 2), fixed(cpuMsPerTurn.client, 2), fixed(turnsPerSecondOnTwoCores, 0)];
      }),
    ),
  );
  console.log('\nOpen loop (messages at fixed times; latency from when each was due):');
  console.log(
    formatTable(
      ['bot', 'offered/s', 'achieved/s', 'p50 ms', 'p99 ms', 'server p50', 'server p99', 'errors', 'not sent', 'waited'],
      results.openLoop.map((run) => [
        run.bot,
        whole(run.offeredPerSecond),
        fixed(run.achievedPerSecond, 1),
        fixed(run.latency.p50Ms, 0),
        fixed(run.latency.p99Ms, 0),
        fixed(run.serverLatency.p50Ms, 0),
        fixed(run.serverLatency.p99Ms, 0),
        String(run.errors),
        String(run.abandoned),
        String(run.waitedForConversation),
      ]),
    ),
  );
  const [echoRun, helplineRun] = [results.openLoop.find((run) => run.bot === 'echo'), results.openLoop.find((run) => run.bot === 'helpline')];
  if (echoRun && helplineRun) {
    console.log(
      `Ratio helpline ÷ echo at ${whole(helplineRun.offeredPerSecond)}/s: p50 ${fixed(helplineRun.latency.p50Ms / echoRun.latency.p50Ms, 2)}, ` +
        `p99 ${fixed(helplineRun.latency.p99Ms / echoRun.latency.p99Ms, 2)}`,
    );
  }
  console.log('\nDatabase commands (round trips) per consumer turn, sequential:');
  const byCommand = (trips: RoundTrips) =>
    Object.entries(trips.byCommand)
      .map(([command, perOp]) => `${command} ${fixed(perOp, 2)}`)
      .join(', ');
  console.log(
    formatTable(
      ['bot', 'per turn', 'of which polling', 'polls/turn', 'by command (per turn)', 'per ordinary turn, no polling', 'per conversation start', 'after the last reply'],
      BOTS.map((bot) => {
        const trips = results.roundTrips[bot];
        return [
          bot,
          fixed(trips.turns.perOp, 2),
          fixed(trips.pollingPerTurn, 2),
          fixed(trips.pollsPerTurn, 2),
          byCommand(trips.turns),
          trips.ordinaryTurns ? fixed(trips.ordinaryTurns.perOp, 2) : '–',
          fixed(trips.start.perOp, 1),
          fixed(trips.afterwards.perOp, 1),
        ];
      }),
    ),
  );
  const { memory } = results;
  console.log(
    `Server process memory${results.serverHeapMb === undefined ? '' : ` (heap capped at ${results.serverHeapMb} MB)`}: ${fixed(memory.serverRssIdleMb, 0)} MB RSS after warm-up, peak ${fixed(memory.serverPeakRssUnderLoadMb, 0)} MB ` +
      `under the ${memory.underLoadConsumers}-consumer closed-loop load (JavaScript heap: up to ${fixed(memory.serverHeapUnderLoad?.usedMb, 0)} MB ` +
      `in use, garbage not yet collected included, ${fixed(memory.serverHeapUnderLoad?.totalMb, 0)} MB reserved; high-water mark ${fixed(memory.serverHighWaterMb, 0)} MB); database process peak ` +
      `${fixed(memory.databasePeakRssUnderLoadMb, 0)} MB. ${whole(results.ticketsRegistered)} tickets registered through the chat.`,
  );
}
