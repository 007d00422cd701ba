'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { FilterActions } from '@/components/filter-actions';
import { Suspense } from 'react';
import { PageHead } from '@/components/page-head';
import { Loading, QueryError } from '@/components/query-state';
import { useTRPC } from '@/trpc/client';
import type { SubmitEvent } from '@/lib/form';

const outcomes = ['ok', 'denied', 'failed'] as const;
type Outcome = (typeof outcomes)[number];
const isOutcome = (v: string | null): v is Outcome => outcomes.some((o) => o === v);

function AuditTrail() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  // Filters live in the URL so a filtered view can be shared and survives a reload.
  const actor = params.get('actor') ?? '';
  const action = params.get('action') ?? '';
  const outcomeParam = params.get('outcome');
  const outcome = isOutcome(outcomeParam) ? outcomeParam : undefined;

  const query = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      {
        limit: 50,
        actor: actor || undefined,
        action: action || undefined,
        outcome,
      },
      {
        getNextPageParam: (last) => last.nextBeforeId ?? undefined,
        initialCursor: undefined,
        refetchInterval: 5_000,
      },
    ),
  );

  const applyFilters = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of ['actor', 'action', 'outcome']) {
      const value = form.get(key);
      if (typeof value === 'string' && value.trim() !== '') next.set(key, value.trim());
    }
    const search = next.toString();
    router.replace(search ? `${pathname}?${search}` : pathname);
  };

  const events = query.data?.pages.flatMap((p) => p.events) ?? [];
  const filtered = actor !== '' || action !== '' || outcome !== undefined;
  return (
    <>
      <form
        className="form-row card"
        onSubmit={applyFilters}
        aria-label="Filter audit events"
        key={params.toString()}
      >
        <label>
          Actor
          <input name="actor" defaultValue={actor} placeholder="login name" />
        </label>
        <label>
          Action starts with
          <input name="action" defaultValue={action} placeholder="e.g. users." />
        </label>
        <label>
          Outcome
          <select name="outcome" defaultValue={outcome ?? ''}>
            <option value="">any</option>
            {outcomes.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <FilterActions filtered={filtered} />
      </form>
      <div className="card section">
        {query.isError ? <QueryError error={query.error} /> : null}
        {query.isPending ? <Loading what="audit events" /> : null}
        {query.isSuccess && events.length === 0 ? (
          <p className="muted" data-testid="audit-empty">
            {filtered
              ? 'No audit events match these filters. Loosen or clear them to see more.'
              : 'No audit events yet: sign-ins and every change made through the console or its API are recorded here.'}
          </p>
        ) : null}
        {events.length > 0 ? (
          <table data-testid="audit-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Target</th>
                <th>Outcome</th>
                <th>Detail</th>
                <th>From</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id} data-testid="audit-row">
                  <td className="mono">{e.at.toLocaleString()}</td>
                  <td data-testid="audit-actor">{e.actor}</td>
                  <td className="mono" data-testid="audit-action">
                    {e.action}
                  </td>
                  <td data-testid="audit-target">{e.target}</td>
                  <td data-testid="audit-outcome">
                    <span
                      className={`badge ${e.outcome === 'ok' ? 'ok' : e.outcome === 'denied' ? 'warn' : 'bad'}`}
                    >
                      {e.outcome}
                    </span>
                  </td>
                  <td className="muted">{e.detail}</td>
                  <td className="mono muted">{e.remote}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {events.length > 0 ? (
          <p className="muted live-note" data-testid="audit-count">
            {events.length} {events.length === 1 ? 'event' : 'events'} shown, newest first
            {query.hasNextPage ? '; older ones below' : ''}.
          </p>
        ) : null}
        {query.hasNextPage ? (
          <p style={{ marginTop: 12 }}>
            <button
              type="button"
              className="secondary"
              onClick={() => void query.fetchNextPage()}
              data-testid="audit-older"
              disabled={query.isFetchingNextPage}
            >
              {query.isFetchingNextPage ? 'Loading…' : 'Older events'}
            </button>
          </p>
        ) : null}
      </div>
    </>
  );
}

export default function AuditPage() {
  return (
    <>
      <PageHead title="Audit">
        Every sign-in and every change made through the console or its API, newest first.
      </PageHead>
      <Suspense fallback={<Loading what="audit events" />}>
        <AuditTrail />
      </Suspense>
    </>
  );
}
