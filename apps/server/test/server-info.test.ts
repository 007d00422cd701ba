import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HealthCheck, ServerInfo } from '@tessera/api';
import superjson from 'superjson';
import type { SuperJSONResult } from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningTessera } from '../src/app';
import { startTessera } from '../src/app';
import { DataDirInUseError } from '../src/data-dir';
import { inheritedEnv } from '../src/env';
import { tesseraVersion } from '../src/version';
import {
  adminPassword,
  Browser,
  createAndSignIn,
  makeDataDir,
  rawQuery,
  removeDataDir,
  signIn,
  startServer,
  TestClock,
  trpcError,
} from './helpers';

const serverRoot = fileURLToPath(new URL('..', import.meta.url));

let dataDir: string;
let running: RunningTessera;
let url: string;
let admin: Browser;
const clock = new TestClock();

beforeAll(async () => {
  dataDir = await makeDataDir();
  running = await startServer(dataDir, adminPassword, clock.now);
  url = running.api.url;
  admin = await signIn(url, 'admin', adminPassword);
});

afterAll(async () => {
  await running.close();
  await removeDataDir(dataDir);
});

describe('server.info', () => {
  it('reports version, data directory, process and endpoints', async () => {
    const info = await admin.client.server.info.query();
    expect(info).toMatchObject({
      version: tesseraVersion,
      dataDir: running.dataDir,
      nodeVersion: process.version,
      pid: process.pid,
      endpoints: { api: url, mysql: null },
    });
    expect(info.dataDir).toBe(dataDir);
    expect(info.startedAt).toBeInstanceOf(Date);
    expect(info.startedAt.getTime()).toBeLessThanOrEqual(clock.now().getTime());
    expect(info.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(info.uptimeSeconds).toBeLessThan(60);
  });

  it('counts uptime on the server clock', async () => {
    const before = (await admin.client.server.info.query()).uptimeSeconds;
    clock.advance(90_000);
    const after = (await admin.client.server.info.query()).uptimeSeconds;
    expect(after - before).toBeGreaterThanOrEqual(90);
    expect(after - before).toBeLessThan(100);
  });

  it('is open to viewers', async () => {
    const val = await createAndSignIn(admin, 'val', 'val-password-1', 'viewer');
    expect((await val.client.server.info.query()).version).toBe(tesseraVersion);
    // The embedded cluster may still be settling (leaders moving to their ranking replicas on
    // a loaded machine): wait, as an admin, until it reports healthy; then the viewer sees it.
    for (let i = 0; i < 100 && !(await admin.client.server.health.query()).ok; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const health = await val.client.server.health.query();
    expect(health.checks.filter((c) => !c.ok)).toEqual([]);
    expect(health.ok).toBe(true);
  });
});

describe('cluster.overview', () => {
  it('shows the embedded cluster: a serving control-plane leader, three nodes up, every slice led', async () => {
    const overview = await admin.client.cluster.overview.query();
    expect(overview.mode).toBe('embedded');
    expect([101, 102, 103]).toContain(overview.controlPlane.leader);
    expect(overview.controlPlane.members.filter((m) => m.serving)).toHaveLength(1);
    expect(overview.nodes.map((n) => [n.id, n.zone, n.state, n.running])).toEqual([
      [1, 'a', 'up', true],
      [2, 'b', 'up', true],
      [3, 'c', 'up', true],
    ]);
    expect(overview.tables).toEqual([{ name: 'kv', slices: 3, replicas: 2, loggers: 1 }]);
    expect(overview.slices).toHaveLength(3);
    for (const slice of overview.slices) {
      expect(slice.leader).not.toBeNull();
      expect(slice.members.map((m) => m.role).sort()).toEqual(['logger', 'voter', 'voter']);
      // Three members, three zones.
      expect(new Set(slice.members.map((m) => m.node)).size).toBe(3);
    }
    // Every slice leader is counted on its node.
    const leading = overview.nodes.reduce((sum, n) => sum + n.leading, 0);
    expect(leading).toBe(3);
  });

  it('is for signed-in users only', async () => {
    expect((await rawQuery(url, 'cluster.overview', undefined)).status).toBe(401);
  });
});

describe('server.health', () => {
  it('checks the console store, the embedded cluster and the data directory for real', async () => {
    const health = await admin.client.server.health.query();
    expect(health.ok).toBe(true);
    expect(health.checks.map((c) => c.name)).toEqual([
      'console store',
      'cluster',
      'data directory',
    ]);
    const [store, cluster, dir] = health.checks as [HealthCheck, HealthCheck, HealthCheck];
    expect(cluster.detail).toMatch(/control plane led by 10[123]; 3 nodes up; 3 slices/);
    const users = await running.db.user.count();
    expect(store).toMatchObject({ ok: true, detail: `SQLite reachable, ${users} console user(s)` });
    expect(dir).toMatchObject({ ok: true, detail: `${running.dataDir} is writable` });
    for (const check of health.checks) expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    // The write probe leaves nothing behind.
    expect((await readdir(running.dataDir)).filter((f) => f.startsWith('.health-'))).toEqual([]);
  });

  it('needs a session', async () => {
    expect((await rawQuery(url, 'server.health', undefined)).status).toBe(401);
    const err = await trpcError(new Browser(url).client.server.health.query());
    expect(err).toMatchObject({ httpStatus: 401, code: 'UNAUTHORIZED' });
  });
});

interface LiveEvent {
  info: ServerInfo;
  ok: boolean;
  checks: HealthCheck[];
}

/** Reads a text/event-stream body until `count` data events arrived, then aborts it. */
async function readLiveEvents(
  res: Response,
  count: number,
  abort: AbortController,
): Promise<{ events: LiveEvent[]; names: string[] }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: LiveEvent[] = [];
  const names: string[] = [];
  let buffer = '';
  try {
    while (events.length < count) {
      const { value, done } = (await reader.read()) as { value?: Uint8Array; done: boolean };
      if (done) throw new Error(`stream ended after ${events.length} event(s)`);
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        const name = lines
          .find((l) => l.startsWith('event:'))
          ?.slice(6)
          .trim();
        if (name !== undefined) names.push(name);
        const data = lines
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        if (name === undefined && data !== '') {
          events.push(superjson.deserialize<LiveEvent>(JSON.parse(data) as SuperJSONResult));
        }
      }
    }
  } finally {
    abort.abort();
    await reader.cancel().catch(() => undefined);
  }
  return { events, names };
}

describe('server.live', () => {
  it('streams info and health as server-sent events about once a second', async () => {
    const abort = new AbortController();
    const res = await fetch(`${url}/trpc/server.live`, {
      headers: { ...admin.headers(), accept: 'text/event-stream' },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const started = Date.now();
    const { events, names } = await readLiveEvents(res, 2, abort);
    const elapsed = Date.now() - started;
    expect(names).toContain('connected');
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event.ok).toBe(true);
      expect(event.checks.map((c) => c.name)).toEqual([
        'console store',
        'cluster',
        'data directory',
      ]);
      expect(event.info).toMatchObject({
        version: tesseraVersion,
        dataDir: running.dataDir,
        pid: process.pid,
      });
      expect(event.info.startedAt).toBeInstanceOf(Date);
    }
    // The second event comes after the one-second pause, not at once.
    expect(elapsed).toBeGreaterThanOrEqual(800);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('refuses a subscription without a session with an UNAUTHORIZED error event and no data', async () => {
    // tRPC answers a subscription with 200 and reports errors inside the event stream, which
    // its httpSubscriptionLink turns into a TRPCClientError with httpStatus 401.
    const abort = new AbortController();
    const timer = setTimeout(() => {
      abort.abort();
    }, 5_000);
    const res = await fetch(`${url}/trpc/server.live`, {
      headers: { accept: 'text/event-stream' },
      signal: abort.signal,
    });
    const body = await res.text();
    clearTimeout(timer);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const blocks = body
      .split('\n\n')
      .map((b) => b.trim())
      .filter((b) => b !== '');
    const names = blocks.map((b) => /^event: (.*)$/m.exec(b)?.[1]);
    expect(names).toEqual(['connected', 'serialized-error']);
    const data = /^data: (.*)$/m.exec(blocks[1]!)![1]!;
    const error = superjson.deserialize<{
      message: string;
      data: { code: string; httpStatus: number };
    }>(JSON.parse(data) as SuperJSONResult);
    expect(error).toMatchObject({
      message: 'Sign in to use the console API.',
      data: { code: 'UNAUTHORIZED', httpStatus: 401 },
    });
    expect(body).not.toContain('uptimeSeconds');
  });

  it('stops streaming when the client goes away, and the server keeps serving', async () => {
    for (let i = 0; i < 3; i++) {
      const abort = new AbortController();
      const res = await fetch(`${url}/trpc/server.live`, {
        headers: admin.headers(),
        signal: abort.signal,
      });
      await readLiveEvents(res, 1, abort);
    }
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await admin.client.server.info.query()).pid).toBe(process.pid);
  });
});

describe('plain HTTP endpoints', () => {
  it('answers GET /healthz with 200 without a session', async () => {
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('ok\n');
  });

  it('answers unknown paths with 404', async () => {
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/trpcx`)).status).toBe(404);
    expect((await fetch(`${url}/healthz/more`)).status).toBe(404);
    expect((await rawQuery(url, 'server.nope', undefined, admin.headers())).status).toBe(404);
  });
});

/** Starts `tessera serve` (src/main.ts through tsx) as a separate process. */
function spawnTessera(dir: string): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', 'serve', '--data-dir', dir, '--api-port', '0'],
    {
      cwd: serverRoot,
      env: { ...inheritedEnv(), TESSERA_ADMIN_PASSWORD: adminPassword },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  const collect = (d: Buffer) => {
    text += d.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      resolve(code);
    });
  });
  return { child, output: () => text, exited };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('data directory lock', () => {
  it('refuses a second process on a data directory in use', async () => {
    const other = spawnTessera(running.dataDir);
    const code = await other.exited;
    expect(code).toBe(1);
    expect(other.output()).toContain(
      `data directory ${running.dataDir} is in use by process ${process.pid}`,
    );
    // The running server is unharmed and still holds the lock.
    expect((await readFile(join(running.dataDir, 'tessera.pid'), 'utf8')).trim()).toBe(
      String(process.pid),
    );
    expect((await admin.client.server.health.query()).ok).toBe(true);
  });

  it('refuses a second start on the same directory inside one process (regression)', async () => {
    const dir = await makeDataDir();
    const first = await startServer(dir, adminPassword);
    try {
      await expect(startServer(dir, adminPassword)).rejects.toBeInstanceOf(DataDirInUseError);
      // The refused start must not have released the first server's lock.
      await expect(stat(join(dir, 'tessera.pid'))).resolves.toBeTruthy();
    } finally {
      await first.close();
      await removeDataDir(dir);
    }
  });

  it('fails startTessera with DataDirInUseError while another process runs on the directory', async () => {
    const dir = await makeDataDir();
    const other = spawnTessera(dir);
    try {
      await waitFor(() => other.output().includes('console API'), 'the other tessera to start');
      const pid = other.child.pid!;
      const lockFile = join(dir, 'tessera.pid');
      expect((await readFile(lockFile, 'utf8')).trim()).toBe(String(pid));

      const second = startTessera({
        dataDir: dir,
        apiHost: '127.0.0.1',
        apiPort: 0,
        adminPassword: undefined,
      });
      await expect(second).rejects.toBeInstanceOf(DataDirInUseError);
      await expect(second).rejects.toMatchObject({
        dir,
        pid,
        message: `data directory ${dir} is in use by process ${pid}`,
      });
      // The failed start took nothing away from the owner.
      expect((await readFile(lockFile, 'utf8')).trim()).toBe(String(pid));
      const apiUrl = /console API\s+(\S+)\/trpc/.exec(other.output())![1]!;
      expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);

      other.child.kill('SIGTERM');
      expect(await other.exited).toBe(0);
      expect(other.output()).toContain('tessera: stopped');

      // Once the owner has stopped, the directory can be taken.
      const after = await startServer(dir, undefined);
      try {
        expect(after.bootstrap).toEqual({ kind: 'existing' });
        expect((await readFile(lockFile, 'utf8')).trim()).toBe(String(process.pid));
      } finally {
        await after.close();
      }
    } finally {
      if (other.child.exitCode === null) other.child.kill('SIGKILL');
      await removeDataDir(dir);
    }
  });
});
