export const sessionCookieName = 'tessera_session';

/** Parses a Cookie header; later duplicates do not override earlier ones (RFC 6265 §5.4). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === '' || cookies.has(name)) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      cookies.set(name, decodeURIComponent(raw));
    } catch {
      // A malformed cookie is ignored, as a browser would.
    }
  }
  return cookies;
}

export function sessionCookieHeader(token: string | null, maxAgeSeconds: number): string {
  const value = token === null ? '' : encodeURIComponent(token);
  const age = token === null ? 0 : maxAgeSeconds;
  return `${sessionCookieName}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${age}`;
}
