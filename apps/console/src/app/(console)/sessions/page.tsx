import type { Metadata } from 'next';
import { NotBuiltYet } from '@/components/not-built';
import { PageHead } from '@/components/page-head';

export const metadata: Metadata = { title: 'Sessions' };

export default function Page() {
  return (
    <>
      <PageHead title="Sessions">Clients connected to the SQL gateway.</PageHead>
      <NotBuiltYet needs="the SQL gateway">
        Each connected client — user, host, database, current statement, time and transaction state
        — with a way for operators to kill it.
      </NotBuiltYet>
    </>
  );
}
