'use client';

import type { SqlHistoryEntry, SqlRunResult } from '@tessera/api';
import type { SQLNamespace } from '@codemirror/lang-sql';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo, useState } from 'react';
import { QueryError } from '@/components/query-state';
import { useTRPC } from '@/trpc/client';
import { HistoryPanel } from './history-panel';
import { SqlEditor } from './sql-editor';
import { StatementResults } from './statement-results';
import styles from './sql.module.css';

/** Rows the server keeps per result set (the rest are counted); the API allows 1..10 000. */
const MAX_ROWS_CHOICES = [100, 1000, 10_000] as const;

const accountName = (a: { user: string; host: string }) => `'${a.user}'@'${a.host}'`;

/**
 * The SQL page: an editor, the database the statements start in (kept in the URL as `?db=`),
 * Run (or Ctrl/Cmd+Enter), each statement's outcome, and the user's history. Statements run on
 * the server as the user's mapped database account, one fresh session per run.
 */
export function SqlConsole() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const [text, setText] = useState('');
  const [database, setDatabase] = useState(searchParams.get('db') ?? '');
  const [maxRows, setMaxRows] = useState<number>(1000);
  const [outcome, setOutcome] = useState<{ id: number; result: SqlRunResult } | null>(null);

  const me = useQuery(trpc.auth.me.queryOptions());
  const users = useQuery(trpc.users.list.queryOptions());
  const mine = users.data?.find((u) => u.id === me.data?.id);
  const overview = useQuery(trpc.cluster.overview.queryOptions());
  const databases = useMutation(trpc.sql.run.mutationOptions());

  const schema = useMemo<SQLNamespace>(() => {
    const out: Record<string, Record<string, string[]>> = {};
    for (const table of overview.data?.tables ?? []) {
      const parts = table.name.split('.');
      const [db, name] = parts;
      if (parts.length !== 2 || db === undefined || name === undefined) continue;
      (out[db] ??= {})[name] = [];
    }
    return out;
  }, [overview.data]);

  const chooseDatabase = useCallback(
    (next: string) => {
      setDatabase(next);
      const params = new URLSearchParams(searchParams.toString());
      if (next === '') params.delete('db');
      else params.set('db', next);
      const query = params.toString();
      router.replace(query === '' ? pathname : `${pathname}?${query}`, { scroll: false });
    },
    [pathname, router, searchParams],
  );

  const run = useMutation(
    trpc.sql.run.mutationOptions({
      onSuccess: async (result) => {
        setOutcome((previous) => ({ id: (previous?.id ?? 0) + 1, result }));
        if (result.kind === 'ran' && (result.database ?? '') !== database.trim()) {
          chooseDatabase(result.database ?? '');
        }
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.sql.history.pathKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.cluster.overview.queryKey() }),
        ]);
      },
    }),
  );

  const runText = useCallback(() => {
    if (run.isPending || text.trim() === '') return;
    const db = database.trim();
    run.mutate({ sql: text, database: db === '' ? null : db, maxRows });
  }, [run, text, database, maxRows]);

  const loadEntry = useCallback(
    (entry: SqlHistoryEntry) => {
      setText(entry.sql);
      chooseDatabase(entry.database ?? '');
    },
    [chooseDatabase],
  );

  const listedDatabases =
    databases.data?.kind === 'ran' && databases.data.statements[0]?.kind === 'rows'
      ? databases.data.statements[0].rows.map((r) => r[0] ?? '').filter((d) => d !== '')
      : Object.keys(schema);

  const account = outcome?.result.kind === 'ran' ? outcome.result.account : mine?.dbAccount;

  return (
    <div className={styles.layout}>
      <div className={styles.main}>
        <section className="card" aria-label="Statement editor">
          <div className={styles.toolbar}>
            <button
              type="button"
              onClick={runText}
              disabled={run.isPending || text.trim() === ''}
              aria-keyshortcuts="Control+Enter Meta+Enter"
            >
              {run.isPending ? 'Running…' : 'Run'}
            </button>
            <label className={styles.inline}>
              Database
              <input
                value={database}
                list="sql-databases"
                placeholder="none"
                maxLength={64}
                size={16}
                onFocus={() => {
                  // Listed once per visit, as the mapped account sees them (SHOW DATABASES).
                  if (databases.isIdle && account != null) {
                    databases.mutate({ sql: 'SHOW DATABASES', database: null, maxRows: 1000 });
                  }
                }}
                onChange={(e) => {
                  chooseDatabase(e.target.value);
                }}
              />
              <datalist id="sql-databases">
                {listedDatabases.map((d) => (
                  <option key={d} value={d} />
                ))}
              </datalist>
            </label>
            <label className={styles.inline}>
              Rows kept per result
              <select
                value={maxRows}
                onChange={(e) => {
                  setMaxRows(Number(e.target.value));
                }}
              >
                {MAX_ROWS_CHOICES.map((n) => (
                  <option key={n} value={n}>
                    {n.toLocaleString('en-US')}
                  </option>
                ))}
              </select>
            </label>
            <span className={styles.account} data-testid="sql-account">
              {account === undefined ? null : account === null ? (
                <span className="error">No database account is mapped to you</span>
              ) : (
                <>
                  Runs as <code>{accountName(account)}</code>
                </>
              )}
            </span>
          </div>
          <SqlEditor
            value={text}
            onChange={setText}
            onRun={runText}
            schema={schema}
            database={database.trim() === '' ? null : database.trim()}
            label="SQL statements"
          />
          <p className={`muted ${styles.hint}`}>
            Ctrl+Enter (⌘+Enter) runs every statement of the text, stopping at the first error. Each
            run is a fresh session: a transaction still open at its end is rolled back.
          </p>
        </section>
        <section
          className="card section"
          aria-label="Results"
          aria-live="polite"
          aria-busy={run.isPending}
        >
          <Results outcome={outcome} pending={run.isPending} error={run.error} />
        </section>
      </div>
      <HistoryPanel onLoad={loadEntry} />
    </div>
  );
}

function Results({
  outcome,
  pending,
  error,
}: {
  outcome: { id: number; result: SqlRunResult } | null;
  pending: boolean;
  error: unknown;
}) {
  if (pending) {
    return (
      <p className="muted" role="status">
        Running… A long statement can be stopped from the <Link href="/sessions">Sessions</Link>{' '}
        page (its host is <code>console</code>).
      </p>
    );
  }
  if (error !== null && error !== undefined) return <QueryError error={error} />;
  if (outcome === null) {
    return (
      <p className="muted">
        Type a statement and press Ctrl+Enter (⌘+Enter on a Mac) or Run. Each statement&apos;s
        result shows here; EXPLAIN shows the distributed plan.
      </p>
    );
  }
  const result = outcome.result;
  switch (result.kind) {
    case 'noAccount':
      return (
        <div className="notice" role="alert" data-testid="no-account">
          <strong>No database account.</strong> {result.message}
        </div>
      );
    case 'unavailable':
      return (
        <div className="notice error" role="alert" data-testid="sql-unavailable">
          <strong>SQL is unavailable.</strong> {result.message}
        </div>
      );
    case 'ran': {
      const total = result.statements.reduce((sum, s) => sum + s.durationMs, 0);
      return (
        <>
          <p className="muted" data-testid="run-summary">
            Ran {result.statements.length} statement{result.statements.length === 1 ? '' : 's'} as{' '}
            <code>{accountName(result.account)}</code> in {Math.round(total)} ms
            {result.database === null ? '' : ` · database ${result.database}`}
          </p>
          <StatementResults key={outcome.id} statements={result.statements} />
        </>
      );
    }
  }
}
