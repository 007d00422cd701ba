import type { Metadata } from 'next';
import { PageHead } from '@/components/page-head';
import { WorkloadView } from './workload-view';

export const metadata: Metadata = { title: 'Workload' };

export default function Page() {
  return (
    <>
      <PageHead title="Workload">
        Reads, writes, data and busy time per node over the last 15 minutes, the nodes running hot
        and the slices making them hot, and what the rebalancer did about it and why.
      </PageHead>
      <WorkloadView />
    </>
  );
}
