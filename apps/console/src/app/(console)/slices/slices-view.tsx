'use client';

import type { ClusterOverview, SliceMemberOverview, SliceOverview } from '@tessera/api';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import type { ReactNode } from 'react';
import { LiveNote, useClusterOverview } from '@/components/cluster';
import { Loading, QueryError } from '@/components/query-state';
import type { SubmitEvent } from '@/lib/form';
import { fieldText } from '@/lib/form';

/** `?node=` as a node id, or null when absent or not a positive whole number. */
function parseNode(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value)) return null;
  return Number(value);
}

export function SlicesView() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  // Filters live in the URL so a filtered view can be shared and survives a reload.
  const table = params.get('table') ?? '';
  const nodeParam = params.get('node');
  const node = parseNode(nodeParam);
  const badNode = nodeParam !== null && nodeParam !== '' && node === null;
  const cluster = useClusterOverview();
  const overview = cluster.overview;

  const navigate = (next: URLSearchParams) => {
    const search = next.toString();
    router.replace(search ? `${pathname}?${search}` : pathname);
  };
  const applyFilters = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of ['table', 'node']) {
      const value = fieldText(form, key).trim();
      if (value !== '') next.set(key, value);
    }
    navigate(next);
  };

  const tableNames = [...new Set([...(overview?.tables.map((t) => t.name) ?? []), table])]
    .filter((name) => name !== '')
    .sort();
  const nodeIds = [
    ...new Set([...(overview?.nodes.map((n) => n.id) ?? []), ...(node === null ? [] : [node])]),
  ].sort((a, b) => a - b);
  const filtered = table !== '' || node !== null;

  return (
    <>
      <form
        className="form-row card"
        onSubmit={applyFilters}
        aria-label="Filter slices"
        key={params.toString()}
      >
        <label>
          Table
          <select name="table" defaultValue={table} data-testid="filter-table">
            <option value="">any</option>
            {tableNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Member on node
          <select
            name="node"
            defaultValue={node === null ? '' : String(node)}
            data-testid="filter-node"
          >
            <option value="">any</option>
            {nodeIds.map((id) => (
              <option key={id} value={String(id)}>
                node {id}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
        {filtered || badNode ? (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              navigate(new URLSearchParams());
            }}
          >
            Clear filters
          </button>
        ) : null}
      </form>
      {badNode ? (
        <p className="notice section" role="alert">
          <strong>Ignored node filter.</strong> &ldquo;{nodeParam}&rdquo; is not a node id; showing
          slices on every node.
        </p>
      ) : null}
      <div className="card section">
        {cluster.error ? <QueryError error={cluster.error} /> : null}
        {!overview && !cluster.error ? <Loading what="slices" /> : null}
        {overview ? (
          <SliceGrid
            overview={overview}
            table={table}
            node={node}
            live={<LiveNote live={cluster.live} />}
          />
        ) : null}
      </div>
    </>
  );
}

function SliceGrid({
  overview,
  table,
  node,
  live,
}: {
  overview: ClusterOverview;
  table: string;
  node: number | null;
  live: ReactNode;
}) {
  const slices = overview.slices
    .filter((s) => table === '' || s.table === table)
    .filter((s) => node === null || s.members.some((m) => m.node === node))
    .sort((a, b) => a.table.localeCompare(b.table) || a.sliceId - b.sliceId);
  const leaderless = slices.filter((s) => s.leader === null).length;
  const moved = slices.filter((s) => s.leader !== null && s.leader !== s.rankingNode).length;

  if (overview.slices.length === 0) {
    return (
      <>
        <p className="muted" data-testid="slices-empty">
          No slices are placed yet. The control plane places the seed table&apos;s slices when the
          cluster starts; if this stays empty, check on the Overview that the control plane has a
          leader and the nodes are up.
        </p>
        {live}
      </>
    );
  }
  return (
    <>
      <div className="zone-head">
        <p data-testid="slice-count">
          {slices.length === overview.slices.length
            ? `${slices.length} slices`
            : `${slices.length} of ${overview.slices.length} slices`}
          {leaderless > 0 ? (
            <>
              {' '}
              <span className="badge bad">{leaderless} without a leader</span>
            </>
          ) : null}
          {moved > 0 ? (
            <>
              {' '}
              <span className="badge warn">{moved} led off their ranking node</span>
            </>
          ) : null}
        </p>
        {live}
      </div>
      {slices.length === 0 ? (
        <p className="muted" data-testid="slices-empty">
          No slices match these filters. Pick another table or node, or clear the filters.
        </p>
      ) : (
        <table data-testid="slice-grid">
          <thead>
            <tr>
              <th>Table</th>
              <th className="num">Slice</th>
              <th className="num">Group</th>
              <th title="Placement's ranking replica: where the slice should lead">Ranking</th>
              <th title="The Raft leader seen now">Leader</th>
              <th>Member</th>
              <th>Role</th>
              <th>Raft role</th>
              <th className="num">Applied</th>
              <th className="num" title="Entries behind the leader's last index">
                Lag
              </th>
            </tr>
          </thead>
          {slices.map((slice) => (
            <SliceRows key={`${slice.table}/${slice.groupId}`} slice={slice} node={node} />
          ))}
        </table>
      )}
    </>
  );
}

function SliceRows({ slice, node }: { slice: SliceOverview; node: number | null }) {
  const members = [...slice.members].sort((a, b) => a.node - b.node);
  const span = Math.max(1, members.length);
  const moved = slice.leader !== null && slice.leader !== slice.rankingNode;
  const sliceCells = (
    <>
      <td rowSpan={span} className="mono">
        {slice.table}
      </td>
      <td rowSpan={span} className="num mono" data-testid="slice-id">
        {slice.sliceId}
      </td>
      <td rowSpan={span} className="num mono">
        {slice.groupId}
      </td>
      <td rowSpan={span} className="mono">
        node {slice.rankingNode}
      </td>
      <td rowSpan={span} data-testid="slice-leader">
        {slice.leader === null ? (
          <span className="badge bad">no leader</span>
        ) : moved ? (
          <span
            className="badge warn"
            title={`The leader is not the ranking replica (node ${slice.rankingNode})`}
          >
            node {slice.leader} ≠ ranking
          </span>
        ) : (
          <span className="mono">node {slice.leader}</span>
        )}
      </td>
    </>
  );
  return (
    <tbody
      className="slice"
      data-testid="slice-row"
      data-table={slice.table}
      data-slice={slice.sliceId}
    >
      {members.length === 0 ? (
        <tr>
          {sliceCells}
          <td colSpan={5} className="muted">
            no members
          </td>
        </tr>
      ) : (
        members.map((m, i) => (
          <tr key={m.node} data-testid="slice-member" data-node={m.node}>
            {i === 0 ? sliceCells : null}
            <MemberCells member={m} slice={slice} highlighted={m.node === node} />
          </tr>
        ))
      )}
    </tbody>
  );
}

function MemberCells({
  member,
  slice,
  highlighted,
}: {
  member: SliceMemberOverview;
  slice: SliceOverview;
  highlighted: boolean;
}) {
  const isLeader = slice.leader === member.node;
  const isRanking = slice.rankingNode === member.node;
  return (
    <>
      <td className="mono">
        {highlighted ? <strong>node {member.node}</strong> : `node ${member.node}`}
      </td>
      <td>
        <span className={`badge ${member.role === 'learner' ? 'warn' : ''}`}>{member.role}</span>
        {isLeader ? <span className="badge leader">leader</span> : null}
        {isRanking ? <span className="badge">ranking</span> : null}
      </td>
      <td className={`mono${member.raftRole === 'down' ? ' error' : ''}`}>{member.raftRole}</td>
      <td className="num mono">{member.applied}</td>
      <td className="num mono">
        {member.lag === null ? (
          <span className="muted" title="Unknown: no leader or the member does not answer">
            —
          </span>
        ) : (
          member.lag
        )}
      </td>
    </>
  );
}
