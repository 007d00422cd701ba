/**
 * The gateway's connections as the SQL engine sees them: what each one is doing (SHOW
 * PROCESSLIST, information_schema.PROCESSLIST, system.sessions), KILL through the server's
 * ConnectionControl, and the status counters of SHOW STATUS and COM_STATISTICS.
 *
 *   MysqlServer ──attach──► EngineHandler ──opened / begin / end / closed──► ProcessRegistry
 *        ▲                        │ one ProcessPort per SqlSession (portFor)        │
 *        └──── kill / killQuery / end ◄──────────────────────────────────────────────┘
 *
 * Per gateway: the registry knows only this gateway's connections; sessions on another
 * gateway are not listed and cannot be killed from here (not built: registering sessions with
 * the control plane).
 *
 * Counters, all really counted: Connections (every accepted connection) and Aborted_connects
 * (closed before authenticating); Questions / Queries and Com_xxx per statement (the engine
 * reports each through `statementStarted`), per COM_INIT_DB (Com_change_db) and COM_FIELD_LIST
 * (Com_show_fields), and Com_stmt_prepare / execute / close per command (close: also for the
 * statements a reset or disconnect closes, which MySQL does not count); Bytes_received /
 * Bytes_sent from the sockets (TLS records included). Threads_* and Uptime are read when asked.
 */
import type { KillScope, ProcessInfo, ProcessPort } from '@tessera/sql';

import type { ConnectionControl, Session } from '../handler';

/** MySQL's names for the commands a connection can be running. */
export type CommandName = 'Query' | 'Execute' | 'Prepare' | 'Init DB' | 'Field List';

interface Entry {
  readonly session: Session;
  readonly connectedMicros: bigint;
  command: CommandName | 'Sleep';
  /** When the current command (or idleness) began. */
  sinceMicros: bigint;
  info: string | undefined;
  /** KILL CONNECTION reached it; it shows as Killed until it is gone. */
  killed: boolean;
  /** The running statement's State beyond 'executing' (the engine's, e.g. while committing). */
  state: string | undefined;
  statements: number;
  /** When the statement running now started (transaction start times come from it). */
  statementMicros: bigint;
  transactionStartedMicros: bigint | undefined;
  /** This connection's SESSION counters (Questions, Queries, Com_xxx). */
  readonly counters: Map<string, number>;
}

export interface RegistryClock {
  /** Wall-clock microseconds since the Unix epoch. */
  nowMicros(): bigint;
  /** Seconds since the server started. */
  uptimeSeconds(): number;
}

const UNAUTHENTICATED_USER = 'unauthenticated user';

function bump(counters: Map<string, number>, name: string): void {
  counters.set(name, (counters.get(name) ?? 0) + 1);
}

export class ProcessRegistry {
  private readonly entries = new Map<number, Entry>();
  private control: ConnectionControl | undefined;
  /** GLOBAL counters kept as they happen. */
  private readonly global = new Map<string, number>();
  /** Bytes of connections already closed (live ones are read from their sockets). */
  private closedBytesReceived = 0;
  private closedBytesSent = 0;

  constructor(private readonly clock: RegistryClock) {}

  /** The server whose connections these are (its KILL). */
  attach(control: ConnectionControl): void {
    this.control = control;
  }

  opened(session: Session): void {
    const now = this.clock.nowMicros();
    this.entries.set(session.connectionId, {
      session,
      connectedMicros: now,
      command: 'Sleep',
      sinceMicros: now,
      info: undefined,
      killed: false,
      state: undefined,
      statements: 0,
      statementMicros: now,
      transactionStartedMicros: undefined,
      counters: new Map(),
    });
    bump(this.global, 'Connections');
  }

  closed(session: Session): void {
    if (!this.entries.delete(session.connectionId)) return;
    this.closedBytesReceived += session.bytesReceived;
    this.closedBytesSent += session.bytesSent;
    if (!session.authenticated) bump(this.global, 'Aborted_connects');
  }

  /** A command starts on the connection: `info` is its statement text, if any. */
  begin(session: Session, command: CommandName, info?: string): void {
    const entry = this.entries.get(session.connectionId);
    if (entry === undefined) return;
    entry.command = command;
    entry.sinceMicros = this.clock.nowMicros();
    entry.info = info;
  }

  /** The command answered: the connection sleeps; its transaction state is the session's. */
  end(session: Session): void {
    const entry = this.entries.get(session.connectionId);
    if (entry === undefined) return;
    entry.command = 'Sleep';
    entry.sinceMicros = this.clock.nowMicros();
    entry.info = undefined;
    entry.state = undefined;
    this.statementEnded(session);
  }

  /** After each statement: notes when the session's transaction started (or that it ended). */
  statementEnded(session: Session): void {
    const entry = this.entries.get(session.connectionId);
    if (entry === undefined) return;
    if (!session.inTransaction) entry.transactionStartedMicros = undefined;
    else entry.transactionStartedMicros ??= entry.statementMicros;
  }

  /** A protocol command counted by itself (Com_stmt_prepare, Com_stmt_execute, …). */
  count(session: Session, counter: string): void {
    bump(this.global, counter);
    const entry = this.entries.get(session.connectionId);
    if (entry !== undefined) bump(entry.counters, counter);
  }

  /** What the SQL session of `session`'s connection reads and does (one per SqlSession). */
  portFor(session: Session): ProcessPort {
    const self = session.connectionId;
    return {
      list: () => this.list(),
      kill: (id, scope) => this.kill(self, id, scope),
      status: (scope) => this.status(scope === 'session' ? self : undefined),
      statementStarted: (counter) => {
        this.question(session, counter);
      },
      stateChanged: (state) => {
        const entry = this.entries.get(self);
        if (entry !== undefined) entry.state = state;
      },
    };
  }

  list(): ProcessInfo[] {
    const now = this.clock.nowMicros();
    return [...this.entries.values()].map((e) => {
      const s = e.session;
      const seconds = Number((now - e.sinceMicros) / 1_000_000n);
      return {
        id: s.connectionId,
        user: s.authenticated ? s.user : UNAUTHENTICATED_USER,
        // No port: a session without a socket (the console's), shown as MySQL shows a socket file's.
        host: s.port === 0 ? s.host : `${s.host}:${s.port}`,
        database: s.database,
        command: !s.authenticated ? 'Connect' : e.killed ? 'Killed' : e.command,
        timeSeconds: Math.max(0, seconds),
        state: !s.authenticated ? 'login' : e.command === 'Sleep' ? '' : (e.state ?? 'executing'),
        info: e.info,
        inTransaction: s.inTransaction,
        transactionStartedMicros: e.transactionStartedMicros,
        statements: e.statements,
        connectedMicros: e.connectedMicros,
      };
    });
  }

  /**
   * Status counters: the gateway's, or (`self`) the connection's own Questions, Queries,
   * Com_xxx and Bytes_*, with the gateway's values for the rest (as MySQL's SESSION scope).
   */
  status(self?: number): Map<string, number> {
    const entries = [...this.entries.values()];
    const own = self === undefined ? undefined : this.entries.get(self);
    const out = new Map<string, number>([
      ['Aborted_connects', this.global.get('Aborted_connects') ?? 0],
      ['Connections', this.global.get('Connections') ?? 0],
      ['Questions', 0],
      ['Queries', 0],
      ['Threads_connected', entries.length],
      [
        'Threads_running',
        entries.filter((e) => e.session.authenticated && e.command !== 'Sleep').length,
      ],
      ['Uptime', Math.max(0, Math.floor(this.clock.uptimeSeconds()))],
    ]);
    if (own === undefined) {
      for (const [name, value] of this.global) {
        if (name.startsWith('Com_') || name === 'Questions' || name === 'Queries') {
          out.set(name, value);
        }
      }
      out.set(
        'Bytes_received',
        entries.reduce((sum, e) => sum + e.session.bytesReceived, this.closedBytesReceived),
      );
      out.set(
        'Bytes_sent',
        entries.reduce((sum, e) => sum + e.session.bytesSent, this.closedBytesSent),
      );
    } else {
      for (const [name, value] of own.counters) out.set(name, value);
      out.set('Bytes_received', own.session.bytesReceived);
      out.set('Bytes_sent', own.session.bytesSent);
    }
    return out;
  }

  /** COM_STATISTICS, as mysqladmin status prints it (the counters we keep). */
  statistics(): string {
    const status = this.status();
    const uptime = status.get('Uptime') ?? 0;
    const questions = status.get('Questions') ?? 0;
    const perSecond = uptime === 0 ? 0 : questions / uptime;
    return (
      `Uptime: ${uptime}  Threads: ${status.get('Threads_connected') ?? 0}  ` +
      `Questions: ${questions}  Queries per second avg: ${perSecond.toFixed(3)}`
    );
  }

  /**
   * A statement (or COM_INIT_DB / COM_FIELD_LIST, which MySQL counts alike) starts: Questions,
   * Queries and its Com_xxx counter, globally and for the connection.
   */
  question(session: Session, counter: string): void {
    for (const name of ['Questions', 'Queries', counter]) bump(this.global, name);
    const entry = this.entries.get(session.connectionId);
    if (entry === undefined) return;
    for (const name of ['Questions', 'Queries', counter]) bump(entry.counters, name);
    entry.statements++;
    entry.statementMicros = this.clock.nowMicros();
    entry.state = undefined;
  }

  /** KILL issued by no connection (the console): never the killer's own connection. */
  killFromOutside(id: number, scope: KillScope): 'killed' | 'unknown' {
    return this.kill(0, id, scope);
  }

  private kill(self: number, id: number, scope: KillScope): 'killed' | 'unknown' {
    const control = this.control;
    const target = this.entries.get(id);
    if (control === undefined || target === undefined) return 'unknown';
    switch (scope) {
      case 'query':
        return control.killQuery(id) ? 'killed' : 'unknown';
      case 'connection':
        // Killing yourself: the KILL answers first (1317), then the connection closes.
        if (id === self) return control.end(id) ? 'killed' : 'unknown';
        target.killed = true;
        return control.kill(id) ? 'killed' : 'unknown';
    }
  }
}
