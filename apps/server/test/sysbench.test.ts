/**
 * sysbench (Debian's, a real libmysqlclient program) against `tessera serve`: the OLTP
 * read/write workload's whole statement mix — prepared statements (the default) and text
 * protocol (--db-ps-mode=disable) — must run without a single error.
 *
 * One thread: with several, sysbench's transactions conflict on hot rows and get 1213 where
 * InnoDB would make them wait for the row lock (Tessera's transactions are optimistic; see
 * docs/ARCHITECTURE.md). Throughput is measured by `npm run bench:sql`, not here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlServer, ToolRun } from './helpers';
import { runTool, startSqlServer } from './helpers';

const rootPassword = 'sysbench-root-password';

function sysbench(args: readonly string[]): Promise<ToolRun> {
  return runTool('/usr/bin/sysbench', args);
}

/** A counter from sysbench's report, e.g. `transactions:  123  (12.3 per sec.)`. */
function figure(report: string, label: string): number {
  const match = new RegExp(`${label}:\\s+(\\d+)`).exec(report);
  if (match?.[1] === undefined) throw new Error(`no '${label}' in the report:\n${report}`);
  return Number(match[1]);
}

describe('sysbench oltp_read_write against the embedded cluster', () => {
  let server: SqlServer;
  let common: string[];

  beforeAll(async () => {
    server = await startSqlServer(rootPassword);
    const conn = await server.connect();
    await conn.query('CREATE DATABASE sbtest');
    await conn.end();
    common = [
      'oltp_read_write',
      '--mysql-host=127.0.0.1',
      `--mysql-port=${server.port}`,
      '--mysql-user=root',
      `--mysql-password=${rootPassword}`,
      '--tables=1',
      '--table-size=500',
      // Every error fails the run (by default sysbench ignores 1213 and reconnects).
      '--mysql-ignore-errors=none',
    ];
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  it('prepares the table (CREATE TABLE, multi-row INSERTs, CREATE INDEX)', async () => {
    const run = await sysbench([...common, 'prepare']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Creating a secondary index on 'sbtest1'...");
  }, 120_000);

  for (const mode of ['auto', 'disable']) {
    it(`runs the OLTP mix with --db-ps-mode=${mode} and no errors`, async () => {
      const run = await sysbench([
        ...common,
        `--db-ps-mode=${mode}`,
        '--threads=1',
        '--time=4',
        'run',
      ]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(figure(run.stdout, 'transactions')).toBeGreaterThan(0);
      expect(figure(run.stdout, 'ignored errors')).toBe(0);
      expect(figure(run.stdout, 'reconnects')).toBe(0);
    }, 60_000);
  }
});
