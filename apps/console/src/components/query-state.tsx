'use client';

import { httpStatusOf } from '@/trpc/client';

/** Loading and error states shared by every page: readable messages, never a blank page. */
export function QueryError({ error }: { error: unknown }) {
  const status = httpStatusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (status === 403) {
    return (
      <div className="notice" role="alert">
        <strong>Not allowed.</strong> {message}
      </div>
    );
  }
  return (
    <div className="notice error" role="alert">
      <strong>Could not load this page&apos;s data.</strong> {message}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}
