import type { Metadata } from 'next';
import { NotBuiltYet } from '@/components/not-built';
import { PageHead } from '@/components/page-head';

export const metadata: Metadata = { title: 'Branches' };

export default function Page() {
  return (
    <>
      <PageHead title="Branches">
        Logical databases branched from a parent at a point in time.
      </PageHead>
      <NotBuiltYet needs="branching">
        A wizard to branch a database (schema only or with data, now or at a past timestamp), its
        schema diff against the parent, and deploy requests back to the parent.
      </NotBuiltYet>
    </>
  );
}
