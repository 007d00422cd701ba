import type {
  ControlClient,
  ControlCommand,
  ControlMemberOptions,
  ControlResult,
  RebalancerActivity,
  Rng,
} from '@tessera/cluster';
import type { TxnClient } from '@tessera/txn';
import type { AppliedMap } from '../check/slice-maps';
import type { SimCluster } from './sim-cluster';

/**
 * The issue-5 scenarios (zone loss, node add, drain, split, re-rank): each is a change to the
 * cluster made in the middle of the usual traffic — bank transfers and registers — with the
 * usual checks, plus the scenario's own. A scenario picks the topology, says which faults
 * the schedule may inject around it, acts after each step of traffic (the DBA's commands go
 * through a control-plane client exactly as ALTER CLUSTER's do), and judges the run once the
 * faults healed.
 *
 * ```
 *  runSimulation ── topology ──► SimCluster (bootstrap, accounts)
 *        │ every step: scenario.onStep(step) ─► kill a zone / registerNode / setNodeState …
 *        │             then at most one fault the scenario allows
 *        │ heal, settle ─► scenario.check() ─► its violations join the run's
 *        └ report.scenario = scenario.summary()  (one line: times, rounds, bytes moved)
 * ```
 */
export type ScenarioName = 'zone-loss' | 'node-add' | 'drain' | 'split' | 'rerank';

export const scenarioNames: readonly ScenarioName[] = [
  'zone-loss',
  'node-add',
  'drain',
  'split',
  'rerank',
];

export interface Topology {
  readonly nodes: readonly { readonly id: number; readonly zone: string }[];
  readonly controlMembers: readonly { readonly id: number; readonly zone: string }[];
  readonly slices: number;
  readonly replicas: number;
  readonly loggers: number;
  readonly controlOptions?: ControlMemberOptions;
}

/**
 * Data nodes 1..`count` spread over zones a, b, c in turn (1 in a, 2 in b, 3 in c, 4 in a…),
 * the layout every simulation starts from.
 */
export function nodesOverThreeZones(count: number): Topology['nodes'] {
  const zones = ['a', 'b', 'c'];
  return Array.from({ length: count }, (_, i) => ({ id: i + 1, zone: zones[i % 3] ?? 'a' }));
}

/** The control plane of every simulation: members 101, 102, 103, one per zone. */
export const controlMembersOverThreeZones: Topology['controlMembers'] = [
  { id: 101, zone: 'a' },
  { id: 102, zone: 'b' },
  { id: 103, zone: 'c' },
];

/** What the fault schedule may do besides a lossy, reordering network. */
export interface ScenarioFaults {
  /** Crash and restart data nodes (one down at a time, never a group's majority). */
  readonly nodeCrashes: boolean;
  /** Crash and restart control-plane members, the leader included (one at a time). */
  readonly controlCrashes: boolean;
  /** Cut one data node off its peers for a while. */
  readonly partitions: boolean;
}

/** What a scenario gets to work with once the cluster is up and the accounts are open. */
export interface ScenarioContext {
  readonly sim: SimCluster;
  readonly rng: Rng;
  /** The bank's coordinator (a scenario's own reads go through it). */
  readonly client: TxnClient;
  /** A control-plane client of the DBA's (ALTER CLUSTER goes through one like it). */
  readonly admin: ControlClient;
  /** Every slice map the control plane applied since the cluster started, by version. */
  readonly maps: MapRecorder;
  readonly sleep: (ms: number) => Promise<void>;
  /** True once the traffic is told to stop. */
  readonly stopped: () => boolean;
}

export interface ScenarioSummary {
  /** One line for the seed report: what happened and how long it took. */
  readonly line: string;
  /** The same figures, for tests (ms, counts, bytes; undefined: did not happen). */
  readonly figures: Readonly<Record<string, number | undefined>>;
}

export interface ScenarioRun {
  readonly name: ScenarioName;
  /** After step `step` of traffic (0 first), before the schedule's fault of that step. */
  onStep(step: number): void;
  /** Whether the schedule may crash or partition data node `id` now. */
  mayCrash(id: number): boolean;
  /** The scenario's own traffic, if any (it ends once `stopped()`); awaited with the rest. */
  readonly traffic?: Promise<void>;
  /** After the faults healed and the traffic stopped: the scenario's findings. */
  check(): Promise<string[]>;
  summary(): ScenarioSummary;
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly topology: Topology;
  readonly faults: ScenarioFaults;
  start(ctx: ScenarioContext): ScenarioRun;
}

/** The simulator's one representation (the table the control plane places). */
export const simRepresentation = 'sim';

/**
 * Keeps every control state version's slice map (`SimCluster.onControlStateApplied`), once
 * per version however many members applied it.
 */
export class MapRecorder {
  private readonly byVersion = new Map<number, AppliedMap>();

  constructor(sim: SimCluster) {
    sim.onControlStateApplied((state) => {
      if (this.byVersion.has(state.stateVersion)) return;
      this.byVersion.set(state.stateVersion, {
        version: state.stateVersion,
        placement: state.slicePlacement,
        nodes: state.clusterNodes(),
      });
    });
  }

  /** The maps of versions ≥ `version`, oldest first (all of them by default). */
  since(version = 0): AppliedMap[] {
    return [...this.byVersion.values()]
      .filter((m) => m.version >= version)
      .sort((a, b) => a.version - b.version);
  }

  /** The newest map applied so far, if any. */
  newest(): AppliedMap | undefined {
    let newest: AppliedMap | undefined;
    for (const m of this.byVersion.values()) {
      if (newest === undefined || m.version > newest.version) newest = m;
    }
    return newest;
  }
}

/**
 * Sends a DBA command until it is answered (the control plane may be electing, or the answer
 * lost — every command a scenario sends is idempotent: registering a node under its id,
 * setting a state it may already have). Runs in the background; `result()` is its answer.
 */
export function sendCommand(
  ctx: Pick<ScenarioContext, 'admin' | 'sleep'>,
  command: ControlCommand,
  attemptsMax = 40,
): { result(): ControlResult | 'pending' | 'unanswered' } {
  let outcome: ControlResult | 'pending' | 'unanswered' = 'pending';
  void (async () => {
    for (let i = 0; i < attemptsMax; i++) {
      const answer = await ctx.admin.command(command).catch(() => undefined);
      if (answer !== undefined) {
        outcome = answer;
        return;
      }
      await ctx.sleep(250);
    }
    outcome = 'unanswered';
  })();
  return { result: () => outcome };
}

/** The rebalancer's history entries written after `afterId`. */
export function activitySince(sim: SimCluster, afterId: number): readonly RebalancerActivity[] {
  return (sim.newestControlState()?.rebalancerActivity ?? []).filter((a) => a.id > afterId);
}

/** The newest activity id, or 0. */
export function lastActivityId(sim: SimCluster): number {
  const log = sim.newestControlState()?.rebalancerActivity ?? [];
  return log[log.length - 1]?.id ?? 0;
}

/** Decision rounds (distinct decision times) and bytes copied in `entries`. */
export function roundsAndBytes(entries: readonly RebalancerActivity[]): {
  rounds: number;
  bytes: number;
} {
  return {
    rounds: new Set(entries.map((a) => a.atMs)).size,
    bytes: entries.reduce((sum, a) => sum + (a.state === 'done' ? a.bytes : 0), 0),
  };
}

/** `ms` as text, `∞` when it never happened. */
export function msText(ms: number | undefined): string {
  return ms === undefined ? '∞' : `${ms} ms`;
}

/**
 * Polls `condition` every 50 ms of simulated time from now, remembering when it first held
 * (ms after `fromMs`). Stops with `stop()`.
 */
export function pollUntil(
  sim: SimCluster,
  fromMs: number,
  condition: () => boolean,
): { tookMs(): number | undefined; stop(): void } {
  let at: number | undefined;
  let timer: { cancel(): void } | undefined;
  const poll = () => {
    if (at === undefined && condition()) at = sim.clock.now();
    if (at === undefined) timer = sim.clock.setTimer(50, poll);
  };
  poll();
  return {
    tookMs: () => (at === undefined ? undefined : at - fromMs),
    stop: () => timer?.cancel(),
  };
}
