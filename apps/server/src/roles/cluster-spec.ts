import type { PeerAddress } from '@tessera/host';
import type { RepresentationSpec } from '@tessera/placement';
import { z } from 'zod';

/**
 * The cluster file every process reads (`--cluster <file.json>`): who the members are and where
 * they listen. The *state* of the cluster — node registry and liveness, the slice map, the
 * timestamp oracle — lives in the control plane's replicated group, not here; the file only
 * seeds it (`table` is created by the control plane once every listed node has registered).
 *
 * ```json
 * {
 *   "controlPlane": [{ "id": 101, "peerAddress": "127.0.0.1:7301", "serviceAddress": "127.0.0.1:7401" }],
 *   "nodes": [{ "id": 1, "zone": "a", "peerAddress": "127.0.0.1:7001",
 *               "kvAddress": "127.0.0.1:7101", "controlAddress": "127.0.0.1:7501" }],
 *   "clients": [{ "id": 1000, "kvAddress": "127.0.0.1:7200", "controlAddress": "127.0.0.1:7201" }],
 *   "table": { "slices": 5, "replicas": 2, "loggers": 1 }
 * }
 * ```
 *
 * Every transport answers over its own connection to the sender's *listening* address, so each
 * endpoint that asks (a data node's or a client's control client, a client's KV client) has a
 * listening address here.
 */
export interface ClusterSpec {
  readonly controlPlane: readonly ClusterSpecControlMember[];
  readonly nodes: readonly ClusterSpecNode[];
  readonly clients: readonly ClusterSpecClient[];
  readonly table: { readonly slices: number; readonly replicas: number; readonly loggers: number };
}

export interface ClusterSpecControlMember {
  readonly id: number;
  /** Raft traffic between control-plane members. */
  readonly peerAddress: string;
  /** Where clients (data nodes, gateways) send control requests. */
  readonly serviceAddress: string;
}

export interface ClusterSpecNode {
  readonly id: number;
  readonly zone: string;
  readonly peerAddress: string;
  readonly kvAddress: string;
  /** Where the node's control-plane client listens for answers. */
  readonly controlAddress: string;
}

export interface ClusterSpecClient {
  readonly id: number;
  readonly kvAddress: string;
  readonly controlAddress: string;
}

/** The name of the table the control plane creates from `table`. */
export const seedTableName = 'kv';

export class ClusterSpecError extends Error {
  override readonly name = 'ClusterSpecError';
}

const nodeId = z.number().int().min(1).max(0xffff_ffff);
const address = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port');

const schema = z
  .object({
    controlPlane: z
      .array(z.object({ id: nodeId, peerAddress: address, serviceAddress: address }).strict())
      .min(1),
    nodes: z
      .array(
        z
          .object({
            id: nodeId,
            zone: z.string().min(1),
            peerAddress: address,
            kvAddress: address,
            controlAddress: address,
          })
          .strict(),
      )
      .min(1),
    clients: z
      .array(z.object({ id: nodeId, kvAddress: address, controlAddress: address }).strict())
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
  const ids = [
    ...spec.controlPlane.map((m) => m.id),
    ...spec.nodes.map((n) => n.id),
    ...spec.clients.map((c) => c.id),
  ];
  if (new Set(ids).size !== ids.length) {
    throw new ClusterSpecError('control-plane member, node and client ids must be distinct');
  }
  const addresses = [
    ...spec.controlPlane.flatMap((m) => [m.peerAddress, m.serviceAddress]),
    ...spec.nodes.flatMap((n) => [n.peerAddress, n.kvAddress, n.controlAddress]),
    ...spec.clients.flatMap((c) => [c.kvAddress, c.controlAddress]),
  ];
  for (const a of addresses) parseAddress(a);
  const seen = new Set<string>();
  for (const a of addresses) {
    if (seen.has(a)) throw new ClusterSpecError(`address ${a} is used twice`);
    seen.add(a);
  }
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

/** Who listens where: the address book every process derives from the cluster file. */
export class ClusterDirectory {
  constructor(readonly spec: ClusterSpec) {}

  node(id: number): ClusterSpecNode | undefined {
    return this.spec.nodes.find((n) => n.id === id);
  }

  controlMember(id: number): ClusterSpecControlMember | undefined {
    return this.spec.controlPlane.find((m) => m.id === id);
  }

  get controlMemberIds(): number[] {
    return this.spec.controlPlane.map((m) => m.id);
  }

  /** Raft addresses of every data node but `self`. */
  peerAddresses(self: number): Map<number, PeerAddress> {
    return new Map(
      this.spec.nodes.filter((n) => n.id !== self).map((n) => [n.id, parseAddress(n.peerAddress)]),
    );
  }

  /** Raft addresses of every control-plane member but `self`. */
  controlPeerAddresses(self: number): Map<number, PeerAddress> {
    return new Map(
      this.spec.controlPlane
        .filter((m) => m.id !== self)
        .map((m) => [m.id, parseAddress(m.peerAddress)]),
    );
  }

  /** Where control requests go: every member's service address. */
  controlServiceAddresses(): Map<number, PeerAddress> {
    return new Map(this.spec.controlPlane.map((m) => [m.id, parseAddress(m.serviceAddress)]));
  }

  /** Where control answers go: every data node's and client's control address. */
  controlClientAddresses(): Map<number, PeerAddress> {
    return new Map([
      ...this.spec.nodes.map((n) => [n.id, parseAddress(n.controlAddress)] as const),
      ...this.spec.clients.map((c) => [c.id, parseAddress(c.controlAddress)] as const),
    ]);
  }

  /** KV addresses of every data node (what a client sends requests to). */
  nodeKvAddresses(): Map<number, PeerAddress> {
    return new Map(this.spec.nodes.map((n) => [n.id, parseAddress(n.kvAddress)]));
  }

  /** KV addresses of the clients (where a data node sends answers). */
  clientKvAddresses(): Map<number, PeerAddress> {
    return new Map(this.spec.clients.map((c) => [c.id, parseAddress(c.kvAddress)]));
  }

  /** The table the control plane creates once every node registered. */
  seedTable(): Omit<RepresentationSpec, 'id'> {
    const { slices, replicas, loggers } = this.spec.table;
    return { name: seedTableName, sliceCount: slices, replicas, loggers };
  }
}
