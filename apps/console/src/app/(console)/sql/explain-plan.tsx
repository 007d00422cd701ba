import type { SqlStatementResult } from '@tessera/api';
import styles from './sql.module.css';

type Rows = Extract<SqlStatementResult, { kind: 'rows' }>;

/** EXPLAIN [FORMAT=TRADITIONAL]'s columns (packages/sql/src/engine/explain.ts), in order. */
const EXPLAIN_COLUMNS = [
  'id',
  'operator',
  'table',
  'access',
  'slices',
  'nodes',
  'estimated_rows',
  'condition',
  'pushed_down',
] as const;

/** Whether a result set is EXPLAIN's traditional table (and so can be drawn as a plan). */
export function isExplainResult(result: Rows): boolean {
  return (
    result.columns.length === EXPLAIN_COLUMNS.length &&
    result.columns.every((c, i) => c.name === EXPLAIN_COLUMNS[i])
  );
}

interface PlanStep {
  readonly id: string;
  /** Depth in the tree: the operator's indentation, two spaces per level. */
  readonly level: number;
  readonly operator: string;
  readonly table: string | null;
  readonly access: string | null;
  readonly slices: string | null;
  readonly nodes: readonly string[];
  readonly estimatedRows: string | null;
  readonly condition: string | null;
  readonly pushedDown: string | null;
}

function planSteps(result: Rows): PlanStep[] {
  return result.rows.map((row) => {
    const operator = row[1] ?? '';
    const trimmed = operator.trimStart();
    return {
      id: row[0] ?? '',
      level: Math.floor((operator.length - trimmed.length) / 2),
      operator: trimmed,
      table: row[2] ?? null,
      access: row[3] ?? null,
      slices: row[4] ?? null,
      nodes: (row[5] ?? '').split(',').filter((n) => n !== ''),
      estimatedRows: row[6] ?? null,
      condition: row[7] ?? null,
      pushedDown: row[8] ?? null,
    };
  });
}

/**
 * The distributed plan: EXPLAIN's operators as an indented tree, each read with the slices it
 * touches (`3 of 8`) and the nodes serving them (their ranking replicas) as badges.
 */
export function ExplainPlan({ result }: { result: Rows }) {
  const steps = planSteps(result);
  if (steps.length === 0) return <p className="muted">EXPLAIN returned no operators.</p>;
  return (
    <ol className={styles.plan} aria-label="Distributed plan" data-testid="explain-plan">
      {steps.map((step) => (
        <li
          key={step.id}
          className={styles.planStep}
          style={{ marginLeft: `${step.level * 24}px` }}
          data-testid="plan-step"
        >
          <div className={styles.planHead}>
            <span className={styles.planOperator}>{step.operator}</span>
            {step.table === null ? null : <code>{step.table}</code>}
            {step.access === null ? null : <span className="muted">{step.access}</span>}
            {step.estimatedRows === null ? null : (
              <span className="muted">~{step.estimatedRows} rows</span>
            )}
          </div>
          {step.slices === null && step.nodes.length === 0 ? null : (
            <div className={styles.planPlacement}>
              {step.slices === null ? null : (
                <span className="badge" data-testid="plan-slices">
                  slices {step.slices}
                </span>
              )}
              {step.nodes.length === 0 ? null : <span className="muted">on</span>}
              {step.nodes.map((node) => (
                <span key={node} className="badge ok" data-testid="plan-node">
                  node {node}
                </span>
              ))}
            </div>
          )}
          {step.condition === null ? null : (
            <div className={styles.planDetail}>
              {/* A read's conditions; for other operators their keys (Sort, Aggregate, Limit…). */}
              {step.table === null ? null : <span className="muted">condition </span>}
              <code>{step.condition}</code>
            </div>
          )}
          {step.pushedDown === null ? null : (
            <div className={styles.planDetail}>
              <span className="muted">pushed to the slices</span> {step.pushedDown}
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}
