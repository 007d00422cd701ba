/**
 * Shared helpers for the server's integration tests: a real server in a temp data directory
 * (with or without its MySQL listener), a real tRPC client that carries the session cookie by
 * hand, and raw HTTP calls for status codes.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppRouter, Role } from '@tessera/api';
import type { TRPCClient } from '@trpc/client';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import mysql from 'mysql2/promise';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import superjson from 'superjson';
import type { RunningTessera, TesseraOptions } from '../src/app';
import { startTessera } from '../src/app';
import { sessionCookieName } from '../src/http/cookies';

export const adminPassword = 'admin-password-for-tests';

export async function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tessera-test-'));
}

export async function removeDataDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function startServer(
  dataDir: string,
  password: string | undefined,
  now?: () => Date,
): Promise<RunningTessera> {
  return startTessera({
    dataDir,
    apiHost: '127.0.0.1',
    apiPort: 0,
    adminPassword: password,
    ...(now ? { now } : {}),
  });
}

/** What a SQL test may set beyond the options `startSqlServer` always gives `startTessera`. */
export type SqlServerOptions = Omit<
  TesseraOptions,
  'dataDir' | 'apiHost' | 'apiPort' | 'adminPassword' | 'mysql'
>;

/**
 * A server with its MySQL listener, for the tests that speak SQL over the wire: a temp data
 * directory, the console API and the listener on free ports of 127.0.0.1, `adminPassword` for
 * the console and `rootPassword` as TESSERA_ROOT_PASSWORD.
 */
export class SqlServer {
  private current: RunningTessera;

  /** Use `startSqlServer`. */
  constructor(
    readonly dataDir: string,
    /** root's password, for `connect()` (undefined: the server generated one). */
    readonly rootPassword: string | undefined,
    private readonly options: SqlServerOptions,
    running: RunningTessera,
  ) {
    this.current = running;
  }

  /** The server now running (`restart` replaces it). */
  get running(): RunningTessera {
    return this.current;
  }

  /** The MySQL listener's port. */
  get port(): number {
    const listener = this.current.mysql;
    if (listener === undefined) throw new Error('no MySQL listener');
    return listener.port;
  }

  /** A mysql2 connection, as root unless `options` name another user. */
  connect(options: ConnectionOptions = {}): Promise<Connection> {
    return mysql.createConnection({
      host: '127.0.0.1',
      port: this.port,
      user: 'root',
      password: this.rootPassword,
      ...options,
    });
  }

  /**
   * Closes the server and starts it again on the same data directory with the same options;
   * `rootPassword` is TESSERA_ROOT_PASSWORD this time (undefined: none).
   */
  async restart(rootPassword: string | undefined): Promise<void> {
    await this.current.close();
    this.current = await launchSqlServer(this.dataDir, rootPassword, this.options);
  }

  /** Closes the server and removes its data directory. */
  async close(): Promise<void> {
    await this.current.close();
    await removeDataDir(this.dataDir);
  }
}

/**
 * Starts a `SqlServer` in a fresh data directory (removed again if the start fails).
 * `rootPassword` undefined: the server generates root's password on first start.
 */
export async function startSqlServer(
  rootPassword: string | undefined,
  options: SqlServerOptions = {},
): Promise<SqlServer> {
  const dataDir = await makeDataDir();
  try {
    const running = await launchSqlServer(dataDir, rootPassword, options);
    return new SqlServer(dataDir, rootPassword, options, running);
  } catch (error) {
    await removeDataDir(dataDir);
    throw error;
  }
}

function launchSqlServer(
  dataDir: string,
  rootPassword: string | undefined,
  options: SqlServerOptions,
): Promise<RunningTessera> {
  return startTessera({
    dataDir,
    apiHost: '127.0.0.1',
    apiPort: 0,
    adminPassword,
    mysql: { host: '127.0.0.1', port: 0, rootPassword },
    ...options,
  });
}

/** How a command-line tool's run ended: its exit code and what it printed. */
export interface ToolRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` to its end (the mysql CLI, sysbench, …) with `input` on its stdin. */
export function runTool(command: string, args: readonly string[], input = ''): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** A wall clock the test can move forward. */
export class TestClock {
  offsetMs = 0;
  readonly now = (): Date => new Date(Date.now() + this.offsetMs);
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** The session token from a response's Set-Cookie headers: a string, '' when cleared, or null. */
export function sessionFromSetCookie(res: Response): string | null {
  for (const header of res.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (pair !== undefined && eq > 0 && pair.slice(0, eq).trim() === sessionCookieName) {
      return decodeURIComponent(pair.slice(eq + 1).trim());
    }
  }
  return null;
}

/**
 * A browser stand-in: a tRPC client whose fetch sends the session cookie it holds and stores
 * the one the server sets. `forwardedFor` sets X-Forwarded-For, which the server trusts from
 * loopback, so tests can keep the login limiter's per-address counters apart.
 */
export class Browser {
  token: string | null = null;
  readonly client: TRPCClient<AppRouter>;

  constructor(
    readonly baseUrl: string,
    readonly forwardedFor?: string,
  ) {
    this.client = createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url: `${baseUrl}/trpc`,
          transformer: superjson,
          fetch: async (input, init) => {
            const headers = new Headers(init?.headers);
            for (const [name, value] of Object.entries(this.headers())) headers.set(name, value);
            const res = await fetch(input as string, { ...(init as RequestInit), headers });
            const set = sessionFromSetCookie(res);
            if (set !== null) this.token = set === '' ? null : set;
            return res;
          },
        }),
      ],
    });
  }

  headers(): Record<string, string> {
    return {
      ...(this.token !== null
        ? { cookie: `${sessionCookieName}=${encodeURIComponent(this.token)}` }
        : {}),
      ...(this.forwardedFor !== undefined ? { 'x-forwarded-for': this.forwardedFor } : {}),
    };
  }
}

/** Signs in through the real API and returns the browser holding the session. */
export async function signIn(
  baseUrl: string,
  loginName: string,
  password: string,
  forwardedFor?: string,
): Promise<Browser> {
  const browser = new Browser(baseUrl, forwardedFor);
  await browser.client.auth.login.mutate({ loginName, password });
  if (browser.token === null) throw new Error(`signing in as ${loginName} set no session cookie`);
  return browser;
}

/** Creates a console user through `admin` (an admin's browser) and signs it in. */
export async function createAndSignIn(
  admin: Browser,
  loginName: string,
  password: string,
  role: Role,
): Promise<Browser> {
  await admin.client.users.create.mutate({ loginName, password, role });
  return signIn(admin.baseUrl, loginName, password);
}

/** GET of a query with raw fetch, to see the HTTP status the server answers with. */
export async function rawQuery(
  baseUrl: string,
  path: string,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const query =
    input === undefined
      ? ''
      : `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
  return fetch(`${baseUrl}/trpc/${path}${query}`, { headers });
}

/** POST of a mutation with raw fetch. */
export async function rawMutation(
  baseUrl: string,
  path: string,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${baseUrl}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: input === undefined ? undefined : JSON.stringify(superjson.serialize(input)),
  });
}

/** A tRPC error's HTTP status and code, or a failure when the call did not fail with one. */
export async function trpcError(
  call: Promise<unknown>,
): Promise<{ httpStatus: number; code: string; message: string; fieldErrors: unknown }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof TRPCClientError) {
      const data = (err as TRPCClientError<AppRouter>).data;
      if (data) {
        return {
          httpStatus: data.httpStatus,
          code: data.code,
          message: err.message,
          fieldErrors: data.fieldErrors,
        };
      }
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}
