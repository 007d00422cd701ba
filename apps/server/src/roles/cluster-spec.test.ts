import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from './cluster-spec';
import { ClusterLayout, ClusterSpecError, parseAddress, parseClusterFile } from './cluster-spec';

const spec: ClusterSpec = {
  nodes: [
    { id: 1, zone: 'a', peerAddress: '127.0.0.1:7001', kvAddress: '127.0.0.1:7101' },
    { id: 2, zone: 'b', peerAddress: '127.0.0.1:7002', kvAddress: '127.0.0.1:7102' },
    { id: 3, zone: 'c', peerAddress: '127.0.0.1:7003', kvAddress: '127.0.0.1:7103' },
    { id: 4, zone: 'a', peerAddress: '127.0.0.1:7004', kvAddress: '127.0.0.1:7104' },
    { id: 5, zone: 'b', peerAddress: '127.0.0.1:7005', kvAddress: '127.0.0.1:7105' },
  ],
  clients: [{ id: 1000, kvAddress: '127.0.0.1:7200' }],
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
    ['no table', JSON.stringify({ nodes: spec.nodes }), /table/],
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
      JSON.stringify({ ...spec, clients: [{ id: 3, kvAddress: 'h:1' }] }),
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

describe('ClusterLayout', () => {
  it('computes the same placement from the same file, in any process', () => {
    const a = new ClusterLayout(spec);
    const b = new ClusterLayout(parseClusterFile(JSON.stringify(spec)));
    expect(b.groups).toEqual(a.groups);
    expect(a.groupIds).toEqual([1, 2, 3, 4, 5]);
  });

  it('maps slices to groups: group = space = slice + 1, replicas are voters', () => {
    const layout = new ClusterLayout(spec);
    for (const [i, slice] of layout.representation.slices.entries()) {
      const group = layout.groups[i];
      expect(group?.groupId).toBe(slice.id + 1);
      expect(group?.spaceId).toBe(slice.id + 1);
      expect(group?.rankingNode).toBe(slice.rankingReplica);
      expect(group?.members.filter((m) => m.role === 'voter')).toHaveLength(2);
      expect(group?.members.filter((m) => m.role === 'logger')).toHaveLength(1);
      // Three members in three zones: losing any one node leaves every group a majority.
      const zones = new Set(group?.members.map((m) => layout.node(m.nodeId)?.zone));
      expect(zones.size).toBe(3);
    }
  });

  it('routes keys and lists members, ranking replica first, loggers left out', () => {
    const layout = new ClusterLayout(spec);
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

  it('gives peer addresses without self, and the clients', () => {
    const layout = new ClusterLayout(spec);
    expect([...layout.peerAddresses(2).keys()]).toEqual([1, 3, 4, 5]);
    expect(layout.nodeKvAddresses().get(5)).toEqual({ host: '127.0.0.1', port: 7105 });
    expect(layout.clientKvAddresses().get(1000)).toEqual({ host: '127.0.0.1', port: 7200 });
  });
});
