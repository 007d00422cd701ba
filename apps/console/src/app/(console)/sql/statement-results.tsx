'use client';

import type { SqlStatementResult } from '@tessera/api';
import { useState } from 'react';
import { ExplainPlan, isExplainResult } from './explain-plan';
import styles from './sql.module.css';

type Rows = Extract<SqlStatementResult, { kind: 'rows' }>;

/** Rows shown per page of the grid. */
export const PAGE_ROWS = 100;

const count = (n: number) => n.toLocaleString('en-US');

function durationText(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${count(Math.round(ms))} ms`;
}

function tabLabel(result: SqlStatementResult): string {
  switch (result.kind) {
    case 'rows':
      return `${count(result.rowCount)} row${result.rowCount === 1 ? '' : 's'}`;
    case 'ok':
      return 'OK';
    case 'error':
      return `Error ${result.code}`;
  }
}

/**
 * Each statement's outcome, one tab per statement (the last one, where a run stops, shown
 * first): result sets in a paged grid (EXPLAIN also as the distributed plan), OKs with their
 * counts, errors with code and SQLSTATE.
 */
export function StatementResults({ statements }: { statements: readonly SqlStatementResult[] }) {
  const [selected, setSelected] = useState(statements.length - 1);
  const current = statements[Math.min(selected, statements.length - 1)];
  if (current === undefined) {
    return <p className="muted">The text held no statement (only comments or whitespace).</p>;
  }
  return (
    <div>
      {statements.length > 1 ? (
        <div role="tablist" aria-label="Statements" className={styles.tabs}>
          {statements.map((s, i) => (
            <button
              key={i}
              type="button"
              role="tab"
              id={`statement-tab-${i}`}
              aria-selected={i === selected}
              aria-controls="statement-panel"
              className={`${styles.tab} ${s.kind === 'error' ? styles.tabError : ''}`}
              onClick={() => {
                setSelected(i);
              }}
            >
              {i + 1} · {tabLabel(s)}
            </button>
          ))}
        </div>
      ) : null}
      <div
        id="statement-panel"
        role={statements.length > 1 ? 'tabpanel' : undefined}
        aria-labelledby={statements.length > 1 ? `statement-tab-${selected}` : undefined}
        data-testid="statement-result"
      >
        <pre className={styles.statementText} title={current.sql}>
          {current.sql}
        </pre>
        <Outcome key={selected} result={current} />
      </div>
    </div>
  );
}

function Outcome({ result }: { result: SqlStatementResult }) {
  switch (result.kind) {
    case 'error':
      return (
        <div className="notice error" role="alert" data-testid="sql-error">
          <strong>
            ERROR {result.code} ({result.sqlState}):
          </strong>{' '}
          {result.message}
          <div className="muted">
            After {durationText(result.durationMs)}. Nothing after this statement ran.
          </div>
        </div>
      );
    case 'ok':
      return (
        <p data-testid="sql-ok">
          <span className="badge ok">OK</span> {count(result.affectedRows)} row
          {result.affectedRows === 1 ? '' : 's'} affected
          {result.lastInsertId > 0 ? `, last insert id ${result.lastInsertId}` : ''}
          {result.warnings > 0 ? `, ${count(result.warnings)} warning(s)` : ''}
          {result.info === '' ? '' : ` · ${result.info}`}{' '}
          <span className="muted">({durationText(result.durationMs)})</span>
        </p>
      );
    case 'rows':
      return isExplainResult(result) ? (
        <ExplainResult result={result} />
      ) : (
        <RowsResult result={result} />
      );
  }
}

/** EXPLAIN: the plan drawn as a tree by default, the raw table one click away. */
function ExplainResult({ result }: { result: Rows }) {
  const [raw, setRaw] = useState(false);
  return (
    <>
      <div className={styles.toolbar} role="group" aria-label="EXPLAIN view">
        <button
          type="button"
          className="secondary"
          aria-pressed={!raw}
          onClick={() => {
            setRaw(false);
          }}
        >
          Plan
        </button>
        <button
          type="button"
          className="secondary"
          aria-pressed={raw}
          onClick={() => {
            setRaw(true);
          }}
        >
          Grid
        </button>
      </div>
      {raw ? <RowsResult result={result} /> : <ExplainPlan result={result} />}
    </>
  );
}

function RowsResult({ result }: { result: Rows }) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(result.rows.length / PAGE_ROWS));
  const first = page * PAGE_ROWS;
  const shown = result.rows.slice(first, first + PAGE_ROWS);
  return (
    <>
      <p className="muted" data-testid="row-summary">
        {count(result.rowCount)} row{result.rowCount === 1 ? '' : 's'}
        {result.warnings > 0 ? `, ${count(result.warnings)} warning(s)` : ''} ·{' '}
        {durationText(result.durationMs)}
      </p>
      {result.truncated ? (
        <p className="notice" role="note" data-testid="truncated-note">
          Showing the first {count(result.rows.length)} of {count(result.rowCount)} rows: the rest
          were counted, not sent. Add a LIMIT, or keep more rows per result.
        </p>
      ) : null}
      {result.columns.length === 0 ? null : (
        <div className={styles.gridWrap}>
          <table className={styles.grid} data-testid="result-grid">
            <thead>
              <tr>
                <th className={styles.rowNumber}>#</th>
                {result.columns.map((c, i) => (
                  <th key={i} title={c.type}>
                    {c.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((row, r) => (
                <tr key={first + r}>
                  <td className={styles.rowNumber}>{first + r + 1}</td>
                  {row.map((value, c) =>
                    value === null ? (
                      <td key={c} className={styles.nullCell}>
                        NULL
                      </td>
                    ) : (
                      <td key={c} title={value.length > 60 ? value : undefined}>
                        {value}
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 ? (
        <nav className={styles.pager} aria-label="Result pages">
          <button
            type="button"
            className="secondary"
            disabled={page === 0}
            onClick={() => {
              setPage(0);
            }}
          >
            First
          </button>
          <button
            type="button"
            className="secondary"
            disabled={page === 0}
            onClick={() => {
              setPage(page - 1);
            }}
          >
            Previous
          </button>
          <span data-testid="page-status">
            Rows {count(first + 1)}–{count(first + shown.length)} of {count(result.rows.length)} ·
            page {page + 1} of {pages}
          </span>
          <button
            type="button"
            className="secondary"
            disabled={page >= pages - 1}
            onClick={() => {
              setPage(page + 1);
            }}
          >
            Next
          </button>
          <button
            type="button"
            className="secondary"
            disabled={page >= pages - 1}
            onClick={() => {
              setPage(pages - 1);
            }}
          >
            Last
          </button>
        </nav>
      ) : null}
    </>
  );
}
