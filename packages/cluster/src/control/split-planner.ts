import type { Slice, SliceId } from '@tessera/placement';
import type { NodePositions } from './control-protocol';
import type { ControlCommand, ControlState, PendingSplit } from './control-state';
import { busySlices } from './rebalancer-activity';
import type { RebalancerOptions } from './rebalancer-options';

/**
 * The rebalancer's split duty (issue 5: "a slice over `splitThreshold` bytes splits into two
 * by hash range without blocking reads or writes"), as two rounds of the same kind as its
 * others — each one control command, recorded in the activity history:
 *
 * ```
 *   begin    a slice's largest copy reports more than splitThresholdBytes
 *              → beginSplit { at = middle of its hash range, reason `split: 9.1 GB > 8 GB` }
 *                map unchanged; the new slice id reserved; the split pending in the state;
 *                activity `split` running
 *            node agents (layout/split-sync.ts): the parent group's leader proposes the split
 *            entry; every member moves the keys ≥ at into the new group, founds it, and the
 *            parent refuses those keys from then on (WRONG_SLICE: clients re-route)
 *   finish   a member of the new group reports it leads it
 *              → finishSplit { movedBytes = the new group's largest reported copy }
 *                the map splits (same members, same ranking replica); activity done
 * ```
 *
 * The middle of the hash range halves the keys (the hash is uniform), so the data halves
 * too, without reading it. One split runs at a time, on a slice with no other task running,
 * every member on an up node (repairs first). A slice's size is judged only from reports
 * newer than its last split, so a split is never decided again on the sizes before it.
 *
 * Not built: splitting by load (a hot slice), merging small slices back, and a split point
 * chosen from the data (a skewed distribution key splits into uneven halves).
 */
/**
 * 512 MiB, not Xpand's 8 GB: a split moves the upper half in one write batch held in memory on
 * every member (storage's space-split: no streaming move yet), and smaller slices also make
 * each re-replication and balance move shorter. CockroachDB's range_max_bytes default is the
 * same 512 MiB. Configurable (`tessera serve --split-threshold 8GB`).
 */
export const defaultSplitThresholdBytes = 512 * 1024 ** 2;

export function planSplit(
  state: ControlState,
  nowMs: number,
  options: RebalancerOptions,
  positions: readonly NodePositions[],
): ControlCommand | undefined {
  const pending = state.pendingSplits;
  for (const split of pending) {
    const finish = planSplitFinish(split, nowMs, positions);
    if (finish !== undefined) return finish;
  }
  if (pending.length > 0) return undefined;
  return planSplitStart(state, nowMs, options, positions);
}

/** The finish of a pending split once a member of the new group reports leading it. */
function planSplitFinish(
  split: PendingSplit,
  nowMs: number,
  positions: readonly NodePositions[],
): ControlCommand | undefined {
  const group = split.upper + 1; // layout/slice-groups: group id = slice id + 1
  const reports = positions.flatMap((n) => n.replicas.filter((r) => r.groupId === group));
  if (!reports.some((r) => r.raftRole === 'leader')) return undefined;
  const movedBytes = Math.max(0, ...reports.map((r) => r.bytes ?? 0));
  return { kind: 'finishSplit', sliceId: split.sliceId, atMs: nowMs, movedBytes };
}

function planSplitStart(
  state: ControlState,
  nowMs: number,
  options: RebalancerOptions,
  positions: readonly NodePositions[],
): ControlCommand | undefined {
  const threshold = options.splitThresholdBytes ?? defaultSplitThresholdBytes;
  const busy = busySlices(state.rebalancerActivity);
  const splitEnded = lastSplitEnds(state);
  let best: { slice: Slice; bytes: number } | undefined;
  for (const representation of state.slicePlacement.representations) {
    for (const slice of representation.slices) {
      if (busy.has(slice.id)) continue;
      if (slice.members.some((m) => state.node(m.node)?.state !== 'up')) continue;
      if (slice.range.end - slice.range.start < 2n) continue;
      const bytes = reportedBytes(slice.id, positions, splitEnded.get(slice.id) ?? -1);
      if (bytes <= threshold) continue;
      if (best === undefined || bytes > best.bytes) best = { slice, bytes };
    }
  }
  if (best === undefined) return undefined;
  const { start, end } = best.slice.range;
  return {
    kind: 'beginSplit',
    sliceId: best.slice.id,
    at: start + (end - start) / 2n,
    atMs: nowMs,
    reason: `split: ${formatBytes(best.bytes)} > ${formatBytes(threshold)}`,
  };
}

/** The largest copy of the slice reported after `afterMs` (0 when none). */
function reportedBytes(
  sliceId: SliceId,
  positions: readonly NodePositions[],
  afterMs: number,
): number {
  let bytes = 0;
  for (const node of positions) {
    if (node.atMs <= afterMs) continue;
    for (const r of node.replicas) {
      if (r.groupId === sliceId + 1) bytes = Math.max(bytes, r.bytes ?? 0);
    }
  }
  return bytes;
}

/** When each slice's newest split finished (by the leader's clock), from the history. */
function lastSplitEnds(state: ControlState): Map<SliceId, number> {
  const ends = new Map<SliceId, number>();
  for (const a of state.rebalancerActivity) {
    if (a.action !== 'split' || a.state !== 'done') continue;
    ends.set(a.sliceId, Math.max(ends.get(a.sliceId) ?? -1, a.atMs + a.durationMs));
  }
  return ends;
}

/** Binary units, as the reasons show them: `9.1 GB`, `8 GB`, `640 KB`, `12 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 ? String(value) : value.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${units[unit] ?? 'B'}`;
}

/**
 * Parses a size as an operator writes it (`--split-threshold 64MB`): whole bytes, or a number
 * with a binary unit K/KB/KiB, M…, G…, T… (case-insensitive). Undefined when it is not one.
 */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (m === null) return undefined;
  const [, number = '', unit = ''] = m;
  const scale = 1024 ** ['', 'k', 'm', 'g', 't'].indexOf(unit.toLowerCase());
  const bytes = Math.round(Number(number) * scale);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}
