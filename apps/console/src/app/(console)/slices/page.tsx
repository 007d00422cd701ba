import type { Metadata } from 'next';
import { Suspense } from 'react';
import { NotBuiltYet } from '@/components/not-built';
import { PageHead } from '@/components/page-head';
import { Loading } from '@/components/query-state';
import { SlicesView } from './slices-view';

export const metadata: Metadata = { title: 'Slices' };

export default function Page() {
  return (
    <>
      <PageHead title="Slices">
        Every table as slices by replicas: where each slice should lead, where it does, and how far
        each member is behind.
      </PageHead>
      <Suspense fallback={<Loading what="slices" />}>
        <SlicesView />
      </Suspense>
      <div className="section">
        <NotBuiltYet needs="slice ranges, sizes, per-slice load or slice history">
          Each slice&apos;s hash range, its size against the split threshold, colouring by reads/s,
          and its history (splits, moves, leader changes) appear here once they are recorded. The
          slices, members, applied positions and lag above are live.
        </NotBuiltYet>
      </div>
    </>
  );
}
