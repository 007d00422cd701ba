/**
 * EXPLAIN [FORMAT = TRADITIONAL | TREE] for SELECT (and set operations), INSERT / REPLACE,
 * UPDATE and DELETE: the distributed plan as a tree of operators, from the same planning the
 * executor runs (select.ts `planQuery`, join-plan.ts, access.ts `chooseAccess`) — nothing is
 * read.
 *
 * TRADITIONAL: one row per operator, in tree order, with columns
 *
 *   id              the operator's number (tree order)
 *   operator        its name, indented two spaces per level (`Hash join`, `Read`, `Sort`…)
 *   table           the table it reads (`name` or `name AS alias`)
 *   access          point get | batch get (n keys) | index lookup <index> | range | full scan,
 *                   or for an index-lookup join's inner table the index read per outer key
 *   slices          the slices of the representation read: `1 of 8`, `8 of 8`, or
 *                   `by key, of 8` when the keys come from rows read at run time
 *   nodes           the ranking replicas serving those slices (node ids)
 *   estimated_rows  the planner's estimate (no statistics: see join-plan.ts)
 *   condition       the conditions applied there (join keys first)
 *   pushed_down     what a scan sends to the slices to run next to the data
 *                   (pushdown-plan.ts): filter (n conditions), columns k of m, top-N / limit
 *                   per slice, partial aggregate (calls) by keys
 *
 * TREE: MySQL's `-> operator` text, one line per operator, in one row of one column `EXPLAIN`.
 * FORMAT=JSON and EXPLAIN ANALYZE answer 1235; an unknown format 1791.
 */
import type { Delete, Explain, Expr, Insert, TableName, TableRef, Update } from '../ast.js';
import { defaultCollation } from '../encoding/key-codec.js';
import { SqlNotSupportedError, SqlSemanticError } from '../errors.js';
import { longlong, varString } from '../eval/types.js';
import { int, str } from '../eval/value.js';
import type { SqlValue } from '../eval/value.js';
import { formatExpr, quoteIdent } from '../format.js';
import { accessPlacement, chooseAccess, keyedPlacement } from './access.js';
import type { Access, AccessPlacement } from './access.js';
import type { EngineResult, ResultColumn } from './ddl.js';
import type { DmlContext } from './dml.js';
import { LOOKUP_OUTER_ROWS_MAX } from './join-plan.js';
import type { PlanLeaf, PlanNode, Predicate, ScanNode } from './join-plan.js';
import { hasAggregate, planQuery, planSubqueries } from './select.js';
import type { QueryPlan, SelectPlan } from './select.js';
import { resolveTable } from './tables.js';
import type { ResolvedTable } from './tables.js';

/** One operator of the plan as EXPLAIN shows it. */
export interface ExplainNode {
  readonly operator: string;
  readonly table?: string;
  readonly access?: string;
  readonly placement?: AccessPlacement;
  readonly rows?: number;
  readonly condition?: string;
  /** What the read sends to the slices with its scan (pushdown-plan.ts). */
  readonly pushed?: string;
  readonly children: readonly ExplainNode[];
}

type PlanContext = Pick<DmlContext, 'view' | 'database' | 'evalContext' | 'pushdown'>;

export function explainStatement(stmt: Explain, ctx: PlanContext): EngineResult {
  if (stmt.analyze) throw new SqlNotSupportedError('EXPLAIN ANALYZE', stmt.pos);
  const format = stmt.format ?? 'TRADITIONAL';
  if (format === 'JSON') throw new SqlNotSupportedError('EXPLAIN FORMAT=JSON', stmt.pos);
  if (format !== 'TRADITIONAL' && format !== 'TREE') {
    throw new SqlSemanticError(
      1791,
      'HY000',
      `Unknown EXPLAIN format name: '${format.toLowerCase()}'`,
    );
  }
  const root = explainTree(stmt.statement, ctx);
  return format === 'TREE' ? treeResult(root) : traditionalResult(root);
}

/** The operator tree of a statement. */
export function explainTree(statement: Explain['statement'], ctx: PlanContext): ExplainNode {
  switch (statement.kind) {
    case 'select':
    case 'union':
      return queryNode(planQuery(statement, ctx));
    case 'insert':
      return insertNode(statement, ctx);
    case 'update':
      return changeNode('Update', statement.tables, statement, ctx);
    case 'delete':
      if (statement.targets !== undefined) {
        throw new SqlNotSupportedError('multi-table DELETE (not built yet)', statement.pos);
      }
      return changeNode('Delete', statement.from, statement, ctx);
  }
}

function queryNode(plan: QueryPlan): ExplainNode {
  switch (plan.kind) {
    case 'union': {
      const u = plan.union;
      const name =
        u.op === 'UNION'
          ? u.all
            ? 'Union all'
            : 'Union'
          : `${cap(u.op.toLowerCase())}${u.all ? ' all' : ''}`;
      const children = [queryNode(plan.left), queryNode(plan.right)];
      return chain([...limitNodes(u.limit), ...sortNodes(u.orderBy)], { operator: name, children });
    }
    case 'unplanned':
      return {
        operator: 'Subquery (planned when it runs: it names the select list)',
        children: [],
      };
    case 'select':
      return selectNode(plan);
  }
}

function selectNode(plan: SelectPlan): ExplainNode {
  const s = plan.select;
  const above: Omit<ExplainNode, 'children'>[] = [...limitNodes(s.limit)];
  if (s.distinct) above.push({ operator: 'Distinct' });
  above.push(...sortNodes(s.orderBy));
  if (s.having !== undefined) above.push({ operator: 'Filter', condition: formatExpr(s.having) });
  if (hasAggregate(s)) {
    above.push({
      operator: 'Aggregate',
      ...(s.groupBy.length === 0
        ? {}
        : { condition: `GROUP BY ${s.groupBy.map(formatExpr).join(', ')}` }),
    });
  }
  let base: ExplainNode;
  if (plan.from === undefined) {
    base = { operator: 'One row', children: [] };
    if (s.where !== undefined) {
      base = { operator: 'Filter', condition: formatExpr(s.where), children: [base] };
    }
  } else {
    base = fromNode(plan.from, plan);
  }
  const subqueries = plan.subqueries.map((q) => ({
    operator: 'Subquery',
    children: [queryNode(q)],
  }));
  if (subqueries.length > 0) above.unshift({ operator: 'Project' });
  const root = chain(above, base);
  return subqueries.length === 0 ? root : { ...root, children: [...root.children, ...subqueries] };
}

/** `nodes` stacked, each the parent of the next; the last one's child is `base`. */
function chain(nodes: readonly Omit<ExplainNode, 'children'>[], base: ExplainNode): ExplainNode {
  return nodes.reduceRight<ExplainNode>((child, n) => ({ ...n, children: [child] }), base);
}

function limitNodes(
  limit: { count: Expr; offset?: Expr } | undefined,
): Omit<ExplainNode, 'children'>[] {
  if (limit === undefined) return [];
  const offset = limit.offset === undefined ? '' : ` OFFSET ${formatExpr(limit.offset)}`;
  return [{ operator: 'Limit', condition: `${formatExpr(limit.count)}${offset}` }];
}

function sortNodes(
  orderBy: readonly { expr: Expr; desc: boolean }[],
): Omit<ExplainNode, 'children'>[] {
  if (orderBy.length === 0) return [];
  const keys = orderBy.map((o) => `${formatExpr(o.expr)}${o.desc ? ' DESC' : ''}`).join(', ');
  return [{ operator: 'Sort', condition: keys }];
}

function fromNode(node: PlanNode, plan: SelectPlan): ExplainNode {
  switch (node.kind) {
    case 'scan':
      return scanNode(node, plan);
    case 'filter':
      return {
        operator: 'Filter',
        rows: node.rows,
        condition: conditionText(node.filters),
        children: [fromNode(node.input, plan)],
      };
    case 'join': {
      const method =
        node.method === 'hash'
          ? 'hash join'
          : node.method === 'lookup'
            ? 'index lookup join'
            : 'nested loop join';
      const keys = node.keys.map((k) => `${k.outer.text} = ${k.inner.text}`);
      const condition = [...keys, ...node.conditions.map((p) => p.text)].join(' AND ');
      const after = node.filters.length === 0 ? '' : `; then ${conditionText(node.filters)}`;
      const inner =
        node.lookup !== undefined && node.inner.kind === 'scan'
          ? lookupNode(node.inner, node.lookup)
          : fromNode(node.inner, plan);
      return {
        operator: cap(node.type === 'left' ? `left ${method}` : method),
        rows: node.rows,
        ...(condition === '' && after === '' ? {} : { condition: `${condition}${after}` }),
        children: [fromNode(node.outer, plan), inner],
      };
    }
  }
}

function scanNode(node: ScanNode, plan: SelectPlan): ExplainNode {
  const { leaf } = node;
  const condition = node.filters.length === 0 ? {} : { condition: conditionText(node.filters) };
  if (leaf.derived) {
    const derived = plan.derived.get(leaf.id);
    return {
      operator: 'Derived table',
      table: leaf.alias,
      access: 'in memory',
      rows: node.rows,
      ...condition,
      children: derived === undefined ? [] : [queryNode(derived)],
    };
  }
  const table = leaf.table;
  if (table === undefined) {
    return {
      operator: 'Read',
      table: tableText(leaf),
      access: 'system table, in memory',
      rows: node.rows,
      ...condition,
      children: [],
    };
  }
  const access: Access = node.access === 'memory' ? { kind: 'fullScan' } : node.access;
  const pushed = plan.pushdowns.get(node)?.text;
  return {
    operator: 'Read',
    table: tableText(leaf),
    access:
      node.access === 'memory'
        ? 'full scan, whole table read before the query runs'
        : accessText(access),
    placement: accessPlacement(table, access),
    rows: node.rows,
    ...condition,
    ...(pushed === undefined ? {} : { pushed }),
    children: [],
  };
}

/** The inner table of an index-lookup join: read by key per outer row. */
function lookupNode(
  node: ScanNode,
  lookup: NonNullable<Extract<PlanNode, { kind: 'join' }>['lookup']>,
): ExplainNode {
  const table = node.leaf.table;
  const own = node.access === 'memory' ? 'full scan' : accessText(node.access);
  const by = lookup.parts.map((p) => p.text).join(', ');
  const via =
    lookup.index.index.name === 'PRIMARY' ? 'PRIMARY' : `${lookup.index.index.name}, then PRIMARY`;
  return {
    operator: 'Lookup',
    table: tableText(node.leaf),
    access: `get ${via} by (${by}) per outer row; over ${LOOKUP_OUTER_ROWS_MAX} outer rows: ${own} and a hash join`,
    ...(table === undefined ? {} : { placement: keyedPlacement(lookup.index) }),
    ...(node.filters.length === 0 ? {} : { condition: conditionText(node.filters) }),
    children: [],
  };
}

function accessText(access: Access): string {
  switch (access.kind) {
    case 'pointGet':
      return 'point get';
    case 'batchGet':
      return `batch get (${access.keys.length} key${access.keys.length === 1 ? '' : 's'})`;
    case 'indexLookup': {
      const index = access.index.index;
      const whole = access.values.length === index.parts.length;
      const prefix = whole
        ? ''
        : ` (first ${access.values.length} of ${index.parts.length} columns)`;
      return `index lookup ${index.name}${prefix}, then PRIMARY`;
    }
    case 'range':
      return 'range';
    case 'fullScan':
      return 'full scan';
  }
}

function tableText(leaf: PlanLeaf): string {
  const short = leaf.name.split('.').at(-1) ?? leaf.name;
  return short === leaf.alias ? short : `${short} AS ${leaf.alias}`;
}

function conditionText(filters: readonly Predicate[]): string {
  return filters.map((p) => p.text).join(' AND ');
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** UPDATE / DELETE: the rows WHERE selects (matchingRows' access path), sorted, limited. */
function changeNode(
  operator: 'Update' | 'Delete',
  refs: readonly TableRef[],
  stmt: Update | Delete,
  ctx: PlanContext,
): ExplainNode {
  const [only, ...rest] = refs;
  if (only === undefined || rest.length > 0 || only.kind !== 'table') {
    throw new SqlNotSupportedError(
      `multi-table ${operator.toUpperCase()} (not built yet)`,
      stmt.pos,
    );
  }
  const table = resolveTable(ctx.view, only.table, ctx.database, 'write');
  const access = chooseAccess(table, stmt.where, ctx.evalContext());
  const read: ExplainNode = {
    operator: 'Read',
    table: table.view.name,
    access: accessText(access),
    placement: accessPlacement(table, access),
    ...(stmt.where === undefined ? {} : { condition: formatExpr(stmt.where) }),
    children: [],
  };
  const exprs = [
    ...(stmt.where === undefined ? [] : [stmt.where]),
    ...(stmt.kind === 'update' ? stmt.set.map((a) => a.value) : []),
  ];
  const subqueries = planSubqueries(table, exprs, ctx).map((q) => ({
    operator: 'Subquery',
    children: [queryNode(q)],
  }));
  const top = chain(
    [
      { operator, table: table.view.name, ...setText(stmt) },
      ...limitNodes(stmt.limit),
      ...sortNodes(stmt.orderBy),
    ],
    read,
  );
  return subqueries.length === 0 ? top : { ...top, children: [...top.children, ...subqueries] };
}

function setText(stmt: Update | Delete): { condition?: string } {
  if (stmt.kind !== 'update') return {};
  return {
    condition: `SET ${stmt.set.map((a) => `${quoteIdent(a.column.name)} = ${formatExpr(a.value)}`).join(', ')}`,
  };
}

/** INSERT / REPLACE: rows written by key (PRIMARY and one entry per index), from VALUES or a query. */
function insertNode(stmt: Insert, ctx: PlanContext): ExplainNode {
  const table = resolveTable(ctx.view, stmt.table, ctx.database, 'write');
  const writes = `PRIMARY${table.indexes.length === 0 ? '' : ` + ${table.indexes.map((i) => i.index.name).join(', ')}`}`;
  const source = stmt.source;
  const rows =
    source.kind === 'values' ? source.rows.length : source.kind === 'set' ? 1 : undefined;
  const children = source.kind === 'query' ? [queryNode(planQuery(source.query, ctx))] : [];
  return {
    operator: stmt.replace ? 'Replace' : 'Insert',
    table: nameText(stmt.table),
    access: `put by key: ${writes}`,
    placement: writePlacement(table),
    ...(rows === undefined ? {} : { rows }),
    ...(stmt.onDuplicateKeyUpdate === undefined
      ? {}
      : {
          condition: `ON DUPLICATE KEY UPDATE ${stmt.onDuplicateKeyUpdate
            .map((a) => `${quoteIdent(a.column.name)} = ${formatExpr(a.value)}`)
            .join(', ')}`,
        }),
    children,
  };
}

/** Rows written by key go to the slices their keys hash to: up to every slice of PRIMARY. */
function writePlacement(table: ResolvedTable): AccessPlacement {
  return keyedPlacement(table.primary);
}

function nameText(name: TableName): string {
  return name.name;
}

// ---------------------------------------------------------------------------------------------
// Output

interface Line {
  readonly node: ExplainNode;
  readonly depth: number;
}

function lines(root: ExplainNode): Line[] {
  const out: Line[] = [];
  const visit = (node: ExplainNode, depth: number) => {
    out.push({ node, depth });
    for (const c of node.children) visit(c, depth + 1);
  };
  visit(root, 0);
  return out;
}

function slicesText(p: AccessPlacement): string {
  return p.slices === undefined ? `by key, of ${p.total}` : `${p.slices} of ${p.total}`;
}

function estimate(rows: number): number {
  return Math.ceil(rows);
}

const text = (s: string | undefined): SqlValue =>
  s === undefined ? null : str(s, defaultCollation);

const EXPLAIN_COLUMNS: readonly ResultColumn[] = [
  { name: 'id', type: longlong(21, false) },
  { name: 'operator', type: varString(128, defaultCollation, false) },
  { name: 'table', type: varString(128, defaultCollation) },
  { name: 'access', type: varString(256, defaultCollation) },
  { name: 'slices', type: varString(32, defaultCollation) },
  { name: 'nodes', type: varString(256, defaultCollation) },
  { name: 'estimated_rows', type: longlong(21, true) },
  { name: 'condition', type: varString(4096, defaultCollation) },
  { name: 'pushed_down', type: varString(256, defaultCollation) },
];

function traditionalResult(root: ExplainNode): EngineResult {
  const rows = lines(root).map(({ node, depth }, i): SqlValue[] => [
    int(i + 1),
    text(`${'  '.repeat(depth)}${node.operator}`),
    text(node.table),
    text(node.access),
    text(node.placement === undefined ? undefined : slicesText(node.placement)),
    text(node.placement?.nodes.join(',')),
    node.rows === undefined ? null : int(estimate(node.rows)),
    text(node.condition),
    text(node.pushed),
  ]);
  return { kind: 'rows', columns: [...EXPLAIN_COLUMNS], rows, warnings: [] };
}

function treeResult(root: ExplainNode): EngineResult {
  const out = lines(root).map(({ node, depth }) => {
    const parts = [node.operator];
    if (node.table !== undefined) parts.push(`on ${node.table}`);
    if (node.access !== undefined) parts.push(`(${node.access})`);
    if (node.condition !== undefined) parts.push(`[${node.condition}]`);
    if (node.placement !== undefined) {
      parts.push(
        `{slices ${slicesText(node.placement)} on nodes ${node.placement.nodes.join(',')}}`,
      );
    }
    if (node.rows !== undefined) parts.push(`(rows=${estimate(node.rows)})`);
    if (node.pushed !== undefined) parts.push(`{pushed to slices: ${node.pushed}}`);
    return `${'    '.repeat(depth)}-> ${parts.join(' ')}`;
  });
  return {
    kind: 'rows',
    columns: [{ name: 'EXPLAIN', type: varString(65535, defaultCollation, false) }],
    rows: [[text(`${out.join('\n')}\n`)]],
    warnings: [],
  };
}
