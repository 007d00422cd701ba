'use client';

import type { ClusterEvent } from '@tessera/api';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Loading, QueryError } from '@/components/query-state';
import { useTRPC } from '@/trpc/client';

/** Events the Overview lists; the rest stay on the server (it keeps its own bounded history). */
const eventsShown = 20;

const severityClass: Record<ClusterEvent['severity'], string> = {
  info: '',
  warning: 'warn',
  error: 'bad',
};

/** The newest cluster events (`metrics.events`), refetched every second. */
export function RecentEvents() {
  const trpc = useTRPC();
  const events = useQuery(
    trpc.metrics.events.queryOptions({ limit: eventsShown }, { refetchInterval: 1_000 }),
  );
  return (
    <section className="card section" aria-labelledby="events-heading" data-testid="events">
      <h2 id="events-heading">Recent events</h2>
      {events.isError && events.data === undefined ? <QueryError error={events.error} /> : null}
      {events.isPending ? <Loading what="cluster events" /> : null}
      {events.data?.length === 0 ? (
        <p className="muted" data-testid="events-empty">
          Nothing has happened since the server started. Nodes going down or up, leader changes,
          under-replicated slices and the rebalancer&apos;s decisions appear here as the server
          observes them.
        </p>
      ) : null}
      {events.data !== undefined && events.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>Time</th>
              <th>Severity</th>
              <th>Event</th>
              <th>See</th>
            </tr>
          </thead>
          <tbody>
            {events.data.map((event) => (
              <EventRow key={event.id} event={event} />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function EventRow({ event }: { event: ClusterEvent }) {
  return (
    <tr data-testid="event" data-kind={event.kind} data-severity={event.severity}>
      <td className="mono">{event.at.toLocaleTimeString('en-GB', { hour12: false })}</td>
      <td>
        <span className={`badge ${severityClass[event.severity]}`}>{event.severity}</span>
      </td>
      <td data-testid="event-message">{event.message}</td>
      <td>
        <ul className="inline-list">
          {event.slice === null ? null : (
            <li>
              <Link href={`/slices?slice=${event.slice}`}>slice {event.slice}</Link>
            </li>
          )}
          {event.node === null ? null : (
            <li>
              <Link href="/topology">node {event.node}</Link>
            </li>
          )}
        </ul>
      </td>
    </tr>
  );
}
