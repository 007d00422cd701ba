import type { Metadata } from 'next';
import { PageHead } from '@/components/page-head';
import { TopologyView } from './topology-view';

export const metadata: Metadata = { title: 'Topology' };

export default function Page() {
  return (
    <>
      <PageHead title="Topology">
        Zones, their nodes, and what each node holds and serves, live. Operators add, drain, remove,
        kill and restart nodes here; the rebalancer&apos;s recent moves show below.
      </PageHead>
      <TopologyView />
    </>
  );
}
