'use client';

import type { ClusterOverview, NodeOverview, SliceOverview } from '@tessera/api';
import Link from 'next/link';
import { LiveNote, NodeStateBadge, nodesByZone, useClusterOverview } from '@/components/cluster';
import { Loading, QueryError } from '@/components/query-state';

/** Under-replicated slices listed by name on the card; the rest are counted. */
const listedSlicesMax = 5;

/**
 * The slices with fewer running voting members than their table places: replicas and loggers
 * both vote (a logger is a log-only voter), so losing either narrows the quorum's margin, and
 * the server's `under-replicated` events count the same way. Learners do not vote and are left
 * out. A slice whose table is unknown is left out rather than guessed at.
 */
export function underReplicatedSlices(overview: ClusterOverview): SliceOverview[] {
  const voters = new Map(overview.tables.map((t) => [t.name, t.replicas + t.loggers]));
  return overview.slices.filter((slice) => {
    const wanted = voters.get(slice.table);
    if (wanted === undefined) return false;
    const running = slice.members.filter((m) => m.role !== 'learner' && m.raftRole !== 'down');
    return running.length < wanted;
  });
}

/** The live cluster at a glance: control plane, nodes per zone, slices, rebalancer, tables. */
export function ClusterHealth() {
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
  const { controlPlane } = overview;
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
        <NodesCard nodes={overview.nodes} />
        <SlicesCard overview={overview} />
        <RebalancerCard overview={overview} />
      </div>
      <TablesCard overview={overview} />
    </>
  );
}

/** A zone's nodes counted by whether they serve: `2 up, 1 down`. */
function zoneSummary(nodes: readonly NodeOverview[]): string {
  const up = nodes.filter((n) => n.state === 'up').length;
  const down = nodes.filter((n) => n.state === 'down').length;
  const other = nodes.length - up - down;
  return `${up} up, ${down} down${other > 0 ? `, ${other} other` : ''}`;
}

function NodesCard({ nodes }: { nodes: readonly NodeOverview[] }) {
  const zones = nodesByZone(nodes);
  const nodesUp = nodes.filter((n) => n.state === 'up').length;
  return (
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
                <td>
                  <span className="mono">{zone}</span>
                  <div className="muted" data-testid="zone-summary">
                    {zoneSummary(inZone)}
                  </div>
                </td>
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
        <Link href="/topology">Per-node replicas and load</Link>
      </p>
    </div>
  );
}

function SlicesCard({ overview }: { overview: ClusterOverview }) {
  const { slices } = overview;
  const leaderless = slices.filter((s) => s.leader === null).length;
  const under = underReplicatedSlices(overview);
  return (
    <div className="card">
      <h2>Slices</h2>
      <dl className="kv">
        <dt>Under-replicated</dt>
        <dd>
          <span
            className={`badge ${under.length > 0 ? 'warn' : 'ok'}`}
            data-testid="under-replicated"
          >
            {under.length}
          </span>
        </dd>
        <dt>Without a leader</dt>
        <dd>
          <span className={`badge ${leaderless > 0 ? 'bad' : 'ok'}`} data-testid="leaderless">
            {leaderless}
          </span>
        </dd>
      </dl>
      {under.length > 0 ? (
        <ul className="inline-list" style={{ marginTop: 8 }} data-testid="under-replicated-list">
          {under.slice(0, listedSlicesMax).map((s) => (
            <li key={s.sliceId}>
              <Link href={`/slices?slice=${s.sliceId}`}>
                slice {s.sliceId} <span className="muted">({s.table})</span>
              </Link>
            </li>
          ))}
          {under.length > listedSlicesMax ? (
            <li className="muted">and {under.length - listedSlicesMax} more</li>
          ) : null}
        </ul>
      ) : null}
      <p className="muted" style={{ marginTop: 8 }}>
        {leaderless > 0
          ? 'Slices without a leader cannot serve reads or writes until they elect one. '
          : under.length > 0
            ? 'Under-replicated slices run with fewer voting members than their table places; the control plane re-replicates them if their nodes stay down. '
            : `All ${slices.length} slices have a leader and every replica running. `}
        <Link href="/slices">Slice map</Link>
      </p>
    </div>
  );
}

function RebalancerCard({ overview }: { overview: ClusterOverview }) {
  const { running, lastDecisionAt } = overview.rebalancer;
  return (
    <div className="card">
      <h2>Rebalancer</h2>
      <span className={`badge ${running > 0 ? 'warn' : 'ok'}`} data-testid="rebalancer-state">
        {running > 0 ? `busy: ${running} running` : 'idle'}
      </span>
      <p className="muted" style={{ marginTop: 8 }} data-testid="rebalancer-last">
        {lastDecisionAt === null
          ? 'It has decided nothing yet: the placement is as the control plane made it.'
          : `Last decision at ${lastDecisionAt.toLocaleString()}.`}{' '}
        <Link href="/workload">Its activity</Link>
      </p>
    </div>
  );
}

function TablesCard({ overview }: { overview: ClusterOverview }) {
  const { tables } = overview;
  return (
    <div className="card section">
      <h2>Tables</h2>
      {tables.length === 0 ? (
        <p className="muted">
          No tables are placed yet. The control plane places the seed table when the cluster starts;
          if this stays empty, check that the control plane has a leader.
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
  );
}
