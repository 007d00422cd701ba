'use client';

import type { SqlHistoryEntry } from '@tessera/api';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Loading, QueryError } from '@/components/query-state';
import { useTRPC } from '@/trpc/client';
import styles from './sql.module.css';

/** Entries per page of the history. */
const HISTORY_PAGE = 20;

/** The first line of a statement text, for the list (the whole text is the entry's title). */
function firstLine(sql: string): string {
  const line = sql.trim().split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/**
 * The signed-in user's runs, newest first (the server keeps the last 500), paged back by id.
 * Choosing one loads its text and database into the editor; nothing runs until asked.
 */
export function HistoryPanel({ onLoad }: { onLoad: (entry: SqlHistoryEntry) => void }) {
  const trpc = useTRPC();
  // The ids each page started before: the last one is the page shown (empty: the newest).
  const [pages, setPages] = useState<number[]>([]);
  const beforeId = pages.at(-1);
  const history = useQuery(
    trpc.sql.history.queryOptions({
      limit: HISTORY_PAGE,
      ...(beforeId === undefined ? {} : { beforeId }),
    }),
  );
  return (
    <section className={`card ${styles.history}`} aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {history.isError ? <QueryError error={history.error} /> : null}
      {history.isPending ? <Loading what="your query history" /> : null}
      {history.data?.entries.length === 0 ? (
        <p className="muted">
          {beforeId === undefined
            ? 'Nothing run yet. Every statement you run here is kept, newest first.'
            : 'No older entries.'}
        </p>
      ) : null}
      {history.data && history.data.entries.length > 0 ? (
        <ol className={styles.historyList} data-testid="history">
          {history.data.entries.map((entry) => (
            <li key={entry.id}>
              <button
                type="button"
                className={styles.historyEntry}
                title={entry.sql}
                onClick={() => {
                  onLoad(entry);
                }}
                data-testid="history-entry"
              >
                <code className={styles.historySql}>{firstLine(entry.sql)}</code>
                <span className={styles.historyMeta}>
                  <span className={`badge ${entry.outcome === 'ok' ? 'ok' : 'bad'}`}>
                    {entry.outcome === 'ok' ? 'ok' : 'error'}
                  </span>{' '}
                  {entry.at.toLocaleTimeString()}
                  {entry.database === null ? '' : ` · ${entry.database}`} ·{' '}
                  {entry.rows.toLocaleString('en-US')} rows · {entry.durationMs} ms
                </span>
                {entry.error === '' ? null : (
                  <span className={`error ${styles.historyError}`}>{entry.error}</span>
                )}
              </button>
            </li>
          ))}
        </ol>
      ) : null}
      <div className={styles.pager}>
        <button
          type="button"
          className="secondary"
          disabled={pages.length === 0}
          onClick={() => {
            setPages(pages.slice(0, -1));
          }}
        >
          Newer
        </button>
        <button
          type="button"
          className="secondary"
          disabled={history.data?.nextBeforeId == null}
          onClick={() => {
            const next = history.data?.nextBeforeId;
            if (next != null) setPages([...pages, next]);
          }}
        >
          Older
        </button>
      </div>
    </section>
  );
}
