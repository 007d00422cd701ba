/**
 * Shared helpers for the server's integration tests: a real server in a temp data directory,
 * a real tRPC client that carries the session cookie by hand, and raw HTTP calls for status codes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppRouter } from '@tessera/api';
import type { TRPCClient } from '@trpc/client';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import type { RunningTessera } from '../src/app';
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
