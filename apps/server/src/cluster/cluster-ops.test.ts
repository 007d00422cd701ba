/**
 * `controlPlaneClusterOps`: the port of a host that reaches the control plane but runs no data
 * nodes. DRAIN / REMOVE are control commands and work; ADD / KILL / RESTART answer `notHosted`.
 * Against a real control plane (an embedded cluster's; its nodes are not this port's).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneClusterOps } from './cluster-ops';
import { EmbeddedCluster } from './embedded-cluster';

let dir: string;
let cluster: EmbeddedCluster;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-cluster-ops-'));
  cluster = await EmbeddedCluster.start({ dir });
});

afterAll(async () => {
  await cluster.close();
  await rm(dir, { recursive: true, force: true });
});

describe('controlPlaneClusterOps', () => {
  it('drains and removes through the control plane, and leaves adds and crashes to the host', async () => {
    const control = cluster.controlClient();
    const ops = controlPlaneClusterOps(control);
    expect(await ops.addNode('d')).toEqual({ kind: 'notHosted' });
    expect(await ops.killNode(1)).toEqual({ kind: 'notHosted' });
    expect(await ops.restartNode(1)).toEqual({ kind: 'notHosted' });
    expect(cluster.nodeIds()).toEqual([1, 2, 3]);

    expect(await ops.drainNode(7)).toEqual({ kind: 'unknownNode', nodes: [1, 2, 3] });
    expect(await ops.removeNode(3)).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/^node 3 still .*; drain it first$/) as unknown,
    });
    expect(await ops.drainNode(3)).toEqual({ kind: 'done' });
    const state = await control.state();
    expect(state?.nodes.find((n) => n.id === 3)?.state).toBe('draining');
    // Idempotent: draining a draining node is done again.
    expect(await ops.drainNode(3)).toEqual({ kind: 'done' });
  }, 60_000);

  it('answers refused, not a throw, when the control plane cannot be reached', async () => {
    const control = cluster.controlClient();
    control.close();
    const ops = controlPlaneClusterOps(control);
    expect(await ops.drainNode(1)).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/^the control plane did not answer \(/) as unknown,
    });
  });
});
