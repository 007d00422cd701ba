import { join } from 'node:path';
import type { ApiServices } from '@tessera/api';
import { SystemClock } from '@tessera/host';
import { createAuthService } from './auth/auth-service';
import type { BootstrapOutcome } from './auth/bootstrap';
import { bootstrapAdmin } from './auth/bootstrap';
import { defaultLoginLimiterOptions, LoginLimiter } from './auth/login-limiter';
import { EmbeddedCluster } from './cluster/embedded-cluster';
import { embeddedClusterOps } from './cluster/cluster-ops';
import { dataNodeScanProcessors } from './cluster/scan-processors';
import type { DataDirLock } from './data-dir';
import { lockDataDir } from './data-dir';
import type { RunningApiServer } from './http/api-server';
import { startApiServer } from './http/api-server';
import { startMysqlListener } from './mysql/mysql-listener';
import type { RunningMysqlListener } from './mysql/mysql-listener';
import { createSessionService } from './console/session-service';
import { createSqlConsoleService } from './console/sql-service';
import { MetricsRecorder } from './metrics/metrics-recorder';
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
  /**
   * The MySQL listener (port 0 picks a free one); absent, none is started — tests of the
   * console alone leave it out. `rootPassword` is TESSERA_ROOT_PASSWORD (first start only).
   */
  readonly mysql?: {
    readonly host: string;
    readonly port: number;
    readonly rootPassword: string | undefined;
  };
  /** Wall clock; tests pass their own to move time (session expiry, login lockout). */
  readonly now?: () => Date;
  /** The embedded cluster's data nodes (default: 3 nodes in zones a, b, c). */
  readonly clusterNodes?: readonly { readonly id: number; readonly zone: string }[];
  /** Slices larger than this many bytes split (`--split-threshold`; default 512 MiB). */
  readonly splitThresholdBytes?: number;
}

export interface RunningTessera {
  readonly dataDir: string;
  readonly api: RunningApiServer;
  readonly db: ConsoleDb;
  readonly bootstrap: BootstrapOutcome;
  readonly cluster: EmbeddedCluster;
  /** The MySQL listener, when `options.mysql` asked for one. */
  readonly mysql: RunningMysqlListener | undefined;
  /** The metrics the console shows (sampling once a second until `close`). */
  readonly metrics: MetricsRecorder;
  close(): Promise<void>;
}

/**
 * Starts every role this process hosts: the embedded cluster (control plane + data nodes),
 * the console store, the console API and the MySQL listener.
 */
export async function startTessera(options: TesseraOptions): Promise<RunningTessera> {
  const now = options.now ?? (() => new Date());
  const lock: DataDirLock = await lockDataDir(options.dataDir);
  let db: ConsoleDb | undefined;
  let cluster: EmbeddedCluster | undefined;
  let api: RunningApiServer | undefined;
  let mysql: RunningMysqlListener | undefined;
  let metrics: MetricsRecorder | undefined;
  try {
    cluster = await EmbeddedCluster.start({
      dir: join(lock.dir, 'cluster'),
      ...(options.clusterNodes === undefined ? {} : { nodes: options.clusterNodes }),
      ...(options.splitThresholdBytes === undefined
        ? {}
        : { splitThresholdBytes: options.splitThresholdBytes }),
      scanProcessors: dataNodeScanProcessors(),
    });
    const runningCluster = cluster;
    // Sampled once a second from the cluster and the MySQL listener's statements (below).
    const clock = new SystemClock();
    metrics = new MetricsRecorder({
      source: {
        overview: () => runningCluster.overview(),
        rebalancerActivity: (query) => runningCluster.rebalancerActivity(query),
        nodeBusyTimes: () => runningCluster.nodeBusyTimes(),
        sessions: () => mysql?.handler.processList().length ?? 0,
      },
      now: () => clock.now(),
      setTimer: (ms, fn) => clock.setTimer(ms, fn, { unref: true }),
    });
    const runningMetrics = metrics;
    runningMetrics.start();
    await migrateConsoleDb(lock.dir);
    db = openConsoleDb(lock.dir);
    const bootstrap = await bootstrapAdmin(db, lock.dir, options.adminPassword);
    const limiter = new LoginLimiter({
      ...defaultLoginLimiterOptions,
      now: () => now().getTime(),
    });
    const auth = createAuthService(db, limiter, now);
    let apiUrl = '';
    let mysqlAddress: string | null = null;
    const services: ApiServices = {
      auth,
      users: createUserService(db, now),
      audit: createAuditService(db),
      server: createServerInfoService({
        db,
        dataDir: lock.dir,
        startedAt: now(),
        now,
        endpoints: () => ({ api: apiUrl, mysql: mysqlAddress }),
        cluster: () => runningCluster.overview(),
      }),
      cluster: {
        overview: () => runningCluster.overview(),
        rebalancerActivity: (query) => runningCluster.rebalancerActivity(query),
        ...embeddedClusterOps(runningCluster),
      },
      metrics: runningMetrics,
      sql: createSqlConsoleService({
        db,
        gateway: () => mysql?.server,
        now,
        monotonicMs: () => performance.now(),
      }),
      sessions: createSessionService(() => mysql?.handler, now),
    };
    const runningApi = await startApiServer({
      host: options.apiHost,
      port: options.apiPort,
      services,
      sessions: auth,
    });
    api = runningApi;
    apiUrl = runningApi.url;
    if (options.mysql !== undefined) {
      mysql = await startMysqlListener({
        dataDir: lock.dir,
        control: runningCluster.controlClient(),
        host: options.mysql.host,
        port: options.mysql.port,
        rootPassword: options.mysql.rootPassword,
        txnClientFor: (router) =>
          runningCluster.txnClientFor(router, (groupId) => runningCluster.membersOfGroup(groupId)),
        clusterOps: embeddedClusterOps(runningCluster),
        onStatementEnd: (durationMicros, failed) => {
          runningMetrics.statementEnded(durationMicros, failed);
        },
      });
      mysqlAddress = mysql.address;
    }
    const runningMysql = mysql;
    const openDb = db;
    return {
      dataDir: lock.dir,
      api: runningApi,
      db: openDb,
      bootstrap,
      cluster: runningCluster,
      mysql: runningMysql,
      metrics: runningMetrics,
      async close() {
        runningMetrics.stop();
        await runningMysql?.close();
        await runningApi.close();
        await runningCluster.close();
        await openDb.$disconnect();
        await lock.release();
      },
    };
  } catch (err) {
    metrics?.stop();
    await mysql?.close();
    await api?.close();
    await cluster?.close();
    await db?.$disconnect();
    await lock.release();
    throw err;
  }
}
