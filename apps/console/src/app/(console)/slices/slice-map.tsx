'use client';

import type { SliceMemberOverview, SliceOverview } from '@tessera/api';
import { memo, startTransition, useEffect, useState } from 'react';
import { NodeStateBadge } from '@/components/cluster';
import { formatBytes, formatRate } from '@/lib/format';
import type { Colouring, MapColumn, MapGroup } from './slice-query';
import { heatOf, heatSteps, shortHash } from './slice-query';

/** The heat colour of each colouring (literal: it is mixed into a background inline). */
const heatColour: Record<Colouring, string> = {
  size: '#a371f7',
  reads: '#4da3ff',
  writes: '#d29922',
};

export interface SliceMapProps {
  readonly groups: readonly MapGroup[];
  readonly columns: readonly MapColumn[];
  readonly colour: Colouring;
  readonly scale: {
    readonly threshold: number;
    readonly maxReads: number;
    readonly maxWrites: number;
  };
  readonly selected: number | null;
  readonly highlightNode: number | null;
  readonly onOpen: (sliceId: number) => void;
}

/**
 * The slice map: one row per slice (id, hash range, size against the split threshold, load),
 * one column per node with the slice's member there (role, applied position, lag). Rows are
 * memoised on what they show, so the twice-a-second overview re-renders only the slices that
 * changed — with 500 slices a full re-render would be felt.
 */
export function SliceMap({
  groups: allGroups,
  columns,
  colour,
  scale,
  selected,
  highlightNode,
  onOpen,
}: SliceMapProps) {
  // The first render draws a screenful and the rest follows in a background render: with 500
  // slices, drawing every row before showing any made the first load about a second slower.
  // Live updates after that render at once: the rows are memoised, so an update redraws only
  // the slices that changed. (As background renders too, a killed node showed on a map of 500
  // slices 0.8–1.3 s after the kill answered in bench:console; at once, 0.3–0.9 s.)
  const [whole, setWhole] = useState(false);
  useEffect(() => {
    startTransition(() => {
      setWhole(true);
    });
  }, []);
  const groups = whole ? allGroups : firstScreen(allGroups);
  const byName = new Map(allGroups.map((g) => [g.representation, g]));
  const span = 4 + columns.length;
  return (
    <table
      className="slice-map"
      data-testid="slice-grid"
      style={{ minWidth: fixedColumnsPx + columns.length * nodeColumnPx }}
    >
      <thead>
        <tr>
          <th className="col-slice">Slice · hash range</th>
          <th className="col-size" title="Key + value bytes against the split threshold">
            Size
          </th>
          <th className="num col-load" title="Reads served / writes applied per second">
            Load
          </th>
          <th className="col-leader" title="The Raft leader seen now (where the slice serves)">
            Leader
          </th>
          {columns.map((c) => (
            <th
              key={c.id}
              className={`node-col${c.id === highlightNode ? ' highlighted' : ''}`}
              data-testid={`map-node-${c.id}`}
              data-state={c.state}
            >
              node {c.id}
              <span className="node-col-zone">zone {c.zone}</span>
              <NodeStateBadge state={c.state} />
            </th>
          ))}
        </tr>
      </thead>
      {groups.map((group) => (
        <MapGroupBody
          key={group.representation}
          group={group}
          whole={byName.get(group.representation) ?? group}
          span={span}
          columns={columns}
          colour={colour}
          scale={scale}
          selected={selected}
          highlightNode={highlightNode}
          onOpen={onOpen}
        />
      ))}
    </table>
  );
}

/**
 * Rows drawn by the first render: about two screens of a laptop, whatever the number of
 * slices, so the map is on screen before the rest is drawn.
 */
const firstRenderRows = 40;

/** Width of the four slice columns together and of each node column (px): table-layout fixed. */
const fixedColumnsPx = 448;
const nodeColumnPx = 112;

function firstScreen(groups: readonly MapGroup[]): readonly MapGroup[] {
  const out: MapGroup[] = [];
  let left = firstRenderRows;
  for (const group of groups) {
    if (left <= 0) break;
    out.push(
      group.slices.length <= left ? group : { ...group, slices: group.slices.slice(0, left) },
    );
    left -= group.slices.length;
  }
  return out;
}

/** One representation: its heading (counted over all its slices) and the rows drawn so far. */
function MapGroupBody({
  group,
  whole,
  span,
  columns,
  colour,
  scale,
  selected,
  highlightNode,
  onOpen,
}: Omit<SliceMapProps, 'groups'> & { group: MapGroup; whole: MapGroup; span: number }) {
  return (
    <tbody className="map-group" data-testid="map-table" data-table={group.representation}>
      <tr>
        <th scope="colgroup" colSpan={span} className="zone-row">
          <span className="mono">{group.tableName}</span>{' '}
          <span className="muted">
            {whole.index === null ? 'table data' : `index ${whole.index}`} · {whole.slices.length}{' '}
            {whole.slices.length === 1 ? 'slice' : 'slices'} ·{' '}
            {formatBytes(whole.slices.reduce((sum, s) => sum + (s.bytes ?? 0), 0))}
          </span>
        </th>
      </tr>
      {group.slices.map((slice) => (
        <SliceRow
          key={slice.sliceId}
          slice={slice}
          columns={columns}
          colour={colour}
          heat={heatOf(slice, colour, scale)}
          threshold={scale.threshold}
          selected={slice.sliceId === selected}
          highlightNode={highlightNode}
          onOpen={onOpen}
        />
      ))}
    </tbody>
  );
}

interface RowProps {
  readonly slice: SliceOverview;
  readonly columns: readonly MapColumn[];
  readonly colour: Colouring;
  readonly heat: number | null;
  readonly threshold: number;
  readonly selected: boolean;
  readonly highlightNode: number | null;
  readonly onOpen: (sliceId: number) => void;
}

const sameMember = (a: SliceMemberOverview, b: SliceMemberOverview): boolean =>
  a.node === b.node &&
  a.role === b.role &&
  a.raftRole === b.raftRole &&
  a.applied === b.applied &&
  a.lag === b.lag;

/** Whether a slice row would render the same: every field it shows, members included. */
function sameRow(a: RowProps, b: RowProps): boolean {
  const s = a.slice;
  const t = b.slice;
  return (
    a.columns === b.columns &&
    a.colour === b.colour &&
    a.heat === b.heat &&
    a.threshold === b.threshold &&
    a.selected === b.selected &&
    a.highlightNode === b.highlightNode &&
    a.onOpen === b.onOpen &&
    s.sliceId === t.sliceId &&
    s.table === t.table &&
    s.hashStart === t.hashStart &&
    s.hashEnd === t.hashEnd &&
    s.bytes === t.bytes &&
    s.readsPerSec === t.readsPerSec &&
    s.writesPerSec === t.writesPerSec &&
    s.rankingNode === t.rankingNode &&
    s.leader === t.leader &&
    s.members.length === t.members.length &&
    s.members.every((m, i) => {
      const n = t.members[i];
      return n !== undefined && sameMember(m, n);
    })
  );
}

const SliceRow = memo(function SliceRow({
  slice,
  columns,
  colour,
  heat,
  threshold,
  selected,
  highlightNode,
  onOpen,
}: RowProps) {
  const byNode = new Map(slice.members.map((m) => [m.node, m]));
  const sizePercent =
    slice.bytes === null || threshold <= 0 ? null : Math.min(100, (slice.bytes / threshold) * 100);
  const heatStyle =
    heat === null || heat === 0
      ? {}
      : {
          background: `color-mix(in srgb, ${heatColour[colour]} ${Math.round((heat / heatSteps) * 70)}%, transparent)`,
        };
  return (
    <tr
      className={`slice-map-row${selected ? ' selected' : ''}`}
      data-testid="slice-row"
      data-table={slice.table}
      data-slice={slice.sliceId}
      data-heat={heat ?? ''}
      aria-selected={selected}
      onClick={() => {
        onOpen(slice.sliceId);
      }}
    >
      <td className="slice-cell" style={heatStyle}>
        <button
          type="button"
          className="link-button mono"
          aria-label={`Slice ${slice.sliceId} of ${slice.table}: open its history and load`}
          onClick={(event) => {
            event.stopPropagation();
            onOpen(slice.sliceId);
          }}
          data-testid="slice-id"
        >
          #{slice.sliceId}
        </button>
        <span
          className="hash-range mono"
          title={`Hash range [${slice.hashStart}, ${slice.hashEnd})`}
          data-testid="slice-hash"
        >
          {shortHash(slice.hashStart)} – {shortHash(slice.hashEnd)}
        </span>
      </td>
      <td className="size-cell" data-testid="slice-bytes" data-bytes={slice.bytes ?? ''}>
        {sizePercent === null ? (
          <span className="muted" title="No report from the slice's leader yet">
            —
          </span>
        ) : (
          <>
            <span
              className="size-bar"
              role="meter"
              aria-label="Size against the split threshold"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(sizePercent)}
              title={`${formatBytes(slice.bytes ?? 0)} of the ${formatBytes(threshold)} split threshold`}
            >
              <span style={{ width: `${Math.max(sizePercent, 1)}%` }} />
            </span>
            <span className="mono size-text">{formatBytes(slice.bytes ?? 0)}</span>
          </>
        )}
      </td>
      <td className="num mono load-cell">
        <span title="Reads served per second">
          {slice.readsPerSec === null ? '—' : formatRate(slice.readsPerSec)} r
        </span>
        <span title="Writes applied per second">
          {slice.writesPerSec === null ? '—' : formatRate(slice.writesPerSec)} w
        </span>
      </td>
      <td data-testid="slice-leader">
        {slice.leader === null ? (
          <span className="badge bad">no leader</span>
        ) : slice.leader === slice.rankingNode ? (
          <span className="mono">node {slice.leader}</span>
        ) : (
          <span
            className="badge warn"
            title={`The Raft leader is not the ranking replica (node ${slice.rankingNode})`}
          >
            node {slice.leader} ≠ ranking
          </span>
        )}
      </td>
      {columns.map((c) => {
        const member = byNode.get(c.id);
        return member === undefined ? (
          <td key={c.id} className={c.id === highlightNode ? 'highlighted' : undefined} />
        ) : (
          <MemberCell
            key={c.id}
            member={member}
            slice={slice}
            highlighted={c.id === highlightNode}
          />
        );
      })}
    </tr>
  );
}, sameRow);

/** ranking / replica / logger / learner: what the member is to the slice. */
function roleOf(member: SliceMemberOverview, slice: SliceOverview): string {
  if (member.role !== 'voter') return member.role;
  return member.node === slice.rankingNode ? 'ranking' : 'replica';
}

function MemberCell({
  member,
  slice,
  highlighted,
}: {
  member: SliceMemberOverview;
  slice: SliceOverview;
  highlighted: boolean;
}) {
  const role = roleOf(member, slice);
  const leads = slice.leader === member.node;
  const down = member.raftRole === 'down';
  const rankingNotLeading = role === 'ranking' && !leads;
  const roleClass =
    role === 'ranking'
      ? rankingNotLeading
        ? 'warn'
        : 'leader'
      : role === 'learner'
        ? 'warn'
        : role === 'logger'
          ? 'logger'
          : '';
  const roleTitle =
    role === 'ranking'
      ? leads
        ? 'Ranking replica, and the Raft leader: serves reads and writes'
        : `Ranking replica, not leading now (${slice.leader === null ? 'no leader' : `node ${slice.leader} leads`})`
      : role === 'replica'
        ? 'Data replica (votes, holds the data)'
        : role === 'logger'
          ? 'Logger: votes and keeps the log, holds no data'
          : 'Learner: catching up, does not vote yet';
  return (
    <td
      className={`member-cell${down ? ' down' : ''}${highlighted ? ' highlighted' : ''}`}
      data-testid="slice-member"
      data-node={member.node}
      data-role={role}
      data-raft={member.raftRole}
      data-leader={leads}
    >
      <span className={`badge ${roleClass}`} title={roleTitle}>
        {role}
      </span>
      {leads && role !== 'ranking' ? (
        <span className="badge warn" title="The Raft leader, though not the ranking replica">
          leader
        </span>
      ) : null}
      <span className="member-pos mono">
        {down ? (
          <span className="error" title="Its node does not run">
            down
          </span>
        ) : (
          <>
            <span title="Applied log position">@{member.applied}</span>{' '}
            <span
              className={member.lag !== null && member.lag > 0 ? 'lagging' : 'muted'}
              title="Entries behind the leader's last index"
            >
              {member.lag === null ? 'lag —' : `lag ${member.lag}`}
            </span>
          </>
        )}
      </span>
    </td>
  );
}
