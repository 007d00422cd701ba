import type { ClusterOverview, NodeOverview, SliceOverview } from '@tessera/api';

/**
 * What the slice map shows, as its URL says (`?db=&table=&node=&zone=&colour=&slice=`), so a
 * view can be shared, survives a reload, and a link from an event or a hotspot opens a slice.
 * Parsing and filtering are plain functions over the overview: the view memoises their results.
 */

export const colourings = ['size', 'reads', 'writes'] as const;
export type Colouring = (typeof colourings)[number];

export const colouringLabel: Record<Colouring, string> = {
  size: 'size',
  reads: 'reads/s',
  writes: 'writes/s',
};

/**
 * The `db` value of the slices outside any database (the cluster's own tables, such as the seed
 * table `kv`): a dot, which no MySQL database name may contain, so it never shadows one.
 */
export const noDatabase = '.';

export const databaseOf = (slice: SliceOverview): string => slice.database ?? noDatabase;

export interface SliceMapQuery {
  /** The database asked for, or null: the view then picks one (`resolveDatabase`). */
  readonly db: string | null;
  readonly table: string | null;
  readonly node: number | null;
  readonly zone: string | null;
  readonly colour: Colouring;
  /** The slice whose detail is open. */
  readonly slice: number | null;
  /** Parameters that could not be read, each said with what is shown instead. */
  readonly problems: readonly string[];
}

interface Params {
  get(name: string): string | null;
}

const nonEmpty = (value: string | null): string | null =>
  value === null || value.trim() === '' ? null : value.trim();

function wholeNumber(
  params: Params,
  name: string,
  problems: string[],
  instead: string,
): number | null {
  const raw = nonEmpty(params.get(name));
  if (raw === null) return null;
  if (/^\d{1,9}$/.test(raw)) return Number(raw);
  problems.push(`“${raw}” is not a ${name} id; ${instead}.`);
  return null;
}

export function parseSliceMapQuery(params: Params): SliceMapQuery {
  const problems: string[] = [];
  const rawColour = nonEmpty(params.get('colour'));
  const colour = colourings.find((c) => c === rawColour);
  if (rawColour !== null && colour === undefined) {
    problems.push(
      `“${rawColour}” is not a colouring (${colourings.join(', ')}); colouring by size.`,
    );
  }
  return {
    db: nonEmpty(params.get('db')),
    table: nonEmpty(params.get('table')),
    node: wholeNumber(params, 'node', problems, 'showing slices on every node'),
    zone: nonEmpty(params.get('zone')),
    colour: colour ?? 'size',
    slice: wholeNumber(params, 'slice', problems, 'no slice is open'),
    problems,
  };
}

export interface DatabaseChoice {
  /** The `db` value (`noDatabase` for the cluster's own tables). */
  readonly key: string;
  readonly label: string;
  readonly slices: number;
}

/** The databases that have slices, by name, and last the cluster's own tables if any. */
export function databaseChoices(slices: readonly SliceOverview[]): DatabaseChoice[] {
  const count = new Map<string, number>();
  const ownTables = new Set<string>();
  for (const slice of slices) {
    const key = databaseOf(slice);
    count.set(key, (count.get(key) ?? 0) + 1);
    if (key === noDatabase) ownTables.add(slice.tableName);
  }
  return [...count.entries()]
    .sort(([a], [b]) => (a === noDatabase ? 1 : b === noDatabase ? -1 : a.localeCompare(b)))
    .map(([key, n]) => ({
      key,
      label: key === noDatabase ? `no database (${[...ownTables].sort().join(', ')})` : key,
      slices: n,
    }));
}

/**
 * The database to show: the one asked for; else the open slice's; else the first with slices
 * (user databases before the cluster's own). Null when nothing has slices.
 */
export function resolveDatabase(
  query: SliceMapQuery,
  choices: readonly DatabaseChoice[],
  slices: readonly SliceOverview[],
): string | null {
  if (query.db !== null) return query.db;
  const open = query.slice === null ? undefined : slices.find((s) => s.sliceId === query.slice);
  if (open !== undefined) return databaseOf(open);
  return choices[0]?.key ?? null;
}

/** A representation (table or index) and its slices in hash order. */
export interface MapGroup {
  readonly representation: string;
  readonly tableName: string;
  readonly index: string | null;
  readonly slices: readonly SliceOverview[];
}

/** One node column of the map. */
export interface MapColumn {
  readonly id: number;
  readonly zone: string;
  readonly state: NodeOverview['state'];
}

const byRepresentation = (a: SliceOverview, b: SliceOverview): number =>
  a.tableName.localeCompare(b.tableName) ||
  (a.index === null ? (b.index === null ? 0 : -1) : b.index === null ? 1 : 0) ||
  (a.index ?? '').localeCompare(b.index ?? '') ||
  // Hash starts are 16 hex digits each, so text order is hash order.
  a.hashStart.localeCompare(b.hashStart) ||
  a.sliceId - b.sliceId;

/** The database's slices that pass the filters, grouped by representation. */
export function mapGroups(
  overview: ClusterOverview,
  db: string,
  query: Pick<SliceMapQuery, 'table' | 'node' | 'zone'>,
): { groups: MapGroup[]; inDatabase: number; shown: number } {
  const zoneOf = new Map(overview.nodes.map((n) => [n.id, n.zone]));
  const inDb = overview.slices.filter((s) => databaseOf(s) === db);
  const shown = inDb
    .filter((s) => query.table === null || s.tableName === query.table)
    .filter((s) => query.node === null || s.members.some((m) => m.node === query.node))
    .filter((s) => query.zone === null || s.members.some((m) => zoneOf.get(m.node) === query.zone))
    .sort(byRepresentation);
  const groups: MapGroup[] = [];
  for (const slice of shown) {
    const last = groups.at(-1);
    if (last?.representation === slice.table) (last.slices as SliceOverview[]).push(slice);
    else {
      groups.push({
        representation: slice.table,
        tableName: slice.tableName,
        index: slice.index,
        slices: [slice],
      });
    }
  }
  return { groups, inDatabase: inDb.length, shown: shown.length };
}

/**
 * The node columns: every node that is not removed or still holds a member of a shown slice,
 * by zone then id; with a zone filter, that zone's nodes only.
 */
export function mapColumns(
  overview: ClusterOverview,
  groups: readonly MapGroup[],
  zone: string | null,
): MapColumn[] {
  const holding = new Set(
    groups.flatMap((g) => g.slices.flatMap((s) => s.members.map((m) => m.node))),
  );
  return overview.nodes
    .filter((n) => n.state !== 'removed' || holding.has(n.id))
    .filter((n) => zone === null || n.zone === zone)
    .sort((a, b) => a.zone.localeCompare(b.zone) || a.id - b.id)
    .map((n) => ({ id: n.id, zone: n.zone, state: n.state }));
}

/** Heat steps of the colouring: 0 (cold) to 10 (the hottest shown, or the split threshold). */
export const heatSteps = 10;

/**
 * A slice's heat step for the colouring: size against the split threshold, reads or writes
 * against the busiest shown slice. Steps, not exact values, so a row re-renders only when its
 * colour visibly changes. Null when the slice has no report yet.
 */
export function heatOf(
  slice: SliceOverview,
  colour: Colouring,
  scale: { readonly threshold: number; readonly maxReads: number; readonly maxWrites: number },
): number | null {
  const [value, max] =
    colour === 'size'
      ? [slice.bytes, scale.threshold]
      : colour === 'reads'
        ? [slice.readsPerSec, scale.maxReads]
        : [slice.writesPerSec, scale.maxWrites];
  if (value === null) return null;
  if (max <= 0 || value <= 0) return 0;
  return Math.min(heatSteps, Math.max(1, Math.round((value / max) * heatSteps)));
}

/** The busiest shown slice's reads and writes per second: the top of the load colourings. */
export function loadScale(groups: readonly MapGroup[]): { maxReads: number; maxWrites: number } {
  let maxReads = 0;
  let maxWrites = 0;
  for (const g of groups) {
    for (const s of g.slices) {
      maxReads = Math.max(maxReads, s.readsPerSec ?? 0);
      maxWrites = Math.max(maxWrites, s.writesPerSec ?? 0);
    }
  }
  return { maxReads, maxWrites };
}

/**
 * A hash bound shortened to its first 4 hex digits (`4000…`); the end of the hash space
 * (`10000000000000000`, one past the last hash) reads `end`.
 */
export const shortHash = (hex: string): string => (hex.length > 16 ? 'end' : `${hex.slice(0, 4)}…`);

/**
 * The columns as a string (`1:a:up,2:b:down`): the map keeps its column array while this stays
 * the same, so the memoised rows are not all re-rendered by a new but equal array twice a
 * second. Zone names hold neither `:` nor `,` (letters, digits, `_`, `.` and `-`).
 */
export const columnsKey = (columns: readonly MapColumn[]): string =>
  columns.map((c) => `${c.id}:${c.zone}:${c.state}`).join(',');

const nodeStates: readonly MapColumn['state'][] = ['up', 'down', 'draining', 'removed'];

export function columnsFromKey(key: string): MapColumn[] {
  if (key === '') return [];
  return key.split(',').map((entry) => {
    const [id = '', zone = '', state = ''] = entry.split(':');
    return { id: Number(id), zone, state: nodeStates.find((s) => s === state) ?? 'down' };
  });
}
