'use client';

import { useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { PageHead } from '@/components/page-head';
import { Loading, QueryError } from '@/components/query-state';
import { formatDuration } from '@/lib/format';
import { useTRPC } from '@/trpc/client';
import { ClusterHealth } from './cluster-health';
import { LoadCharts } from './load-charts';
import { RecentEvents } from './recent-events';

/**
 * The cluster at a glance: this process (health, uptime, version), the cluster's health (nodes
 * per zone, slices, rebalancer, control plane), statements and latency over time, and the
 * newest cluster events — every part live.
 */
export default function OverviewPage() {
  const trpc = useTRPC();
  // The first answer comes from a plain query; the live stream then refreshes it every second.
  const initial = useQuery(trpc.server.health.queryOptions());
  const info = useQuery(trpc.server.info.queryOptions());
  const live = useSubscription(trpc.server.live.subscriptionOptions());

  const current =
    live.data ?? (info.data && initial.data ? { info: info.data, ...initial.data } : null);
  const error = info.error ?? initial.error;

  return (
    <>
      <PageHead title="Overview">
        The cluster at a glance, live: its health, its queries and what happened to it lately.
      </PageHead>
      {error ? <QueryError error={error} /> : null}
      {!current && !error ? <Loading what="server status" /> : null}
      {current ? (
        <>
          <div className="grid">
            <div className="card">
              <h2>API health</h2>
              <span className={`badge ${current.ok ? 'ok' : 'bad'}`} data-testid="api-health">
                {current.ok ? 'healthy' : 'unhealthy'}
              </span>
              <p className="muted" style={{ marginTop: 8 }}>
                {live.status === 'pending'
                  ? 'Live: updating every second'
                  : live.status === 'error'
                    ? `Live updates stopped: ${live.error.message}`
                    : 'Live: connecting…'}
              </p>
            </div>
            <div className="card">
              <h2>Uptime</h2>
              <div className="stat" data-testid="uptime">
                {formatDuration(current.info.uptimeSeconds)}
              </div>
              <p className="muted">since {current.info.startedAt.toLocaleString()}</p>
            </div>
            <div className="card">
              <h2>Version</h2>
              <div className="stat" data-testid="server-version">
                {current.info.version}
              </div>
              <p className="muted">Node.js {current.info.nodeVersion}</p>
            </div>
          </div>
        </>
      ) : null}
      <ClusterHealth />
      <LoadCharts />
      <RecentEvents />
      {current ? (
        <>
          <div className="grid section">
            <div className="card">
              <h2>Process</h2>
              <dl className="kv">
                <dt>Data directory</dt>
                <dd className="mono" data-testid="data-dir">
                  {current.info.dataDir}
                </dd>
                <dt>PID</dt>
                <dd className="mono">{current.info.pid}</dd>
                <dt>Console API</dt>
                <dd className="mono">{current.info.endpoints.api}</dd>
                <dt>MySQL port</dt>
                <dd>
                  {current.info.endpoints.mysql ?? (
                    <span className="muted">
                      none: this server runs without a MySQL listener (--mysql-port)
                    </span>
                  )}
                </dd>
              </dl>
            </div>
            <div className="card">
              <h2>Health checks</h2>
              <table>
                <thead>
                  <tr>
                    <th>Check</th>
                    <th>Status</th>
                    <th>Latency</th>
                  </tr>
                </thead>
                <tbody>
                  {current.checks.map((check) => (
                    <tr key={check.name}>
                      <td>
                        {check.name}
                        <div className="muted">{check.detail}</div>
                      </td>
                      <td>
                        <span className={`badge ${check.ok ? 'ok' : 'bad'}`}>
                          {check.ok ? 'ok' : 'failing'}
                        </span>
                      </td>
                      <td className="mono">{check.latencyMs.toFixed(1)} ms</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        </>
      ) : null}
    </>
  );
}
