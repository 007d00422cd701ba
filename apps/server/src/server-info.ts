import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterOverview, HealthCheck, ServerInfo, ServerInfoService } from '@tessera/api';
import type { ConsoleDb } from './store/console-db';
import { tesseraVersion } from './version';

export interface ServerInfoDeps {
  readonly db: ConsoleDb;
  readonly dataDir: string;
  readonly startedAt: Date;
  readonly now: () => Date;
  readonly endpoints: () => ServerInfo['endpoints'];
  /** The embedded cluster's state, for its health check. */
  readonly cluster: () => ClusterOverview;
}

/** Real checks only: each one touches the thing it reports on. */
export function createServerInfoService(deps: ServerInfoDeps): ServerInfoService {
  const timed = async (name: string, check: () => Promise<string>): Promise<HealthCheck> => {
    const start = performance.now();
    try {
      const detail = await check();
      return { name, ok: true, detail, latencyMs: performance.now() - start };
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      return { name, ok: false, detail, latencyMs: performance.now() - start };
    }
  };

  return {
    info() {
      const now = deps.now();
      return {
        version: tesseraVersion,
        startedAt: deps.startedAt,
        uptimeSeconds: Math.floor((now.getTime() - deps.startedAt.getTime()) / 1000),
        dataDir: deps.dataDir,
        nodeVersion: process.version,
        pid: process.pid,
        endpoints: deps.endpoints(),
      };
    },

    health() {
      return Promise.all([
        timed('console store', async () => {
          const users = await deps.db.user.count();
          return `SQLite reachable, ${users} console user(s)`;
        }),
        timed('cluster', () => {
          const c = deps.cluster();
          if (c.controlPlane.leader === null) throw new Error('the control plane has no leader');
          const leaderless = c.slices.filter((s) => s.leader === null).length;
          if (leaderless > 0) throw new Error(`${leaderless} slice(s) without a leader`);
          const down = c.nodes.filter((n) => n.state !== 'up').length;
          if (down > 0) throw new Error(`${down} node(s) not up`);
          return Promise.resolve(
            `control plane led by ${c.controlPlane.leader}; ${c.nodes.length} nodes up; ` +
              `${c.slices.length} slices, every one with a leader`,
          );
        }),
        timed('data directory', async () => {
          const probe = join(deps.dataDir, `.health-${randomBytes(4).toString('hex')}`);
          await writeFile(probe, 'ok');
          await rm(probe);
          return `${deps.dataDir} is writable`;
        }),
      ]);
    },

    sleep(ms, signal) {
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
      });
    },
  };
}
