'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Loading, QueryError } from '@/components/query-state';
import { formatRate } from '@/lib/format';
import { useTRPC } from '@/trpc/client';

/** Hotspots are judged on the server's latest sample, so asking once a second is enough. */
const refreshMs = 1_000;

/**
 * The nodes serving clearly more than the others now (`metrics.hotspots`), each with its ratio to
 * the mean and the slices making it hot, linked to the slice map.
 */
export function Hotspots({ zoneOf }: { zoneOf: ReadonlyMap<number, string> }) {
  const trpc = useTRPC();
  const hotspots = useQuery(
    trpc.metrics.hotspots.queryOptions(undefined, { refetchInterval: refreshMs }),
  );
  const data = hotspots.data;
  return (
    <section className="card section" aria-labelledby="hotspots-heading" data-testid="hotspots">
      <h2 id="hotspots-heading">Hotspots</h2>
      {data === undefined ? (
        hotspots.error === null ? (
          <Loading what="hotspots" />
        ) : (
          <QueryError error={hotspots.error} />
        )
      ) : data.length === 0 ? (
        <p className="muted" data-testid="hotspots-empty">
          No hotspot now: no node serves clearly more reads and writes than the others. A node that
          does shows here with the slices making it hot; the rebalancer re-ranks or moves those
          slices to even the load out.
        </p>
      ) : (
        <ul className="hotspot-list">
          {data.map((hot) => (
            <li key={hot.node} data-testid="hotspot" data-node={hot.node}>
              <p>
                <strong className="mono">node {hot.node}</strong>
                {zoneOf.has(hot.node) ? (
                  <span className="muted"> (zone {zoneOf.get(hot.node)})</span>
                ) : null}{' '}
                <span className="badge warn" title="Its reads + writes per second over the mean">
                  {hot.ratio.toFixed(1)}× the mean
                </span>{' '}
                <span className="muted mono">
                  {formatRate(hot.readsPerSec)} reads/s · {formatRate(hot.writesPerSec)} writes/s
                </span>
              </p>
              {hot.slices.length === 0 ? (
                <p className="muted">No single slice stands out on this node.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th>Slice</th>
                      <th>Table or index</th>
                      <th className="num">Reads/s</th>
                      <th className="num">Writes/s</th>
                    </tr>
                  </thead>
                  <tbody>
                    {hot.slices.map((s) => (
                      <tr key={s.sliceId} data-testid="hotspot-slice">
                        <td className="mono">
                          <Link href={`/slices?slice=${s.sliceId}`}>slice {s.sliceId}</Link>
                        </td>
                        <td className="mono">{s.representation}</td>
                        <td className="num mono">{formatRate(s.readsPerSec)}</td>
                        <td className="num mono">{formatRate(s.writesPerSec)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </li>
          ))}
        </ul>
      )}
      {data !== undefined && hotspots.error !== null ? (
        <p className="muted error" role="status">
          Refresh failed: {hotspots.error.message} (showing the last answer)
        </p>
      ) : null}
    </section>
  );
}
