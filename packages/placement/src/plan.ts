import type { PlacementChange } from './changes';
import type { WorkingPlacement } from './workingPlacement';

/**
 * `promote`: restore a lost ranking replica from a surviving data replica. Such steps go
 * first in a repair plan, across all slices, so reads and writes resume before any copying.
 * `step`: everything else, kept in the order decided, which per slice is always safe (a
 * replacement is added before the member it replaces is removed).
 */
export type Stage = 'promote' | 'step';

/**
 * Collects the changes of a plan, applying each to the working placement at once so that
 * later decisions see it.
 */
export class PlanBuilder {
  private readonly staged: { stage: Stage; change: PlacementChange }[] = [];

  constructor(private readonly work: WorkingPlacement) {}

  emit(stage: Stage, change: PlacementChange): void {
    this.work.apply(change);
    this.staged.push({ stage, change });
  }

  get size(): number {
    return this.staged.length;
  }

  /** Early promotions first, then every other step in the order decided. */
  changes(): PlacementChange[] {
    return [
      ...this.staged.filter((s) => s.stage === 'promote'),
      ...this.staged.filter((s) => s.stage === 'step'),
    ].map((s) => s.change);
  }
}
