import { PlacementError } from './errors';
import { hashSpaceEnd } from './hashSpace';
import type { Placement, Representation, Slice, SliceId } from './model';
import { sliceWeights } from './weights';
import { WorkingPlacement } from './workingPlacement';

/**
 * The slice of `representation` that owns `hash`: binary search over range starts, which
 * works because the ranges are sorted, contiguous and cover [0, 2^64).
 */
export function sliceFor(representation: Representation, hash: bigint): Slice {
  if (hash < 0n || hash >= hashSpaceEnd) {
    throw new PlacementError('invalid-argument', `hash ${hash} is outside [0, 2^64)`);
  }
  const slices = representation.slices;
  let low = 0;
  let high = slices.length - 1;
  // Invariant: the owner is in slices[low..high], since slices[0].start is 0.
  while (low < high) {
    const mid = (low + high + 1) >>> 1;
    const candidate = slices[mid];
    if (candidate === undefined) break;
    if (candidate.range.start <= hash) low = mid;
    else high = mid - 1;
  }
  const owner = slices[low];
  if (owner === undefined || hash < owner.range.start || hash >= owner.range.end) {
    throw new PlacementError(
      'invalid-placement',
      `${representation.name}: no slice owns hash ${hash}; slices do not cover the hash space`,
    );
  }
  return owner;
}

export interface SplitResult {
  readonly placement: Placement;
  /** The lower half keeps the slice's id. */
  readonly lower: SliceId;
  /** The upper half gets the next free slice id. */
  readonly upper: SliceId;
}

/**
 * Splits a slice in two at `at` (default: the middle of its range). Both halves keep the
 * slice's members and ranking replica, so the map moves no data (the cluster moves the upper
 * half's keys into its new replication group first); the rebalancer may move a half
 * afterwards. The upper half gets `upperId` when given (an id reserved in advance; it must be
 * free), else the next free slice id.
 */
export function splitSlice(
  placement: Placement,
  sliceId: SliceId,
  at?: bigint,
  upperId?: SliceId,
): SplitResult {
  const work = new WorkingPlacement(placement, sliceWeights());
  const slice = work.slice(sliceId);
  const { start, end } = slice.range;
  const splitAt = at ?? start + (end - start) / 2n;
  if (splitAt <= start || splitAt >= end) {
    throw new PlacementError(
      'invalid-argument',
      `slice ${sliceId}: split point ${splitAt} is not strictly inside its range`,
    );
  }
  const upper = upperId ?? work.nextSliceId();
  if (!Number.isSafeInteger(upper) || upper < 0) {
    throw new PlacementError('invalid-argument', `slice id ${upper} is not a whole number ≥ 0`);
  }
  const lowerRange = { start, end: splitAt };
  const upperRange = { start: splitAt, end };
  const members = [...slice.members];
  const ranking = slice.rankingReplica;
  work.replaceRange(sliceId, lowerRange);
  work.addSlice(slice.representation, upper, upperRange, sliceId);
  for (const m of members) work.add(upper, m);
  if (ranking !== undefined) work.setRanking(upper, ranking);
  return { placement: work.toPlacement(), lower: sliceId, upper };
}

/**
 * True when two slices of one representation are adjacent and have the same members and
 * ranking replica, so merging them moves no data.
 */
export function mergeable(representation: Representation, a: SliceId, b: SliceId): boolean {
  const i = representation.slices.findIndex((s) => s.id === a);
  const j = representation.slices.findIndex((s) => s.id === b);
  if (i < 0 || j < 0 || Math.abs(i - j) !== 1) return false;
  const [lower, upper] =
    i < j
      ? [representation.slices[i], representation.slices[j]]
      : [representation.slices[j], representation.slices[i]];
  if (lower === undefined || upper === undefined) return false;
  const key = (s: Slice) => s.members.map((m) => `${m.node}:${m.role}`).join(',');
  return (
    lower.range.end === upper.range.start &&
    lower.rankingReplica === upper.rankingReplica &&
    key(lower) === key(upper)
  );
}
