import type { RegisteredNode } from '@tessera/cluster';
import type { PeerAddress } from '@tessera/host';
import type { ClusterDirectory } from './cluster-spec';
import { ClusterSpecError, parseAddress } from './cluster-spec';

/**
 * A data node's three listeners, as it registers them with the control plane. The control
 * state keeps one opaque `address` string per node (`RegisteredNode.address`); a process data
 * node puts all three listeners in it, `peer=H:P kv=H:P control=H:P`, so that a node the
 * cluster file does not list (started with `--join`) can be reached by everyone who reads the
 * node registry: data nodes (Raft), the control plane (its answers) and clients (KV).
 *
 * The string is readable as is in `system.nodes`. In-process nodes register an empty address.
 */
export interface NodeAddresses {
  readonly peer: PeerAddress;
  readonly kv: PeerAddress;
  readonly control: PeerAddress;
}

const text = (a: PeerAddress) => `${a.host}:${a.port}`;

/** `peer=H:P kv=H:P control=H:P`: what a process data node registers as its address. */
export function formatNodeAddresses(addresses: NodeAddresses): string {
  return `peer=${text(addresses.peer)} kv=${text(addresses.kv)} control=${text(addresses.control)}`;
}

/**
 * The listeners in a registered address, or undefined when it is not in the process format
 * (an in-process node's empty address, or a node of an older version that registered its
 * peer address alone).
 */
export function parseNodeAddresses(address: string): NodeAddresses | undefined {
  const match = /^peer=(\S+) kv=(\S+) control=(\S+)$/.exec(address);
  if (match === null) return undefined;
  try {
    return {
      peer: parseAddress(match[1] ?? ''),
      kv: parseAddress(match[2] ?? ''),
      control: parseAddress(match[3] ?? ''),
    };
  } catch (error) {
    if (error instanceof ClusterSpecError) return undefined;
    throw error;
  }
}

/**
 * Who listens where, for a process that must also reach nodes the cluster file does not list:
 * the file's addresses first (they never change), then the listeners the nodes registered with
 * the control plane (`learn` them from each control state the process fetches). The lookups
 * are `TcpTransport` peer resolvers: asked when a link to a peer is opened or re-opened, so an
 * address learned later is used from the next connection attempt on.
 */
export class NodeAddressBook {
  private readonly registered = new Map<number, NodeAddresses>();

  constructor(private readonly directory: ClusterDirectory) {}

  /** Takes in the registry of a control state (nodes whose address is not in process format are skipped). */
  learn(nodes: readonly RegisteredNode[]): void {
    for (const node of nodes) {
      const addresses = parseNodeAddresses(node.address);
      if (addresses === undefined || node.state === 'removed') this.registered.delete(node.id);
      else this.registered.set(node.id, addresses);
    }
  }

  /** Ids of the nodes learned from the registry that the cluster file does not list. */
  joinedNodeIds(): number[] {
    return [...this.registered.keys()].filter((id) => this.directory.node(id) === undefined);
  }

  /** A data node's Raft listener. */
  peer = (id: number): PeerAddress | undefined => {
    const listed = this.directory.node(id);
    return listed === undefined ? this.registered.get(id)?.peer : parseAddress(listed.peerAddress);
  };

  /** A data node's KV listener (where clients send requests). */
  kv = (id: number): PeerAddress | undefined => {
    const listed = this.directory.node(id);
    return listed === undefined ? this.registered.get(id)?.kv : parseAddress(listed.kvAddress);
  };

  /** Where a data node's or a client's control answers go. */
  control = (id: number): PeerAddress | undefined => {
    const listed = this.directory.controlClientAddresses().get(id);
    return listed ?? this.registered.get(id)?.control;
  };
}
