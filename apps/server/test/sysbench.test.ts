/**
 * sysbench (Debian's, a real libmysqlclient program) against `tessera serve`: the OLTP
 * read/write workload's whole statement mix — prepared statements (the default) and text
 * protocol (--db-ps-mode=disable) — must run without a single error.
 *
 * One thread: with several, sysbench's transactions conflict on hot rows and get 1213 where
 * InnoDB would make them wait for the row lock (Tessera's transactions are optimistic; see
 * docs/ARCHITECTURE.md). Throughput is measured by `npm run bench:sql`, not here.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import type { RunningTessera } from '../src/app';
import { startTessera } from '../src/app';
import { adminPassword, makeDataDir, removeDataDir } from './helpers';

const rootPassword = 'sysbench-root-password';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function sysbench(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/sysbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/** A counter from sysbench's report, e.g. `transactions:  123  (12.3 per sec.)`. */
function figure(report: string, label: string): number {
  const match = new RegExp(`${label}:\\s+(\\d+)`).exec(report);
  if (match?.[1] === undefined) throw new Error(`no '${label}' in the report:\n${report}`);
  return Number(match[1]);
}

describe('sysbench oltp_read_write against the embedded cluster', () => {
  let dataDir: string;
  let running: RunningTessera;
  let common: string[];

  beforeAll(async () => {
    dataDir = await makeDataDir();
    running = await startTessera({
      dataDir,
      apiHost: '127.0.0.1',
      apiPort: 0,
      adminPassword,
      mysql: { host: '127.0.0.1', port: 0, rootPassword },
    });
    const port = running.mysql?.port ?? 0;
    const conn = await mysql.createConnection({
      host: '127.0.0.1',
      port,
      user: 'root',
      password: rootPassword,
    });
    await conn.query('CREATE DATABASE sbtest');
    await conn.end();
    common = [
      'oltp_read_write',
      '--mysql-host=127.0.0.1',
      `--mysql-port=${port}`,
      '--mysql-user=root',
      `--mysql-password=${rootPassword}`,
      '--tables=1',
      '--table-size=500',
      // Every error fails the run (by default sysbench ignores 1213 and reconnects).
      '--mysql-ignore-errors=none',
    ];
  }, 60_000);
  afterAll(async () => {
    await running.close();
    await removeDataDir(dataDir);
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
