import type { LoadReport, SliceId } from './model';

/**
 * How much a slice weighs on a node. Without a load report every data copy weighs 1 and every
 * ranking replica serves 1, so balancing weight is balancing counts; with one, copies weigh
 * their bytes and ranking replicas their reads per second.
 */
export interface SliceWeights {
  readonly measured: boolean;
  dataOf(slice: SliceId): number;
  readsOf(slice: SliceId): number;
}

export function sliceWeights(load?: LoadReport): SliceWeights {
  if (load === undefined) {
    return { measured: false, dataOf: () => 1, readsOf: () => 1 };
  }
  return {
    measured: true,
    dataOf: (slice) => load.get(slice)?.bytes ?? 0,
    readsOf: (slice) => load.get(slice)?.readsPerSec ?? 0,
  };
}
