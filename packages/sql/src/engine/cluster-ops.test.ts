/**
 * ALTER CLUSTER in the engine: ADD / DRAIN / REMOVE / KILL / RESTART NODE over a port that keeps
 * nodes (running state, registry state, zones) and records what the engine asks of it; SUPER
 * (1227), no port or a port that does not host nodes (1235), bad node ids and zones (1064 /
 * 1210), unknown nodes, wrong states and refusals (1105). (The embedded cluster's real port,
 * with real data nodes, is tested in apps/server/test/cluster-ops.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { SqlSession } from './session.js';
import type { ClusterOpOutcome, ClusterOpsPort } from './cluster-ops.js';
import { zoneNameProblem } from './cluster-ops.js';
import { MemoryCatalog, rootAccount } from './test/memory-catalog.js';
import { fails, nodes, rootLogin, run, testCredential } from './test/sql-session.js';

interface TestNode {
  zone: string;
  running: boolean;
  state: 'up' | 'draining';
  /** Slice members it holds: REMOVE is refused while > 0 (as the control plane refuses). */
  members: number;
}

/** Data nodes 1, 2, 3 (zones a, b, c), running and up, holding members. */
class NodesPort implements ClusterOpsPort {
  readonly calls: string[] = [];
  readonly nodes = new Map<number, TestNode>([
    [1, { zone: 'a', running: true, state: 'up', members: 2 }],
    [2, { zone: 'b', running: true, state: 'up', members: 2 }],
    [3, { zone: 'c', running: true, state: 'up', members: 2 }],
  ]);

  constructor(private readonly hostsNodes = true) {}

  addNode(zone: string | undefined): Promise<ClusterOpOutcome> {
    this.calls.push(`add ${zone ?? '-'}`);
    if (!this.hostsNodes) return Promise.resolve({ kind: 'notHosted' });
    const nodeId = Math.max(...this.nodes.keys()) + 1;
    const placed = zone ?? 'a';
    this.nodes.set(nodeId, { zone: placed, running: true, state: 'up', members: 0 });
    return Promise.resolve({ kind: 'added', nodeId, zone: placed });
  }

  drainNode(nodeId: number): Promise<ClusterOpOutcome> {
    this.calls.push(`drain ${nodeId}`);
    const node = this.nodes.get(nodeId);
    if (node === undefined) return Promise.resolve(this.unknown());
    node.state = 'draining';
    return Promise.resolve({ kind: 'done' });
  }

  removeNode(nodeId: number): Promise<ClusterOpOutcome> {
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

  killNode(nodeId: number): Promise<ClusterOpOutcome> {
    this.calls.push(`kill ${nodeId}`);
    return Promise.resolve(this.flip(nodeId, false));
  }

  restartNode(nodeId: number): Promise<ClusterOpOutcome> {
    this.calls.push(`restart ${nodeId}`);
    return Promise.resolve(this.flip(nodeId, true));
  }

  private flip(nodeId: number, up: boolean): ClusterOpOutcome {
    const node = this.nodes.get(nodeId);
    if (node === undefined) return this.unknown();
    if (!this.hostsNodes) return { kind: 'notHosted' };
    if (node.running === up) return { kind: up ? 'alreadyRunning' : 'notRunning' };
    node.running = up;
    return { kind: 'done' };
  }

  private unknown(): ClusterOpOutcome {
    return { kind: 'unknownNode', nodes: [...this.nodes.keys()] };
  }
}

/** root (all privileges) or 'app'@'%' holding `appPrivileges` globally. */
function sessionAs(
  user: 'root' | 'app',
  port: ClusterOpsPort | undefined,
  appPrivileges: readonly string[] = [],
): SqlSession {
  const app = {
    user: 'app',
    host: '%',
    plugin: 'caching_sha2_password',
    grants: [{ database: '*', table: '*', privileges: appPrivileges, grantOption: false }],
  };
  return new SqlSession({
    catalog: new MemoryCatalog(nodes, [rootAccount, app]),
    connectionId: 7,
    user,
    host: '127.0.0.1',
    ...(user === 'root'
      ? rootLogin
      : { account: { user, host: '%', usedPassword: true }, makeCredential: testCredential }),
    nowMicros: () => 1_767_225_600_000_000n,
    random: () => 0.5,
    ...(port === undefined ? {} : { clusterOps: port }),
  });
}

describe('ALTER CLUSTER KILL / RESTART NODE', () => {
  it('kills a node and restarts it through the port', async () => {
    const port = new NodesPort();
    const s = sessionAs('root', port);
    expect(await run(s, 'ALTER CLUSTER KILL NODE 2')).toMatchObject([
      { kind: 'ok', affectedRows: 0 },
    ]);
    expect(port.nodes.get(2)?.running).toBe(false);
    expect(await run(s, 'alter cluster restart node 2')).toMatchObject([{ kind: 'ok' }]);
    expect(port.nodes.get(2)?.running).toBe(true);
    expect(port.calls).toEqual(['kill 2', 'restart 2']);
  });

  it('answers a stopped node killed or a running node restarted with 1105', async () => {
    const port = new NodesPort();
    const s = sessionAs('root', port);
    await run(s, 'ALTER CLUSTER KILL NODE 3');
    expect(await fails(s, 'ALTER CLUSTER KILL NODE 3')).toBe('1105: Data node 3 is not running');
    expect(await fails(s, 'ALTER CLUSTER RESTART NODE 1')).toBe(
      '1105: Data node 1 is already running',
    );
  });

  it('names the data nodes when the id is unknown', async () => {
    const s = sessionAs('root', new NodesPort());
    expect(await fails(s, 'ALTER CLUSTER KILL NODE 9')).toBe(
      '1105: Unknown data node 9 (the data nodes are 1, 2, 3)',
    );
  });

  it('refuses an id that is not a positive integer (1210) before asking the port', async () => {
    const port = new NodesPort();
    const s = sessionAs('root', port);
    for (const id of ['0', "'two'", 'abc', '1234567890']) {
      expect(await fails(s, `ALTER CLUSTER RESTART NODE ${id}`)).toMatch(
        /^1210: Incorrect arguments to ALTER CLUSTER RESTART NODE: '.*' is not a node id/,
      );
    }
    expect(port.calls).toEqual([]);
  });

  it('answers malformed statements with 1064', async () => {
    const s = sessionAs('root', new NodesPort());
    for (const sql of [
      'ALTER CLUSTER KILL 2',
      'ALTER CLUSTER KILL NODE',
      'ALTER CLUSTER RESTART NODE 2 3',
      'ALTER CLUSTER REBOOT NODE 2',
      'ALTER CLUSTER KILL NODE -1',
    ]) {
      expect(await fails(s, sql)).toMatch(/^1064: You have an error in your SQL syntax/);
    }
  });

  it('needs SUPER (1227), checked before the port is asked', async () => {
    const port = new NodesPort();
    const s = sessionAs('app', port, ['SELECT', 'PROCESS', 'RELOAD']);
    expect(await fails(s, 'ALTER CLUSTER KILL NODE 1')).toBe(
      '1227: Access denied; you need (at least one of) the SUPER privilege(s) for this operation',
    );
    expect(port.calls).toEqual([]);
    const superUser = sessionAs('app', port, ['SUPER']);
    expect(await run(superUser, 'ALTER CLUSTER KILL NODE 1')).toMatchObject([{ kind: 'ok' }]);
  });

  it('answers 1235 without a port (a gateway that does not run the data nodes)', async () => {
    const s = sessionAs('root', undefined);
    expect(await fails(s, 'ALTER CLUSTER KILL NODE 1')).toBe(
      "1235: This version of MySQL doesn't yet support 'ALTER CLUSTER KILL NODE outside the embedded cluster (this server does not run the data nodes)'",
    );
  });

  it('answers KILL / RESTART on a host that does not run the data nodes with 1235', async () => {
    const s = sessionAs('root', new NodesPort(false));
    expect(await fails(s, 'ALTER CLUSTER KILL NODE 1')).toBe(
      "1235: This version of MySQL doesn't yet support 'ALTER CLUSTER KILL NODE outside the embedded cluster (this server does not run the data nodes)'",
    );
  });
});

describe('ALTER CLUSTER ADD / DRAIN / REMOVE NODE', () => {
  it('adds a node in a zone, or where the host chooses, and names it in the OK info', async () => {
    const port = new NodesPort();
    const s = sessionAs('root', port);
    expect(await run(s, "ALTER CLUSTER ADD NODE IN ZONE 'b'")).toMatchObject([
      { kind: 'ok', affectedRows: 0, info: "Node 4 added in zone 'b'" },
    ]);
    expect(await run(s, 'alter cluster add node zone `c-2`')).toMatchObject([
      { kind: 'ok', info: "Node 5 added in zone 'c-2'" },
    ]);
    expect(await run(s, 'ALTER CLUSTER ADD NODE')).toMatchObject([
      { kind: 'ok', info: "Node 6 added in zone 'a'" },
    ]);
    expect(port.calls).toEqual(['add b', 'add c-2', 'add -']);
  });

  it('refuses a zone name that is not one (1210) before asking the port', async () => {
    const port = new NodesPort();
    const s = sessionAs('root', port);
    const long = 'z'.repeat(65);
    for (const zone of ['', ' a', 'a b', '-a', 'zone/1', "it's", long]) {
      const literal = `'${zone.replace(/'/g, "''")}'`;
      expect(await fails(s, `ALTER CLUSTER ADD NODE IN ZONE ${literal}`)).toMatch(
        /^1210: Incorrect arguments to ALTER CLUSTER ADD NODE: '.*' is not a zone name \(a zone name /,
      );
    }
    expect(await run(s, `ALTER CLUSTER ADD NODE IN ZONE '${'z'.repeat(64)}'`)).toMatchObject([
      { kind: 'ok' },
    ]);
    expect(port.calls).toEqual([`add ${'z'.repeat(64)}`]);
  });

  it('answers ADD NODE on a host that does not run the data nodes with 1235 and a hint', async () => {
    const s = sessionAs('root', new NodesPort(false));
    expect(await fails(s, "ALTER CLUSTER ADD NODE IN ZONE 'a'")).toBe(
      "1235: This version of MySQL doesn't yet support 'ALTER CLUSTER ADD NODE outside the embedded cluster (this server does not run the data nodes; start a data-node process (tessera data-node --join), it joins the cluster by itself)'",
    );
  });

  it('drains a node at once, wherever the host runs (a control-plane command)', async () => {
    const port = new NodesPort(false);
    const s = sessionAs('root', port);
    expect(await run(s, 'ALTER CLUSTER DRAIN NODE 2')).toMatchObject([
      { kind: 'ok', affectedRows: 0 },
    ]);
    expect(port.nodes.get(2)?.state).toBe('draining');
    expect(await fails(s, 'ALTER CLUSTER DRAIN NODE 7')).toBe(
      '1105: Unknown data node 7 (the data nodes are 1, 2, 3)',
    );
  });

  it('removes an empty node; a node holding data is refused with 1105 and the reason', async () => {
    const port = new NodesPort();
    const s = sessionAs('root', port);
    expect(await fails(s, 'ALTER CLUSTER REMOVE NODE 3')).toBe(
      '1105: Cannot remove data node 3: node 3 still hosts slice members; drain it first',
    );
    expect(port.nodes.has(3)).toBe(true);
    const n3 = port.nodes.get(3);
    if (n3 !== undefined) n3.members = 0;
    expect(await run(s, 'ALTER CLUSTER REMOVE NODE 3')).toMatchObject([{ kind: 'ok' }]);
    expect(await fails(s, 'ALTER CLUSTER REMOVE NODE 3')).toBe(
      '1105: Unknown data node 3 (the data nodes are 1, 2)',
    );
  });

  it('checks DRAIN / REMOVE node ids (1210, 1064) and SUPER (1227) before asking the port', async () => {
    const port = new NodesPort();
    const root = sessionAs('root', port);
    expect(await fails(root, "ALTER CLUSTER DRAIN NODE 'x'")).toMatch(
      /^1210: Incorrect arguments to ALTER CLUSTER DRAIN NODE: 'x' is not a node id/,
    );
    expect(await fails(root, 'ALTER CLUSTER REMOVE NODE 0')).toMatch(/^1210: /);
    expect(await fails(root, 'ALTER CLUSTER REMOVE NODE')).toMatch(/^1064: /);
    expect(await fails(root, "ALTER CLUSTER ADD NODE IN 'a'")).toMatch(/^1064: /);
    const app = sessionAs('app', port, ['SELECT', 'PROCESS']);
    for (const sql of [
      'ALTER CLUSTER ADD NODE',
      'ALTER CLUSTER DRAIN NODE 1',
      'ALTER CLUSTER REMOVE NODE 1',
    ]) {
      expect(await fails(app, sql)).toBe(
        '1227: Access denied; you need (at least one of) the SUPER privilege(s) for this operation',
      );
    }
    expect(port.calls).toEqual([]);
  });

  it('answers 1235 without a port', async () => {
    const s = sessionAs('root', undefined);
    expect(await fails(s, 'ALTER CLUSTER DRAIN NODE 1')).toBe(
      "1235: This version of MySQL doesn't yet support 'ALTER CLUSTER DRAIN NODE outside the embedded cluster (this server does not run the data nodes)'",
    );
  });

  it('zone names: 1..64 letters, digits, _ . -, starting with a letter or digit', () => {
    expect(['a', 'eu-west-1', 'Z_9', 'r1.rack2', 'z'.repeat(64)].map(zoneNameProblem)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(zoneNameProblem('')).toBe('a zone name cannot be empty');
    expect(zoneNameProblem('z'.repeat(65))).toBe('a zone name has at most 64 characters');
    expect(zoneNameProblem('.a')).toMatch(/starting with a letter or digit/);
    expect(zoneNameProblem('zoné')).toMatch(/letters, digits/);
  });
});
