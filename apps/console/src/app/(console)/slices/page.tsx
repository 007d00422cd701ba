import type { Metadata } from 'next';
import { Suspense } from 'react';
import { PageHead } from '@/components/page-head';
import { Loading } from '@/components/query-state';
import { SlicesView } from './slices-view';

export const metadata: Metadata = { title: 'Slices' };

export default function Page() {
  return (
    <>
      <PageHead title="Slices">
        A database&apos;s tables and indexes as slices by nodes, live: each slice&apos;s hash range
        and size against the split threshold, where its ranking replica and leader are, and how far
        each member is behind. Open a slice for its history and load.
      </PageHead>
      {/* useSearchParams: the view renders in the browser, with its filters from the URL. */}
      <Suspense fallback={<Loading what="the slice map" />}>
        <SlicesView />
      </Suspense>
    </>
  );
}
