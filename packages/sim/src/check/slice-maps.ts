import type { ClusterNode, NodeId, Placement, Representation, SliceId } from '@tessera/placement';
import { balancedRatioMax, formatHash, hashSpaceEnd } from '@tessera/placement';

/**
 * Checkers over the sequence of slice maps the control plane applied (issue 5: planned moves,
 * drains, splits, re-ranks). Like the history checkers, each is a pure function of what it is
 * given — no clock, no I/O — and returns readable violations (empty: the promise held), so a
 * failing seed prints the same findings every time.
 *
 * The simulator feeds them every applied control state (`SimCluster.onControlStateApplied`),
 * one entry per state version, in version order: the maps a node agent could ever have read,
 * not only the ones a poll happened to catch.
 */
export interface AppliedMap {
  /** The control state's version (increases with every applied change). */
  readonly version: number;
  readonly placement: Placement;
  /** The registered nodes at that version (removed ones left out), as placement sees them. */
  readonly nodes: readonly ClusterNode[];
}

/** Violations listed per check before the rest are summarised (reports stay readable). */
const listedMax = 10;

function capped(found: readonly string[]): string[] {
  if (found.length <= listedMax) return [...found];
  return [...found.slice(0, listedMax), `… and ${found.length - listedMax} more`];
}

/**
 * Every slice of every map lists at least its representation's configured data replicas and
 * loggers (the learners of a move in progress do not count). A planned change — a move, a
 * drain, a split, a replacement — must add before it removes, so a slice never has fewer
 * copies in the map than configured; a map that does could lose acknowledged data to one
 * more failure.
 */
export function checkNeverBelowReplicas(maps: readonly AppliedMap[]): string[] {
  const found: string[] = [];
  for (const map of maps) {
    for (const r of map.placement.representations) {
      for (const slice of r.slices) {
        const replicas = slice.members.filter((m) => m.role === 'replica').length;
        const loggers = slice.members.filter((m) => m.role === 'logger').length;
        if (replicas < r.replication.replicas || loggers < r.replication.loggers) {
          found.push(
            `map v${map.version}: slice ${slice.id} of ${r.name} lists ${replicas} data ` +
              `replicas and ${loggers} loggers (configured ${r.replication.replicas} and ` +
              `${r.replication.loggers})`,
          );
        }
      }
    }
  }
  return capped(found);
}

/** How many members of each kind an up node holds, and the bytes of its data copies. */
export interface NodeLoad {
  readonly node: NodeId;
  /** Data copies (replicas and learners). */
  readonly data: number;
  readonly loggers: number;
  /** Bytes the node stores (its replicas' reports); undefined when unknown. */
  readonly bytes?: number;
}

/** Members per up node in `placement` (every up node listed, an empty one with zeros). */
export function nodeLoads(
  placement: Placement,
  nodes: readonly ClusterNode[],
  bytesOf?: (node: NodeId) => number | undefined,
): NodeLoad[] {
  const up = nodes.filter((n) => n.state === 'up').map((n) => n.id);
  const data = new Map<NodeId, number>(up.map((id) => [id, 0]));
  const loggers = new Map<NodeId, number>(up.map((id) => [id, 0]));
  for (const r of placement.representations) {
    for (const s of r.slices) {
      for (const m of s.members) {
        const tally = m.role === 'logger' ? loggers : data;
        if (tally.has(m.node)) tally.set(m.node, (tally.get(m.node) ?? 0) + 1);
      }
    }
  }
  return up.map((node) => {
    const bytes = bytesOf?.(node);
    return {
      node,
      data: data.get(node) ?? 0,
      loggers: loggers.get(node) ?? 0,
      ...(bytes === undefined ? {} : { bytes }),
    };
  });
}

/**
 * The cluster is balanced the way placement's rebalancer aims for (placement `balance.ts`):
 * data copies per node within one of each other — the best whole members allow — or, when
 * every node's bytes are known, the largest over the smallest at most `balancedRatioMax`
 * (1.25); and loggers per node within one. An up node holding nothing while another holds
 * two or more copies is never balanced.
 */
export function checkBalanced(loads: readonly NodeLoad[]): string[] {
  if (loads.length < 2) return [];
  const describe = loads
    .map((l) => `n${l.node}: ${l.data} data, ${l.loggers} loggers${bytesNote(l.bytes)}`)
    .join('; ');
  const found: string[] = [];
  const data = loads.map((l) => l.data);
  const countsEven = Math.max(...data) - Math.min(...data) <= 1;
  const bytes = loads.map((l) => l.bytes);
  const allBytes = bytes.every((b): b is number => b !== undefined);
  const bytesEven =
    allBytes &&
    Math.min(...bytes) > 0 &&
    Math.max(...bytes) / Math.min(...bytes) <= balancedRatioMax;
  if (!countsEven && !bytesEven) {
    found.push(
      `data copies are not balanced (counts differ by more than 1` +
        `${allBytes ? `, bytes by more than ×${balancedRatioMax}` : ''}): ${describe}`,
    );
  }
  const logs = loads.map((l) => l.loggers);
  if (Math.max(...logs) - Math.min(...logs) > 1) {
    found.push(`loggers are not balanced (counts differ by more than 1): ${describe}`);
  }
  return found;
}

function bytesNote(bytes: number | undefined): string {
  return bytes === undefined ? '' : `, ${bytes} bytes`;
}

/** Slices `node` holds a member of (any role) in `placement`. */
export function slicesOn(placement: Placement, node: NodeId): SliceId[] {
  const out: SliceId[] = [];
  for (const r of placement.representations) {
    for (const s of r.slices) if (s.members.some((m) => m.node === node)) out.push(s.id);
  }
  return out;
}

/** Slices `node` ranks in `placement`. */
export function slicesRankedOn(placement: Placement, node: NodeId): SliceId[] {
  const out: SliceId[] = [];
  for (const r of placement.representations) {
    for (const s of r.slices) if (s.rankingReplica === node) out.push(s.id);
  }
  return out;
}

/**
 * A drain of `node`, judged over the maps applied from the drain on (the first one is the
 * map it started from):
 *
 * - ranking moves off first: the node gives up its last ranking replica no later than the
 *   first map where it holds fewer members than when the drain started — reads and leadership
 *   leave before any data does;
 * - no map after the first places a new member on the node;
 * - the last map places nothing on it.
 */
export function checkDrain(maps: readonly AppliedMap[], node: NodeId): string[] {
  const first = maps[0];
  const last = maps[maps.length - 1];
  if (first === undefined || last === undefined) return [`drain of n${node}: no maps to judge`];
  const found: string[] = [];
  const startMembers = new Set(slicesOn(first.placement, node));
  let unrankedAt: number | undefined;
  let shrunkAt: number | undefined;
  for (const map of maps) {
    const now = slicesOn(map.placement, node);
    const added = now.filter((s) => !startMembers.has(s));
    if (added.length > 0 && found.length < listedMax) {
      found.push(
        `drain of n${node}: map v${map.version} places new members on it (slices ${added.join(', ')})`,
      );
    }
    if (unrankedAt === undefined && slicesRankedOn(map.placement, node).length === 0) {
      unrankedAt = map.version;
    }
    if (shrunkAt === undefined && now.length < startMembers.size) shrunkAt = map.version;
  }
  if (shrunkAt !== undefined && (unrankedAt === undefined || unrankedAt > shrunkAt)) {
    found.push(
      `drain of n${node}: its members started leaving at map v${shrunkAt} while it still ranked ` +
        `slices (it ranked none from ${unrankedAt === undefined ? 'no map' : `map v${unrankedAt}`})`,
    );
  }
  const left = slicesOn(last.placement, node);
  if (left.length > 0) {
    found.push(
      `drain of n${node}: the last map (v${last.version}) still places it in slices ${left.join(', ')}`,
    );
  }
  return found;
}

/** A slice's members as a comparable text: `n1:replica,n3:logger`. */
function memberSet(members: readonly { node: NodeId; role: string }[]): string {
  return members
    .map((m) => `n${m.node}:${m.role}`)
    .sort()
    .join(',');
}

/**
 * Only ranking moved: every slice of every map has exactly the members (node and role) it had
 * in the first map, and no slice appeared or vanished. A re-rank moves reads and leadership
 * to a replica that already holds the data; nothing is copied.
 */
export function checkMembersUnchanged(maps: readonly AppliedMap[]): string[] {
  const first = maps[0];
  if (first === undefined) return [];
  const initial = new Map<SliceId, string>();
  for (const r of first.placement.representations) {
    for (const s of r.slices) initial.set(s.id, memberSet(s.members));
  }
  const found: string[] = [];
  for (const map of maps.slice(1)) {
    const seen = new Set<SliceId>();
    for (const r of map.placement.representations) {
      for (const s of r.slices) {
        seen.add(s.id);
        const was = initial.get(s.id);
        const now = memberSet(s.members);
        if (was === undefined) found.push(`map v${map.version}: slice ${s.id} is new`);
        else if (was !== now) {
          found.push(`map v${map.version}: slice ${s.id} members [${now}], were [${was}]`);
        }
      }
    }
    for (const id of initial.keys()) {
      if (!seen.has(id)) found.push(`map v${map.version}: slice ${id} is gone`);
    }
  }
  return capped(found);
}

/** Slices of the representation named `name` in the last map, or 0 without one. */
export function sliceCount(map: AppliedMap | undefined, name: string): number {
  return representationOf(map, name)?.slices.length ?? 0;
}

function representationOf(map: AppliedMap | undefined, name: string): Representation | undefined {
  return map?.placement.representations.find((r) => r.name === name);
}

/**
 * Between consecutive maps, every representation's slices still cover the hash space with no
 * gap or overlap — a split replaces one slice by two halves of its range, never drops keys —
 * and each slice that first appears after the first map (a split's upper half) lists at least
 * the configured members from the start (checked by `checkNeverBelowReplicas` as well).
 */
export function checkCoverage(maps: readonly AppliedMap[]): string[] {
  const found: string[] = [];
  for (const map of maps) {
    for (const r of map.placement.representations) {
      let expected = 0n;
      for (const s of r.slices) {
        if (s.range.start !== expected || s.range.end <= s.range.start) {
          found.push(
            `map v${map.version}: ${r.name} slice ${s.id} covers [${formatHash(s.range.start)}, ` +
              `${formatHash(s.range.end)}), expected it to start at ${formatHash(expected)}`,
          );
          expected = -1n;
          break;
        }
        expected = s.range.end;
      }
      if (expected >= 0n && expected !== hashSpaceEnd) {
        found.push(
          `map v${map.version}: ${r.name} slices end at ${formatHash(expected)}, not at the end of the hash space`,
        );
      }
    }
  }
  return capped(found);
}
