import type { NextRequest } from 'next/server';
import { consoleEnv } from '@/env';

/**
 * Same-origin proxy from the browser to the `tessera` console API, so the session cookie stays
 * first-party and httpOnly. Streams both ways: subscriptions are server-sent events.
 */
export const dynamic = 'force-dynamic';

const forwardedRequestHeaders = [
  'accept',
  'content-type',
  'cookie',
  'last-event-id',
  'trpc-accept',
];
const forwardedResponseHeaders = ['cache-control', 'content-type', 'vary', 'retry-after'];

async function proxy(req: NextRequest, ctx: { params: Promise<{ trpc: string[] }> }) {
  const { trpc } = await ctx.params;
  const search = new URL(req.url).search;
  const target = `${consoleEnv.apiUrl}/trpc/${trpc.map(encodeURIComponent).join('/')}${search}`;
  const headers = new Headers();
  for (const name of forwardedRequestHeaders) {
    const value = req.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const client = req.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  headers.set('x-forwarded-for', client ?? '127.0.0.1');
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer(),
      signal: req.signal,
      cache: 'no-store',
      redirect: 'manual',
    });
  } catch (err) {
    const message = `The console cannot reach the Tessera server at ${consoleEnv.apiUrl}: ${
      err instanceof Error ? err.message : String(err)
    }`;
    return Response.json(
      {
        error: { json: { message, code: -32603, data: { code: 'BAD_GATEWAY', httpStatus: 502 } } },
      },
      { status: 502 },
    );
  }
  const out = new Headers();
  for (const name of forwardedResponseHeaders) {
    const value = upstream.headers.get(name);
    if (value !== null) out.set(name, value);
  }
  for (const cookie of upstream.headers.getSetCookie()) out.append('set-cookie', cookie);
  return new Response(upstream.body, { status: upstream.status, headers: out });
}

export { proxy as GET, proxy as POST };
