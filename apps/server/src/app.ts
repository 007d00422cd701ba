import { join } from 'node:path';
import type { ApiServices } from '@tessera/api';
import { createAuthService } from './auth/auth-service';
import type { BootstrapOutcome } from './auth/bootstrap';
import { bootstrapAdmin } from './auth/bootstrap';
import { defaultLoginLimiterOptions, LoginLimiter } from './auth/login-limiter';
import { EmbeddedCluster } from './cluster/embedded-cluster';
import type { DataDirLock } from './data-dir';
import { lockDataDir } from './data-dir';
import type { RunningApiServer } from './http/api-server';
import { startApiServer } from './http/api-server';
import { createServerInfoService } from './server-info';
import { createAuditService } from './store/audit-service';
import type { ConsoleDb } from './store/console-db';
import { migrateConsoleDb, openConsoleDb } from './store/console-db';
import { createUserService } from './store/user-service';

export interface TesseraOptions {
  readonly dataDir: string;
  readonly apiHost: string;
  readonly apiPort: number;
  readonly adminPassword: string | undefined;
  /** Wall clock; tests pass their own to move time (session expiry, login lockout). */
  readonly now?: () => Date;
  /** The embedded cluster's data nodes (default: 3 nodes in zones a, b, c). */
  readonly clusterNodes?: readonly { readonly id: number; readonly zone: string }[];
}

export interface RunningTessera {
  readonly dataDir: string;
  readonly api: RunningApiServer;
  readonly db: ConsoleDb;
  readonly bootstrap: BootstrapOutcome;
  readonly cluster: EmbeddedCluster;
  close(): Promise<void>;
}

/**
 * Starts every role this process hosts: the embedded cluster (control plane + data nodes),
 * the console store and the console API.
 */
export async function startTessera(options: TesseraOptions): Promise<RunningTessera> {
  const now = options.now ?? (() => new Date());
  const lock: DataDirLock = await lockDataDir(options.dataDir);
  let db: ConsoleDb | undefined;
  let cluster: EmbeddedCluster | undefined;
  try {
    cluster = await EmbeddedCluster.start({
      dir: join(lock.dir, 'cluster'),
      ...(options.clusterNodes === undefined ? {} : { nodes: options.clusterNodes }),
    });
    const runningCluster = cluster;
    await migrateConsoleDb(lock.dir);
    db = openConsoleDb(lock.dir);
    const bootstrap = await bootstrapAdmin(db, lock.dir, options.adminPassword);
    const limiter = new LoginLimiter({
      ...defaultLoginLimiterOptions,
      now: () => now().getTime(),
    });
    const auth = createAuthService(db, limiter, now);
    let apiUrl = '';
    const services: ApiServices = {
      auth,
      users: createUserService(db, now),
      audit: createAuditService(db),
      server: createServerInfoService({
        db,
        dataDir: lock.dir,
        startedAt: now(),
        now,
        endpoints: () => ({ api: apiUrl, mysql: null }),
        cluster: () => runningCluster.overview(),
      }),
      cluster: { overview: () => runningCluster.overview() },
    };
    const api = await startApiServer({
      host: options.apiHost,
      port: options.apiPort,
      services,
      sessions: auth,
    });
    apiUrl = api.url;
    const openDb = db;
    return {
      dataDir: lock.dir,
      api,
      db: openDb,
      bootstrap,
      cluster: runningCluster,
      async close() {
        await api.close();
        await runningCluster.close();
        await openDb.$disconnect();
        await lock.release();
      },
    };
  } catch (err) {
    await cluster?.close();
    await db?.$disconnect();
    await lock.release();
    throw err;
  }
}
