'use client';

import { useMemo } from 'react';
import { LiveNote, useClusterOverview } from '@/components/cluster';
import { Hotspots } from './hotspots';
import { NodeLoad } from './node-load';
import { RebalancerTimeline } from './rebalancer-timeline';

/**
 * Per-node load over time, the hotspots now, and the rebalancer's state and timeline. The live
 * overview gives each node's zone (for the legends) and the rebalancer's state; the charts,
 * hotspots and timeline poll their own procedures.
 */
export function WorkloadView() {
  const cluster = useClusterOverview();
  const nodes = cluster.overview?.nodes;
  // Keyed on the zones themselves: the overview object is new twice a second, the zones rarely.
  const zoneKey = nodes?.map((n) => `${n.id}:${n.zone}`).join(',') ?? '';
  const zoneOf = useMemo(
    () =>
      new Map(
        zoneKey
          .split(',')
          .filter((entry) => entry !== '')
          .map((entry) => {
            const [id = '', zone = ''] = entry.split(':');
            return [Number(id), zone] as const;
          }),
      ),
    [zoneKey],
  );
  return (
    <>
      <LiveNote live={cluster.live} />
      <NodeLoad zoneOf={zoneOf} />
      <Hotspots zoneOf={zoneOf} />
      <RebalancerTimeline status={cluster.overview?.rebalancer ?? null} />
    </>
  );
}
