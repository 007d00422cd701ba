'use client';

import type { ClusterOverview } from '@tessera/api';
import { useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { PageHead } from '@/components/page-head';
import { Loading, QueryError } from '@/components/query-state';
import Link from 'next/link';
import { LiveNote, NodeStateBadge, nodesByZone, useClusterOverview } from '@/components/cluster';
import { NotBuiltYet } from '@/components/not-built';
import { formatDuration } from '@/lib/format';
import { useTRPC } from '@/trpc/client';

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
      <PageHead title="Overview">The Tessera process this console is connected to.</PageHead>
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
                    <span className="muted">not served by this build</span>
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
      <div className="section">
        <NotBuiltYet needs="load statistics, the rebalancer or an under-replication history">
          QPS and latency charts, the rebalancer&apos;s decisions and the history of
          under-replicated slices appear here once they are collected. The cluster card above is
          live.
        </NotBuiltYet>
      </div>
    </>
  );
}

/** The live cluster: control-plane leader, nodes per zone, tables and leaderless slices. */
function ClusterHealth() {
  const cluster = useClusterOverview();
  const overview = cluster.overview;
  return (
    <section className="section" aria-labelledby="cluster-heading" data-testid="cluster-card">
      <h2 id="cluster-heading">Cluster</h2>
      {cluster.error ? <QueryError error={cluster.error} /> : null}
      {!overview && !cluster.error ? <Loading what="cluster status" /> : null}
      {overview ? <ClusterCards overview={overview} live={cluster.live} /> : null}
    </section>
  );
}

function ClusterCards({
  overview,
  live,
}: {
  overview: ClusterOverview;
  live: ReturnType<typeof useClusterOverview>['live'];
}) {
  const { controlPlane, nodes, tables, slices } = overview;
  const zones = nodesByZone(nodes);
  const nodesUp = nodes.filter((n) => n.state === 'up').length;
  const leaderless = slices.filter((s) => s.leader === null).length;
  const serving = controlPlane.members.filter((m) => m.serving).length;
  return (
    <>
      <div className="grid">
        <div className="card">
          <h2>Control plane</h2>
          {controlPlane.leader === null ? (
            <span className="badge bad" data-testid="cp-leader">
              no leader
            </span>
          ) : (
            <span className="badge ok" data-testid="cp-leader">
              leader: member {controlPlane.leader}
            </span>
          )}
          <p className="muted" style={{ marginTop: 8 }}>
            {controlPlane.members.filter((m) => m.up).length} of {controlPlane.members.length}{' '}
            members up, {serving} serving
          </p>
          <LiveNote live={live} />
        </div>
        <div className="card">
          <h2>Nodes</h2>
          <div className="stat" data-testid="nodes-up">
            {nodesUp} / {nodes.length} up
          </div>
          {nodes.length === 0 ? (
            <p className="muted">No data nodes are registered with the control plane yet.</p>
          ) : (
            <table aria-label="Nodes by zone" data-testid="zones">
              <thead>
                <tr>
                  <th>Zone</th>
                  <th>Nodes</th>
                </tr>
              </thead>
              <tbody>
                {zones.map(({ zone, nodes: inZone }) => (
                  <tr key={zone} data-testid={`zone-${zone}`}>
                    <td className="mono">{zone}</td>
                    <td>
                      <ul className="inline-list">
                        {inZone.map((node) => (
                          <li key={node.id} data-testid={`zone-node-${node.id}`}>
                            <span className="mono">node {node.id}</span>{' '}
                            <NodeStateBadge state={node.state} />
                          </li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="muted" style={{ marginTop: 8 }}>
            <Link href="/topology">Per-node replicas and leaders</Link>
          </p>
        </div>
        <div className="card">
          <h2>Slices without a leader</h2>
          <div className="stat">
            <span className={`badge ${leaderless > 0 ? 'bad' : 'ok'}`} data-testid="leaderless">
              {leaderless}
            </span>
          </div>
          <p className="muted" style={{ marginTop: 8 }}>
            {leaderless > 0
              ? 'These slices cannot serve reads or writes until they elect a leader.'
              : `All ${slices.length} slices have a leader.`}{' '}
            <Link href="/slices">Slice detail</Link>
          </p>
        </div>
      </div>
      <div className="card section">
        <h2>Tables</h2>
        {tables.length === 0 ? (
          <p className="muted">
            No tables are placed yet. The control plane places the seed table when the cluster
            starts; if this stays empty, check that the control plane has a leader.
          </p>
        ) : (
          <table data-testid="tables">
            <thead>
              <tr>
                <th>Table</th>
                <th>Slices</th>
                <th>Replicas per slice</th>
                <th>Loggers per slice</th>
              </tr>
            </thead>
            <tbody>
              {tables.map((t) => (
                <tr key={t.name} data-testid={`table-${t.name}`}>
                  <td className="mono">
                    <Link href={`/slices?table=${encodeURIComponent(t.name)}`}>{t.name}</Link>
                  </td>
                  <td className="mono">{t.slices}</td>
                  <td className="mono">{t.replicas}</td>
                  <td className="mono">{t.loggers}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}
