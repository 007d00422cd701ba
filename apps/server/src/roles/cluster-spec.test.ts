import { ControlState, SliceGroupLayout } from '@tessera/cluster';
import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from './cluster-spec';
import {
  ClusterDirectory,
  ClusterSpecError,
  parseAddress,
  parseClusterFile,
  seedTableName,
} from './cluster-spec';

const node = (id: number, zone: string) => ({
  id,
  zone,
  peerAddress: `127.0.0.1:${7000 + id}`,
  kvAddress: `127.0.0.1:${7100 + id}`,
  controlAddress: `127.0.0.1:${7500 + id}`,
});

const spec: ClusterSpec = {
  controlPlane: [101, 102, 103].map((id) => ({
    id,
    peerAddress: `127.0.0.1:${7200 + id}`,
    serviceAddress: `127.0.0.1:${7300 + id}`,
  })),
  nodes: [node(1, 'a'), node(2, 'b'), node(3, 'c'), node(4, 'a'), node(5, 'b')],
  clients: [{ id: 1000, kvAddress: '127.0.0.1:7200', controlAddress: '127.0.0.1:7201' }],
  table: { slices: 5, replicas: 2, loggers: 1 },
};

describe('parseClusterFile', () => {
  it('accepts a valid file; clients are optional', () => {
    expect(parseClusterFile(JSON.stringify(spec))).toEqual(spec);
    const { clients: _, ...noClients } = spec;
    expect(parseClusterFile(JSON.stringify(noClients)).clients).toEqual([]);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['no nodes', JSON.stringify({ ...spec, nodes: [] }), /nodes/],
    ['no table', JSON.stringify({ controlPlane: spec.controlPlane, nodes: spec.nodes }), /table/],
    ['no control plane', JSON.stringify({ ...spec, controlPlane: [] }), /controlPlane/],
    [
      'an address used twice',
      JSON.stringify({ ...spec, nodes: [{ ...node(1, 'a'), kvAddress: '127.0.0.1:7001' }] }),
      /used twice/,
    ],
    [
      'a bad address',
      JSON.stringify({ ...spec, nodes: [{ ...spec.nodes[0], peerAddress: 'localhost' }] }),
      /host:port/,
    ],
    [
      'a port out of range',
      JSON.stringify({ ...spec, nodes: [{ ...spec.nodes[0], kvAddress: 'h:70000' }] }),
      /port 1-65535/,
    ],
    [
      'a duplicate id',
      JSON.stringify({ ...spec, clients: [{ id: 3, kvAddress: 'h:1', controlAddress: 'h:2' }] }),
      /distinct/,
    ],
    ['an unknown field', JSON.stringify({ ...spec, extra: 1 }), /extra/],
    ['zero slices', JSON.stringify({ ...spec, table: { ...spec.table, slices: 0 } }), /slices/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseClusterFile(text)).toThrow(ClusterSpecError);
    expect(() => parseClusterFile(text)).toThrow(message);
  });

  it('parses addresses', () => {
    expect(parseAddress('127.0.0.1:7001')).toEqual({ host: '127.0.0.1', port: 7001 });
    expect(() => parseAddress(':80')).toThrow(ClusterSpecError);
    expect(() => parseAddress('h:0')).toThrow(ClusterSpecError);
  });
});

/** The table the control plane creates from the file, over the file's nodes. */
function seededLayout(): SliceGroupLayout {
  const directory = new ClusterDirectory(spec);
  const state = new ControlState();
  for (const n of spec.nodes) {
    state.apply({ kind: 'registerNode', nodeId: n.id, zone: n.zone, address: '', atMs: 1 });
  }
  const created = state.apply({ kind: 'createRepresentation', spec: directory.seedTable() });
  expect(created.kind).toBe('representationCreated');
  const table = state.slicePlacement.representations.find((r) => r.name === seedTableName);
  if (table === undefined) throw new Error('no seed table');
  return new SliceGroupLayout(table);
}

describe('the seed table, as the control plane places it', () => {
  it('maps slices to groups: group = space = slice + 1, replicas are voters, three zones', () => {
    const layout = seededLayout();
    const directory = new ClusterDirectory(spec);
    expect(layout.groupIds).toEqual([1, 2, 3, 4, 5]);
    for (const [i, slice] of layout.representation.slices.entries()) {
      const group = layout.groups[i];
      expect(group?.groupId).toBe(slice.id + 1);
      expect(group?.spaceId).toBe(slice.id + 1);
      expect(group?.rankingNode).toBe(slice.rankingReplica);
      expect(group?.members.filter((m) => m.role === 'voter')).toHaveLength(2);
      expect(group?.members.filter((m) => m.role === 'logger')).toHaveLength(1);
      // Three members in three zones: losing any one node leaves every group a majority.
      const zones = new Set(group?.members.map((m) => directory.node(m.nodeId)?.zone));
      expect(zones.size).toBe(3);
    }
  });

  it('routes keys and lists members, ranking replica first, loggers left out', () => {
    const layout = seededLayout();
    const key = new TextEncoder().encode('a/1');
    const groupId = layout.groupOfKey(key);
    expect(layout.groupIds).toContain(groupId);
    const group = layout.groups.find((g) => g.groupId === groupId);
    const members = layout.membersOf(groupId);
    expect(members[0]).toBe(group?.rankingNode);
    expect(members).toHaveLength(2);
    expect(layout.membersOf(99)).toEqual([]);
    for (const id of members) expect(layout.groupsOf(id).map((g) => g.groupId)).toContain(groupId);
  });
});

describe('ClusterDirectory', () => {
  it('gives peer addresses without self, services and answer addresses', () => {
    const directory = new ClusterDirectory(spec);
    expect([...directory.peerAddresses(2).keys()]).toEqual([1, 3, 4, 5]);
    expect([...directory.controlPeerAddresses(102).keys()]).toEqual([101, 103]);
    expect(directory.controlMemberIds).toEqual([101, 102, 103]);
    expect(directory.controlServiceAddresses().get(103)).toEqual({
      host: '127.0.0.1',
      port: 7403,
    });
    expect([...directory.controlClientAddresses().keys()]).toEqual([1, 2, 3, 4, 5, 1000]);
    expect(directory.nodeKvAddresses().get(5)).toEqual({ host: '127.0.0.1', port: 7105 });
    expect(directory.clientKvAddresses().get(1000)).toEqual({ host: '127.0.0.1', port: 7200 });
    expect(directory.seedTable()).toEqual({
      name: seedTableName,
      sliceCount: 5,
      replicas: 2,
      loggers: 1,
    });
  });
});
