// What a utility needs of each figure, and whether this run met it. The yardstick: the whole of UP's 1912 line in its
// busiest hour is about 20 consumer messages a second; every target keeps ten times that in reserve.
import type { ConversationResults } from './benchConversations.js';
import type { OutboxResults } from './benchOutbox.js';
import type { StormResults } from './benchStorm.js';
import { fixed, formatTable, whole } from './benchSupport.js';
import type { ScaleOutResults, StreamLatencyResults } from './benchStream.js';

export interface SectionResults {
  tickets?: { phases: { transitions: { opsPerSecond: number; p99Ms: number }; bareUpdate: { opsPerSecond: number } } };
  conversations?: ConversationResults;
  outbox?: OutboxResults;
  reports?: Array<{ tickets: number; hotspotsMs: { p99: number }; registerMs: { p99: number } }>;
  stream?: StreamLatencyResults;
  scaleout?: ScaleOutResults;
  storm?: StormResults;
}

export interface Verdict {
  figure: string;
  measured: string;
  need: string;
  meets: boolean;
}

export const NEEDS = {
  /** Ten times the busiest hour of the whole line, offered at fixed times. */
  offeredMessagesPerSecond: 200,
  /** A reply the consumer sees within 2 s feels immediate in a chat (Web Chat itself polls every second by default). */
  turnP99Ms: 2_000,
  /** Saturation with 100 consumers typing back to back should still cover the 200 messages/s. */
  closedLoopTurnsPerSecond: 200,
  /** Issue 15: an open loop at 200 messages/s answered with a p99 of a quarter second. */
  openLoopP99Ms: 250,
  /**
   * Issue 15: what a turn must make durable fits one conversation document: one read and one write, and a couple of
   * commands for the limits and the handoff check. Ordinary turns (not the one that registers a ticket), and a start.
   */
  commandsPerTurn: 4,
  commandsPerConversationStart: 4,
  /** Issue 15: CPU per helpline turn (server + database) at 100 consumers: 250 turns/s on two dedicated cores. */
  cpuMsPerTurn: 8,
  /** A district-wide outage: 10,000 consumers told within ten seconds (issue 15). */
  outboxUpdatesPerSecond: 1_000,
  /** What a registered complaint costs the database after its last reply (the outbox, rollups, timers; issue 15). */
  backgroundCommandsPerComplaint: 20,
  /** The Node process, beside the database, on a 1 GB virtual machine, with `npm start`'s heap cap (issue 15). */
  serverPeakRssMb: 300,
  /** The embedded database process beside it, with `npm start`'s heap cap (issue 15). */
  databasePeakRssMb: 300,
  /** Staff actions are far rarer than consumer messages; 100/s with a p99 under a second is ample. */
  transitionsPerSecond: 100,
  transitionP99Ms: 1_000,
  /** A supervisor's report page. */
  reportP99Ms: 2_000,
  /** Issue 15: one consumer's reply over the Direct Line stream, p50. */
  streamReplyP50Ms: 30,
  /** Issue 15: two server processes on one database against one, where CPU allows. */
  scaleOutRatio: 1.6,
} as const;

export function judge(results: SectionResults): Verdict[] {
  const verdicts: Verdict[] = [];
  const { conversations, outbox, tickets, reports, stream, scaleout } = results;
  if (stream) {
    verdicts.push({
      figure: 'single-consumer reply p50 over the stream',
      measured:
        `p50 ${fixed(stream.stream.p50Ms, 1)} ms, p99 ${fixed(stream.stream.p99Ms, 1)} ms, of which ${fixed(stream.streamDelivery.p50Ms, 1)} ms (p50) after the reply ` +
        `was stored (polling every ${stream.pollMs} ms: p50 ${fixed(stream.polling.p50Ms, 1)} ms)`,
      need: `≤ ${NEEDS.streamReplyP50Ms} ms`,
      meets: stream.stream.p50Ms <= NEEDS.streamReplyP50Ms,
    });
  }
  if (scaleout) {
    verdicts.push({
      figure: 'two server processes on one database against one (throughput)',
      measured: `${fixed(scaleout.ratio, 2)}× (${fixed(scaleout.twoTurnsPerSecond, 1)} vs ${fixed(scaleout.oneTurnsPerSecond, 1)} turns/s); limit: ${scaleout.limit}`,
      need: `≥ ${NEEDS.scaleOutRatio}× where CPU allows (say what limits it if not)`,
      meets: scaleout.ratio >= NEEDS.scaleOutRatio,
    });
    const cpu = scaleout.oneProcessCpuMsPerTurn;
    if (cpu) {
      verdicts.push({
        figure: `CPU per helpline turn at ${scaleout.runs[0]?.consumers ?? '?'} consumers over the stream, one process (server + database)`,
        measured: `${fixed(cpu.server + cpu.database, 1)} ms (server ${fixed(cpu.server, 1)} + database ${fixed(cpu.database, 1)})`,
        need: `≤ ${NEEDS.cpuMsPerTurn} ms`,
        meets: cpu.server + cpu.database <= NEEDS.cpuMsPerTurn,
      });
    }
  }
  if (conversations) {
    for (const run of conversations.openLoop.filter((open) => open.bot === 'helpline')) {
      const sustained = run.errors === 0 && run.abandoned === 0 && run.achievedPerSecond >= run.offeredPerSecond * 0.97;
      verdicts.push({
        figure: `helpline at ${whole(run.offeredPerSecond)} messages/s offered (open loop)`,
        measured: `${fixed(run.achievedPerSecond, 1)}/s achieved, p99 ${fixed(run.latency.p99Ms, 0)} ms, ${run.errors} errors, ${run.abandoned} not sent`,
        need: `≥ ${fixed(run.offeredPerSecond * 0.97, 0)}/s, no errors, p99 ≤ ${whole(NEEDS.openLoopP99Ms)} ms`,
        meets: sustained && run.latency.p99Ms <= NEEDS.openLoopP99Ms,
      });
    }
    const largest = conversations.closedLoopRatios.at(-1);
    if (largest) {
      verdicts.push({
        figure: `helpline saturation, ${largest.consumers} consumers (closed loop)`,
        measured: `${fixed(largest.helplineTurnsPerSecond, 1)} turns/s (echo bot ${fixed(largest.echoTurnsPerSecond, 1)}; ratio ${fixed(largest.ratio, 2)})`,
        need: `≥ ${NEEDS.closedLoopTurnsPerSecond} turns/s`,
        meets: largest.helplineTurnsPerSecond >= NEEDS.closedLoopTurnsPerSecond,
      });
    }
    const trips = conversations.roundTrips.helpline;
    const echoTrips = conversations.roundTrips.echo;
    const ownCommands = trips.turns.perOp - trips.pollingPerTurn;
    verdicts.push({
      figure: 'database commands per ordinary consumer turn (helpline, without polling)',
      measured: `${fixed(trips.ordinaryTurns.perOp, 2)} (all scripted turns incl. the registering one ${fixed(ownCommands, 1)}; echo bot ${fixed(echoTrips.ordinaryTurns.perOp, 2)})`,
      need: `≤ ${NEEDS.commandsPerTurn}`,
      meets: trips.ordinaryTurns.perOp <= NEEDS.commandsPerTurn,
    });
    verdicts.push({
      figure: 'database commands per conversation start (helpline)',
      measured: `${fixed(trips.start.perOp, 1)} (echo bot ${fixed(echoTrips.start.perOp, 1)})`,
      need: `≤ ${NEEDS.commandsPerConversationStart}`,
      meets: trips.start.perOp <= NEEDS.commandsPerConversationStart,
    });
    const cpu = conversations.cpuCapacity.helpline.cpuMsPerTurn;
    if (cpu.server !== undefined && cpu.database !== undefined) {
      const perTurn = cpu.server + cpu.database;
      verdicts.push({
        figure: `CPU per helpline turn at ${conversations.memory.underLoadConsumers} consumers (server + database)`,
        measured: `${fixed(perTurn, 1)} ms (server ${fixed(cpu.server, 1)} + database ${fixed(cpu.database, 1)})`,
        need: `≤ ${NEEDS.cpuMsPerTurn} ms`,
        meets: perTurn <= NEEDS.cpuMsPerTurn,
      });
    }
    verdicts.push({
      figure: 'database commands per registered complaint after its last reply (background)',
      measured: `${fixed(trips.afterwards.perOp, 1)}`,
      need: `≤ ${NEEDS.backgroundCommandsPerComplaint}`,
      meets: trips.afterwards.perOp <= NEEDS.backgroundCommandsPerComplaint,
    });
    for (const [what, rss, need] of [
      ['server', conversations.memory.serverPeakRssUnderLoadMb, NEEDS.serverPeakRssMb],
      ['database process', conversations.memory.databasePeakRssUnderLoadMb, NEEDS.databasePeakRssMb],
    ] as const) {
      if (rss === undefined) continue;
      verdicts.push({
        figure: `${what} peak RSS under the ${conversations.memory.underLoadConsumers}-consumer load (npm start's heap caps)`,
        measured: `${fixed(rss, 0)} MB`,
        need: `≤ ${need} MB`,
        meets: rss <= need,
      });
    }
  }
  if (outbox) {
    verdicts.push({
      figure: `status updates delivered by the outbox (${whole(outbox.consumerUpdates)} at once)`,
      measured: `${whole(outbox.updatesPerSecond)}/s, all in ${fixed(outbox.drainSeconds, 1)} s (ratio to bare updates ${fixed(outbox.ratio, 2)})`,
      need: `≥ ${whole(NEEDS.outboxUpdatesPerSecond)}/s (10,000 in ten seconds)`,
      meets: outbox.updatesPerSecond >= NEEDS.outboxUpdatesPerSecond,
    });
  }
  if (tickets) {
    const { transitions, bareUpdate } = tickets.phases;
    verdicts.push({
      figure: 'ticket transitions (ticket service)',
      measured: `${whole(transitions.opsPerSecond)}/s, p99 ${fixed(transitions.p99Ms, 0)} ms (ratio to bare updates ${fixed(transitions.opsPerSecond / bareUpdate.opsPerSecond, 2)})`,
      need: `≥ ${NEEDS.transitionsPerSecond}/s, p99 ≤ ${whole(NEEDS.transitionP99Ms)} ms`,
      meets: transitions.opsPerSecond >= NEEDS.transitionsPerSecond && transitions.p99Ms <= NEEDS.transitionP99Ms,
    });
  }
  for (const row of reports ?? []) {
    const worst = Math.max(row.hotspotsMs.p99, row.registerMs.p99);
    verdicts.push({
      figure: `reports at ${whole(row.tickets)} tickets`,
      measured: `p99 hotspots ${fixed(row.hotspotsMs.p99, 0)} ms, satisfaction register ${fixed(row.registerMs.p99, 0)} ms`,
      need: `p99 ≤ ${whole(NEEDS.reportP99Ms)} ms`,
      meets: worst <= NEEDS.reportP99Ms,
    });
  }
  if (results.storm) verdicts.push(...judgeStorm(results.storm));
  return verdicts;
}

/** The outage storm: replies stay quick, the storm is one incident, and everyone is asked as fast as the outbox tells. */
function judgeStorm(storm: StormResults): Verdict[] {
  const asking = storm.registered / Math.max(storm.allAskedSeconds, 0.001);
  // The outbox's pace (10,000 in a minute), with 10 s of slack for a small storm's fixed costs.
  const askWithinSeconds = Math.max(10, storm.registered / NEEDS.outboxUpdatesPerSecond);
  return [
    {
      figure: `turn latency during a storm of ${whole(storm.consumers)} consumers in ${whole(storm.stormSeconds)} s`,
      measured: `p50 ${fixed(storm.turnLatency.p50Ms, 0)} ms, p99 ${fixed(storm.turnLatency.p99Ms, 0)} ms; ${whole(storm.registered)} registered, ${storm.errors} errors`,
      need: `p99 ≤ ${whole(NEEDS.turnP99Ms)} ms, every complaint registered`,
      meets: storm.turnLatency.p99Ms <= NEEDS.turnP99Ms && storm.errors === 0 && storm.registered === storm.consumers,
    },
    {
      figure: 'incidents opened by the storm',
      measured: `${storm.incidentsOpened} (${whole(storm.incidentReports)} reports linked)`,
      need: `1, with every complaint linked`,
      meets: storm.incidentsOpened === 1 && storm.incidentReports === storm.registered,
    },
    {
      figure: `from "restored" until all ${whole(storm.registered)} consumers were asked`,
      measured: `${fixed(storm.allAskedSeconds, 1)} s (${whole(asking)}/s); ${whole(storm.asked)} asked, ${storm.askedTwice} twice`,
      need: `everyone once, within ${fixed(askWithinSeconds, 0)} s (the outbox's 10,000 in a minute; 10 s at least)`,
      meets: storm.asked === storm.registered && storm.askedTwice === 0 && storm.allAskedSeconds <= askWithinSeconds,
    },
  ];
}

export function printVerdicts(verdicts: Verdict[]): void {
  if (verdicts.length === 0) return;
  console.log('\n══ What a utility needs (UP 1912, busiest hour ≈ 20 messages/s; targets keep 10× in reserve) ══');
  console.log(formatTable(['figure', 'measured', 'needed', 'verdict'], verdicts.map((verdict) => [verdict.figure, verdict.measured, verdict.need, verdict.meets ? 'meets' : 'SHORT'])));
}
