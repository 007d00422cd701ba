import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiContext, ApiServices } from '@tessera/api';
import { appRouter } from '@tessera/api';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { SessionAuthenticator } from '../auth/auth-service';
import { parseCookies, sessionCookieHeader, sessionCookieName } from './cookies';

export interface ApiServerOptions {
  readonly host: string;
  readonly port: number;
  readonly services: ApiServices;
  readonly sessions: SessionAuthenticator;
}

export interface RunningApiServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The console API: tRPC over HTTP at /trpc (queries, mutations, and subscriptions as
 * server-sent events) and a plain /healthz for process supervisors.
 */
export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    createContext: async ({ req, res }) => createContext(req, res, options),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        console.error(`tessera api: ${path ?? '?'} failed:`, error.cause ?? error);
      }
    },
  });

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (url.startsWith('/trpc/')) {
      trpc(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  // Idle keep-alive sockets must not hold shutdown up.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${options.host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => {
          if (err) reject(err);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}

async function createContext(
  req: IncomingMessage,
  res: ServerResponse,
  options: ApiServerOptions,
): Promise<ApiContext> {
  const token = parseCookies(req.headers.cookie).get(sessionCookieName) ?? null;
  const session = token === null ? null : await options.sessions.authenticate(token);
  return {
    user: session?.user ?? null,
    sessionToken: session ? token : null,
    remote: remoteAddress(req),
    services: options.services,
    setSessionCookie(cookie) {
      res.appendHeader(
        'set-cookie',
        sessionCookieHeader(cookie?.token ?? null, cookie?.maxAgeSeconds ?? 0),
      );
    },
  };
}

/**
 * The console reaches the API through its own same-origin proxy on loopback, which passes the
 * browser's address in X-Forwarded-For. That header is trusted only from a loopback peer.
 */
function remoteAddress(req: IncomingMessage): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  const isLoopback = peer === '127.0.0.1' || peer === '::1' || peer === '::ffff:127.0.0.1';
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return isLoopback && first ? first : peer;
}
