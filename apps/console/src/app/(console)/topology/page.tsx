import type { Metadata } from 'next';
import { NotBuiltYet } from '@/components/not-built';
import { PageHead } from '@/components/page-head';

export const metadata: Metadata = { title: 'Topology' };

export default function Page() {
  return (
    <>
      <PageHead title="Topology">Zones, their nodes, and what each node holds and serves.</PageHead>
      <NotBuiltYet needs="the cluster core (data nodes and zones)">
        Each zone with its nodes — status, slice and ranking-replica counts, data size, reads/s and
        writes/s — and the operator actions add, drain, remove, kill and restart.
      </NotBuiltYet>
    </>
  );
}
