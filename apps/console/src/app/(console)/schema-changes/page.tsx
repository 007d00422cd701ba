import type { Metadata } from 'next';
import { NotBuiltYet } from '@/components/not-built';
import { PageHead } from '@/components/page-head';

export const metadata: Metadata = { title: 'Schema changes' };

export default function Page() {
  return (
    <>
      <PageHead title="Schema changes">Online schema changes as resumable jobs.</PageHead>
      <NotBuiltYet needs="online DDL">
        A wizard to plan, run, throttle, pause, cancel, cut over and revert online schema changes,
        with progress per job.
      </NotBuiltYet>
    </>
  );
}
