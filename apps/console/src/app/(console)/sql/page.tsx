import type { Metadata } from 'next';
import { NotBuiltYet } from '@/components/not-built';
import { PageHead } from '@/components/page-head';

export const metadata: Metadata = { title: 'SQL' };

export default function Page() {
  return (
    <>
      <PageHead title="SQL">
        Run statements against the cluster as your mapped database account.
      </PageHead>
      <NotBuiltYet needs="the SQL gateway (MySQL protocol and query engine)">
        An editor with MySQL syntax, results in a paged grid, EXPLAIN drawn as the distributed plan,
        and your query history.
      </NotBuiltYet>
    </>
  );
}
