// `npm run bench:sql`: sysbench's OLTP workloads against Tessera (`tessera serve` in this
// process: embedded cluster, MySQL listener) and, when `mariadbd` is installed, against a
// private MariaDB this script starts on another port — interleaved in the same run, printed
// side by side with the ratio and the targets (point select >= 35 % of MariaDB's QPS,
// read_write >= 20 % of its TPS).
//
// Run: npm run bench:sql -- [--tables 4] [--table-size 10000]
//        [--threads 8] [--time 20] [--only point_select,read_write] [--no-mariadb]
//        [--profile-dir DIR]   (V8 sampling profile of this process — Tessera's side only,
//                               sysbench and MariaDB are other processes — during each of
//                               Tessera's workload runs: DIR/<workload>.cpuprofile; summarise
//                               with cpuprofile-summary.ts before the next build replaces
//                               the bundle's source maps)
// `npm run bench:sql` bundles this script as `tessera` ships (bench/tsup.bench.config.ts) and
// runs the bundle with node; `npx tsx apps/server/bench/sql-sysbench.ts …` runs the sources
// (tsx's per-function `__name` wrappers cost ~10–15 % more server CPU per statement).
// Each run also prints the server process's CPU (user + system, all threads) as a share of
// one core and per transaction: on a shared machine that is steadier than the throughput.
// Targets missed are reported, not failures: the exit code is 0 unless something broke.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { startTessera } from '../src/app';

const workloads = ['point_select', 'read_only', 'read_write', 'insert'] as const;
type Workload = (typeof workloads)[number];

interface Args {
  readonly tables: number;
  readonly tableSize: number;
  readonly threads: number;
  readonly seconds: number;
  readonly only: readonly Workload[];
  readonly mariadb: boolean;
  readonly profileDir: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i < 0 ? undefined : argv[i + 1];
  };
  const number = (name: string, fallback: number): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a positive integer`);
    return n;
  };
  const only = value('only')?.split(',') ?? [...workloads];
  for (const w of only) {
    if (!(workloads as readonly string[]).includes(w)) {
      throw new Error(`--only: unknown workload '${w}' (${workloads.join(', ')})`);
    }
  }
  return {
    tables: number('tables', 4),
    tableSize: number('table-size', 10_000),
    threads: number('threads', 8),
    seconds: number('time', 20),
    only: only as Workload[],
    mariadb: !argv.includes('--no-mariadb'),
    profileDir: value('profile-dir'),
  };
}

interface Target {
  readonly name: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** CPU seconds (user + system, every thread) the server process has used so far. */
  cpuSeconds(): number;
  close(): Promise<void>;
}

interface Figures {
  readonly tps: number;
  readonly qps: number;
  readonly p95Ms: number;
  readonly errors: number;
  /** Server CPU seconds during the run. */
  readonly cpuSeconds: number;
}

function run(
  command: string,
  args: readonly string[],
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, out });
    });
  });
}

function sysbenchArgs(target: Target, args: Args): string[] {
  return [
    '--mysql-host=127.0.0.1',
    `--mysql-port=${target.port}`,
    `--mysql-user=${target.user}`,
    `--mysql-password=${target.password}`,
    '--mysql-db=sbtest',
    `--tables=${args.tables}`,
    `--table-size=${args.tableSize}`,
  ];
}

async function prepare(target: Target, args: Args): Promise<void> {
  const conn = await mysql.createConnection({
    host: '127.0.0.1',
    port: target.port,
    user: target.user,
    password: target.password,
  });
  await conn.query('DROP DATABASE IF EXISTS sbtest');
  await conn.query('CREATE DATABASE sbtest');
  await conn.end();
  const started = performance.now();
  const r = await run('sysbench', [
    'oltp_read_write',
    ...sysbenchArgs(target, args),
    '--threads=4',
    'prepare',
  ]);
  if (r.code !== 0) throw new Error(`sysbench prepare on ${target.name} failed:\n${r.out}`);
  console.log(
    `  ${target.name}: prepared ${args.tables} x ${args.tableSize} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

async function measure(target: Target, workload: Workload, args: Args): Promise<Figures> {
  const cpuBefore = target.cpuSeconds();
  const r = await run('sysbench', [
    `oltp_${workload}`,
    ...sysbenchArgs(target, args),
    `--threads=${args.threads}`,
    `--time=${args.seconds}`,
    // Ignored errors (1213 and the like) are counted and printed, not hidden.
    '--mysql-ignore-errors=all',
    'run',
  ]);
  if (r.code !== 0) throw new Error(`sysbench ${workload} on ${target.name} failed:\n${r.out}`);
  const num = (re: RegExp): number => Number(re.exec(r.out)?.[1] ?? 'NaN');
  return {
    tps: num(/transactions:\s+\d+\s+\(([\d.]+) per sec/),
    qps: num(/queries:\s+\d+\s+\(([\d.]+) per sec/),
    p95Ms: num(/95th percentile:\s+([\d.]+)/),
    errors: num(/ignored errors:\s+(\d+)/),
    cpuSeconds: target.cpuSeconds() - cpuBefore,
  };
}

/** The V8 sampling profiler of this process around one run; `stop` writes DIR/NAME.cpuprofile. */
async function startProfiler(): Promise<{ stop: (dir: string, name: string) => Promise<string> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return {
    stop: async (dir, name) => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}

async function startTesseraTarget(): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-bench-sql-'));
  const password = 'bench-root-password';
  const running = await startTessera({
    dataDir,
    apiHost: '127.0.0.1',
    apiPort: 0,
    adminPassword: 'bench-admin-password',
    mysql: { host: '127.0.0.1', port: 0, rootPassword: password },
  });
  return {
    name: 'tessera',
    port: running.mysql?.port ?? 0,
    user: 'root',
    password,
    cpuSeconds: () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    },
    close: async () => {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const mariadbd = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((p) => existsSync(p));

async function startMariaDbTarget(port: number): Promise<Target | undefined> {
  if (mariadbd === undefined) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'tessera-bench-mariadb-'));
  const dataDir = join(dir, 'data');
  const init = await run('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${dataDir}`,
    '--user=root',
    '--skip-test-db',
  ]);
  if (init.code !== 0) throw new Error(`mariadb-install-db failed:\n${init.out}`);
  const server = spawn(
    mariadbd,
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      '--bind-address=127.0.0.1',
      `--port=${port}`,
      '--user=root',
      '--skip-log-bin',
      '--max-connections=500',
      '--innodb-buffer-pool-size=256M',
      // A private, loopback-only server for this run: no accounts to set up.
      '--skip-grant-tables',
    ],
    { stdio: 'ignore' },
  );
  const close = async () => {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  };
  // Wait for it to accept connections.
  for (let i = 0; ; i++) {
    try {
      const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
      await conn.end();
      break;
    } catch (error) {
      if (i > 150) {
        await close();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  // utime + stime of the server process, in clock ticks (USER_HZ: 100 on Linux).
  const cpuSeconds = () => {
    const stat = readFileSync(`/proc/${server.pid ?? 0}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  return {
    name: 'mariadb',
    port,
    user: 'root',
    password: 'bench-root-password',
    cpuSeconds,
    close,
  };
}

function row(cells: readonly string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(14) : c.padStart(12))).join(' ');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const check = await run('sysbench', ['--version']).catch(() => ({ code: 1, out: '' }));
  if (check.code !== 0) throw new Error('sysbench is not installed (apt-get install sysbench)');
  console.log(
    `bench:sql — sysbench ${check.out.trim()}, ${args.tables} tables x ${args.tableSize} rows, ${args.threads} threads, ${args.seconds} s per run`,
  );
  const targets: Target[] = [await startTesseraTarget()];
  if (args.mariadb) {
    const maria = await startMariaDbTarget(33_306 + Math.floor(Math.random() * 1000));
    if (maria === undefined) console.log('  (mariadbd not installed: Tessera alone, no ratios)');
    else targets.push(maria);
  }
  try {
    for (const t of targets) await prepare(t, args);
    const results = new Map<string, Figures>();
    // Interleaved: each workload runs on every target before the next workload.
    for (const w of args.only) {
      for (const t of targets) {
        const profile =
          args.profileDir !== undefined && t.name === 'tessera' ? await startProfiler() : undefined;
        const f = await measure(t, w, args);
        if (profile !== undefined && args.profileDir !== undefined) {
          console.log(`  profile: ${await profile.stop(args.profileDir, w)}`);
        }
        results.set(`${t.name}/${w}`, f);
        console.log(
          `  ${t.name.padEnd(8)} ${w.padEnd(13)} tps ${f.tps.toFixed(1).padStart(9)}  qps ${f.qps.toFixed(1).padStart(9)}  p95 ${f.p95Ms.toFixed(1)} ms  errors ${f.errors}  server cpu ${((100 * f.cpuSeconds) / args.seconds).toFixed(0)} % of a core, ${((1000 * f.cpuSeconds) / (f.tps * args.seconds)).toFixed(2)} ms/txn`,
        );
      }
    }
    console.log('');
    console.log(row(['workload', 'tessera', 'mariadb', 'ratio', 'target']));
    for (const w of args.only) {
      const metric = w === 'point_select' ? 'qps' : 'tps';
      const a = results.get(`tessera/${w}`);
      const b = results.get(`mariadb/${w}`);
      const target = w === 'point_select' ? 0.35 : w === 'read_write' ? 0.2 : undefined;
      const ratio = a !== undefined && b !== undefined ? a[metric] / b[metric] : undefined;
      const verdict =
        target === undefined || ratio === undefined
          ? ''
          : `${(target * 100).toFixed(0)} % ${ratio >= target ? 'met' : 'MISSED'}`;
      console.log(
        row([
          `${w} (${metric})`,
          a === undefined ? '-' : a[metric].toFixed(1),
          b === undefined ? '-' : b[metric].toFixed(1),
          ratio === undefined ? '-' : `${(ratio * 100).toFixed(1)} %`,
          verdict,
        ]),
      );
    }
  } finally {
    for (const t of targets) await t.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
