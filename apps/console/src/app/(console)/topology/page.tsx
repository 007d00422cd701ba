import type { Metadata } from 'next';
import { NotBuiltYet } from '@/components/not-built';
import { PageHead } from '@/components/page-head';
import { TopologyView } from './topology-view';

export const metadata: Metadata = { title: 'Topology' };

export default function Page() {
  return (
    <>
      <PageHead title="Topology">Zones, their nodes, and what each node holds and serves.</PageHead>
      <TopologyView />
      <div className="section">
        <NotBuiltYet needs="per-node storage and load statistics, or the operator actions">
          Each node&apos;s data size, reads/s and writes/s, and the operator actions add, drain,
          remove, kill and restart (they come with high availability) appear here once they exist.
          The zones, nodes and control plane above are live.
        </NotBuiltYet>
      </div>
    </>
  );
}
