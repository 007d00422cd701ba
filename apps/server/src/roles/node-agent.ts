import type {
  Clock,
  ControlClient,
  ControlSnapshot,
  DataNode,
  KeyHasherSpec,
  PendingSplit,
} from '@tessera/cluster';
import {
  groupIdOfSlice,
  isJoiningMember,
  MembershipSync,
  SliceGroupLayout,
  SplitSync,
  splitGroupsToKeep,
  syncRankingNodes,
} from '@tessera/cluster';
import type { Placement, Slice } from '@tessera/placement';
import type { KvEngine } from '@tessera/storage';
import { seedTableName } from './cluster-spec';
import { RoleConfigError } from './role-errors';

/** Which replicas a start created from the control plane's slice map. */
export interface Placed {
  /** Groups bootstrapped by this start (not in the engine yet). */
  readonly created: readonly number[];
  /**
   * Groups the slice map gives this node that it did NOT create: it was registered before but
   * its engine lacks the identity marker — its disk was lost or replaced. Re-creating them
   * empty as founding members would let it vote with a log it no longer has; they wait for
   * re-replication instead.
   */
  readonly skipped: readonly number[];
}

export interface NodeAgentDeps {
  readonly nodeId: number;
  readonly zone: string;
  /** What the node registers as its address (its Raft listener; empty in process). */
  readonly address: string;
  readonly node: DataNode;
  /** The node's engine, for its identity marker. */
  readonly engine: KvEngine;
  readonly control: ControlClient;
  readonly clock: Clock;
  /** How often the node tells the control plane it is alive (default 500 ms). */
  readonly heartbeatMs?: number;
  /** How often the node compares its replicas with the slice map once placed (default 250 ms). */
  readonly reconcileMs?: number;
  /** Told when the agent stops on an error (the owner logs it; a closed node is not one). */
  readonly onError?: (error: unknown) => void;
  /**
   * Whether this start may found replicas, when the caller decided it (a node started with
   * `--join`: see `claimJoiningNode`). The agent then heartbeats *before* its first state
   * fetch: a node the cluster file does not list can be answered only once the control plane
   * has its registered address. Absent (file nodes, embedded nodes): decided from the state
   * by `mayFoundReplicas` before the first heartbeat.
   */
  readonly founding?: boolean;
  /** Told each new control state the agent fetches (the process role learns node addresses). */
  readonly onState?: (state: ControlSnapshot) => void;
  /**
   * How the keys of a slice are hashed when it splits (the SQL key hasher of its table:
   * `keyHasherOfSlice`), from the state the agent read. Absent or undefined: the whole key.
   */
  readonly splitHasherFor?: (state: ControlSnapshot, sliceId: number) => KeyHasherSpec | undefined;
}

export interface NodeAgent {
  /**
   * Resolves once the node has the control plane's slice map and created the replicas it
   * places here (creations durable); never resolves if the agent stops first. Rejects with a
   * RoleConfigError when the engine belongs to another node.
   */
  readonly placed: Promise<Placed>;
  stop(): void;
}

/**
 * A data node's link to the control plane: decides whether this start may found replicas
 * (before the first heartbeat registers the node), heartbeats, fetches the slice map, creates
 * the replicas placed here, tells each replica its slice's ranking replica (so leadership
 * follows the control plane's re-ranks) and makes the groups it leads follow the map's
 * membership (MembershipSync: replacements join as learners, are promoted, the members they
 * replace are removed; a replica the map no longer places here is removed). Shared by the
 * process role and the embedded cluster.
 */
export function startNodeAgent(deps: NodeAgentDeps): NodeAgent {
  const { nodeId, node, control, clock } = deps;
  const setTimer = (ms: number, fn: () => void) => clock.setTimer(ms, fn);
  // Flags in an object: they change in callbacks, which TypeScript's narrowing does not see.
  const flags = { stopped: false, beating: false };
  const isStopped = () => flags.stopped || node.isClosed;
  let beatTimer: { cancel(): void } | undefined;
  const heartbeatMs = deps.heartbeatMs ?? 500;
  const beat = () => {
    if (flags.stopped) return;
    flags.beating = true;
    const status = node.status();
    const replicas = status.replicas.map((r) => ({
      groupId: r.groupId,
      memberRole: r.memberRole,
      raftRole: r.raftRole,
      term: r.term,
      applied: r.applied,
      appliedCommitTs: r.appliedCommitTs,
      records: r.records,
      bytes: r.bytes,
      reads: r.reads,
      writes: r.writes,
    }));
    control.heartbeat(nodeId, deps.zone, deps.address, replicas, status.metrics.busyMs).then(
      () => undefined,
      () => undefined, // the control plane is electing or unreachable: the next beat retries
    );
    beatTimer = setTimer(heartbeatMs, beat);
  };

  let announce: (placed: Placed) => void = () => undefined;
  const placed = new Promise<Placed>((resolve) => {
    announce = resolve;
  });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      setTimer(ms, resolve);
    });

  // Reconciles the node's replicas with the slice map, for good: creates the groups placed
  // here (founding them only when that is safe), removes the groups of dropped tables, and
  // hands every replica the slice's current ranking replica. The replica keeps that in its
  // record (rewritten lazily); a crash that loses the rewrite restarts it with the old one,
  // which the first reconcile after the restart corrects.
  const loop = async () => {
    let founding: boolean | undefined = deps.founding;
    let version = -1;
    let placement: Placement | undefined;
    let announced = false;
    const skippedOnce = new Set<number>();
    const membership = new MembershipSync(node);
    // Slice splits the control plane began: this node proposes those of the groups it leads
    // (SplitSync), and keeps their new groups although the map does not list them yet.
    let latest: ControlSnapshot | undefined;
    const splits = new SplitSync(node, (sliceId) =>
      latest === undefined ? undefined : deps.splitHasherFor?.(latest, sliceId),
    );
    let pendingSplits: readonly PendingSplit[] = [];
    while (!flags.stopped) {
      if (founding !== undefined && !flags.beating) beat();
      const answer = await control.state(version).then(
        (state) => ({ ok: true as const, state }),
        () => ({ ok: false as const }),
      );
      if (answer.ok && answer.state !== undefined) {
        deps.onState?.(answer.state);
        version = answer.state.version;
        placement = answer.state.placement;
        latest = answer.state;
        pendingSplits = answer.state.splits ?? [];
        founding ??= await mayFoundReplicas(
          deps.engine,
          nodeId,
          answer.state.nodes.some((n) => n.id === nodeId),
        );
      }
      if (founding !== undefined && !flags.beating) beat();
      // (A function, not the field: the loop condition makes TypeScript think it is false.)
      if (founding !== undefined && placement !== undefined && !isStopped()) {
        const keep = splitGroupsToKeep(pendingSplits);
        const outcome = await reconcile(node, nodeId, placement, founding, keep);
        if (!isStopped()) {
          syncRankingNodes(node, placement);
          membership.sync(placement);
          splits.sync(pendingSplits);
        }
        for (const group of outcome.skipped) skippedOnce.add(group);
        const seed = placement.representations.find((r) => r.name === seedTableName);
        if (!announced && seed !== undefined) {
          announced = true;
          const seedGroups = new Set(new SliceGroupLayout(seed).groupIds);
          announce({
            created: outcome.created.filter((g) => seedGroups.has(g)),
            skipped: [...skippedOnce].filter((g) => seedGroups.has(g)),
          });
        }
      }
      await sleep(announced ? (deps.reconcileMs ?? 250) : 200);
    }
  };
  // A failure here is the node's (it closed under us, or a broken invariant it reports
  // itself): the agent stops; it never takes the process down with an unhandled rejection.
  loop().catch((error: unknown) => {
    flags.stopped = true;
    deps.onError?.(error);
  });

  return {
    placed,
    stop: () => {
      flags.stopped = true;
      beatTimer?.cancel();
    },
  };
}

/**
 * One reconciliation: every group the slice map places on this node exists here (created as a
 * founding member when `founding`, else listed as skipped), and every group it hosts that no
 * representation has any more (a dropped table or index) is removed. Resolves once the
 * creations are durable (a restart must find every replica a ready line announced).
 */
async function reconcile(
  node: DataNode,
  nodeId: number,
  placement: Placement,
  founding: boolean,
  /** Groups to keep although the map does not place them (pending splits' new groups). */
  keep: ReadonlySet<number> = new Set(),
): Promise<{ created: number[]; skipped: number[] }> {
  const wanted = new Set<number>(keep);
  const created: number[] = [];
  const skipped: number[] = [];
  const durable: Promise<void>[] = [];
  for (const representation of placement.representations) {
    const joining = new Set(
      representation.slices
        .filter((s) => isJoiningMember(representation, s, nodeId))
        .map((s) => groupIdOfSlice(s.id)),
    );
    for (const group of new SliceGroupLayout(representation).groupsOf(nodeId)) {
      wanted.add(group.groupId);
      // A replacement being copied joins (MembershipSync), never founds.
      if (node.replica(group.groupId) !== undefined || joining.has(group.groupId)) continue;
      if (!founding) {
        skipped.push(group.groupId);
        continue;
      }
      const replica = node.createReplica({ ...group, bootstrap: true });
      created.push(group.groupId);
      durable.push(replica.whenDurable());
    }
  }
  const sliceOfGroup = new Map<number, Slice>();
  for (const representation of placement.representations) {
    for (const slice of representation.slices) sliceOfGroup.set(groupIdOfSlice(slice.id), slice);
  }
  const removals = node
    .groupIds()
    .filter(
      (groupId) => !wanted.has(groupId) && mayLeaveGroup(node, nodeId, sliceOfGroup.get(groupId)),
    )
    .map((groupId) => node.removeReplica(groupId).catch(() => undefined));
  await Promise.all([...durable, ...removals]);
  return { created, skipped };
}

/**
 * Whether this node's replica of a group the slice map no longer places here may be deleted
 * now. A group no representation has (a dropped table or index): yes. A slice moved away from
 * this node (a move, a drain, a replacement it came back to): only once the group no longer
 * needs it — it does not lead, and Raft's membership as it applied it either lacks it or
 * counts, without it, as many voters and loggers as the map lists for the slice (the
 * replacement is in). Deleting it as soon as the map drops it could take the group below a
 * quorum: the map drops the old member in the same round that promotes the new one, before
 * the group's leader has made the new one a voter — with two voters, deleting one stalls the
 * group for good. The group's leader removes this member from Raft afterwards
 * (MembershipSync).
 *
 * Not handled: a node that comes back after the group replaced and removed it keeps its stale
 * replica (its membership, never updated, still counts it); it is no longer sent anything.
 */
function mayLeaveGroup(node: DataNode, nodeId: number, slice: Slice | undefined): boolean {
  if (slice === undefined) return true;
  const replica = node.replica(groupIdOfSlice(slice.id));
  if (replica === undefined || replica.isClosed) return true;
  const status = replica.raftStatus();
  if (status.role === 'leader') return false;
  const quorumSet = [...status.confState.voters, ...status.confState.loggers];
  if (!quorumSet.includes(nodeId)) return true;
  const listed = slice.members.filter((m) => m.role !== 'learner').length;
  return quorumSet.filter((id) => id !== nodeId).length >= listed;
}

/** Engine key of the node's identity marker (0xC0 is the replica registry, 0xC1 control state). */
const identityKey = Uint8Array.of(0xc2, 0x01);

/**
 * Whether this node may create the replicas the slice map gives it as *founding* members
 * (`bootstrap: true`, an empty log that votes). That is safe only for a member that never took
 * part in the group: one that did may have voted or acknowledged entries, and an empty copy of
 * it could help elect a leader without them.
 *
 * - Never registered with the control plane: a new node — yes. It writes an identity marker
 *   into its engine, durably, before its first heartbeat registers it.
 * - Registered, marker present: the same disk as before — yes for groups it does not hold (their
 *   creation never became durable, so it never sent anything for them).
 * - Registered, no marker: its disk was lost or replaced — no. Its old replicas wait for
 *   re-replication by the control plane.
 */
export async function mayFoundReplicas(
  engine: KvEngine,
  nodeId: number,
  registered: boolean,
): Promise<boolean> {
  const marker = engine.get(identityKey);
  if (marker !== undefined) {
    const owner = new DataView(marker.buffer, marker.byteOffset, marker.byteLength).getUint32(0);
    if (owner !== nodeId) {
      throw new RoleConfigError(`this data dir belongs to node ${owner}, not ${nodeId}`);
    }
    return true;
  }
  if (registered) return false;
  const value = new Uint8Array(4);
  new DataView(value.buffer).setUint32(0, nodeId);
  const batch = engine.newBatch();
  batch.put(identityKey, value);
  await engine.commit(batch);
  return true;
}

/**
 * The founding decision for a node started with `--join` (not in the cluster file), made
 * before its first heartbeat: the control plane cannot answer a node whose address it does
 * not have yet, so the node cannot ask first whether it was registered before.
 *
 * - Marker of this node present: the same disk as before — it may found (as `mayFoundReplicas`).
 * - Marker of another node: refused (RoleConfigError).
 * - No marker: `--join` on an empty data dir declares a *new* node. The marker is written,
 *   durably, before the first heartbeat registers it, and it may found.
 *
 * Not guarded: restarting a node that already joined, on a lost or wiped disk, with `--join`
 * and its old id would make it a founding member again. A joined node whose disk is lost must
 * be removed and join again under a new id (README.md, "Weak spots").
 */
export async function claimJoiningNode(engine: KvEngine, nodeId: number): Promise<true> {
  const marker = engine.get(identityKey);
  if (marker !== undefined) {
    const owner = new DataView(marker.buffer, marker.byteOffset, marker.byteLength).getUint32(0);
    if (owner !== nodeId) {
      throw new RoleConfigError(`this data dir belongs to node ${owner}, not ${nodeId}`);
    }
    return true;
  }
  const value = new Uint8Array(4);
  new DataView(value.buffer).setUint32(0, nodeId);
  const batch = engine.newBatch();
  batch.put(identityKey, value);
  await engine.commit(batch);
  return true;
}
