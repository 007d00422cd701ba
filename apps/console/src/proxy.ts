import type { NextRequest } from 'next/server';
import { NextResponse } from 'next/server';

/**
 * Sends a browser without a session cookie to the login page before any console page renders.
 * Whether the cookie is still valid is the API's call; the console layout handles that case.
 */
export function proxy(request: NextRequest) {
  if (request.cookies.has('tessera_session')) return NextResponse.next();
  const login = new URL('/login', request.url);
  const next = request.nextUrl.pathname + request.nextUrl.search;
  if (next !== '/') login.searchParams.set('next', next);
  return NextResponse.redirect(login);
}

export const config = {
  matcher: ['/((?!login|api/|_next/|favicon.ico).*)'],
};
