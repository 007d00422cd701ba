/**
 * MySQL accounts as the catalog stores them, and how a login finds its account: the user
 * name matches exactly, the client's host by MySQL's rules — an exact host first, then the
 * patterns with `%` / `_` from the most specific to the least (`%` last).
 *
 * Name resolution is not done (MySQL's `skip_name_resolve`): a client is known by its address.
 * The loopback addresses also match `localhost`, since that is how a local TCP client's
 * account is usually written.
 */
import type { Account } from '../handler';
import { AuthPlugin } from '../protocol/constants';
import type { AuthPluginName } from '../protocol/constants';

/** One `'user'@'host'` account as the catalog holds it (the plugin is the catalog's string). */
export interface StoredAccount {
  readonly user: string;
  /** A host name, an address, or a pattern with `%` / `_`. */
  readonly host: string;
  readonly plugin: string;
  readonly credential: string;
}

/**
 * Where the handler finds accounts: the host reads them from the control plane's catalog.
 * Called once per login (and COM_CHANGE_USER), so a change applies to the next login.
 */
export interface AccountSource {
  accounts(): Promise<readonly StoredAccount[]>;
}

const loopback: ReadonlySet<string> = new Set(['127.0.0.1', '::1']);

/** `::ffff:10.0.0.1` (an IPv4 client of a dual-stack socket) is `10.0.0.1`. */
export function normalizeClientHost(host: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return m?.[1] ?? host;
}

function isPattern(host: string): boolean {
  return host.includes('%') || host.includes('_');
}

function patternRegExp(pattern: string): RegExp {
  let out = '';
  for (const c of pattern) {
    if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'is');
}

/** Whether an account's host (name, address or pattern) admits the client's address. */
export function hostMatches(accountHost: string, clientHost: string): boolean {
  const client = normalizeClientHost(clientHost);
  const names = loopback.has(client) ? [client, 'localhost'] : [client];
  if (!isPattern(accountHost)) {
    return names.some((name) => name.toLowerCase() === accountHost.toLowerCase());
  }
  const re = patternRegExp(accountHost);
  return names.some((name) => re.test(name));
}

/**
 * MySQL's order of account hosts: exact hosts first; then patterns with a longer literal
 * prefix before the first wildcard (`192.168.1.%` before `192.%`); `%` alone last.
 */
function specificity(host: string): number {
  if (!isPattern(host)) return Number.MAX_SAFE_INTEGER;
  const firstWildcard = host.search(/[%_]/);
  return firstWildcard * 2 + (host.endsWith('%') ? 0 : 1);
}

function pluginName(plugin: string): AuthPluginName | undefined {
  if (plugin === AuthPlugin.CACHING_SHA2 || plugin === AuthPlugin.NATIVE) return plugin;
  return undefined;
}

/** The account `user` authenticates as from `clientHost`, or undefined (the protocol answers 1045). */
export function findAccount(
  accounts: readonly StoredAccount[],
  user: string,
  clientHost: string,
): Account | undefined {
  const candidates = accounts
    .filter((a) => a.user === user && hostMatches(a.host, clientHost))
    .sort((a, b) => specificity(b.host) - specificity(a.host) || b.host.length - a.host.length);
  const best = candidates[0];
  if (best === undefined) return undefined;
  // An account whose plugin the gateway does not speak cannot log in (MySQL: 1524).
  const plugin = pluginName(best.plugin);
  return plugin === undefined
    ? undefined
    : { host: best.host, plugin, credential: best.credential };
}
