import type { ScanProcessor, ScanProgramSpec, ScanResult } from '@tessera/storage';
import { describe, expect, it } from 'vitest';
import type { ReplicaMember } from '../node/replica-registry';
import { b, put, s, SimCluster } from '../node/test/sim-cluster';
import { MemoryNetwork } from '../runtime/transport';
import { KvClient } from './kv-client';
import type { KvMessage } from './kv-protocol';
import { KvService } from './kv-service';

/**
 * Scan programs through the KV protocol: the program travels in the scan's options to the
 * leader, runs there over the node's MvccStore with the processors the node registered, and
 * only its output comes back. A refusal is an answer, not a failure to retry.
 */

const clientId = 100;
const voters = (...ids: number[]): ReplicaMember[] =>
  ids.map((nodeId) => ({ nodeId, role: 'voter' }));

/** 'keep': program = one byte; keeps the rows whose value starts with it. */
const keep: ScanProcessor = {
  open(program) {
    if (program.length !== 1) throw new Error(`keep: program of ${program.length} bytes`);
    const kept: { key: Uint8Array; value: Uint8Array }[] = [];
    return {
      row(key, value) {
        if (value[0] === program[0]) kept.push({ key: key.slice(), value: value.slice() });
        return false;
      },
      finish: () => kept,
    };
  },
};

const keepX: ScanProgramSpec = { processor: 'keep', program: b('x') };

function setup() {
  const sim = new SimCluster({
    seed: 7,
    nodeIds: [1, 2, 3],
    scanProcessors: new Map([['keep', keep]]),
  });
  // Every message is cloned in flight, as across a process boundary: no shared arrays.
  const kvNet = new MemoryNetwork<KvMessage>({
    clock: sim.clock,
    copy: (message) => structuredClone(message),
  });
  for (const id of [1, 2, 3]) new KvService(sim.node(id), kvNet.connect(id));
  const client = new KvClient({
    transport: kvNet.connect(clientId),
    clock: sim.clock,
    rng: sim.rng.fork(),
    membersOf: (groupId) => (groupId === 1 ? [1, 2, 3] : []),
  });
  sim.createGroup({ groupId: 1, spaceId: 10, members: voters(1, 2, 3) });
  const settle = async <T>(promise: Promise<T>): Promise<T> => {
    let done = false;
    const watched = promise.finally(() => {
      done = true;
    });
    watched.catch(() => undefined);
    await sim.runUntil(() => done, 30_000);
    return watched;
  };
  const scan = (program: ScanProgramSpec, limit = 100, startKey?: Uint8Array) =>
    settle(
      client.scan(1, { readTs: 9_000, startKey, endKey: undefined, options: { limit, program } }),
    );
  return { sim, kvNet, client, settle, scan };
}

const outputs = (r: ScanResult): string[] =>
  r.kind === 'rows' ? r.rows.map((row) => `${s(row.key)}=${s(row.value)}`) : [r.kind];

describe('scan programs through KvService and KvClient', () => {
  it('runs the program on the leader and answers its outputs, page by page', async () => {
    const { sim, settle, client, scan } = setup();
    await sim.waitForLeader(1);
    await settle(
      client.propose(
        1,
        [
          put('a', 'x1', 5_000),
          put('b', 'y1', 5_000),
          put('c', 'x2', 5_000),
          put('d', 'x3', 5_000),
        ],
        true,
      ),
    );
    expect(outputs(await scan(keepX))).toEqual(['a=x1', 'c=x2', 'd=x3']);
    // Two rows examined per request: the resume key comes back through the protocol.
    const first = await scan(keepX, 2);
    expect(outputs(first)).toEqual(['a=x1']);
    if (first.kind !== 'rows' || first.resumeKey === undefined) throw new Error('no resume key');
    const second = await scan(keepX, 2, first.resumeKey);
    expect(outputs(second)).toEqual(['c=x2', 'd=x3']);
    expect(second.kind === 'rows' ? second.resumeKey : 'x').toBeUndefined();
  });

  it('reports locks met with no outputs', async () => {
    const { sim, settle, client, scan } = setup();
    await sim.waitForLeader(1);
    await settle(
      client.propose(
        1,
        [
          put('a', 'x1', 5_000),
          {
            kind: 'prewrite',
            key: b('b'),
            startTs: 8_000,
            primary: b('b'),
            op: 'put',
            value: b('x'),
          },
        ],
        true,
      ),
    );
    const r = await scan(keepX);
    expect(r.kind === 'rows' ? [r.rows, r.locks.map((l) => s(l.key))] : r.kind).toEqual([
      [],
      ['b'],
    ]);
  });

  it('answers programRefused once, without retrying it', async () => {
    const { sim, kvNet, settle, client, scan } = setup();
    await sim.waitForLeader(1);
    await settle(client.propose(1, [put('a', 'x1', 5_000)], true)); // caches the leader
    const sent = kvNet.stats.sent;
    expect(await scan({ processor: 'sql', program: b('x') })).toEqual({
      kind: 'programRefused',
      reason: "no scan processor 'sql' on this node",
    });
    expect(await scan({ processor: 'keep', program: b('xy') })).toEqual({
      kind: 'programRefused',
      reason: 'keep: program of 2 bytes',
    });
    // Two requests and their two answers: neither refusal was retried.
    expect(kvNet.stats.sent - sent).toBe(4);
    sim.assertHealthy();
  });
});
