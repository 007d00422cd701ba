import type { Metadata } from 'next';
import { Suspense } from 'react';
import { PageHead } from '@/components/page-head';
import { Loading } from '@/components/query-state';
import { SessionsView } from './sessions-view';

export const metadata: Metadata = { title: 'Sessions' };

export default function Page() {
  return (
    <>
      <PageHead title="Sessions">
        Clients connected to this server&apos;s SQL gateway, live: who they are, what they run and
        whether they hold a transaction open. Operators can kill a connection or its statement.
      </PageHead>
      {/* The filters are read from the URL, which is only known in the browser. */}
      <Suspense fallback={<Loading what="sessions" />}>
        <SessionsView />
      </Suspense>
    </>
  );
}
