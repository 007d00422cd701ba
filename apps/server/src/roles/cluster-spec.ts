import type { SliceGroup } from '@tessera/cluster';
import { SliceGroupLayout } from '@tessera/cluster';
import type { PeerAddress } from '@tessera/host';
import type { Representation } from '@tessera/placement';
import { planInitialPlacement } from '@tessera/placement';
import { z } from 'zod';

/**
 * The static cluster description every data node and client reads (`--cluster <file.json>`).
 * There is no control plane yet: membership, addresses and the table layout come from this
 * file, and every process derives the same placement from it.
 *
 * ```json
 * {
 *   "nodes": [{ "id": 1, "zone": "a", "peerAddress": "127.0.0.1:7001", "kvAddress": "127.0.0.1:7101" }],
 *   "clients": [{ "id": 1000, "kvAddress": "127.0.0.1:7200" }],
 *   "table": { "slices": 5, "replicas": 2, "loggers": 1 }
 * }
 * ```
 *
 * `clients` are the KV clients (gateways, tests) the data nodes answer: the transport replies
 * over its own connection to the sender's listening address, so a node must know it.
 */
export interface ClusterSpec {
  readonly nodes: readonly ClusterSpecNode[];
  readonly clients: readonly ClusterSpecClient[];
  readonly table: { readonly slices: number; readonly replicas: number; readonly loggers: number };
}

export interface ClusterSpecNode {
  readonly id: number;
  readonly zone: string;
  readonly peerAddress: string;
  readonly kvAddress: string;
}

export interface ClusterSpecClient {
  readonly id: number;
  readonly kvAddress: string;
}

export class ClusterSpecError extends Error {
  override readonly name = 'ClusterSpecError';
}

const nodeId = z.number().int().min(1).max(0xffff_ffff);
const address = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port');

const schema = z
  .object({
    nodes: z
      .array(
        z
          .object({
            id: nodeId,
            zone: z.string().min(1),
            peerAddress: address,
            kvAddress: address,
          })
          .strict(),
      )
      .min(1),
    clients: z
      .array(z.object({ id: nodeId, kvAddress: address }).strict())
      .optional()
      .default([]),
    table: z
      .object({
        slices: z.number().int().min(1).max(4096),
        replicas: z.number().int().min(1).max(7),
        loggers: z.number().int().min(0).max(7),
      })
      .strict(),
  })
  .strict();

/** Validates a parsed cluster file; throws ClusterSpecError with every problem found. */
export function parseClusterSpec(value: unknown): ClusterSpec {
  const result = schema.safeParse(value);
  if (!result.success) throw new ClusterSpecError(z.prettifyError(result.error));
  const spec = result.data;
  const ids = [...spec.nodes.map((n) => n.id), ...spec.clients.map((c) => c.id)];
  if (new Set(ids).size !== ids.length) {
    throw new ClusterSpecError('node and client ids must be distinct');
  }
  for (const n of spec.nodes) {
    parseAddress(n.peerAddress);
    parseAddress(n.kvAddress);
  }
  for (const c of spec.clients) parseAddress(c.kvAddress);
  return spec;
}

/** Parses the JSON text of a cluster file. */
export function parseClusterFile(text: string): ClusterSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ClusterSpecError(`not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseClusterSpec(value);
}

export function parseAddress(text: string): PeerAddress {
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon);
  const port = Number(text.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 0xffff) {
    throw new ClusterSpecError(`bad address '${text}' (host:port with port 1-65535)`);
  }
  return { host, port };
}

/** One Raft group of the table (see `SliceGroupLayout` in @tessera/cluster). */
export type GroupLayout = SliceGroup;

/**
 * The placement every process computes from the same file: one table whose slices are placed
 * by `planInitialPlacement`, one Raft group per slice (group id = slice id + 1, space id =
 * group id), placement's 'replica' members being Raft voters.
 */
export class ClusterLayout {
  readonly representation: Representation;
  readonly groups: readonly GroupLayout[];
  private readonly slices: SliceGroupLayout;

  constructor(readonly spec: ClusterSpec) {
    this.representation = planInitialPlacement(
      {
        id: 1,
        name: 'kv',
        replicas: spec.table.replicas,
        loggers: spec.table.loggers,
        sliceCount: spec.table.slices,
      },
      spec.nodes.map((n) => ({ id: n.id, zone: n.zone, state: 'up' as const })),
    );
    this.slices = new SliceGroupLayout(this.representation);
    this.groups = this.slices.groups;
  }

  get groupIds(): number[] {
    return this.slices.groupIds;
  }

  node(id: number): ClusterSpecNode | undefined {
    return this.spec.nodes.find((n) => n.id === id);
  }

  /** Groups with a member on `nodeId`. */
  groupsOf(nodeId: number): GroupLayout[] {
    return this.slices.groupsOf(nodeId);
  }

  /** The group holding `key`: the slice its distribution hash falls in. */
  groupOfKey(key: Uint8Array): number {
    return this.slices.groupOfKey(key);
  }

  /** Data members of a group (loggers serve no reads), the ranking replica first. */
  membersOf(groupId: number): number[] {
    return this.slices.membersOf(groupId);
  }

  /** Peer (Raft) addresses of every node but `self`. */
  peerAddresses(self: number): Map<number, PeerAddress> {
    return new Map(
      this.spec.nodes.filter((n) => n.id !== self).map((n) => [n.id, parseAddress(n.peerAddress)]),
    );
  }

  /** KV addresses of every data node (what a client sends requests to). */
  nodeKvAddresses(): Map<number, PeerAddress> {
    return new Map(this.spec.nodes.map((n) => [n.id, parseAddress(n.kvAddress)]));
  }

  /** KV addresses of the clients (where a data node sends answers). */
  clientKvAddresses(): Map<number, PeerAddress> {
    return new Map(this.spec.clients.map((c) => [c.id, parseAddress(c.kvAddress)]));
  }
}
