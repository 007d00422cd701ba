import type { Metadata } from 'next';
import { NotBuiltYet } from '@/components/not-built';
import { PageHead } from '@/components/page-head';

export const metadata: Metadata = { title: 'Filters' };

export default function Page() {
  return (
    <>
      <PageHead title="Filters">
        Gateway query rules: block, throttle or limit matching statements.
      </PageHead>
      <NotBuiltYet needs="the SQL gateway">
        Rules that match by user, table, statement type or pattern, and what each does: block,
        throttle or cap concurrency.
      </NotBuiltYet>
    </>
  );
}
