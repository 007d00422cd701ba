/**
 * The listener: accepts TCP connections, gives each a {@link ClientConnection}, and keeps
 * the registry used for connection counts, KILL and graceful shutdown. It also opens local
 * sessions ({@link LocalSession}: the console's SQL page), connections without a socket that
 * share the id counter, the registry, KILL and shutdown with the sockets'.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';

import type { ConnectionControl, Handler } from '../handler';
import { Authenticator } from './authentication';
import { ClientConnection } from './connection';
import type { ConnectionEnvironment, RandomSource, Timers } from './connection';
import { Collation } from './constants';
import { Sha2AuthCache } from './credentials';
import { errPacket } from './packets';
import { MysqlError } from './errors';
import { LocalSession } from './local-session';

export interface ServerKeys {
  /** PEM certificate and key for TLS; without them the server does not offer SSL. */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** PEM RSA key pair for caching_sha2 full authentication over plain TCP. */
  readonly rsaPrivateKey?: string;
  readonly rsaPublicKey?: string;
}

export interface MysqlServerOptions {
  readonly handler: Handler;
  /** Scrambles come from here; pass crypto randomness in production. */
  readonly random: RandomSource;
  readonly keys?: ServerKeys;
  /** Largest payload accepted from a client (max_allowed_packet); default 64 MiB. */
  readonly maxPacketBytes?: number;
  /** Connections beyond this get ER_CON_COUNT_ERROR (1040); default 10 000. */
  readonly maxConnections?: number;
  /** Default 16 382, like max_prepared_stmt_count. */
  readonly maxPreparedStatementsPerConnection?: number;
  /** Announced in the greeting; default utf8mb4_0900_ai_ci (255). */
  readonly defaultCollation?: number;
  /** Without timers, a client that never finishes its handshake holds its socket. */
  readonly timers?: Timers;
  readonly handshakeTimeoutMs?: number;
  /** The first connection id (ids then increase by one); default 1. */
  readonly firstConnectionId?: number;
  /** Shared fast-auth cache; pass one to share it between listeners. */
  readonly sha2Cache?: Sha2AuthCache;
}

export interface ListenOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
}

/** What `openLocalSession` gives: the session, or why there is none. */
export type LocalSessionOpening =
  | { readonly kind: 'open'; readonly session: LocalSession }
  /** No account `'user'@'host'` exists (exactly that host: no other account's pattern). */
  | { readonly kind: 'noAccount' }
  /** Too many connections (1040) or the server is shutting down (1053). */
  | { readonly kind: 'refused'; readonly error: MysqlError };

export class MysqlServer implements ConnectionControl {
  private readonly server: Server;
  private readonly env: ConnectionEnvironment;
  private readonly connections = new Map<number, ClientConnection>();
  private readonly locals = new Map<number, LocalSession>();
  private closing = false;
  private readonly running = new Set<Promise<void>>();
  private nextId: number;
  private readonly maxConnections: number;
  /** The fast-auth cache (invalidate an account here when its password changes). */
  readonly sha2Cache: Sha2AuthCache;

  constructor(options: MysqlServerOptions) {
    const keys = options.keys ?? {};
    let secureContext: SecureContext | undefined;
    if (keys.tlsCert !== undefined && keys.tlsKey !== undefined) {
      secureContext = createSecureContext({ cert: keys.tlsCert, key: keys.tlsKey });
    }
    this.sha2Cache = options.sha2Cache ?? new Sha2AuthCache();
    this.env = {
      handler: options.handler,
      random: options.random,
      authenticator: new Authenticator(options.handler, this.sha2Cache, {
        rsaPrivateKey: keys.rsaPrivateKey,
        rsaPublicKey: keys.rsaPublicKey,
      }),
      secureContext,
      maxPacketBytes: options.maxPacketBytes ?? 64 * 1024 * 1024,
      defaultCollation: options.defaultCollation ?? Collation.UTF8MB4_0900_AI_CI,
      timers: options.timers,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
      maxPreparedStatements: options.maxPreparedStatementsPerConnection ?? 16_382,
    };
    this.nextId = options.firstConnectionId ?? 1;
    this.maxConnections = options.maxConnections ?? 10_000;
    this.server = createServer({ noDelay: true }, (socket) => {
      this.accept(socket);
    });
    this.server.on('error', () => undefined);
    options.handler.attach?.(this);
  }

  listen(options: ListenOptions): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => {
        reject(e);
      };
      this.server.once('error', onError);
      this.server.listen(options.port, options.host ?? '127.0.0.1', () => {
        this.server.off('error', onError);
        const address = this.server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error('not listening on TCP'));
          return;
        }
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /** Socket connections and local sessions. */
  get connectionCount(): number {
    return this.connections.size + this.locals.size;
  }

  connectionIds(): number[] {
    return [...this.connections.keys(), ...this.locals.keys()];
  }

  /**
   * Opens a session for the account `'user'@'accountHost'` without a socket or a password: the
   * caller has authenticated its own user (the console) and vouches for the mapping. The account
   * is the handler's `lookupAccount(user, accountHost)`, and must be exactly that account.
   * The caller owns the session and must `close()` it.
   */
  async openLocalSession(user: string, accountHost: string): Promise<LocalSessionOpening> {
    const account = await this.env.handler.lookupAccount(user, accountHost);
    if (account === undefined || (account.host ?? accountHost) !== accountHost) {
      return { kind: 'noAccount' };
    }
    if (this.closing) {
      return {
        kind: 'refused',
        error: MysqlError.of('ER_SERVER_SHUTDOWN', 'Server shutdown in progress'),
      };
    }
    if (this.connectionCount >= this.maxConnections) {
      return {
        kind: 'refused',
        error: MysqlError.of('ER_CON_COUNT_ERROR', 'Too many connections'),
      };
    }
    const id = this.allocateId();
    const session = new LocalSession(id, user, account, {
      handler: this.env.handler,
      defaultCollation: this.env.defaultCollation,
      onClosed: () => {
        this.locals.delete(id);
      },
    });
    this.locals.set(id, session);
    return { kind: 'open', session };
  }

  /** KILL CONNECTION: closes it now. Returns false for an unknown id. */
  kill(connectionId: number): boolean {
    const connection = this.connections.get(connectionId) ?? this.locals.get(connectionId);
    if (connection === undefined) return false;
    connection.kill();
    return true;
  }

  /** KILL QUERY: interrupts the connection's running command. */
  killQuery(connectionId: number): boolean {
    const connection = this.connections.get(connectionId) ?? this.locals.get(connectionId);
    if (connection === undefined) return false;
    connection.killQuery();
    return true;
  }

  /** Closes the connection once its running command has answered (a session killing itself). */
  end(connectionId: number): boolean {
    const connection = this.connections.get(connectionId) ?? this.locals.get(connectionId);
    if (connection === undefined) return false;
    connection.closeGracefully();
    return true;
  }

  /**
   * Stops accepting, lets running commands answer, closes every connection, and resolves when
   * all are gone (and `connectionClosed` was called for each).
   */
  async close(): Promise<void> {
    this.closing = true;
    const stopped = new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
    for (const connection of this.connections.values()) connection.closeGracefully();
    const locals = [...this.locals.values()];
    for (const local of locals) local.closeGracefully();
    await Promise.all([stopped, ...this.running, ...locals.map((l) => l.closed)]);
  }

  /** The next connection id, shared by sockets and local sessions (wraps at 2^32 - 1). */
  private allocateId(): number {
    const id = this.nextId;
    this.nextId = (this.nextId % 0xffffffff) + 1;
    return id;
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const id = this.allocateId();
    if (this.connectionCount >= this.maxConnections) {
      socket.on('error', () => undefined);
      socket.end(refusal());
      return;
    }
    const connection = new ClientConnection(id, socket, this.env);
    this.connections.set(id, connection);
    const running = connection.run().finally(() => {
      this.connections.delete(id);
      this.running.delete(running);
    });
    this.running.add(running);
  }
}

function refusal(): Buffer {
  const payload = errPacket(MysqlError.of('ER_CON_COUNT_ERROR', 'Too many connections'));
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  return Buffer.concat([header, payload]);
}
