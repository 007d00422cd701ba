import type { NodeId } from '@tessera/placement';
import { isTxnError } from '@tessera/txn';
import { checkHotRerank, loadReranksOff } from '../check/rebalancer-history';
import { checkMembersUnchanged, slicesRankedOn } from '../check/slice-maps';
import { defaultRegisterWorkload, registerKey } from './register-workload';
import type { Scenario, ScenarioContext, ScenarioRun } from './scenario';
import {
  activitySince,
  controlMembersOverThreeZones,
  lastActivityId,
  msText,
  nodesOverThreeZones,
  roundsAndBytes,
  simRepresentation,
} from './scenario';

/**
 * Hot-node re-rank (issue 5): 3 data nodes, one per zone, hold 6 slices of 3 data replicas
 * each (every node holds every slice, so nothing can move and re-ranking is the only cure).
 * Besides the bank and registers, 16 hot readers read, as fast as they can, keys whose
 * slices rank on one node (one that ranks no register key's slice if it can) so that it
 * serves far more reads than the others. The control plane (its hot threshold raised to
 * `hotReadMinPerSec` and 2× the mean, above what the bank and registers alone reach) must
 * notice from the nodes' reports (reads/s per replica) and hand the ranking of some of those
 * slices to their replicas on cooler nodes. `rerankScenario(0)` runs it without the hot
 * readers: it must fail, which shows the check sees the skew and not the background.
 *
 * Checked, besides the usual promises:
 * - within `hotRerankBoundMs` of the first hot read the history logs a `rerank` off the hot
 *   node with a hot-node reason (`hot: …`, not a failure's), each to another node;
 * - no data moved: every slice map applied during the run lists exactly the members the
 *   first one did, and the history holds no add, move or remove;
 * - the hot reads were served (at least `hotReadsMin` answered).
 */
export const hotRerankBoundMs = 30_000;

const hotKeysMax = 12;
const hotReadMinPerSec = 250;
const registerKeys = defaultRegisterWorkload.keys;
const hotReadsMin = 200;

/**
 * The scenario with `hotReaders` hot readers (16 in `rerank`; 0 leaves the node cool — the
 * test that the check fails without the skew).
 */
export function rerankScenario(hotReaders: number): Scenario {
  return {
    ...rerank,
    start: (ctx) => new RerankRun(ctx, hotReaders),
  };
}

export const rerank: Scenario = {
  name: 'rerank',
  topology: {
    nodes: nodesOverThreeZones(3),
    controlMembers: controlMembersOverThreeZones,
    slices: 6,
    replicas: 3,
    loggers: 0,
    // Above what the bank and registers alone make a node serve here (≈50–120 reads/s), so
    // that only the hot readers can trip it (the test without them checks that).
    controlOptions: { hotReadMinPerSec, hotReadRatio: 2 },
  },
  faults: { nodeCrashes: false, controlCrashes: true, partitions: false },
  start: (ctx) => new RerankRun(ctx, 16),
};

class RerankRun implements ScenarioRun {
  readonly name = 'rerank';
  readonly traffic: Promise<void>;
  private readonly hot: NodeId | undefined;
  private readonly hotSlices: number;
  private readonly startedAtMs: number;
  private readonly activityBefore: number;
  /** The control state's version when the hot reads began (maps from it on are judged). */
  private readonly startVersion: number;
  private readsServed = 0;
  private readsFailed = 0;
  private firstRerankMs: number | undefined;
  private timer: { cancel(): void } | undefined;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly hotReaders: number,
  ) {
    const { sim, rng } = ctx;
    this.startedAtMs = sim.clock.now();
    this.activityBefore = lastActivityId(sim);
    this.startVersion = sim.newestControlState()?.stateVersion ?? 0;
    const placement = sim.newestControlState()?.slicePlacement;
    const slices =
      placement?.representations.find((r) => r.name === simRepresentation)?.slices ?? [];
    // The hot node: the one ranking the fewest slices the register workload reads (its few
    // keys are hot spots of their own, which the rebalancer may well cure first), and of
    // those the one ranking the most slices. Without the hot readers nothing makes it hot.
    // (Group id = slice id + 1, the layout's rule.)
    const encoder = new TextEncoder();
    const registerSlices = new Set(
      Array.from(
        { length: registerKeys },
        (_, i) => sim.groupOfKey(encoder.encode(registerKey(i))) - 1,
      ),
    );
    const score = (node: NodeId) => {
      const ranked = slices.filter((s) => s.rankingReplica === node);
      return ranked.length - 100 * ranked.filter((s) => registerSlices.has(s.id)).length;
    };
    const nodes = [...new Set(slices.map((s) => s.rankingReplica))].sort((a, b) => a - b);
    const best = Math.max(...nodes.map(score));
    const candidates = nodes.filter((n) => score(n) === best);
    this.hot = candidates[rng.int(0, Math.max(0, candidates.length - 1))];
    this.hotSlices =
      placement === undefined || this.hot === undefined
        ? 0
        : slicesRankedOn(placement, this.hot).length;
    const ranked = new Set(slices.filter((s) => s.rankingReplica === this.hot).map((s) => s.id));
    const keys: Uint8Array[] = [];
    for (let i = 0; i < 1_000 && keys.length < hotKeysMax; i++) {
      const key = encoder.encode(`h/${i}`);
      if (ranked.has(sim.groupOfKey(key) - 1)) keys.push(key);
    }
    this.traffic = Promise.all(
      Array.from({ length: keys.length === 0 ? 0 : this.hotReaders }, () =>
        this.read(keys, rng.fork()),
      ),
    ).then(() => undefined);
    this.watch();
  }

  /** One hot reader: snapshot reads of the hot keys, back to back, until the traffic stops. */
  private async read(keys: readonly Uint8Array[], rng: ScenarioContext['rng']): Promise<void> {
    const { client, sleep, stopped } = this.ctx;
    while (!stopped()) {
      const key = keys[rng.int(0, keys.length - 1)];
      if (key === undefined) return;
      try {
        const txn = await client.begin();
        await txn.get(key);
        await txn.rollback();
        this.readsServed++;
      } catch (error) {
        if (!isTxnError(error)) throw error;
        this.readsFailed++; // unavailable, timed out: a read changes nothing; read on
      }
      await sleep(rng.int(1, 4));
    }
  }

  /** Notes when the first hot re-rank off the hot node shows in the history. */
  private watch(): void {
    const hot = this.hot;
    if (hot === undefined) return;
    const poll = () => {
      if (loadReranksOff(activitySince(this.ctx.sim, this.activityBefore), hot).length > 0) {
        this.firstRerankMs = this.ctx.sim.clock.now() - this.startedAtMs;
        return;
      }
      this.timer = this.ctx.sim.clock.setTimer(50, poll);
    };
    poll();
  }

  onStep(): void {}

  mayCrash(): boolean {
    return true;
  }

  async check(): Promise<string[]> {
    const { sim } = this.ctx;
    const hot = this.hot;
    if (hot === undefined) return ['rerank: no slice map to pick a hot node from'];
    const violations: string[] = [];
    const say = (what: string) => violations.push(`rerank off hot n${hot}: ${what}`);
    const left = this.startedAtMs + hotRerankBoundMs - sim.clock.now();
    if (left > 0) await sim.runUntil(() => this.firstRerankMs !== undefined, left);
    this.timer?.cancel();
    if (this.hotReaders > 0 && this.readsServed < hotReadsMin) {
      say(`only ${this.readsServed} hot reads answered (${this.readsFailed} failed)`);
    }
    if (this.firstRerankMs === undefined || this.firstRerankMs > hotRerankBoundMs) {
      say(`no hot re-rank within ${hotRerankBoundMs} ms (${msText(this.firstRerankMs)})`);
    }
    for (const v of checkHotRerank(activitySince(sim, this.activityBefore), hot)) say(v);
    for (const v of checkMembersUnchanged(this.ctx.maps.since(this.startVersion)))
      say(`data moved: ${v}`);
    return violations;
  }

  summary() {
    const { sim } = this.ctx;
    const hot = this.hot ?? 0;
    const activity = activitySince(sim, this.activityBefore);
    const reranks = loadReranksOff(activity, hot).length;
    const { rounds, bytes } = roundsAndBytes(activity);
    const placement = sim.newestControlState()?.slicePlacement;
    const rankedNow = placement === undefined ? undefined : slicesRankedOn(placement, hot).length;
    return {
      line:
        `n${hot} hot (${this.readsServed} hot reads, ${this.readsFailed} failed): first hot ` +
        `re-rank after ${msText(this.firstRerankMs)}, ${reranks} slices re-ranked off it, ` +
        `it ranks ${rankedNow ?? '?'} of the ${this.hotSlices} it ranked; ${rounds} rounds, ` +
        `${bytes} bytes copied`,
      figures: {
        hotReads: this.readsServed,
        firstRerankMs: this.firstRerankMs,
        reranks,
        rankedBefore: this.hotSlices,
        rankedAfter: rankedNow,
        rounds,
        bytes,
      },
    };
  }
}
