/**
 * The cluster router's node operations through the app router (role check, zod input, audit
 * middleware, outcome → TRPCError mapping) over a ClusterService that keeps nodes in memory the
 * way the control plane answers: removal refused while a node holds data, unknown ids, hosts
 * that do not run data nodes. (The real embedded cluster behind it is exercised in
 * apps/server/test/cluster-ops.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type {
  ApiContext,
  ApiServices,
  AuditEventRecord,
  ClusterNodeOpResult,
  ClusterService,
  RebalancerActivityEntry,
  RebalancerActivityQuery,
} from '../context';
import type { Role } from '../roles';
import { appRouter } from '../root';
import { createCallerFactory } from '../trpc';

interface Node {
  zone: string;
  state: 'up' | 'draining';
  members: number;
}

/** Nodes 1..3 in zones a..c, each holding members; `hosted`: whether this host runs them. */
class NodesService implements ClusterService {
  readonly nodes = new Map<number, Node>([
    [1, { zone: 'a', state: 'up', members: 3 }],
    [2, { zone: 'b', state: 'up', members: 3 }],
    [3, { zone: 'c', state: 'up', members: 3 }],
  ]);
  readonly calls: string[] = [];

  constructor(private readonly hosted = true) {}

  overview(): never {
    throw new Error('not used in these tests');
  }

  readonly activityQueries: RebalancerActivityQuery[] = [];

  rebalancerActivity(query: RebalancerActivityQuery): RebalancerActivityEntry[] {
    this.activityQueries.push(query);
    const entry: RebalancerActivityEntry = {
      id: 7,
      time: new Date(Date.UTC(2026, 10, 21, 12)),
      action: 'move',
      slice: 3,
      representation: 'shop.orders',
      fromNode: 1,
      toNode: 4,
      reason: 'balance: n1 holds 6 copies, n4 0',
      state: 'done',
      bytes: 4096,
      durationMs: 350,
    };
    return [entry].slice(0, query.limit);
  }

  addNode(zone: string | undefined): Promise<ClusterNodeOpResult> {
    this.calls.push(`add ${zone ?? '-'}`);
    if (!this.hosted) return Promise.resolve({ kind: 'notHosted' });
    const nodeId = Math.max(...this.nodes.keys()) + 1;
    const placed = zone ?? 'a';
    this.nodes.set(nodeId, { zone: placed, state: 'up', members: 0 });
    return Promise.resolve({ kind: 'added', nodeId, zone: placed });
  }

  drainNode(nodeId: number): Promise<ClusterNodeOpResult> {
    this.calls.push(`drain ${nodeId}`);
    const node = this.nodes.get(nodeId);
    if (node === undefined) return Promise.resolve(this.unknown());
    node.state = 'draining';
    return Promise.resolve({ kind: 'done' });
  }

  removeNode(nodeId: number): Promise<ClusterNodeOpResult> {
    this.calls.push(`remove ${nodeId}`);
    const node = this.nodes.get(nodeId);
    if (node === undefined) return Promise.resolve(this.unknown());
    if (node.members > 0) {
      return Promise.resolve({
        kind: 'refused',
        reason: `node ${nodeId} still hosts slice members; drain it first`,
      });
    }
    this.nodes.delete(nodeId);
    return Promise.resolve({ kind: 'done' });
  }

  killNode(): Promise<ClusterNodeOpResult> {
    return Promise.resolve(this.hosted ? { kind: 'done' } : { kind: 'notHosted' });
  }

  restartNode(): Promise<ClusterNodeOpResult> {
    return Promise.resolve(this.hosted ? { kind: 'alreadyRunning' } : { kind: 'notHosted' });
  }

  private unknown(): ClusterNodeOpResult {
    return { kind: 'unknownNode', nodes: [...this.nodes.keys()] };
  }
}

function callerAs(role: Role, cluster: NodesService) {
  const events: Omit<AuditEventRecord, 'id' | 'at'>[] = [];
  const ctx: ApiContext = {
    user: { id: 1, loginName: `${role}-user`, role },
    sessionToken: null,
    remote: '192.0.2.7',
    services: {
      cluster,
      audit: {
        record: (e: Omit<AuditEventRecord, 'id' | 'at'>) => {
          events.push(e);
          return Promise.resolve();
        },
        list: () => Promise.reject(new Error('not used in these tests')),
      },
    } as unknown as ApiServices,
    setSessionCookie: () => undefined,
  };
  return { caller: createCallerFactory(appRouter)(ctx).cluster, events };
}

const audited = (events: readonly Omit<AuditEventRecord, 'id' | 'at'>[]) =>
  events.map((e) => [e.action, e.target, e.outcome, e.detail]);

describe('cluster.addNode', () => {
  it('adds a node in a zone or where the host chooses, audited with the new id', async () => {
    const cluster = new NodesService();
    const { caller, events } = callerAs('operator', cluster);
    await expect(caller.addNode({ zone: 'b' })).resolves.toEqual({ nodeId: 4, zone: 'b' });
    await expect(caller.addNode({})).resolves.toEqual({ nodeId: 5, zone: 'a' });
    expect(cluster.calls).toEqual(['add b', 'add -']);
    expect(audited(events)).toEqual([
      ['cluster.addNode', 'zone b', 'ok', 'node 4 in zone b'],
      ['cluster.addNode', 'zone (fewest nodes)', 'ok', 'node 5 in zone a'],
    ]);
  });

  it('refuses a zone name that is not one (BAD_REQUEST, per field) before the service', async () => {
    const cluster = new NodesService();
    const { caller, events } = callerAs('admin', cluster);
    for (const zone of ['', 'a b', '-a', 'z'.repeat(65)]) {
      await expect(caller.addNode({ zone })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    await expect(caller.addNode({ zone: 'z'.repeat(64) })).resolves.toMatchObject({ nodeId: 4 });
    expect(cluster.calls).toEqual([`add ${'z'.repeat(64)}`]);
    expect(events.map((e) => e.outcome)).toEqual(['failed', 'failed', 'failed', 'failed', 'ok']);
    expect(events[3]?.target).toBe(`zone ${'z'.repeat(64)}`);
  });

  it('tells a console on a host without data nodes to start a data-node process', async () => {
    const { caller } = callerAs('operator', new NodesService(false));
    await expect(caller.addNode({ zone: 'a' })).rejects.toMatchObject({
      code: 'NOT_IMPLEMENTED',
      message:
        'This server does not run the data nodes: start a data-node process (tessera data-node --join), it joins the cluster by itself.',
    });
  });

  it('is for operators: a viewer is FORBIDDEN and the service never asked', async () => {
    const cluster = new NodesService();
    const { caller, events } = callerAs('viewer', cluster);
    await expect(caller.addNode({ zone: 'a' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(caller.drainNode({ nodeId: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(caller.removeNode({ nodeId: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(cluster.calls).toEqual([]);
    expect(events.map((e) => e.outcome)).toEqual(['denied', 'denied', 'denied']);
  });
});

describe('cluster.drainNode / cluster.removeNode', () => {
  it('drains, refuses removing a node holding data (CONFLICT, the reason), removes an empty one', async () => {
    const cluster = new NodesService();
    const { caller, events } = callerAs('operator', cluster);
    await expect(caller.drainNode({ nodeId: 2 })).resolves.toEqual({ nodeId: 2 });
    expect(cluster.nodes.get(2)?.state).toBe('draining');
    await expect(caller.removeNode({ nodeId: 2 })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'Cannot remove data node 2: node 2 still hosts slice members; drain it first.',
    });
    const drained = cluster.nodes.get(2);
    if (drained !== undefined) drained.members = 0;
    await expect(caller.removeNode({ nodeId: 2 })).resolves.toEqual({ nodeId: 2 });
    await expect(caller.removeNode({ nodeId: 2 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'No data node 2; the data nodes are 1, 3.',
    });
    expect(audited(events)).toEqual([
      ['cluster.drainNode', 'node 2', 'ok', ''],
      [
        'cluster.removeNode',
        'node 2',
        'failed',
        'Cannot remove data node 2: node 2 still hosts slice members; drain it first.',
      ],
      ['cluster.removeNode', 'node 2', 'ok', ''],
      ['cluster.removeNode', 'node 2', 'failed', 'No data node 2; the data nodes are 1, 3.'],
    ]);
  });

  it('validates node ids with zod (BAD_REQUEST) before the service', async () => {
    const cluster = new NodesService();
    const { caller, events } = callerAs('operator', cluster);
    for (const nodeId of [0, -1, 1.5]) {
      await expect(caller.drainNode({ nodeId })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect(cluster.calls).toEqual([]);
    expect(events.map((e) => [e.target, e.outcome])).toEqual([
      ['node 0', 'failed'],
      ['node -1', 'failed'],
      ['node 1.5', 'failed'],
    ]);
  });

  it('answers kill / restart on a host that does not run the data nodes with NOT_IMPLEMENTED', async () => {
    const { caller } = callerAs('operator', new NodesService(false));
    await expect(caller.killNode({ nodeId: 1 })).rejects.toMatchObject({
      code: 'NOT_IMPLEMENTED',
      message: 'This server does not run the data nodes.',
    });
  });
});

describe('cluster.rebalancerActivity', () => {
  it('lets a viewer page through the history: 100 entries by default, older than beforeId', async () => {
    const cluster = new NodesService();
    const { caller, events } = callerAs('viewer', cluster);
    const [entry] = await caller.rebalancerActivity();
    expect(entry).toMatchObject({ id: 7, action: 'move', slice: 3, fromNode: 1, toNode: 4 });
    expect(entry?.time).toBeInstanceOf(Date);
    await caller.rebalancerActivity({ limit: 5, beforeId: 7 });
    expect(cluster.activityQueries).toEqual([{ limit: 100 }, { limit: 5, beforeId: 7 }]);
    expect(events).toEqual([]); // a query is not audited
  });

  it('refuses a limit outside 1..1000 or a beforeId that is not a positive id (BAD_REQUEST)', async () => {
    const cluster = new NodesService();
    const { caller } = callerAs('viewer', cluster);
    for (const input of [{ limit: 0 }, { limit: 1001 }, { limit: 2.5 }, { beforeId: 0 }]) {
      await expect(caller.rebalancerActivity(input)).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    }
    expect(cluster.activityQueries).toEqual([]);
  });
});
