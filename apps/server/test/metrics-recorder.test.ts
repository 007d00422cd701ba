/**
 * The metrics recorder on a hand-built cluster (overviews, rebalancer history, busy reports)
 * and a manual clock: what each sample holds, the events each kind of change makes, rings
 * rolling over, the latency percentiles and the hotspot rule. The end-to-end test
 * (metrics.test.ts) runs it on the real server.
 */
import type {
  ClusterOverview,
  NodeOverview,
  RebalancerActivityEntry,
  RebalancerActivityQuery,
  SliceMemberOverview,
  SliceOverview,
} from '@tessera/api';
import { describe, expect, it } from 'vitest';
import { MetricsRecorder } from '../src/metrics/metrics-recorder';
import type { MetricsRecorderOptions } from '../src/metrics/metrics-recorder';

function node(id: number, change: Partial<NodeOverview> = {}): NodeOverview {
  return {
    id,
    zone: ['a', 'b', 'c'][(id - 1) % 3] ?? 'a',
    state: 'up',
    running: true,
    replicas: 2,
    leading: 1,
    loggers: 1,
    bytes: 1000,
    readsPerSec: 10,
    writesPerSec: 5,
    ...change,
  };
}

function member(nodeId: number, raftRole: string, role: SliceMemberOverview['role'] = 'voter') {
  return { node: nodeId, role, raftRole, applied: 10, appliedCommitTs: 1, lag: 0 };
}

/** Slice `id` of shop.orders on nodes 1, 2 (voters) and 3 (logger), led by `leader`. */
function slice(
  id: number,
  leader: number | null,
  change: Partial<SliceOverview> = {},
): SliceOverview {
  const role = (n: number) => (n === leader ? 'leader' : 'follower');
  return {
    table: 'shop.orders',
    database: 'shop',
    tableName: 'orders',
    index: null,
    sliceId: id,
    groupId: id + 1,
    hashStart: '0000000000000000',
    hashEnd: '10000000000000000',
    bytes: 100 * id,
    readsPerSec: id,
    writesPerSec: 2 * id,
    rankingNode: leader ?? 1,
    leader,
    members: [member(1, role(1)), member(2, role(2)), member(3, role(3), 'logger')],
    ...change,
  };
}

function overview(change: Partial<ClusterOverview> = {}): ClusterOverview {
  return {
    mode: 'embedded',
    controlPlane: { leader: 101, members: [] },
    nodes: [node(1), node(2), node(3)],
    tables: [],
    slices: [slice(1, 1), slice(2, 2)],
    splitThresholdBytes: 512 * 1024 * 1024,
    rebalancer: { running: 0, lastDecisionAt: null },
    ...change,
  };
}

function activity(
  id: number,
  change: Partial<RebalancerActivityEntry> = {},
): RebalancerActivityEntry {
  return {
    id,
    time: new Date(0),
    action: 'rerank',
    slice: 1,
    representation: 'shop.orders',
    fromNode: 1,
    toNode: 2,
    reason: 'node 1 down',
    state: 'done',
    bytes: 0,
    durationMs: 0,
    ...change,
  };
}

/** A cluster the test changes by hand, and a recorder sampling it on a manual clock. */
class Rig {
  nowMs = 1_000_000;
  current = overview();
  /** Oldest first, as the control plane keeps it. */
  history: RebalancerActivityEntry[] = [];
  busy = new Map<number, { busyMs: number; atMs: number }>();
  sessions = 0;
  readonly timers: { atMs: number; fn: () => void; cancelled: boolean }[] = [];
  readonly recorder: MetricsRecorder;

  constructor(options: Partial<MetricsRecorderOptions> = {}) {
    this.recorder = new MetricsRecorder({
      source: {
        overview: () => this.current,
        rebalancerActivity: (query: RebalancerActivityQuery) =>
          [...this.history].reverse().slice(0, query.limit),
        nodeBusyTimes: () => this.busy,
        sessions: () => this.sessions,
      },
      now: () => this.nowMs,
      setTimer: (ms, fn) => {
        const timer = { atMs: this.nowMs + ms, fn, cancelled: false };
        this.timers.push(timer);
        return {
          cancel: () => {
            timer.cancelled = true;
          },
        };
      },
      ...options,
    });
  }

  /** Moves the clock one second and samples. */
  tick(change?: () => void): void {
    change?.();
    this.nowMs += 1000;
    this.recorder.sample();
  }

  events() {
    return this.recorder.events({ limit: 1000 }).map((e) => [e.kind, e.severity, e.message]);
  }
}

describe('cluster samples', () => {
  it('statements and errors per second and latency percentiles of each window', () => {
    const rig = new Rig();
    rig.sessions = 4;
    // 200 statements of 1, 2, … 200 ms, 10 of them failed, in a window of 2 s.
    for (let ms = 1; ms <= 200; ms++) rig.recorder.statementEnded(ms * 1000, ms % 20 === 0);
    rig.nowMs += 1000;
    rig.tick();
    const [sample] = rig.recorder.cluster({});
    expect(sample?.at).toBe(rig.nowMs);
    expect(sample?.statementsPerSec).toBe(100);
    expect(sample?.errorsPerSec).toBe(5);
    // Nearest rank: the 100th and the 198th of 200 — within the histogram's ±2.2 %.
    expect(Math.abs((sample?.p50Ms ?? 0) - 100) / 100).toBeLessThan(0.022);
    expect(Math.abs((sample?.p99Ms ?? 0) - 198) / 198).toBeLessThan(0.022);
    expect(sample?.sessions).toBe(4);

    // One statement: exact (clamped to the window's min and max). None: no percentiles.
    rig.recorder.statementEnded(12_345, false);
    rig.tick();
    rig.tick();
    const [, one, none] = rig.recorder.cluster({});
    expect(one).toMatchObject({
      statementsPerSec: 1,
      errorsPerSec: 0,
      p50Ms: 12.345,
      p99Ms: 12.345,
    });
    expect(none).toMatchObject({ statementsPerSec: 0, errorsPerSec: 0, p50Ms: null, p99Ms: null });
  });

  it('keeps the newest samples, oldest first, and answers those after sinceMs', () => {
    const rig = new Rig({ clusterSamplesMax: 5 });
    for (let i = 0; i < 8; i++) rig.tick();
    const all = rig.recorder.cluster({});
    expect(all.map((s) => s.at)).toEqual([4, 5, 6, 7, 8].map((i) => 1_000_000 + i * 1000));
    expect(rig.recorder.cluster({ sinceMs: 1_006_000 }).map((s) => s.at)).toEqual([
      1_007_000, 1_008_000,
    ]);
    expect(rig.recorder.cluster({ sinceMs: 1_008_000 })).toEqual([]);
  });

  it('gives each node its reported load and its busy share from two busy reports', () => {
    const rig = new Rig();
    rig.busy.set(1, { busyMs: 100, atMs: rig.nowMs });
    rig.busy.set(2, { busyMs: 5_000, atMs: rig.nowMs });
    rig.tick(); // one report each: no share yet
    expect(rig.recorder.cluster({})[0]?.nodes.map((n) => n.busyPercent)).toEqual([
      null,
      null,
      null,
    ]);
    rig.tick(() => {
      // 500 ms busy in 1000 ms; node 2 restarted (its counter began again).
      rig.busy.set(1, { busyMs: 600, atMs: rig.nowMs });
      rig.busy.set(2, { busyMs: 10, atMs: rig.nowMs });
    });
    const nodes = rig.recorder.cluster({})[1]?.nodes;
    expect(nodes?.[0]).toEqual({
      node: 1,
      readsPerSec: 10,
      writesPerSec: 5,
      bytes: 1000,
      busyPercent: 50,
    });
    expect(nodes?.[1]?.busyPercent).toBeNull();
    // No newer report: the share stands, until the report is stale (3 s).
    rig.tick();
    expect(rig.recorder.cluster({})[2]?.nodes[0]?.busyPercent).toBe(50);
    rig.nowMs += 3000;
    rig.tick();
    expect(rig.recorder.cluster({})[3]?.nodes[0]?.busyPercent).toBeNull();
  });

  it('samples on its timer until stopped', () => {
    const rig = new Rig({ intervalMs: 1000 });
    rig.recorder.start();
    for (let i = 0; i < 3; i++) {
      // One timer pending at a time, due a second from now.
      const pending = rig.timers.splice(0);
      expect(pending.map((t) => t.atMs - rig.nowMs)).toEqual([1000]);
      rig.nowMs += 1000;
      for (const t of pending) t.fn();
    }
    expect(rig.recorder.cluster({}).map((s) => s.at)).toEqual([1_001_000, 1_002_000, 1_003_000]);
    rig.recorder.stop();
    expect(rig.timers.map((t) => t.cancelled)).toEqual([true]);
  });
});

describe('slice samples', () => {
  it('keeps each slice’s load in rings, nulls where unknown, and drops a slice gone for a whole ring', () => {
    const rig = new Rig({ sliceSamplesMax: 3 });
    rig.tick();
    rig.tick(() => {
      rig.current = overview({
        slices: [slice(1, 1, { readsPerSec: null, bytes: 7 }), slice(2, 2)],
      });
    });
    rig.tick(() => {
      rig.current = overview({ slices: [slice(1, 1, { readsPerSec: 2.5 })] });
    });
    rig.tick();
    const s1 = rig.recorder.slice(1, {});
    expect(s1.map((s) => s.at)).toEqual([1_002_000, 1_003_000, 1_004_000]);
    expect(s1[0]).toEqual({ at: 1_002_000, readsPerSec: null, writesPerSec: 2, bytes: 7 });
    expect(s1[1]).toEqual({ at: 1_003_000, readsPerSec: 2.5, writesPerSec: 2, bytes: 100 });
    expect(rig.recorder.slice(1, { sinceMs: 1_003_000 })).toHaveLength(1);
    // Slice 2 was last seen at the second sample; a ring later it is gone.
    expect(rig.recorder.slice(2, {}).map((s) => s.at)).toEqual([1_002_000]);
    rig.tick();
    expect(rig.recorder.slice(2, {})).toEqual([]);
    expect(rig.recorder.slice(99, {})).toEqual([]);
  });
});

describe('events', () => {
  it('takes the first overview as the baseline', () => {
    const rig = new Rig();
    rig.current = overview({
      nodes: [node(1, { state: 'down', running: false }), node(2), node(3)],
      slices: [slice(1, null, { members: [member(1, 'down'), member(2, 'follower')] })],
    });
    rig.history = [activity(1), activity(2)];
    rig.tick();
    expect(rig.events()).toEqual([]);
  });

  it('node states, processes stopping and starting, nodes joining', () => {
    const rig = new Rig();
    rig.tick();
    rig.tick(() => {
      rig.current = overview({ nodes: [node(1, { running: false }), node(2), node(3)] });
    });
    rig.tick(() => {
      rig.current = overview({
        nodes: [
          node(1, { running: false, state: 'down' }),
          node(2, { state: 'draining' }),
          node(3),
        ],
      });
    });
    rig.tick(() => {
      rig.current = overview({
        nodes: [node(1), node(2, { state: 'removed' }), node(3), node(4)],
      });
    });
    // (Its slices' under-replication while node 1 is down: the next test.)
    expect(
      rig
        .events()
        .filter(([kind]) => kind === 'node-state')
        .reverse(),
    ).toEqual([
      ['node-state', 'warning', 'Node 1 stopped (its process no longer runs)'],
      ['node-state', 'warning', 'Node 1 is down'],
      ['node-state', 'info', 'Node 2 is draining'],
      ['node-state', 'info', 'Node 1 is up again'],
      ['node-state', 'info', 'Node 1 started'],
      ['node-state', 'info', 'Node 2 is removed'],
      ['node-state', 'info', 'Node 4 joined in zone a'],
    ]);
  });

  it('control-plane leader changes', () => {
    const rig = new Rig();
    rig.tick();
    rig.tick(() => {
      rig.current = overview({ controlPlane: { leader: null, members: [] } });
    });
    rig.tick(() => {
      rig.current = overview({ controlPlane: { leader: 103, members: [] } });
    });
    expect(rig.events().reverse()).toEqual([
      ['control-leader', 'warning', 'No control-plane member serves (was 101)'],
      ['control-leader', 'info', 'Control-plane member 103 serves as leader'],
    ]);
  });

  it('slice leader changes, from the last leader seen across an election', () => {
    const rig = new Rig();
    rig.tick();
    rig.tick(() => {
      rig.current = overview({ slices: [slice(1, null), slice(2, 1)] });
    });
    rig.tick(() => {
      rig.current = overview({ slices: [slice(1, 2), slice(2, 1)] });
    });
    expect(rig.events().reverse()).toEqual([
      ['slice-leader', 'info', 'Slice 2 (shop.orders) leader 2 → 1'],
      ['slice-leader', 'info', 'Slice 1 (shop.orders) leader 1 → 2'],
    ]);
    expect(rig.recorder.events({ limit: 10, slice: 1 })[0]).toMatchObject({ node: 2, slice: 1 });
  });

  it('a slice under-replicated while a voter’s node is stopped or down, then replicated again', () => {
    const rig = new Rig();
    rig.tick();
    rig.tick(() => {
      // Node 2 stopped: its members read 'down'. The logger (node 3) is a voter too.
      rig.current = overview({
        slices: [
          slice(1, 1, {
            members: [member(1, 'leader'), member(2, 'down'), member(3, 'follower', 'logger')],
          }),
          slice(2, 2),
        ],
      });
    });
    rig.tick(() => {
      // Slice 2 loses two of three: no majority, an error.
      rig.current = overview({
        nodes: [node(1), node(2), node(3, { state: 'down' })],
        slices: [
          slice(1, 1, {
            members: [member(1, 'leader'), member(2, 'down'), member(3, 'follower', 'logger')],
          }),
          slice(2, 2, {
            members: [member(1, 'down'), member(2, 'leader'), member(3, 'follower', 'logger')],
          }),
        ],
      });
    });
    rig.tick(() => {
      // A learner caught up on node 4 does not count; node 2 is back for slice 1.
      rig.current = overview({
        slices: [
          slice(1, 1),
          slice(2, 1, {
            members: [
              member(1, 'leader'),
              member(2, 'follower'),
              member(3, 'follower', 'logger'),
              member(4, 'follower', 'learner'),
            ],
          }),
        ],
      });
    });
    expect(rig.events().reverse()).toEqual([
      [
        'under-replicated',
        'warning',
        'Slice 1 (shop.orders) is under-replicated: 2 of 3 voters running',
      ],
      ['node-state', 'warning', 'Node 3 is down'],
      [
        'under-replicated',
        'error',
        'Slice 2 (shop.orders) is under-replicated: 1 of 3 voters running',
      ],
      ['node-state', 'info', 'Node 3 is up again'],
      ['replicated', 'info', 'Slice 1 (shop.orders) is fully replicated again'],
      ['slice-leader', 'info', 'Slice 2 (shop.orders) leader 2 → 1'],
      ['replicated', 'info', 'Slice 2 (shop.orders) is fully replicated again'],
    ]);
  });

  it('every new rebalancer decision, once, oldest first — also more than one peek at a time', () => {
    const rig = new Rig();
    rig.history = [activity(1)];
    rig.tick();
    rig.tick(() => {
      rig.history.push(
        activity(2, {
          action: 'add',
          fromNode: 3,
          toNode: 4,
          state: 'running',
          reason: 'node 3 down',
        }),
        activity(3, {
          action: 'drained',
          slice: null,
          representation: '',
          fromNode: 5,
          toNode: null,
          reason: 'node 5 draining',
        }),
      );
    });
    // The add finished: its entry changed, no new id — no new event.
    rig.tick(() => {
      rig.history[1] = { ...activity(2), state: 'done' };
    });
    expect(rig.events().reverse()).toEqual([
      ['rebalancer', 'info', 'Rebalancer: add slice 1 (shop.orders) 3 → 4 (node 3 down), running'],
      ['rebalancer', 'info', 'Rebalancer: drained node 5 (node 5 draining), done'],
    ]);
    rig.tick(() => {
      for (let id = 4; id < 124; id++) rig.history.push(activity(id));
    });
    const rebalancer = rig.recorder.events({ limit: 500 }).filter((e) => e.kind === 'rebalancer');
    expect(rebalancer).toHaveLength(122);
    expect(rebalancer[0]?.message).toBe(
      'Rebalancer: rerank slice 1 (shop.orders) 1 → 2 (node 1 down), done',
    );
  });

  it('numbers events in order, pages back by id, and keeps only the newest', () => {
    const rig = new Rig({ eventsMax: 4 });
    rig.tick();
    for (let i = 0; i < 3; i++) {
      rig.tick(() => {
        rig.current = overview({ controlPlane: { leader: null, members: [] } });
      });
      rig.tick(() => {
        rig.current = overview();
      });
    }
    const all = rig.recorder.events({ limit: 100 });
    expect(all.map((e) => e.id)).toEqual([6, 5, 4, 3]);
    expect(all[0]?.at).toEqual(new Date(rig.nowMs));
    expect(rig.recorder.events({ limit: 2, beforeId: 6 }).map((e) => e.id)).toEqual([5, 4]);
    expect(rig.recorder.events({ limit: 100, slice: 1 })).toEqual([]);
  });
});

describe('hotspots', () => {
  it('a node above 1.5 × the mean of the serving nodes and 50 ops/s, with its busiest slices', () => {
    const rig = new Rig();
    const slices = Array.from({ length: 7 }, (_, i) =>
      // Node 1 leads slices 1..6 (reads + writes), follows slice 7 (writes only).
      i < 6
        ? slice(i + 1, 1, { readsPerSec: 10 * (i + 1), writesPerSec: 1 })
        : slice(7, 2, { readsPerSec: 1000, writesPerSec: 3 }),
    );
    rig.current = overview({
      nodes: [
        node(1, { readsPerSec: 250, writesPerSec: 50 }),
        node(2, { readsPerSec: 40, writesPerSec: 10 }),
        node(3, { readsPerSec: 30, writesPerSec: 0 }),
        // Stopped or down nodes are not serving: not in the mean.
        node(4, { running: false, readsPerSec: null, writesPerSec: null }),
        node(5, { state: 'down', readsPerSec: 0, writesPerSec: 0 }),
      ],
      slices,
    });
    rig.tick();
    const [hot, ...others] = rig.recorder.hotspots();
    expect(others).toEqual([]);
    expect(hot).toMatchObject({ node: 1, readsPerSec: 250, writesPerSec: 50 });
    expect(hot?.ratio).toBeCloseTo(300 / (380 / 3), 9);
    expect(hot?.slices).toEqual([
      { sliceId: 6, representation: 'shop.orders', readsPerSec: 60, writesPerSec: 1 },
      { sliceId: 5, representation: 'shop.orders', readsPerSec: 50, writesPerSec: 1 },
      { sliceId: 4, representation: 'shop.orders', readsPerSec: 40, writesPerSec: 1 },
      { sliceId: 3, representation: 'shop.orders', readsPerSec: 30, writesPerSec: 1 },
      { sliceId: 2, representation: 'shop.orders', readsPerSec: 20, writesPerSec: 1 },
    ]);

    // Below 50 ops/s nothing is hot, however uneven; evenly loaded nodes are not hot either.
    rig.tick(() => {
      rig.current = overview({
        nodes: [node(1, { readsPerSec: 45, writesPerSec: 0 }), node(2, { readsPerSec: 1 })],
      });
    });
    expect(rig.recorder.hotspots()).toEqual([]);
    rig.tick(() => {
      rig.current = overview({
        nodes: [
          node(1, { readsPerSec: 500 }),
          node(2, { readsPerSec: 400 }),
          node(3, { readsPerSec: 450 }),
        ],
      });
    });
    expect(rig.recorder.hotspots()).toEqual([]);
  });
});
