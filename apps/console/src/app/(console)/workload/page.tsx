import type { Metadata } from 'next';
import { NotBuiltYet } from '@/components/not-built';
import { PageHead } from '@/components/page-head';

export const metadata: Metadata = { title: 'Workload' };

export default function Page() {
  return (
    <>
      <PageHead title="Workload">Per-node load over time, hotspots and the rebalancer.</PageHead>
      <NotBuiltYet needs="the cluster core and the rebalancer">
        Reads/s, writes/s, bytes and busy time per node over time, the slices that make a node hot,
        and the rebalancer's decisions with their reasons.
      </NotBuiltYet>
    </>
  );
}
