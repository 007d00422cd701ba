'use client';

import type { ClusterOverview } from '@tessera/api';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import type { ClusterView } from '@/components/cluster';
import { LiveNote, useClusterOverview } from '@/components/cluster';
import { Loading, QueryError } from '@/components/query-state';
import { formatBytes, formatRate } from '@/lib/format';
import { SliceDetail } from './slice-detail';
import { SliceMap } from './slice-map';
import type { Colouring, DatabaseChoice, SliceMapQuery } from './slice-query';
import {
  colouringLabel,
  colourings,
  columnsFromKey,
  columnsKey,
  databaseChoices,
  databaseOf,
  loadScale,
  mapColumns,
  mapGroups,
  noDatabase,
  parseSliceMapQuery,
  resolveDatabase,
} from './slice-query';

type Patch = Readonly<Record<string, string | null>>;

/**
 * The slice map of one database, live from `cluster.live`: its controls (database, table, node,
 * zone, colouring — all in the URL), the map, and the open slice's detail (`?slice=N`).
 */
export function SlicesView() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const query = useMemo(() => parseSliceMapQuery(params), [params]);
  const cluster = useClusterOverview();
  const overview = cluster.overview;

  // Reads the URL at the time of the event, not of the render, so the callbacks stay the same
  // across renders and the memoised rows that hold `openSlice` are not re-rendered by a new one.
  const navigate = useCallback(
    (patch: Patch) => {
      const next = new URLSearchParams(window.location.search);
      for (const [key, value] of Object.entries(patch)) {
        if (value === null || value === '') next.delete(key);
        else next.set(key, value);
      }
      const search = next.toString();
      router.replace(search ? `${pathname}?${search}` : pathname, { scroll: false });
    },
    [router, pathname],
  );
  const openSlice = useCallback(
    (sliceId: number) => {
      navigate({ slice: String(sliceId) });
    },
    [navigate],
  );
  const closeSlice = useCallback(() => {
    navigate({ slice: null });
  }, [navigate]);

  const slices = overview?.slices;
  const choices = useMemo(() => (slices === undefined ? [] : databaseChoices(slices)), [slices]);
  const db = overview === null ? null : resolveDatabase(query, choices, overview.slices);
  const open =
    query.slice === null ? null : (slices?.find((s) => s.sliceId === query.slice) ?? null);

  return (
    <>
      <MapControls
        overview={overview}
        query={query}
        db={db}
        choices={choices}
        navigate={navigate}
      />
      {query.problems.map((problem) => (
        <p key={problem} className="notice section" role="alert">
          <strong>Ignored in the URL.</strong> {problem}
        </p>
      ))}
      <div className="card section">
        {cluster.error ? <QueryError error={cluster.error} /> : null}
        {!overview && !cluster.error ? <Loading what="the slice map" /> : null}
        {overview ? (
          <MapBody
            overview={overview}
            db={db}
            choices={choices}
            query={query}
            live={cluster.live}
            openSlice={openSlice}
          />
        ) : null}
      </div>
      {query.slice === null || overview === null ? null : (
        <SliceDetail
          key={query.slice}
          sliceId={query.slice}
          slice={open}
          threshold={overview.splitThresholdBytes}
          onClose={closeSlice}
        />
      )}
    </>
  );
}

/** Database, table, node and zone filters and the colouring; each change goes to the URL. */
function MapControls({
  overview,
  query,
  db,
  choices,
  navigate,
}: {
  overview: ClusterOverview | null;
  query: SliceMapQuery;
  db: string | null;
  choices: readonly DatabaseChoice[];
  navigate: (patch: Patch) => void;
}) {
  // What the URL asks for is always an option, so the control shows it even when unknown.
  const dbOptions =
    db === null || choices.some((c) => c.key === db)
      ? choices
      : [...choices, { key: db, label: `${db} (no slices)`, slices: 0 }];
  const tables = [
    ...new Set([
      ...(overview?.slices.filter((s) => databaseOf(s) === db).map((s) => s.tableName) ?? []),
      ...(query.table === null ? [] : [query.table]),
    ]),
  ].sort();
  const nodes = [
    ...new Set([
      ...(overview?.nodes.map((n) => n.id) ?? []),
      ...(query.node === null ? [] : [query.node]),
    ]),
  ].sort((a, b) => a - b);
  const zones = [
    ...new Set([
      ...(overview?.nodes.map((n) => n.zone) ?? []),
      ...(query.zone === null ? [] : [query.zone]),
    ]),
  ].sort();
  const filtered = query.table !== null || query.node !== null || query.zone !== null;
  return (
    <form
      className="form-row card map-controls"
      aria-label="Slice map view"
      onSubmit={(event) => {
        event.preventDefault();
      }}
    >
      <label>
        Database
        <select
          value={db ?? ''}
          disabled={dbOptions.length === 0}
          onChange={(event) => {
            navigate({ db: event.target.value, table: null });
          }}
          data-testid="filter-db"
        >
          {dbOptions.length === 0 ? <option value="">none has slices</option> : null}
          {dbOptions.map((c) => (
            <option key={c.key} value={c.key}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Table
        <select
          value={query.table ?? ''}
          onChange={(event) => {
            navigate({ table: event.target.value });
          }}
          data-testid="filter-table"
        >
          <option value="">every table</option>
          {tables.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Member on node
        <select
          value={query.node === null ? '' : String(query.node)}
          onChange={(event) => {
            navigate({ node: event.target.value });
          }}
          data-testid="filter-node"
        >
          <option value="">any</option>
          {nodes.map((id) => (
            <option key={id} value={String(id)}>
              node {id}
            </option>
          ))}
        </select>
      </label>
      <label>
        Member in zone
        <select
          value={query.zone ?? ''}
          onChange={(event) => {
            navigate({ zone: event.target.value });
          }}
          data-testid="filter-zone"
        >
          <option value="">any</option>
          {zones.map((zone) => (
            <option key={zone} value={zone}>
              zone {zone}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="colour-choice">
        <legend>Colour by</legend>
        {colourings.map((c) => (
          <label key={c}>
            <input
              type="radio"
              name="colour"
              value={c}
              checked={query.colour === c}
              onChange={() => {
                navigate({ colour: c });
              }}
              data-testid={`colour-${c}`}
            />
            {colouringLabel[c]}
          </label>
        ))}
      </fieldset>
      {filtered ? (
        <button
          type="button"
          className="secondary"
          onClick={() => {
            navigate({ table: null, node: null, zone: null });
          }}
        >
          Clear filters
        </button>
      ) : null}
    </form>
  );
}

function MapBody({
  overview,
  db,
  choices,
  query,
  live,
  openSlice,
}: {
  overview: ClusterOverview;
  db: string | null;
  choices: readonly DatabaseChoice[];
  query: SliceMapQuery;
  live: ClusterView['live'];
  openSlice: (sliceId: number) => void;
}) {
  const { table, node, zone } = query;
  const map = useMemo(
    () => (db === null ? null : mapGroups(overview, db, { table, node, zone })),
    [overview, db, table, node, zone],
  );
  const key = map === null ? '' : columnsKey(mapColumns(overview, map.groups, zone));
  const columns = useMemo(() => columnsFromKey(key), [key]);
  const { maxReads, maxWrites } = useMemo(
    () => (map === null ? { maxReads: 0, maxWrites: 0 } : loadScale(map.groups)),
    [map],
  );
  const threshold = overview.splitThresholdBytes;
  const scale = useMemo(
    () => ({ threshold, maxReads, maxWrites }),
    [threshold, maxReads, maxWrites],
  );
  const liveNote = <LiveNote live={live} />;

  if (overview.slices.length === 0 || db === null) {
    return (
      <>
        <p className="muted" data-testid="slices-empty">
          No slices are placed yet. The control plane places the seed table&apos;s slices when the
          cluster starts; if this stays empty, check on the Overview that the control plane has a
          leader and the nodes are up.
        </p>
        {liveNote}
      </>
    );
  }
  if (map === null || map.inDatabase === 0) {
    return (
      <>
        <p className="muted" data-testid="slices-empty">
          No slices in database <span className="mono">{db}</span>: it does not exist, has no tables
          yet, or its tables were dropped. Choose one of{' '}
          {choices.map((c) => (c.key === noDatabase ? c.label : c.key)).join(', ')}, or create a
          table in it over MySQL (<span className="mono">CREATE TABLE … SLICES = n</span>).
        </p>
        {liveNote}
      </>
    );
  }
  const shownSlices = map.groups.flatMap((g) => g.slices);
  const leaderless = shownSlices.filter((s) => s.leader === null).length;
  const moved = shownSlices.filter((s) => s.leader !== null && s.leader !== s.rankingNode).length;
  const downMembers = shownSlices.filter((s) => s.members.some((m) => m.raftRole === 'down'));
  return (
    <>
      <div className="zone-head">
        <p data-testid="slice-count">
          {map.shown === map.inDatabase
            ? `${map.shown} slices`
            : `${map.shown} of ${map.inDatabase} slices`}{' '}
          <span className="muted">
            in {map.groups.length}{' '}
            {map.groups.length === 1 ? 'table or index' : 'tables and indexes'}
          </span>
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
          {downMembers.length > 0 ? (
            <>
              {' '}
              <span className="badge bad" data-testid="slices-with-down-members">
                {downMembers.length} with a member down
              </span>
            </>
          ) : null}
        </p>
        {liveNote}
      </div>
      <ColourLegend colour={query.colour} scale={scale} />
      {map.shown === 0 ? (
        <p className="muted" data-testid="slices-empty">
          No slices match these filters. Pick another table, node or zone, or clear the filters.
        </p>
      ) : (
        <SliceMap
          groups={map.groups}
          columns={columns}
          colour={query.colour}
          scale={scale}
          selected={query.slice}
          highlightNode={node}
          onOpen={openSlice}
        />
      )}
    </>
  );
}

function ColourLegend({
  colour,
  scale,
}: {
  colour: Colouring;
  scale: { threshold: number; maxReads: number; maxWrites: number };
}) {
  const top =
    colour === 'size'
      ? `the ${formatBytes(scale.threshold)} split threshold`
      : colour === 'reads'
        ? scale.maxReads > 0
          ? `${formatRate(scale.maxReads)} reads/s, the busiest slice shown`
          : 'no reads now'
        : scale.maxWrites > 0
          ? `${formatRate(scale.maxWrites)} writes/s, the busiest slice shown`
          : 'no writes now';
  return (
    <p className="muted colour-legend" data-testid="colour-legend" data-colour={colour}>
      <span className={`legend-swatch ${colour}`} aria-hidden="true" /> Coloured by{' '}
      {colouringLabel[colour]}: the deepest colour is {top}. Click a slice (or Enter on its id) for
      its history and load.
    </p>
  );
}
