/**
 * One client connection: the connection phase (greeting, optional TLS upgrade,
 * authentication) and then the command loop. Everything a client sends is parsed here; a
 * malformed packet ends this connection only.
 *
 *   accept ─► greeting ─► [SSLRequest ─► TLS] ─► HandshakeResponse ─► auth exchange ─► OK
 *          ─► loop: read command ─► handler ─► write response ─► … ─► COM_QUIT / close
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { SecureContext } from 'node:tls';

import type {
  Account,
  ColumnDefinition,
  Handler,
  QueryResult,
  ResultSet,
  ResultStream,
  Session,
} from '../handler';
import type { AuthChannel, Authenticator } from './authentication';
import { PayloadBuilder, PayloadReader } from './buffer';
import {
  AuthPlugin,
  Capability,
  ColumnType,
  Command,
  SCRAMBLE_LENGTH,
  SERVER_CAPABILITIES,
  SERVER_VERSION,
  ServerStatus,
  isColumnType,
} from './constants';
import { MysqlError, ProtocolError } from './errors';
import { ChannelClosedError, PacketChannel } from './framing';
import {
  columnDefinition,
  eofPacket,
  errPacket,
  initialHandshake,
  isSslRequest,
  okPacket,
  parseChangeUser,
  parseHandshakeResponse,
  resolveColumn,
} from './packets';
import type { OkFields, ResolvedColumn } from './packets';
import {
  PARAM_UNSIGNED,
  longDataValue,
  readBinaryParam,
  writeBinaryValue,
  writeTextValue,
} from './values';
import type { BoundParam, Value } from './values';

/** A source of unpredictable bytes (the host passes crypto randomness; tests may seed it). */
export interface RandomSource {
  bytes(n: number): Uint8Array;
}

/** Timers, injected because engine code must not read the host's (see README). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): { cancel(): void };
}

/** What a connection needs from its server; shared by all connections. */
export interface ConnectionEnvironment {
  readonly handler: Handler;
  readonly random: RandomSource;
  readonly authenticator: Authenticator;
  readonly secureContext: SecureContext | undefined;
  readonly maxPacketBytes: number;
  readonly defaultCollation: number;
  readonly timers: Timers | undefined;
  readonly handshakeTimeoutMs: number;
  readonly maxPreparedStatements: number;
}

/** Rows are flushed to the socket in batches of about this many bytes. */
const FLUSH_BYTES = 64 * 1024;

interface StatementState {
  readonly id: number;
  readonly paramCount: number;
  readonly columns: readonly ColumnDefinition[];
  paramTypes: { type: ColumnType; unsigned: boolean }[] | undefined;
  longData: Map<number, Buffer[]>;
  longDataBytes: number;
}

class SessionState implements Session {
  user = '';
  account: Account | undefined = undefined;
  authenticated = false;
  tls = false;
  attributes: ReadonlyMap<string, string> = new Map();
  collation: number;
  database: string | undefined = undefined;
  inTransaction = false;
  autocommit = true;
  readonly host: string;
  readonly port: number;
  constructor(
    readonly connectionId: number,
    private readonly socket: Socket,
    collation: number,
  ) {
    this.host = remoteHost(socket);
    this.port = socket.remotePort ?? 0;
    this.collation = collation;
  }

  get bytesReceived(): number {
    return this.socket.bytesRead;
  }

  get bytesSent(): number {
    return this.socket.bytesWritten;
  }
}

type Phase = 'handshake' | 'idle' | 'busy' | 'closed';

function remoteHost(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** Scramble bytes are printable-ish and never NUL (the greeting NUL-terminates them). */
function makeScramble(random: RandomSource): Buffer {
  const raw = random.bytes(SCRAMBLE_LENGTH);
  if (raw.length !== SCRAMBLE_LENGTH) throw new Error('random source returned too few bytes');
  const out = Buffer.allocUnsafe(SCRAMBLE_LENGTH);
  for (let i = 0; i < SCRAMBLE_LENGTH; i++) {
    let b = (raw[i] ?? 0) & 0x7f;
    if (b === 0 || b === 0x24) b += 1;
    out[i] = b;
  }
  return out;
}

function accessDenied(user: string, host: string, usedPassword: boolean): MysqlError {
  return MysqlError.of(
    'ER_ACCESS_DENIED_ERROR',
    `Access denied for user '${user}'@'${host}' (using password: ${usedPassword ? 'YES' : 'NO'})`,
  );
}

async function* toAsync<T>(items: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T> {
  yield* items;
}

export class ClientConnection {
  readonly session: SessionState;
  private channel: PacketChannel;
  private stream: Socket;
  private capabilities = 0;
  private scramble: Buffer;
  private phase: Phase = 'handshake';
  private multiStatements = false;
  private closeRequested = false;
  private readonly statements = new Map<number, StatementState>();
  private nextStatementId = 1;
  private command: AbortController | undefined;
  private readonly lifetime = new AbortController();

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly env: ConnectionEnvironment,
  ) {
    socket.setNoDelay(true);
    socket.on('error', () => undefined); // surfaced through the channel; never crashes the server
    socket.on('close', () => {
      this.lifetime.abort();
      this.command?.abort();
    });
    this.stream = socket;
    this.channel = new PacketChannel(socket, env.maxPacketBytes);
    this.session = new SessionState(id, socket, env.defaultCollation);
    this.scramble = makeScramble(env.random);
  }

  get isBusy(): boolean {
    return this.phase === 'busy';
  }

  /** Runs the connection to its end; never rejects. */
  async run(): Promise<void> {
    this.env.handler.newConnection?.(this.session);
    try {
      if (await this.handshake()) await this.commandLoop();
    } catch (e) {
      await this.fail(e);
    } finally {
      this.phase = 'closed';
      this.end();
      for (const id of this.statements.keys()) this.closeStatement(id);
      this.env.handler.connectionClosed?.(this.session);
    }
  }

  /** Closes the connection now (KILL CONNECTION). */
  kill(): void {
    this.command?.abort();
    this.destroy();
  }

  /** Interrupts the running command, if any (KILL QUERY). */
  killQuery(): void {
    this.command?.abort();
  }

  /** Closes once the running command (if any) has answered. */
  closeGracefully(): void {
    this.closeRequested = true;
    if (this.phase !== 'busy') this.end();
  }

  /** Flushes what was written (TLS: and close_notify), then releases the socket. */
  private end(): void {
    if (this.stream.destroyed) return;
    this.stream.end(() => {
      this.destroy();
    });
  }

  private destroy(): void {
    this.stream.destroy();
    this.socket.destroy();
  }

  private async fail(e: unknown): Promise<void> {
    if (e instanceof ChannelClosedError || this.stream.destroyed) return;
    const error = e instanceof ProtocolError ? e.mysql : MysqlError.fromUnknown(e);
    try {
      await this.channel.send(errPacket(error));
    } catch {
      // the peer is gone; nothing to tell it
    }
  }

  private status(extra = 0): number {
    let s = extra;
    if (this.session.autocommit) s |= ServerStatus.AUTOCOMMIT;
    if (this.session.inTransaction) s |= ServerStatus.IN_TRANS;
    return s;
  }

  private get deprecateEof(): boolean {
    return (this.capabilities & Capability.DEPRECATE_EOF) !== 0;
  }

  // ---- connection phase ----

  private async handshake(): Promise<boolean> {
    const timer = this.env.timers?.setTimeout(() => {
      if (this.phase === 'handshake') this.destroy();
    }, this.env.handshakeTimeoutMs);
    try {
      return await this.handshakeSteps();
    } finally {
      timer?.cancel();
    }
  }

  private async handshakeSteps(): Promise<boolean> {
    const serverCaps = SERVER_CAPABILITIES | (this.env.secureContext ? Capability.SSL : 0);
    await this.channel.send(
      initialHandshake({
        serverVersion: SERVER_VERSION,
        connectionId: this.id,
        scramble: this.scramble,
        capabilities: serverCaps,
        collation: this.env.defaultCollation,
        status: this.status(),
        authPlugin: AuthPlugin.CACHING_SHA2,
      }),
    );
    let packet = await this.channel.read();
    if (isSslRequest(packet.payload)) {
      if (this.env.secureContext === undefined) {
        throw new ProtocolError(MysqlError.of('ER_HANDSHAKE_ERROR', 'TLS is not configured'));
      }
      this.upgradeToTls(this.env.secureContext);
      packet = await this.channel.read();
    }
    const response = parseHandshakeResponse(packet.payload);
    this.capabilities = response.capabilities & serverCaps;
    this.multiStatements = (this.capabilities & Capability.MULTI_STATEMENTS) !== 0;
    const session = this.session;
    session.attributes = response.attributes;
    if (response.collation !== 0) session.collation = response.collation;

    const account = await this.env.authenticator.authenticate(
      {
        user: response.user,
        host: session.host,
        clientPlugin: response.authPlugin ?? AuthPlugin.NATIVE,
        response: response.authResponse,
        scramble: this.scramble,
      },
      this.authChannel(),
    );
    if (account === undefined) {
      throw new ProtocolError(
        accessDenied(response.user, session.host, response.authResponse.length > 0),
      );
    }
    session.user = response.user;
    session.account = account;
    if (response.database !== undefined) await this.useDatabase(response.database, true);
    // Only now is the login complete (an unusable database at connect is an aborted connect).
    session.authenticated = true;
    this.phase = 'idle';
    await this.channel.send(okPacket({ status: this.status() }));
    return true;
  }

  private authChannel(): AuthChannel {
    return {
      send: (payload) => this.channel.send(payload),
      receive: async () => (await this.channel.read()).payload,
      secure: this.session.tls,
    };
  }

  private upgradeToTls(secureContext: SecureContext): void {
    const seq = this.channel.seq;
    const unread = this.channel.detach();
    // The client starts its TLS handshake right after the SSLRequest; bytes already read are
    // put back for the TLS layer, which drains the socket's buffer when it takes it over.
    if (unread.length > 0) this.socket.unshift(unread);
    const secure = new TLSSocket(this.socket, { isServer: true, secureContext });
    secure.on('error', () => undefined);
    this.stream = secure;
    this.channel = new PacketChannel(secure, this.env.maxPacketBytes);
    this.channel.seq = seq;
    this.session.tls = true;
  }

  private async useDatabase(database: string, atConnect: boolean): Promise<void> {
    const ctx = { signal: this.lifetime.signal };
    try {
      await this.env.handler.initDb(this.session, database, ctx);
    } catch (e) {
      if (atConnect) throw new ProtocolError(MysqlError.fromUnknown(e));
      throw e;
    }
    this.session.database = database;
  }

  // ---- command phase ----

  private async commandLoop(): Promise<void> {
    for (;;) {
      if (this.closeRequested) return;
      const packet = await this.channel.read();
      const payload = packet.payload;
      const command = payload[0];
      if (command === undefined) throw ProtocolError.malformed('empty command');
      if (command === Command.QUIT) return;
      this.phase = 'busy';
      const controller = new AbortController();
      this.command = controller;
      try {
        await this.dispatch(command, new PayloadReader(payload.subarray(1)), controller.signal);
      } catch (e) {
        if (e instanceof ChannelClosedError || e instanceof ProtocolError) throw e;
        await this.sendError(controller.signal.aborted ? interrupted() : MysqlError.fromUnknown(e));
      } finally {
        this.command = undefined;
        this.phase = 'idle';
      }
    }
  }

  private sendOk(fields: Partial<OkFields> = {}): Promise<void> {
    return this.channel.send(okPacket({ ...fields, status: this.status(fields.status ?? 0) }));
  }

  private sendError(e: MysqlError): Promise<void> {
    return this.channel.send(errPacket(e));
  }

  /** The end of a column list or result set: EOF, or with DEPRECATE_EOF a 0xFE-headed OK. */
  private queueTerminator(status: number, warnings = 0): void {
    this.channel.queue(
      this.deprecateEof ? okPacket({ status, warnings }, true) : eofPacket(status, warnings),
    );
  }

  private async dispatch(command: number, r: PayloadReader, signal: AbortSignal): Promise<void> {
    const ctx = { signal };
    switch (command) {
      case Command.QUERY: {
        const sql = r.rest().toString('utf8');
        const stream = this.env.handler.query(this.session, sql, {
          signal,
          multiStatements: this.multiStatements,
        });
        await this.writeResults(stream, false, signal);
        return;
      }
      case Command.PING:
        return this.sendOk();
      case Command.INIT_DB:
        await this.useDatabase(r.rest().toString('utf8'), false);
        return this.sendOk();
      case Command.STMT_PREPARE:
        return this.prepare(r.rest().toString('utf8'), signal);
      case Command.STMT_EXECUTE:
        return this.execute(r, signal);
      case Command.STMT_SEND_LONG_DATA:
        this.sendLongData(r);
        return;
      case Command.STMT_CLOSE:
        this.closeStatement(r.int4());
        return;
      case Command.STMT_RESET: {
        const stmt = this.statement(r.int4(), 'mysqld_stmt_reset');
        stmt.longData = new Map();
        stmt.longDataBytes = 0;
        return this.sendOk();
      }
      case Command.RESET_CONNECTION:
        await this.resetSession();
        return this.sendOk();
      case Command.CHANGE_USER:
        return this.changeUser(r);
      case Command.FIELD_LIST: {
        // table NUL, then a LIKE wildcard for the column names to the end of the packet.
        const table = r.nulBytesLenient().toString('utf8');
        const wildcard = r.rest().toString('utf8');
        const handler = this.env.handler;
        if (handler.fieldList === undefined) {
          throw MysqlError.of('ER_UNKNOWN_COM_ERROR', 'Unknown command');
        }
        const columns = await handler.fieldList(this.session, table, wildcard, ctx);
        for (const c of columns) {
          // Each definition is followed by the column's default (NULL: 0xfb), as MySQL sends.
          const fieldDefault =
            c.defaultValue === undefined || c.defaultValue === null
              ? Uint8Array.of(0xfb)
              : new PayloadBuilder(c.defaultValue.length + 9).lenencStr(c.defaultValue).view();
          this.channel.queue(Buffer.concat([columnDefinition(this.resolve(c)), fieldDefault]));
        }
        this.queueTerminator(this.status());
        return this.channel.flush();
      }
      case Command.STATISTICS: {
        const text =
          this.env.handler.statistics?.(this.session) ??
          `Threads: 1  Questions: 0  Slow queries: 0  Opens: 0  Open tables: 0`;
        return this.channel.send(Buffer.from(text, 'utf8'));
      }
      case Command.SET_OPTION: {
        const option = r.int2();
        if (option !== 0 && option !== 1) {
          throw MysqlError.of('ER_UNKNOWN_COM_ERROR', 'Unknown command');
        }
        this.multiStatements = option === 0;
        this.queueTerminator(this.status());
        return this.channel.flush();
      }
      default:
        throw MysqlError.of('ER_UNKNOWN_COM_ERROR', 'Unknown command');
    }
  }

  private resolve(c: ColumnDefinition): ResolvedColumn {
    return resolveColumn(c, this.session.collation);
  }

  // ---- results ----

  /**
   * Writes every result of a command. One result of look-ahead: the end of a result decides
   * SERVER_MORE_RESULTS_EXISTS, so the next result is produced before the current one is
   * closed. After an error (yielded or thrown) nothing more is read from the stream.
   */
  private async writeResults(
    stream: ResultStream,
    binary: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const iterator = toAsync(stream);
    const next = async (): Promise<IteratorResult<QueryResult> | MysqlError> => {
      try {
        return await iterator.next();
      } catch (e) {
        return signal.aborted ? interrupted() : MysqlError.fromUnknown(e);
      }
    };
    let current = await next();
    if (!(current instanceof MysqlError) && current.done === true) {
      await this.sendOk();
      return;
    }
    try {
      for (;;) {
        if (current instanceof MysqlError) {
          await this.sendError(current);
          return;
        }
        if (current.done === true) return;
        const result = current.value;
        if (result.kind === 'error') {
          await this.sendError(new MysqlError(result.code, result.sqlState, result.message));
          return;
        }
        if (result.kind === 'resultset') {
          const failure = await this.writeResultSet(result, binary, signal);
          if (failure !== undefined) {
            await this.sendError(failure);
            return;
          }
        }
        const following = await next();
        const more = following instanceof MysqlError || following.done !== true;
        const status = this.status(more ? ServerStatus.MORE_RESULTS_EXISTS : 0);
        if (result.kind === 'resultset') {
          this.queueTerminator(status, result.warnings ?? 0);
        } else {
          this.channel.queue(okPacket({ ...result, status }));
        }
        await this.channel.flush();
        current = following;
      }
    } finally {
      await iterator.return(undefined);
    }
  }

  /** Column count, definitions, rows. Returns the error that cut the rows short, if any. */
  private async writeResultSet(
    result: ResultSet,
    binary: boolean,
    signal: AbortSignal,
  ): Promise<MysqlError | undefined> {
    const columns = result.columns.map((c) => this.resolve(c));
    this.channel.queue(new PayloadBuilder(9).lenenc(columns.length).view());
    for (const c of columns) this.channel.queue(columnDefinition(c));
    if (!this.deprecateEof) this.channel.queue(eofPacket(this.status()));
    const row = new PayloadBuilder(256);
    try {
      for await (const values of result.rows) {
        if (values.length !== columns.length) {
          throw new Error(`row has ${values.length} values for ${columns.length} columns`);
        }
        row.reset();
        if (binary) writeBinaryRow(row, values, columns);
        else
          for (let i = 0; i < columns.length; i++) {
            const column = columns[i];
            if (column !== undefined) writeTextValue(row, values[i] ?? null, column);
          }
        this.channel.queue(Buffer.from(row.view()));
        if (this.channel.queuedBytes >= FLUSH_BYTES) await this.channel.flush();
      }
    } catch (e) {
      return signal.aborted ? interrupted() : MysqlError.fromUnknown(e);
    }
    return undefined;
  }

  // ---- prepared statements ----

  private statement(id: number, where: string): StatementState {
    const stmt = this.statements.get(id);
    if (stmt === undefined) {
      throw MysqlError.of(
        'ER_UNKNOWN_STMT_HANDLER',
        `Unknown prepared statement handler (${id}) given to ${where}`,
      );
    }
    return stmt;
  }

  private async prepare(sql: string, signal: AbortSignal): Promise<void> {
    if (this.statements.size >= this.env.maxPreparedStatements) {
      throw new MysqlError(
        1461,
        '42000',
        "Can't create more than max_prepared_stmt_count statements",
      );
    }
    const id = this.nextStatementId++;
    const prepared = await this.env.handler.prepare(this.session, id, sql, { signal });
    this.statements.set(id, {
      id,
      paramCount: prepared.paramCount,
      columns: prepared.columns,
      paramTypes: undefined,
      longData: new Map(),
      longDataBytes: 0,
    });
    const head = new PayloadBuilder(16);
    head.int1(0).int4(id).int2(prepared.columns.length).int2(prepared.paramCount).int1(0).int2(0);
    this.channel.queue(head.view());
    if (prepared.paramCount > 0) {
      const param = columnDefinition(this.resolve({ name: '?', type: ColumnType.VarString }));
      for (let i = 0; i < prepared.paramCount; i++) this.channel.queue(param);
      if (!this.deprecateEof) this.channel.queue(eofPacket(this.status()));
    }
    if (prepared.columns.length > 0) {
      for (const c of prepared.columns) this.channel.queue(columnDefinition(this.resolve(c)));
      if (!this.deprecateEof) this.channel.queue(eofPacket(this.status()));
    }
    await this.channel.flush();
  }

  private async execute(r: PayloadReader, signal: AbortSignal): Promise<void> {
    const stmt = this.statement(r.int4(), 'mysqld_stmt_execute');
    r.int1(); // cursor flags: cursors are not supported, rows always follow inline
    r.int4(); // iteration count, always 1
    const params: BoundParam[] = [];
    if (stmt.paramCount > 0) {
      const nullBitmap = r.bytes((stmt.paramCount + 7) >> 3);
      if (r.int1() === 1) {
        const types: { type: ColumnType; unsigned: boolean }[] = [];
        for (let i = 0; i < stmt.paramCount; i++) {
          const type = r.int1();
          if (!isColumnType(type)) throw ProtocolError.malformed(`parameter type ${type}`);
          const flags = r.int1();
          types.push({ type, unsigned: (flags & PARAM_UNSIGNED) !== 0 });
        }
        stmt.paramTypes = types;
      }
      const types = stmt.paramTypes;
      if (types === undefined) {
        throw MysqlError.of('ER_WRONG_ARGUMENTS', 'Incorrect arguments to mysqld_stmt_execute');
      }
      for (let i = 0; i < stmt.paramCount; i++) {
        const t = types[i] ?? { type: ColumnType.Null, unsigned: false };
        const isNull = ((nullBitmap[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
        const long = stmt.longData.get(i);
        let value: Value;
        if (isNull) value = null;
        else if (long !== undefined) value = longDataValue(Buffer.concat(long), t.type);
        else value = readBinaryParam(r, t.type, t.unsigned);
        params.push({ type: t.type, unsigned: t.unsigned, value });
      }
    }
    const tooLong = stmt.longDataBytes > this.env.maxPacketBytes;
    stmt.longData = new Map();
    stmt.longDataBytes = 0;
    if (tooLong) {
      throw MysqlError.of(
        'ER_NET_PACKET_TOO_LARGE',
        "Parameter of prepared statement exceeds 'max_allowed_packet'",
      );
    }
    const stream = this.env.handler.execute(this.session, stmt.id, params, { signal });
    await this.writeResults(stream, true, signal);
  }

  private sendLongData(r: PayloadReader): void {
    const stmt = this.statements.get(r.int4());
    const param = r.int2();
    if (stmt === undefined || param >= stmt.paramCount) return; // no response, by protocol
    const data = Buffer.from(r.rest());
    stmt.longDataBytes += data.length;
    if (stmt.longDataBytes > this.env.maxPacketBytes) return; // reported by the execute
    const parts = stmt.longData.get(param) ?? [];
    parts.push(data);
    stmt.longData.set(param, parts);
  }

  private closeStatement(id: number): void {
    if (!this.statements.delete(id)) return;
    this.env.handler.closeStatement(this.session, id);
  }

  private async resetSession(): Promise<void> {
    for (const id of [...this.statements.keys()]) this.closeStatement(id);
    await this.env.handler.resetSession(this.session);
    this.session.inTransaction = false;
    this.session.autocommit = true;
  }

  private async changeUser(r: PayloadReader): Promise<void> {
    const req = parseChangeUser(r, this.capabilities);
    const account = await this.env.authenticator.authenticate(
      {
        user: req.user,
        host: this.session.host,
        clientPlugin: req.authPlugin ?? AuthPlugin.NATIVE,
        response: req.authResponse,
        scramble: this.scramble,
      },
      this.authChannel(),
    );
    if (account === undefined) {
      throw new ProtocolError(
        accessDenied(req.user, this.session.host, req.authResponse.length > 0),
      );
    }
    await this.resetSession();
    this.session.user = req.user;
    this.session.account = account;
    this.session.database = undefined;
    if (req.collation !== undefined && req.collation !== 0) this.session.collation = req.collation;
    if (req.attributes.size > 0) this.session.attributes = req.attributes;
    if (req.database !== undefined) await this.useDatabase(req.database, true);
    await this.sendOk();
  }
}

function interrupted(): MysqlError {
  return MysqlError.of('ER_QUERY_INTERRUPTED', 'Query execution was interrupted');
}

function writeBinaryRow(
  out: PayloadBuilder,
  values: readonly Value[],
  columns: readonly ResolvedColumn[],
): void {
  out.int1(0);
  const bitmapAt = out.length;
  out.zeros((columns.length + 7 + 2) >> 3);
  for (let i = 0; i < columns.length; i++) {
    const value = values[i] ?? null;
    const column = columns[i];
    if (column === undefined) continue;
    if (value === null) {
      const bit = i + 2;
      out.orByte(bitmapAt + (bit >> 3), 1 << (bit & 7));
    } else {
      writeBinaryValue(out, value, column);
    }
  }
}
