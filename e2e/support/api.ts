import type { APIRequestContext } from '@playwright/test';
import { request } from '@playwright/test';
import { apiUrl } from './constants';

/**
 * The console API as one user, over HTTP like the browser's tRPC client (superjson envelopes:
 * `{ json }` in, `{ result: { data: { json } } }` out). Answers come back as plain JSON: a Date
 * is its ISO string here, as `json` carries it.
 */
export interface ApiSession {
  query(path: string, input?: unknown): Promise<unknown>;
  mutation(path: string, input?: unknown): Promise<unknown>;
  /** A mutation expected to be refused or to fail: its HTTP status. */
  mutationStatus(path: string, input?: unknown): Promise<number>;
  dispose(): Promise<void>;
}

async function answerOf(what: string, response: Awaited<ReturnType<APIRequestContext['get']>>) {
  if (!response.ok()) {
    throw new Error(`${what}: HTTP ${response.status()} ${await response.text()}`);
  }
  const body = (await response.json()) as { result?: { data?: { json?: unknown } } };
  return body.result?.data?.json;
}

/** Signs `loginName` in through `auth.login` and returns its API session. */
export async function apiAs(loginName: string, password: string): Promise<ApiSession> {
  const api = await request.newContext({ baseURL: apiUrl });
  const login = await api.post('/trpc/auth.login', { data: { json: { loginName, password } } });
  if (!login.ok()) throw new Error(`${loginName} could not sign in: ${await login.text()}`);
  return {
    query: async (path, input) => {
      const search =
        input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
      return answerOf(path, await api.get(`/trpc/${path}${search}`));
    },
    mutation: async (path, input) =>
      answerOf(path, await api.post(`/trpc/${path}`, { data: { json: input } })),
    mutationStatus: async (path, input) =>
      (await api.post(`/trpc/${path}`, { data: { json: input } })).status(),
    dispose: () => api.dispose(),
  };
}

/** The host and port of the server's MySQL listener, from `server.info` (the suite asks for a free port). */
export async function mysqlEndpoint(api: ApiSession): Promise<{ host: string; port: number }> {
  const info = (await api.query('server.info')) as { endpoints?: { mysql?: string | null } };
  const address = info.endpoints?.mysql;
  if (typeof address !== 'string') throw new Error('the server runs without a MySQL listener');
  const colon = address.lastIndexOf(':');
  return {
    host: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'),
    port: Number(address.slice(colon + 1)),
  };
}
