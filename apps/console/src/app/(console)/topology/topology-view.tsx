'use client';

import type { ClusterOverview, NodeOverview } from '@tessera/api';
import { roleAtLeast } from '@tessera/api/roles';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { LiveNote, NodeStateBadge, nodesByZone, useClusterOverview } from '@/components/cluster';
import { Loading, QueryError } from '@/components/query-state';
import { formatBytes, formatRate } from '@/lib/format';
import { useTRPC } from '@/trpc/client';
import { AddNodeForm } from './add-node-form';
import { NodeActionButtons, useNodeActions } from './node-actions';
import type { ActionOutcome, NodeAction } from './node-actions';
import { RecentRebalancerActivity } from './rebalancer-activity';

/**
 * Zones → nodes (state, counts, data size, reads/s, writes/s) and the control-plane members,
 * live from `cluster.live`; for an operator or admin, the node actions (add, drain, remove,
 * kill, restart) behind a confirmation; and the rebalancer's recent activity.
 */
export function TopologyView() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const canAct = me.data != null && roleAtLeast(me.data.role, 'operator');
  const cluster = useClusterOverview();
  const overview = cluster.overview;
  const [outcome, setOutcome] = useState<ActionOutcome | null>(null);
  const actions = useNodeActions(setOutcome);
  if (cluster.error) return <QueryError error={cluster.error} />;
  if (!overview) return <Loading what="the cluster topology" />;
  const act = canAct ? { busy: actions.pending, ask: actions.ask } : null;
  return (
    <>
      <LiveNote live={cluster.live} />
      {outcome === null ? null : (
        <p
          className={outcome.ok ? 'muted' : 'error'}
          role={outcome.ok ? 'status' : 'alert'}
          data-testid="action-outcome"
        >
          {outcome.text}
        </p>
      )}
      <Zones overview={overview} act={act} />
      {actions.dialog}
      <RecentRebalancerActivity />
      <ControlPlane overview={overview} />
    </>
  );
}

/** What an operator may do from the zones table (null: a viewer, no action is shown). */
interface Actions {
  readonly busy: boolean;
  readonly ask: (action: NodeAction) => void;
}

const dash = <span className="muted">—</span>;

function Load({ node }: { node: NodeOverview }) {
  return (
    <>
      <td className="num mono" data-testid="node-bytes">
        {node.bytes === null ? dash : formatBytes(node.bytes)}
      </td>
      <td className="num mono" data-testid="node-reads">
        {node.readsPerSec === null ? dash : formatRate(node.readsPerSec)}
      </td>
      <td className="num mono" data-testid="node-writes">
        {node.writesPerSec === null ? dash : formatRate(node.writesPerSec)}
      </td>
    </>
  );
}

function Zones({ overview, act }: { overview: ClusterOverview; act: Actions | null }) {
  const zones = nodesByZone(overview.nodes);
  const columns = act === null ? 9 : 10;
  const addForm =
    act === null ? null : (
      <AddNodeForm zones={zones.map((z) => z.zone)} busy={act.busy} ask={act.ask} />
    );
  if (zones.length === 0) {
    return (
      <div className="card section">
        <h2>Zones</h2>
        <p className="muted">
          No data nodes are registered yet. Nodes register with the control plane when they start;
          if this stays empty, check that the control plane below has a serving leader.
        </p>
        {addForm}
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
            <th>Process</th>
            <th className="num" title="Replicas held (loggers not counted)">
              Replicas
            </th>
            <th className="num" title="Slices led: ranking replicas serving reads and writes">
              Slices led
            </th>
            <th className="num">Loggers</th>
            <th className="num" title="Key + value bytes of its replicas, as last reported">
              Data
            </th>
            <th className="num" title="Reads served per second (by its ranking replicas)">
              Reads/s
            </th>
            <th className="num" title="Write commands applied per second by its replicas">
              Writes/s
            </th>
            {act === null ? null : <th>Actions</th>}
          </tr>
        </thead>
        {zones.map(({ zone, nodes }) => (
          <tbody key={zone} className="zone" data-testid={`zone-${zone}`}>
            <tr>
              <th scope="colgroup" colSpan={columns} className="zone-row">
                Zone <span className="mono">{zone}</span>{' '}
                <span className="muted">
                  · {nodes.filter((n) => n.state === 'up').length} of {nodes.length} up
                </span>
              </th>
            </tr>
            {nodes.map((node) => (
              <tr
                key={node.id}
                data-testid={`node-${node.id}`}
                data-state={node.state}
                data-running={node.running}
              >
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
                    <span className="badge ok" data-testid="node-running">
                      running
                    </span>
                  ) : (
                    <span className="badge bad" data-testid="node-stopped">
                      stopped
                    </span>
                  )}
                </td>
                <td className="num mono" data-testid="node-replicas">
                  {node.replicas}
                </td>
                <td className="num mono" data-testid="node-leading">
                  {node.leading}
                </td>
                <td className="num mono" data-testid="node-loggers">
                  {node.loggers}
                </td>
                <Load node={node} />
                {act === null ? null : (
                  <td>
                    <NodeActionButtons node={node} busy={act.busy} ask={act.ask} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        ))}
      </table>
      {addForm}
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
