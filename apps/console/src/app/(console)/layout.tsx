'use client';

import { useQuery } from '@tanstack/react-query';
import { usePathname, useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { useEffect } from 'react';
import { Shell } from '@/components/shell';
import { Loading, QueryError } from '@/components/query-state';
import { useTRPC } from '@/trpc/client';

/** Every console page needs a valid session; without one the browser goes to /login. */
export default function ConsoleLayout({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const me = useQuery(trpc.auth.me.queryOptions());
  const signedOut = me.isSuccess && me.data === null;

  useEffect(() => {
    if (signedOut) {
      const next = pathname === '/' ? '' : `?next=${encodeURIComponent(pathname)}`;
      router.replace(`/login${next}`);
    }
  }, [signedOut, pathname, router]);

  if (me.isError) {
    return (
      <main className="content">
        <QueryError error={me.error} />
      </main>
    );
  }
  if (!me.data) {
    return (
      <main className="content">
        <Loading what="your session" />
      </main>
    );
  }
  return <Shell user={me.data}>{children}</Shell>;
}
