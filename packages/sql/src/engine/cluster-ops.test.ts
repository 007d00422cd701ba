/**
 * ALTER CLUSTER KILL / RESTART NODE in the engine: SUPER (1227), no port (1235), bad node ids
 * (1064 / 1210), unknown nodes and wrong states (1105), over a port that keeps nodes' running
 * state and records what the engine asks of it. (The embedded cluster's real port, with real
 * data nodes, is tested in apps/server/test/cluster-ops.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { SqlSession } from './session.js';
import type { ClusterOpOutcome, ClusterOpsPort } from './cluster-ops.js';
import { MemoryCatalog, rootAccount } from './test/memory-catalog.js';
import { fails, nodes, rootLogin, run, testCredential } from './test/sql-session.js';

/** Data nodes 1, 2, 3, all running. */
class NodesPort implements ClusterOpsPort {
  readonly calls: string[] = [];
  readonly running = new Map([
    [1, true],
    [2, true],
    [3, true],
  ]);

  killNode(nodeId: number): Promise<ClusterOpOutcome> {
    this.calls.push(`kill ${nodeId}`);
    return Promise.resolve(this.flip(nodeId, false));
  }

  restartNode(nodeId: number): Promise<ClusterOpOutcome> {
    this.calls.push(`restart ${nodeId}`);
    return Promise.resolve(this.flip(nodeId, true));
  }

  private flip(nodeId: number, up: boolean): ClusterOpOutcome {
    const now = this.running.get(nodeId);
    if (now === undefined) return { kind: 'unknownNode', nodes: [...this.running.keys()] };
    if (now === up) return { kind: up ? 'alreadyRunning' : 'notRunning' };
    this.running.set(nodeId, up);
    return { kind: 'done' };
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
    expect(port.running.get(2)).toBe(false);
    expect(await run(s, 'alter cluster restart node 2')).toMatchObject([{ kind: 'ok' }]);
    expect(port.running.get(2)).toBe(true);
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

  it('still refuses ADD / DRAIN / REMOVE NODE (not built) with 1235, even with a port', async () => {
    const s = sessionAs('root', new NodesPort());
    expect(await fails(s, 'ALTER CLUSTER DRAIN NODE 1')).toBe(
      "1235: This version of MySQL doesn't yet support 'ALTER CLUSTER DRAIN NODE (not built yet)'",
    );
    expect(await fails(s, "ALTER CLUSTER ADD NODE ZONE 'z'")).toMatch(/^1235: /);
  });
});
