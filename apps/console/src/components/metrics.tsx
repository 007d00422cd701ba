'use client';

import type { ClusterMetricSample } from '@tessera/api';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPCClient } from '@/trpc/client';

/** How much history the console keeps, like the server: 15 minutes of one-second samples. */
export const metricsWindowMs = 15 * 60_000;

/** The poll's pace: the server samples once a second. */
const pollIntervalMs = 1_000;

/** One cache entry shared by every page that charts the cluster (Overview, Workload). */
const clusterSamplesKey = ['console', 'metrics.cluster', 'window'] as const;

export interface ClusterSamples {
  /** Oldest first, at most the last 15 minutes; empty until the server has sampled. */
  readonly samples: readonly ClusterMetricSample[];
  /** Why the first poll failed, or null (a later failure keeps the samples already held). */
  readonly error: unknown;
  readonly pending: boolean;
  /** The newest poll failed: the charts show what was held before. */
  readonly stale: boolean;
}

/** Appends `fresh` to `held` (dropping any already held), keeping the last `metricsWindowMs`. */
export function appendSamples(
  held: readonly ClusterMetricSample[],
  fresh: readonly ClusterMetricSample[],
): readonly ClusterMetricSample[] {
  const newestHeld = held.at(-1)?.at ?? -Infinity;
  const merged = [...held, ...fresh.filter((s) => s.at > newestHeld)];
  const newest = merged.at(-1)?.at;
  if (newest === undefined) return merged;
  return merged.filter((s) => s.at > newest - metricsWindowMs);
}

/**
 * The cluster's samples (`metrics.cluster`), polled every second. Each poll asks only for the
 * samples after the newest one held (`sinceMs`) and appends them, so a poll carries one sample
 * rather than fifteen minutes of them; the window is trimmed client-side as the server trims
 * its own. Pages share one cache entry, so moving between them keeps the history.
 */
export function useClusterSamples(): ClusterSamples {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: clusterSamplesKey,
    queryFn: async ({ signal }) => {
      const held = queryClient.getQueryData<readonly ClusterMetricSample[]>(clusterSamplesKey);
      const sinceMs = held?.at(-1)?.at;
      const fresh = await client.metrics.cluster.query(sinceMs === undefined ? {} : { sinceMs }, {
        signal,
      });
      return appendSamples(held ?? [], fresh);
    },
    refetchInterval: pollIntervalMs,
    staleTime: 0,
  });
  return {
    samples: query.data ?? [],
    error: query.data === undefined ? query.error : null,
    pending: query.isPending,
    stale: query.data !== undefined && query.isError,
  };
}
