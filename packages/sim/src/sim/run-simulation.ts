import type { FaultPolicy, Rng } from '@tessera/cluster';
import type { TimestampSource, TxnTestingKnobs } from '@tessera/txn';
import type { Router } from '@tessera/txn';
import { ClusterSliceKv, ControlTimestampSource, isTxnError, TxnClient } from '@tessera/txn';
import {
  checkAcknowledgedWrites,
  formatAcknowledgedWritesVerdict,
} from '../check/acknowledged-writes';
import { checkBankSnapshots, formatBankVerdict } from '../check/bank';
import { checkLinearizability } from '../check/linearizability';
import { formatLinearizabilityVerdict } from '../check/linearizability-report';
import { createRegisterModel } from '../check/register';
import type { BankWorkloadOptions } from './bank-workload';
import { accountKey, bankContext, newRecorder, openAccounts, runBank } from './bank-workload';
import type { RegisterWorkloadOptions } from './register-workload';
import {
  defaultRegisterWorkload,
  newRegisterRecorder,
  readAllRegisters,
  registerContext,
  runRegisters,
} from './register-workload';
import type { NodeLoss } from './node-loss';
import { checkNodeLoss, loseBusiestNode } from './node-loss';
import type { Scenario, ScenarioRun, ScenarioSummary, Topology } from './scenario';
import { MapRecorder, controlMembersOverThreeZones, nodesOverThreeZones } from './scenario';
import { gatewayNodeId, SimCluster } from './sim-cluster';

/**
 * One simulated run: a cluster of 5 data nodes in 3 zones (2 replicas + 1 logger per slice by
 * default) and a 3-member control plane (slice map, node registry, timestamp oracle), two
 * workloads at once — bank transfers as snapshot-isolation transactions, and single-key
 * register reads and writes (each its own transaction) through a second gateway — and a fault
 * schedule drawn from the seed — node crashes (unsynced writes lost) and restarts, at most one
 * crash with disk loss per run, control-plane member crashes (its leader included),
 * partitions, message drop / delay / duplication / reordering. Then the faults heal,
 * the cluster settles, and the checkers judge the histories and the final state: the bank
 * invariant, no acknowledged transfer lost, and every key's register history linearizable.
 */
export interface SimulationOptions {
  readonly seed: number;
  /** Simulated milliseconds of traffic under faults. */
  readonly durationMs: number;
  /**
   * Instead of (or besides) `durationMs`: run exactly this many steps of the fault schedule
   * (each 200–600 simulated ms of traffic followed by at most one fault).
   */
  readonly steps?: number;
  readonly faults: boolean;
  readonly workload?: Partial<BankWorkloadOptions>;
  /** The register workload; `clients: 0` leaves it out. */
  readonly registers?: Partial<RegisterWorkloadOptions>;
  /** Probability that a committing coordinator dies (half before, half after its commit point). */
  readonly coordinatorCrashChance?: number;
  /**
   * The node-loss scenario (node-loss.ts): after the first step of traffic the data node
   * ranking the most slices crashes for good; the fault schedule goes on around it (never
   * crashing a node that shares a group with it, and losing no disk). Checked besides the
   * usual: its slices get live ranking replicas that lead their groups within a bound, logged
   * as re-ranks.
   */
  readonly nodeLoss?: boolean;
  /**
   * An issue-5 scenario (scenario.ts: zone loss, node add, drain, split, re-rank): its
   * topology replaces the default one, its fault menu narrows the schedule, and its checks
   * join the usual ones.
   */
  readonly scenario?: Scenario;
  /** Plants a transaction bug the checkers must catch (tests of the simulator itself). */
  readonly plantedBug?: 'commitTsBeforePrewrite' | 'ackBeforePrimaryCommit' | 'staleRegisterReads';
}

export interface SimulationReport {
  readonly seed: number;
  readonly ok: boolean;
  /** Readable findings; empty when every check passed. */
  readonly violations: readonly string[];
  readonly stats: {
    readonly committed: number;
    readonly failed: number;
    readonly unknown: number;
    readonly reads: number;
    readonly readFailures: number;
    /** Register operations recorded (every status), and of them: */
    readonly registerOps: number;
    readonly registerReads: number;
    readonly registerWrites: number;
    readonly registerFailed: number;
    readonly registerUnknown: number;
    readonly crashes: number;
    readonly diskLosses: number;
    readonly controlCrashes: number;
    /** Raft snapshots slice replicas installed (catch-up past a compacted log). */
    readonly snapshotsInstalled: number;
    readonly partitions: number;
    readonly messagesDropped: number;
    readonly simulatedMs: number;
    /** Slices the control plane re-ranked off a down node (its activity history). */
    readonly reranks: number;
    /** Members (data replicas, loggers) the control plane replaced (`add`s done). */
    readonly replacements: number;
  };
  /** The node-loss scenario: which node died, and how long until its slices were led again. */
  readonly nodeLoss?: {
    readonly node: number;
    readonly slices: number;
    /** Crash → every slice ranked on a live node that leads it (undefined: not in the run). */
    readonly rerankMs: number | undefined;
    /** Slices the node held a member of. */
    readonly replicated: number;
    /** Crash → every slice's members on live nodes, Raft agreeing (node-loss.ts). */
    readonly rereplicateMs: number | undefined;
  };
  /** The scenario's one-line summary and figures, when one ran. */
  readonly scenario?: ScenarioSummary & { readonly name: string };
}

/** 5 data nodes in 3 zones, 3 control-plane members, 4 slices of 2 replicas + 1 logger. */
const defaultTopology: Topology = {
  nodes: nodesOverThreeZones(5),
  controlMembers: controlMembersOverThreeZones,
  slices: 4,
  replicas: 2,
  loggers: 1,
};

const allFaults = { nodeCrashes: true, controlCrashes: true, partitions: true };

const defaultWorkload: BankWorkloadOptions = {
  accounts: 8,
  initialBalance: 100,
  workers: 4,
  readers: 2,
  thinkMsMax: 20,
  maxAmount: 30,
};

/** How far below its startTs the planted 'staleRegisterReads' bug serves each read. */
const staleRegisterReadMs = 100;

const faultyPeers: FaultPolicy = {
  dropRate: 0.02,
  duplicateRate: 0.02,
  delayMsMin: 1,
  delayMsMax: 12,
};
const faultyClients: FaultPolicy = {
  dropRate: 0.01,
  duplicateRate: 0.01,
  delayMsMin: 1,
  delayMsMax: 8,
};
const calm: FaultPolicy = { dropRate: 0, duplicateRate: 0, delayMsMin: 1, delayMsMax: 2 };

export async function runSimulation(options: SimulationOptions): Promise<SimulationReport> {
  const workload = { ...defaultWorkload, ...options.workload };
  const registers: RegisterWorkloadOptions = {
    ...defaultRegisterWorkload,
    ...(options.plantedBug === 'staleRegisterReads' ? { staleReadMs: staleRegisterReadMs } : {}),
    ...options.registers,
  };
  const topology = options.scenario?.topology ?? defaultTopology;
  const menu = options.scenario?.faults ?? allFaults;
  const sim = new SimCluster({
    seed: options.seed,
    nodes: topology.nodes,
    controlMembers: topology.controlMembers,
    slices: topology.slices,
    replicas: topology.replicas,
    loggers: topology.loggers,
    ...(topology.controlOptions === undefined ? {} : { controlOptions: topology.controlOptions }),
    peerFaults: options.faults ? faultyPeers : calm,
    clientFaults: options.faults ? faultyClients : calm,
    diskSyncMs: 2,
  });
  const rng = sim.rng.fork();
  const violations: string[] = [];
  // Every slice map the control plane applies, from the first (scenarios judge them all).
  const maps = options.scenario === undefined ? undefined : new MapRecorder(sim);
  // The control plane elects a leader, the nodes register, it places the table.
  if (!(await sim.bootstrap())) violations.push('the control plane did not place the table');
  // Every coordinator draws timestamps from the control plane's oracle (each gateway through
  // its own control client), so they follow real time across coordinators and leaders.
  const timestamps: TimestampSource = new ControlTimestampSource(
    sim.newControlClient(gatewayNodeId),
  );
  const registerTimestamps: TimestampSource = new ControlTimestampSource(
    sim.newControlClient(gatewayNodeId + 1),
  );
  // Routes by the newest slice map an agent read: a split adds slices (and groups) mid-run. A
  // group a split narrowed refuses what it no longer holds (WRONG_SLICE); the KV layer then
  // waits for a newer map and routes the call again, as the server's gateways do.
  const router: Router = sim.router();
  const kv = new ClusterSliceKv({ client: sim.newClient(), routing: sim.sliceRouting() });
  const client = new TxnClient({
    kv,
    router,
    timestamps,
    clock: sim.clock,
    rng: rng.fork(),
    knobs: knobsFor(options, rng.fork(), () => crashesEnabled),
  });
  // The register workload's coordinator: a second gateway, with its own link to the cluster.
  const registerClient = new TxnClient({
    kv: new ClusterSliceKv({
      client: sim.newClient(gatewayNodeId + 1),
      routing: sim.sliceRouting(),
    }),
    router,
    timestamps: registerTimestamps,
    clock: sim.clock,
    rng: rng.fork(),
    knobs: knobsFor(options, rng.fork(), () => crashesEnabled),
  });
  // Coordinator crashes start with the traffic: setup (opening the accounts) runs clean.
  let crashesEnabled = false;
  const recorder = newRecorder();
  const registerRecorder = newRegisterRecorder();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      sim.clock.setTimer(ms, resolve);
    });
  let crashes = 0;
  let diskLosses = 0;
  let controlCrashes = 0;
  let partitions = 0;

  // Let the groups elect leaders, then open the accounts.
  await sim.runFor(2_000);
  let opened = false;
  const opening = openAccounts(client, workload).then(() => {
    opened = true;
  });
  await sim.runUntil(() => opened, 30_000);
  await opening;

  let stopped = false;
  crashesEnabled = true;
  const scenario: ScenarioRun | undefined =
    options.scenario === undefined || maps === undefined
      ? undefined
      : options.scenario.start({
          sim,
          rng: rng.fork(),
          client,
          admin: sim.newControlClient(gatewayNodeId + 2),
          maps,
          sleep,
          stopped: () => stopped,
        });
  const registerCtx = registerContext({
    client: registerClient,
    rng: rng.fork(),
    now: () => sim.clock.now(),
    sleep,
    options: registers,
    recorder: registerRecorder,
    stopped: () => stopped,
  });
  const traffic = Promise.all([
    runBank(
      bankContext(
        client,
        rng.fork(),
        () => sim.clock.now(),
        sleep,
        workload,
        recorder,
        () => stopped,
      ),
    ),
    runRegisters(registerCtx),
    scenario?.traffic,
  ]);

  // The fault schedule: every 200–600 ms, one fault; at most one data node and one control
  // member down at a time, so every slice keeps a majority of its three members (2 replicas +
  // 1 logger) and the control plane a majority of its three. A disk loss (once per run) takes
  // its node out of its groups for good, so from then on no other node of the same groups is
  // crashed: a group with one lost member and one down would have no majority, and no data
  // is acknowledged without one.
  const endAt = sim.clock.now() + options.durationMs;
  const controlIds = topology.controlMembers.map((m) => m.id);
  let loss: NodeLoss | undefined;
  for (
    let step = 0;
    options.steps === undefined ? sim.clock.now() < endAt : step < options.steps;
    step++
  ) {
    await sim.runFor(rng.int(200, 600));
    scenario?.onStep(step);
    if (options.nodeLoss === true && step === 0) {
      loss = loseBusiestNode(sim, rng);
      if (loss === undefined) violations.push('node loss: no slice map to pick a node from');
      continue;
    }
    if (!options.faults) continue;
    const dataIds = sim.dataNodeIds();
    const down = dataIds.filter((id) => !sim.isUp(id) && !sim.isLost(id));
    const controlDown = menu.controlCrashes
      ? controlIds.filter((id) => !sim.isControlMemberUp(id))
      : [];
    const roll = rng.next();
    if ((down.length > 0 || controlDown.length > 0) && roll < 0.5) {
      for (const id of down) sim.restart(id);
      for (const id of controlDown) sim.restartControlMember(id);
    } else if (down.length === 0 && roll < 0.3) {
      if (!menu.nodeCrashes) continue;
      const candidates = dataIds.filter(
        (id) => crashable(sim, id) && (scenario?.mayCrash(id) ?? true),
      );
      const victim = candidates[rng.int(0, candidates.length - 1)];
      if (victim !== undefined) {
        if (options.nodeLoss !== true && diskLosses === 0 && rng.chance(0.15)) {
          sim.crashWithDiskLoss(victim);
          diskLosses++;
        } else {
          sim.crash(victim);
        }
        crashes++;
      }
    } else if (controlDown.length === 0 && roll < 0.36) {
      if (!menu.controlCrashes) continue;
      // Half the time the leader itself: the oracle and liveness move to a new term.
      const leader = sim.controlLeader();
      const victim =
        leader !== undefined && rng.chance(0.5)
          ? leader
          : (controlIds[rng.int(0, controlIds.length - 1)] ?? 101);
      sim.crashControlMember(victim);
      controlCrashes++;
    } else if (roll < 0.55) {
      if (!menu.partitions) continue;
      const isolated =
        options.scenario === undefined
          ? rng.int(1, 5)
          : (dataIds[rng.int(0, dataIds.length - 1)] ?? 1);
      if (!(sim.isUp(isolated) && (scenario?.mayCrash(isolated) ?? true))) continue;
      sim.peerNet.partition([[isolated]]);
      partitions++;
    } else {
      sim.peerNet.heal();
    }
  }

  // Heal everything and let the clients finish.
  stopped = true;
  sim.heal();
  for (const id of sim.dataNodeIds()) sim.restart(id);
  for (const id of controlIds) sim.restartControlMember(id);
  const traffic$ = { done: false };
  void traffic.then(
    () => {
      traffic$.done = true;
    },
    (error: unknown) => {
      traffic$.done = true;
      violations.push(
        `a client failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    },
  );
  await sim.runUntil(() => traffic$.done, 60_000);
  if (!traffic$.done) violations.push('clients did not finish within 60 s of healing (a hang)');
  await sim.runFor(3_000);
  if (loss !== undefined) violations.push(...(await checkNodeLoss(sim, loss)));
  if (scenario !== undefined) violations.push(...(await scenario.check()));
  // Before `sim.close()`: the summary reads the control plane's history.
  const scenarioReport =
    scenario === undefined ? undefined : { name: scenario.name, ...scenario.summary() };
  const activity = sim.newestControlState()?.rebalancerActivity ?? [];
  const reranks = activity.filter((a) => a.action === 'rerank').length;
  const replacements = activity.filter((a) => a.action === 'add' && a.state === 'done').length;

  // The final state, read in one snapshot once everything settled.
  const finalState = await readFinal(sim, client, workload.accounts);
  violations.push(...recorder.anomalies);

  // Every register once more, then every key's history must be linearizable.
  if (registers.clients > 0) {
    const finalReads: { state: 'running' | 'read' | 'unread' | 'threw' } = { state: 'running' };
    void readAllRegisters(registerCtx, 299).then(
      (ok) => {
        finalReads.state = ok ? 'read' : 'unread';
      },
      (error: unknown) => {
        finalReads.state = 'threw';
        violations.push(
          `a register client failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      },
    );
    await sim.runUntil(() => finalReads.state !== 'running', 60_000);
    if (finalReads.state === 'running' || finalReads.state === 'unread') {
      violations.push('the registers could not be read after healing');
    }
    const model = createRegisterModel();
    const verdict = checkLinearizability(registerRecorder.history, model);
    // 'unknown' (the search ran out of budget) is no pass: it is reported too.
    if (verdict.result !== 'ok') violations.push(formatLinearizabilityVerdict(verdict, model));
  }
  if (finalState === undefined) {
    violations.push('the final state could not be read within 60 s of healing');
  } else {
    const bank = checkBankSnapshots(recorder.history, {
      accounts: Array.from({ length: workload.accounts }, (_, i) => accountKey(i)),
      total: workload.accounts * workload.initialBalance,
    });
    if (bank.result !== 'ok') violations.push(formatBankVerdict(bank));
    const finalSum = [...finalState.balances.values()].reduce((a, b) => a + b, 0);
    if (finalSum !== workload.accounts * workload.initialBalance) {
      violations.push(
        `final balances sum to ${finalSum}, not ${workload.accounts * workload.initialBalance}`,
      );
    }
    const acknowledged = checkAcknowledgedWrites({
      acknowledged: [...recorder.acknowledged].map(([key, commitTs]) => ({
        key,
        value: 'done',
        commitTs,
      })),
      uncertain: [...recorder.uncertain].map((key) => ({ key, value: 'done' })),
      finalState: new Map([...finalState.records.keys()].map((key) => [key, 'done'])),
    });
    if (acknowledged.result !== 'ok')
      violations.push(formatAcknowledgedWritesVerdict(acknowledged));
    // Atomicity: the final balances are the opening ones moved by exactly the visible transfers.
    const expected = new Map(
      Array.from({ length: workload.accounts }, (_, i) => [accountKey(i), workload.initialBalance]),
    );
    for (const t of finalState.records.values()) {
      expected.set(t.from, (expected.get(t.from) ?? 0) - t.amount);
      expected.set(t.to, (expected.get(t.to) ?? 0) + t.amount);
    }
    for (const [account, balance] of expected) {
      const found = finalState.balances.get(account);
      if (found !== balance) {
        violations.push(
          `account ${account} holds ${String(found)}, but its visible transfers make it ${balance}`,
        );
      }
    }
  }
  sim.close();
  return {
    seed: options.seed,
    ok: violations.length === 0,
    violations,
    stats: {
      ...recorder.stats,
      registerOps: registerRecorder.history.length,
      registerReads: registerRecorder.stats.reads,
      registerWrites: registerRecorder.stats.writes,
      registerFailed: registerRecorder.stats.failed,
      registerUnknown: registerRecorder.stats.unknown,
      crashes,
      diskLosses,
      controlCrashes,
      snapshotsInstalled: sim.snapshotsInstalled(),
      partitions,
      messagesDropped: sim.peerNet.stats.dropped + sim.clientNet.stats.dropped,
      simulatedMs: sim.clock.now(),
      reranks,
      replacements,
    },
    ...(loss === undefined
      ? {}
      : {
          nodeLoss: {
            node: loss.node,
            slices: loss.slices.length,
            rerankMs: loss.rerankMs(),
            replicated: loss.replicated.length,
            rereplicateMs: loss.rereplicateMs(),
          },
        }),
    ...(scenarioReport === undefined ? {} : { scenario: scenarioReport }),
  };
}

/**
 * Whether crashing `id` keeps a majority in each of its groups: with a wiped or lost node out
 * of its groups for good, its group-mates must stay up.
 */
function crashable(sim: SimCluster, id: number): boolean {
  return sim.groupIds.every((groupId) => {
    // Loggers count: they vote, and a group needs a majority of all its voters.
    const members = sim.votersOf(groupId);
    if (!members.includes(id)) return true;
    return !members.some((m) => m !== id && (sim.wasWiped(m) || sim.isLost(m)));
  });
}

function knobsFor(options: SimulationOptions, rng: Rng, enabled: () => boolean): TxnTestingKnobs {
  const chance = options.coordinatorCrashChance ?? 0;
  return {
    ...(chance > 0
      ? {
          crashAt: () => {
            if (!enabled() || !rng.chance(chance)) return undefined;
            return rng.chance(0.5) ? ('afterPrewrite' as const) : ('afterPrimaryCommit' as const);
          },
        }
      : {}),
    ...(options.plantedBug === 'commitTsBeforePrewrite' ? { commitTsBeforePrewrite: true } : {}),
    ...(options.plantedBug === 'ackBeforePrimaryCommit' ? { ackBeforePrimaryCommit: true } : {}),
  };
}

interface FinalState {
  readonly balances: Map<string, number>;
  /** Transfer records visible at the end, by key. */
  readonly records: Map<string, { from: string; to: string; amount: number }>;
}

async function readFinal(
  sim: SimCluster,
  client: TxnClient,
  accounts: number,
): Promise<FinalState | undefined> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let result: FinalState | undefined;
  const attempt = async (): Promise<void> => {
    for (let i = 0; i < 100 && result === undefined; i++) {
      try {
        const txn = await client.begin();
        const balances = new Map<string, number>();
        for (let a = 0; a < accounts; a++) {
          const value = await txn.get(encoder.encode(accountKey(a)));
          if (value !== undefined) balances.set(accountKey(a), Number(decoder.decode(value)));
        }
        const rows = await txn.scan(encoder.encode('t/'), encoder.encode('t0'), {
          limit: 1_000_000,
        });
        await txn.rollback();
        const records = new Map(
          rows.map((r) => [
            decoder.decode(r.key),
            JSON.parse(decoder.decode(r.value)) as { from: string; to: string; amount: number },
          ]),
        );
        result = { balances, records };
      } catch (error) {
        if (!isTxnError(error)) throw error;
      }
    }
  };
  let done = false;
  void attempt().finally(() => {
    done = true;
  });
  await sim.runUntil(() => done, 60_000);
  return result;
}
