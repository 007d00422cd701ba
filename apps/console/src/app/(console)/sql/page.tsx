import type { Metadata } from 'next';
import { Suspense } from 'react';
import { PageHead } from '@/components/page-head';
import { Loading } from '@/components/query-state';
import { SqlConsole } from './sql-console';

export const metadata: Metadata = { title: 'SQL' };

export default function Page() {
  return (
    <>
      <PageHead title="SQL">
        Run statements against the cluster as your mapped database account. EXPLAIN shows the
        distributed plan: which slices and nodes each step reads.
      </PageHead>
      {/* The chosen database lives in the URL (`?db=`), read on the client. */}
      <Suspense fallback={<Loading what="the SQL editor" />}>
        <SqlConsole />
      </Suspense>
    </>
  );
}
