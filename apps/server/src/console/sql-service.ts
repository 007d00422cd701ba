/**
 * The console's SQL page: statements run in process, through the MySQL listener's own engine,
 * as the database account the console user is mapped to, and each run is kept in the user's
 * history.
 *
 *   sql.run(user, {sql, database, maxRows})
 *     │ User.dbAccountUser / dbAccountHost (console store)    none → noAccount
 *     ▼
 *   MysqlServer.openLocalSession(user, host)                  no such account → noAccount
 *     │ a connection of the gateway without a socket: SHOW PROCESSLIST lists it (host
 *     │ `console`), KILL reaches it, the account's privileges apply
 *     ├─ use(database)                                        the page's database picker
 *     ├─ query(sql): every statement, stopping at the first error (as the mysql client)
 *     ▼ close(): an open transaction is rolled back
 *   SqlHistoryEntry (the last HISTORY_PER_USER_MAX per user)
 *
 * Trust: no database password is asked. The console user signed in to the console, and an
 * admin chose which account it runs as (users.setDbAccount, audited); what that account may do
 * is still decided by the database's grants.
 *
 * One fresh session per run: nothing (variables, transactions, temporary state) carries from
 * one run to the next but the default database, which the page sends back.
 */
import type {
  DbAccountRef,
  SessionUser,
  SqlConsoleService,
  SqlHistoryEntry,
  SqlRunRequest,
  SqlRunResult,
  SqlStatementResult,
} from '@tessera/api';
import type { LocalResult, LocalSession, MysqlServer } from '@tessera/gateway';
import { splitStatements } from '@tessera/sql';
import type { ConsoleDb } from '../store/console-db';
import { dbAccountOf } from '../store/user-service';

/** ER_PARSE_ERROR: MySQL's syntax error. */
const PARSE_ERROR = 1064;

/** Runs kept per user: older ones are deleted after each run. */
export const HISTORY_PER_USER_MAX = 500;

/** A text longer than this is kept cut in the history (the run itself gets it whole). */
export const HISTORY_SQL_CHARS_MAX = 10_000;

export interface SqlConsoleDeps {
  readonly db: ConsoleDb;
  /** The MySQL listener's protocol server, or undefined when this process runs none. */
  readonly gateway: () => MysqlServer | undefined;
  /** Wall clock: when a run happened. */
  readonly now: () => Date;
  /** Monotonic milliseconds: how long statements took. */
  readonly monotonicMs: () => number;
}

export function createSqlConsoleService(deps: SqlConsoleDeps): SqlConsoleService {
  return {
    async run(user, request) {
      const started = deps.monotonicMs();
      const account = await mappedAccount(deps.db, user);
      if (account === null) {
        return {
          kind: 'noAccount',
          message:
            `No database account is mapped to console user ${user.loginName}, so the SQL page ` +
            'cannot run statements for you. An admin maps one on the Users page ' +
            "(for example 'root'@'%', or an account made with CREATE USER).",
        };
      }
      const gateway = deps.gateway();
      if (gateway === undefined) {
        return {
          kind: 'unavailable',
          message:
            'This server runs no MySQL listener, so there is no SQL engine to run statements ' +
            'on. Start tessera with its MySQL listener (the default of `tessera serve`).',
        };
      }
      const opening = await gateway.openLocalSession(account.user, account.host);
      switch (opening.kind) {
        case 'noAccount':
          return {
            kind: 'noAccount',
            message:
              `The database account ${accountName(account)} mapped to console user ` +
              `${user.loginName} does not exist. Create it (CREATE USER … and GRANT), or ask ` +
              'an admin to map another account on the Users page.',
          };
        case 'refused':
          return {
            kind: 'unavailable',
            message: `The SQL engine refused a session: ${opening.error.message} (${opening.error.code}). Try again.`,
          };
        case 'open':
          break;
      }
      const session = opening.session;
      let result: SqlRunResult;
      try {
        result = await runIn(session, account, request, deps.monotonicMs);
      } finally {
        session.close();
      }
      await record(deps, user, request, result, deps.monotonicMs() - started);
      return result;
    },

    async history(user, query) {
      const rows = await deps.db.sqlHistoryEntry.findMany({
        where: {
          userId: user.id,
          ...(query.beforeId === undefined ? {} : { id: { lt: query.beforeId } }),
        },
        orderBy: { id: 'desc' },
        take: query.limit + 1,
      });
      const entries = rows.slice(0, query.limit).map((r): SqlHistoryEntry => ({
        id: r.id,
        at: r.at,
        sql: r.sql,
        database: r.database,
        outcome: r.outcome === 'error' ? 'error' : 'ok',
        error: r.error,
        durationMs: r.durationMs,
        rows: r.rows,
      }));
      const last = entries.at(-1);
      return {
        entries,
        nextBeforeId: rows.length > query.limit && last !== undefined ? last.id : null,
      };
    },
  };
}

async function mappedAccount(db: ConsoleDb, user: SessionUser): Promise<DbAccountRef | null> {
  const row = await db.user.findUnique({
    where: { id: user.id },
    select: { dbAccountUser: true, dbAccountHost: true },
  });
  return row === null ? null : dbAccountOf(row);
}

function accountName(account: DbAccountRef): string {
  return `'${account.user}'@'${account.host}'`;
}

/** The statements of one run, on its session; the first error ends it. */
async function runIn(
  session: LocalSession,
  account: DbAccountRef,
  request: SqlRunRequest,
  monotonicMs: () => number,
): Promise<SqlRunResult> {
  const statements: SqlStatementResult[] = [];
  let mark = monotonicMs();
  if (request.database !== null) {
    const failed = await session.use(request.database);
    if (failed !== undefined) {
      statements.push({
        kind: 'error',
        sql: `USE \`${request.database.replaceAll('`', '``')}\``,
        code: failed.code,
        sqlState: failed.sqlState,
        message: failed.message,
        durationMs: monotonicMs() - mark,
      });
      return { kind: 'ran', account, database: session.database ?? null, statements };
    }
    mark = monotonicMs();
  }
  // The engine splits the text the same way: its results come one per piece, in order. It
  // parses the whole text before running any of it, so a syntax error (1064) as the first
  // outcome is the text's: nothing ran.
  const texts = splitStatements(request.sql);
  for await (const outcome of session.query(request.sql, { maxRows: request.maxRows })) {
    const now = monotonicMs();
    const wholeText =
      statements.length === 0 && outcome.kind === 'error' && outcome.code === PARSE_ERROR;
    const sql = wholeText ? request.sql.trim() : (texts[statements.length] ?? '');
    statements.push(statementResult(sql, outcome, now - mark));
    mark = now;
  }
  return { kind: 'ran', account, database: session.database ?? null, statements };
}

function statementResult(
  sql: string,
  outcome: LocalResult,
  durationMs: number,
): SqlStatementResult {
  switch (outcome.kind) {
    case 'rows':
      return {
        kind: 'rows',
        sql,
        columns: outcome.columns,
        rows: outcome.rows,
        rowCount: outcome.rowCount,
        truncated: outcome.rowCount > outcome.rows.length,
        warnings: outcome.warnings,
        durationMs,
      };
    case 'ok':
      return {
        kind: 'ok',
        sql,
        affectedRows: outcome.affectedRows,
        lastInsertId: outcome.lastInsertId,
        info: outcome.info,
        warnings: outcome.warnings,
        durationMs,
      };
    case 'error':
      return {
        kind: 'error',
        sql,
        code: outcome.code,
        sqlState: outcome.sqlState,
        message: outcome.message,
        durationMs,
      };
  }
}

/** Keeps the run in the user's history, then drops what is past the per-user cap. */
async function record(
  deps: SqlConsoleDeps,
  user: SessionUser,
  request: SqlRunRequest,
  result: SqlRunResult,
  durationMs: number,
): Promise<void> {
  if (result.kind !== 'ran') return;
  const failure = result.statements.find((s) => s.kind === 'error');
  const rows = result.statements.reduce(
    (sum, s) => sum + (s.kind === 'rows' ? s.rowCount : s.kind === 'ok' ? s.affectedRows : 0),
    0,
  );
  await deps.db.sqlHistoryEntry.create({
    data: {
      userId: user.id,
      at: deps.now(),
      sql: request.sql.slice(0, HISTORY_SQL_CHARS_MAX),
      database: request.database,
      outcome: failure === undefined ? 'ok' : 'error',
      error: failure === undefined ? '' : `${failure.code}: ${failure.message}`,
      durationMs: Math.round(durationMs),
      rows,
    },
  });
  const oldestKept = await deps.db.sqlHistoryEntry.findFirst({
    where: { userId: user.id },
    orderBy: { id: 'desc' },
    skip: HISTORY_PER_USER_MAX - 1,
    select: { id: true },
  });
  if (oldestKept !== null) {
    await deps.db.sqlHistoryEntry.deleteMany({
      where: { userId: user.id, id: { lt: oldestKept.id } },
    });
  }
}
