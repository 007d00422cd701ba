import type { PlacementChange } from './changes';
import type { Placement } from './model';
import { sliceWeights } from './weights';
import { WorkingPlacement } from './workingPlacement';

/**
 * The placement after `changes`, in order. Throws a PlacementError if a change does not fit
 * (a member added twice, a learner promoted that is not one): plans from this package always
 * fit the placement they were made for.
 */
export function applyChanges(placement: Placement, changes: readonly PlacementChange[]): Placement {
  const work = new WorkingPlacement(placement, sliceWeights());
  for (const change of changes) work.apply(change);
  return work.toPlacement();
}
