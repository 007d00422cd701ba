import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { TrpcProviders } from '@/trpc/client';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Tessera console', template: '%s · Tessera' },
  description: 'Operate a Tessera cluster: topology, slices, workload, SQL and schema changes.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TrpcProviders>{children}</TrpcProviders>
      </body>
    </html>
  );
}
