'use client';

import type { ClusterOverview } from '@tessera/api';
import Link from 'next/link';
import { LiveNote, NodeStateBadge, nodesByZone, useClusterOverview } from '@/components/cluster';
import { Loading, QueryError } from '@/components/query-state';

/** Zones → nodes and the control-plane members, live from `cluster.live`. */
export function TopologyView() {
  const cluster = useClusterOverview();
  const overview = cluster.overview;
  if (cluster.error) return <QueryError error={cluster.error} />;
  if (!overview) return <Loading what="the cluster topology" />;
  return (
    <>
      <LiveNote live={cluster.live} />
      <Zones overview={overview} />
      <ControlPlane overview={overview} />
    </>
  );
}

function Zones({ overview }: { overview: ClusterOverview }) {
  const zones = nodesByZone(overview.nodes);
  if (zones.length === 0) {
    return (
      <div className="card section">
        <h2>Zones</h2>
        <p className="muted">
          No data nodes are registered yet. Nodes register with the control plane when they start;
          if this stays empty, check that the control plane below has a serving leader.
        </p>
      </div>
    );
  }
  return (
    <section className="card section" aria-labelledby="zones-heading" data-testid="zones">
      <h2 id="zones-heading">Zones and nodes</h2>
      <table>
        <thead>
          <tr>
            <th>Node</th>
            <th>State</th>
            <th>Running</th>
            <th className="num" title="Replicas held (loggers not counted)">
              Replicas
            </th>
            <th className="num" title="Slices led: ranking replicas serving reads and writes">
              Slices led
            </th>
            <th className="num">Loggers</th>
          </tr>
        </thead>
        {zones.map(({ zone, nodes }) => (
          <tbody key={zone} className="zone" data-testid={`zone-${zone}`}>
            <tr>
              <th scope="colgroup" colSpan={6} className="zone-row">
                Zone <span className="mono">{zone}</span>{' '}
                <span className="muted">
                  · {nodes.filter((n) => n.state === 'up').length} of {nodes.length} up
                </span>
              </th>
            </tr>
            {nodes.map((node) => (
              <tr key={node.id} data-testid={`node-${node.id}`}>
                <td className="mono">
                  <Link
                    href={`/slices?node=${node.id}`}
                    title={`Slices with a member on node ${node.id}`}
                  >
                    node {node.id}
                  </Link>
                </td>
                <td>
                  <NodeStateBadge state={node.state} />
                </td>
                <td>
                  {node.running ? (
                    'yes'
                  ) : (
                    <span className="badge bad" data-testid="node-stopped">
                      stopped
                    </span>
                  )}
                </td>
                <td className="num mono">{node.replicas}</td>
                <td className="num mono" data-testid="node-leading">
                  {node.leading}
                </td>
                <td className="num mono">{node.loggers}</td>
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </section>
  );
}

function ControlPlane({ overview }: { overview: ClusterOverview }) {
  const { leader, members } = overview.controlPlane;
  return (
    <section
      className="card section"
      aria-labelledby="control-plane-heading"
      data-testid="control-plane"
    >
      <div className="zone-head">
        <h2 id="control-plane-heading">Control plane</h2>
        {leader === null ? (
          <span className="badge bad">no leader</span>
        ) : (
          <span className="muted">member {leader} serves as leader</span>
        )}
      </div>
      {members.length === 0 ? (
        <p className="muted">No control-plane members are configured in this process.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Member</th>
              <th>Process</th>
              <th>Raft role</th>
              <th className="num">Term</th>
              <th className="num">Applied</th>
              <th title="Holds the leader lease and answers the cluster's requests">Serving</th>
            </tr>
          </thead>
          <tbody>
            {[...members]
              .sort((a, b) => a.id - b.id)
              .map((m) => (
                <tr key={m.id} data-testid={`cp-member-${m.id}`}>
                  <td className="mono">member {m.id}</td>
                  <td>
                    <span className={`badge ${m.up ? 'ok' : 'bad'}`}>{m.up ? 'up' : 'down'}</span>
                  </td>
                  <td className="mono" data-testid="cp-raft-role">
                    {m.raftRole}
                  </td>
                  <td className="num mono">{m.term}</td>
                  <td className="num mono">{m.applied}</td>
                  <td>
                    <span
                      className={`badge ${m.serving ? 'ok' : ''}`}
                      data-testid="cp-serving"
                      data-serving={m.serving}
                    >
                      {m.serving ? 'serving' : 'standby'}
                    </span>
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
