import type { Metadata } from 'next';
import { NotBuiltYet } from '@/components/not-built';
import { PageHead } from '@/components/page-head';

export const metadata: Metadata = { title: 'Slices' };

export default function Page() {
  return (
    <>
      <PageHead title="Slices">
        Every table and index representation as slices by replicas.
      </PageHead>
      <NotBuiltYet needs="the cluster core (representations, slices and replicas)">
        A grid per representation: each slice's hash range and size against the split threshold, its
        replicas with node, zone, role (ranking, replica, logger, learner), applied position and
        lag, coloured by load.
      </NotBuiltYet>
    </>
  );
}
