// Test support: SQL sessions over the in-memory catalog and local MVCC slices, and helpers that
// run statements and read their rows as text.
import { toText } from '../../eval/convert.js';
import { SqlSession } from '../session.js';
import type { StatementOutcome } from '../session.js';
import { localData } from './local-data.js';
import { MemoryCatalog } from './memory-catalog.js';

export const nodes = [
  { id: 1, zone: 'a', state: 'up' as const },
  { id: 2, zone: 'b', state: 'up' as const },
  { id: 3, zone: 'c', state: 'up' as const },
];

/**
 * The engine never reads credentials; tests see which plugin and password made one. (The
 * gateway's real ones are tested with real logins in the gateway and apps/server.)
 */
export function testCredential(plugin: string, password: string): Promise<string> {
  return Promise.resolve(password === '' ? '' : `${plugin}:${password}`);
}

/** The account every helper session logs in as: the bootstrap's root. */
export const rootLogin = {
  account: { user: 'root', host: '%', usedPassword: true },
  makeCredential: testCredential,
};

export async function session(catalog = new MemoryCatalog(nodes)): Promise<SqlSession> {
  const s = new SqlSession({
    catalog,
    connectionId: 1,
    user: 'root',
    host: 'localhost',
    ...rootLogin,
    nowMicros: () => 1_767_225_600_000_000n,
    random: () => 0.25,
    data: await localData(),
  });
  await run(s, 'CREATE DATABASE shop; USE shop');
  return s;
}

export async function run(s: SqlSession, sql: string): Promise<StatementOutcome[]> {
  const out: StatementOutcome[] = [];
  for await (const r of s.execute(sql, true)) out.push(r);
  const error = out.find((o) => o.kind === 'error');
  if (error !== undefined) throw new Error(`${sql}: ${JSON.stringify(error)}`);
  return out;
}

export async function fails(s: SqlSession, sql: string): Promise<string> {
  const out: StatementOutcome[] = [];
  for await (const r of s.execute(sql, true)) out.push(r);
  const last = out.at(-1);
  if (last?.kind !== 'error') throw new Error(`no error for ${sql}`);
  return `${last.errno}: ${last.message}`;
}

export async function rows(s: SqlSession, sql: string): Promise<(string | null)[][]> {
  const out = await run(s, sql);
  const last = out.at(-1);
  if (last?.kind !== 'rows') throw new Error(`not rows: ${sql}`);
  return last.rows.map((r) => r.map((v) => toText(v)));
}
