'use client';

import type { SessionUser } from '@tessera/api';
import { roleAtLeast } from '@tessera/api/roles';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { useTRPC } from '@/trpc/client';
import { navGroups } from './nav-items';

export function Shell({ user, children }: { user: SessionUser; children: ReactNode }) {
  const pathname = usePathname();
  const router = useRouter();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: () => {
        queryClient.clear();
        router.replace('/login');
      },
    }),
  );

  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          Tessera
          <small>cluster console</small>
        </div>
        <nav className="nav" aria-label="Console">
          {navGroups.map((group) => {
            const items = group.items.filter((item) => roleAtLeast(user.role, item.role));
            if (items.length === 0) return null;
            return (
              <div key={group.label} className="nav" role="group" aria-label={group.label}>
                <div className="nav-group">{group.label}</div>
                {items.map((item) => (
                  <Link
                    key={item.href}
                    href={item.href}
                    aria-current={pathname === item.href ? 'page' : undefined}
                  >
                    {item.label}
                  </Link>
                ))}
              </div>
            );
          })}
        </nav>
      </aside>
      <div className="main">
        <header className="topbar">
          <span className="muted">
            Signed in as <strong data-testid="current-user">{user.loginName}</strong> ({user.role})
          </span>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              logout.mutate();
            }}
            disabled={logout.isPending}
          >
            Sign out
          </button>
        </header>
        <main className="content">{children}</main>
      </div>
    </div>
  );
}
