'use client';

import type { SqlSessionInfo } from '@tessera/api';
import { roleAtLeast } from '@tessera/api/roles';
import { useQuery } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { FilterActions } from '@/components/filter-actions';
import { useState } from 'react';
import { Loading, QueryError } from '@/components/query-state';
import { fieldText } from '@/lib/form';
import type { SubmitEvent } from '@/lib/form';
import { formatDuration } from '@/lib/format';
import { useTRPC } from '@/trpc/client';
import { useKillSession } from './kill-session';
import type { KillRequest } from './kill-session';

/** Statements longer than this show shortened, the whole text one click (or Enter) away. */
const statementShownMax = 80;

/** The page's filters, kept in the URL (`?user=…&database=…`): exact matches. */
interface Filters {
  readonly user: string;
  readonly database: string;
}

const filterKeys = ['user', 'database'] as const;

function matches(session: SqlSessionInfo, filters: Filters): boolean {
  return (
    (filters.user === '' || session.user === filters.user) &&
    (filters.database === '' || session.database === filters.database)
  );
}

/**
 * How to connect to this server's MySQL listener, from its address (`host:port`, IPv6 in
 * brackets); a wildcard bind is reached through the loopback address.
 */
export function connectCommand(address: string): string {
  const colon = address.lastIndexOf(':');
  const rawHost = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = address.slice(colon + 1);
  const host = rawHost === '0.0.0.0' || rawHost === '::' || rawHost === '' ? '127.0.0.1' : rawHost;
  return `mysql -h${host} -P${port} -uroot -p`;
}

/**
 * The SQL gateway's connected clients (`sessions.list`, refetched every second), filtered by
 * user and database through the URL; operators and admins may kill a connection or its query.
 */
export function SessionsView() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const filters: Filters = {
    user: params.get('user') ?? '',
    database: params.get('database') ?? '',
  };
  const me = useQuery(trpc.auth.me.queryOptions());
  const canKill = me.data != null && roleAtLeast(me.data.role, 'operator');
  const sessions = useQuery(trpc.sessions.list.queryOptions(undefined, { refetchInterval: 1_000 }));
  const [outcome, setOutcome] = useState<string | null>(null);
  const kill = useKillSession(setOutcome);

  const applyFilters = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of filterKeys) {
      const value = fieldText(form, key).trim();
      if (value !== '') next.set(key, value);
    }
    const search = next.toString();
    router.replace(search ? `${pathname}?${search}` : pathname);
  };

  const all = sessions.data ?? [];
  const shown = all.filter((s) => matches(s, filters));
  const filtered = filters.user !== '' || filters.database !== '';
  return (
    <>
      <form
        className="form-row card"
        onSubmit={applyFilters}
        aria-label="Filter sessions"
        key={params.toString()}
      >
        <label>
          User
          <input
            name="user"
            defaultValue={filters.user}
            placeholder="any"
            data-testid="filter-user"
          />
        </label>
        <label>
          Database
          <input
            name="database"
            defaultValue={filters.database}
            placeholder="any"
            data-testid="filter-database"
          />
        </label>
        <FilterActions filtered={filtered} />
      </form>
      {outcome === null ? null : (
        <p className="muted section" role="status" data-testid="kill-outcome">
          {outcome}
        </p>
      )}
      <div className="card section">
        {sessions.isError ? <QueryError error={sessions.error} /> : null}
        {sessions.isPending ? <Loading what="sessions" /> : null}
        {sessions.isSuccess && all.length === 0 ? <NoSessions /> : null}
        {sessions.isSuccess && all.length > 0 && shown.length === 0 ? (
          <p className="muted" data-testid="sessions-empty">
            None of the {all.length} connected sessions matches these filters. Clear them to see
            every session.
          </p>
        ) : null}
        {shown.length > 0 ? (
          <SessionsTable
            sessions={shown}
            act={canKill ? { busy: kill.pending, ask: kill.ask } : null}
          />
        ) : null}
        {sessions.isSuccess ? (
          <p className="muted live-note" data-testid="sessions-count">
            {filtered
              ? `${shown.length} of ${all.length} sessions shown`
              : `${all.length} ${all.length === 1 ? 'session' : 'sessions'}`}
            ; updating every second.
          </p>
        ) : null}
      </div>
      {kill.dialog}
    </>
  );
}

/** What to do when nobody is connected: connect a client, on the port this server listens on. */
function NoSessions() {
  const trpc = useTRPC();
  const info = useQuery(trpc.server.info.queryOptions());
  const address = info.data?.endpoints.mysql;
  return (
    <div className="muted" data-testid="sessions-none">
      <p>No SQL clients are connected to this server.</p>
      {address === undefined ? null : address === null ? (
        <p>
          This server runs without a MySQL listener: start it with <code>--mysql-port 4000</code> to
          accept clients.
        </p>
      ) : (
        <p>
          Connect one with <code data-testid="connect-command">{connectCommand(address)}</code> (or
          any MySQL driver on <span className="mono">{address}</span>); it is listed here within a
          second. Statements run from the SQL page show here too while they run.
        </p>
      )}
    </div>
  );
}

/** Operators' kill buttons (null: a viewer, none shown). */
interface KillActions {
  readonly busy: boolean;
  readonly ask: (request: KillRequest) => void;
}

function SessionsTable({
  sessions,
  act,
}: {
  sessions: readonly SqlSessionInfo[];
  act: KillActions | null;
}) {
  return (
    <table data-testid="sessions-table">
      <thead>
        <tr>
          <th className="num">Id</th>
          <th>User and host</th>
          <th>Database</th>
          <th>Command and state</th>
          <th className="num">Time</th>
          <th>Statement</th>
          <th>Transaction</th>
          <th className="num" title="Statements run on this connection">
            Statements
          </th>
          {act === null ? null : <th>Actions</th>}
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => (
          <tr key={s.id} data-testid="session-row" data-session={s.id}>
            <td className="num mono">{s.id}</td>
            <td>
              <span className="mono" data-testid="session-user">
                {s.user}
              </span>
              <div className="mono muted" data-testid="session-host">
                {s.host}
              </div>
            </td>
            <td className="mono" data-testid="session-database">
              {s.database ?? <span className="muted">none</span>}
            </td>
            <td>
              <span data-testid="session-command">{s.command}</span>
              {s.state === '' ? null : <div className="muted">{s.state}</div>}
            </td>
            <td className="num mono">{formatDuration(s.timeSeconds)}</td>
            <td className="statement-cell" data-testid="session-statement">
              <Statement text={s.statement} />
            </td>
            <td data-testid="session-transaction">
              {s.inTransaction ? (
                <span className="badge warn">
                  yes
                  {s.transactionSeconds === null ? '' : `, ${formatDuration(s.transactionSeconds)}`}
                </span>
              ) : (
                <span className="muted">no</span>
              )}
            </td>
            <td className="num mono">{s.statements}</td>
            {act === null ? null : (
              <td>
                <div className="node-actions session-actions">
                  <button
                    type="button"
                    className="secondary"
                    disabled={act.busy || s.statement === null}
                    title={s.statement === null ? 'No statement is running' : undefined}
                    aria-label={`Kill the query of session ${s.id}`}
                    data-testid="kill-query"
                    onClick={() => {
                      act.ask({ session: s, scope: 'query' });
                    }}
                  >
                    Kill query
                  </button>
                  <button
                    type="button"
                    className="danger"
                    disabled={act.busy}
                    aria-label={`Kill connection ${s.id}`}
                    data-testid="kill-connection"
                    onClick={() => {
                      act.ask({ session: s, scope: 'connection' });
                    }}
                  >
                    Kill connection
                  </button>
                </div>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The running statement: short ones whole, long ones shortened with the rest on expand. */
function Statement({ text }: { text: string | null }) {
  if (text === null) return <span className="muted">—</span>;
  if (text.length <= statementShownMax) return <code>{text}</code>;
  return (
    <details>
      <summary>
        <code>{text.slice(0, statementShownMax)}…</code>
      </summary>
      <pre className="statement-full">{text}</pre>
    </details>
  );
}
