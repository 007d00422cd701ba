/**
 * The MySQL listener of `tessera serve`: the gateway's protocol server with the SQL engine
 * behind it, over the embedded cluster's control plane.
 *
 *   MySQL client ──TCP──► MysqlServer (@tessera/gateway)      handshake, TLS, auth, packets
 *                           │ EngineHandler: one SqlSession per connection
 *                           ├─ accounts ◄── ControlAccountSource ◄─┐
 *                           └─ catalog  ◄── ControlCatalogPort   ◄─┴─ ControlStateCache ◄── ControlClient
 *
 * Host bindings live here: the wall clock, timers and crypto randomness the gateway and the
 * engine take as parameters. KILL needs no wiring here: the MysqlServer hands its connections'
 * control to the EngineHandler (`Handler.attach`) when it is constructed. SHOW PROCESSLIST /
 * system.sessions list this listener's connections only (one gateway in the embedded server).
 * ALTER CLUSTER ADD / DRAIN / REMOVE / KILL / RESTART NODE: `clusterOps`, the embedded
 * cluster's port (app.ts; `controlPlaneClusterOps` for a host without data nodes).
 */
import { randomBytes } from 'node:crypto';
import type { ControlClient } from '@tessera/cluster';
import { EngineHandler, MysqlServer, RoutingTable } from '@tessera/gateway';
import type { TxnClient } from '@tessera/txn';
import type { ClusterOpsPort } from '@tessera/sql';
import { cryptoSeededRng, SystemClock } from '@tessera/host';
import { ControlAccountSource } from './control-accounts';
import { ControlCatalogPort } from './control-catalog-port';
import { ControlStateCache } from './control-state-cache';
import { bootstrapRoot } from './root-bootstrap';
import type { RootBootstrapOutcome } from './root-bootstrap';
import { loadOrCreateServerKeys } from './server-keys';

export interface MysqlListenerOptions {
  readonly dataDir: string;
  readonly control: ControlClient;
  readonly host: string;
  /** 0 picks a free port (read it back from `port`). */
  readonly port: number;
  /** TESSERA_ROOT_PASSWORD: the first-start password of 'root'@'%'. */
  readonly rootPassword: string | undefined;
  /**
   * Table data: makes the one transaction client all sessions share, routed by the engine's
   * routing table (the embedded cluster: `txnClientFor`).
   */
  readonly txnClientFor?: (router: RoutingTable) => TxnClient;
  /** Cluster operations: ALTER CLUSTER ... NODE (cluster/cluster-ops.ts; 1235 without). */
  readonly clusterOps?: ClusterOpsPort;
  /**
   * Called once per finished statement with its duration (µs, by the monotonic clock) and
   * whether it failed: the metrics recorder's statements/s and latency.
   */
  readonly onStatementEnd?: (durationMicros: number, failed: boolean) => void;
}

export interface RunningMysqlListener {
  readonly host: string;
  readonly port: number;
  /** `host:port`, as the console shows it. */
  readonly address: string;
  readonly bootstrap: RootBootstrapOutcome;
  readonly server: MysqlServer;
  /** The engine behind the protocol: its connections (the console's Sessions page). */
  readonly handler: EngineHandler;
  close(): Promise<void>;
}

/** Wall-clock microseconds that never go backwards within the process. */
function wallMicros(clock: SystemClock): () => bigint {
  let last = 0n;
  return () => {
    // The clock gives milliseconds; the monotonic clock's fraction adds the microseconds.
    const fraction = BigInt(Math.floor((clock.monotonicMs() % 1) * 1000));
    const micros = BigInt(clock.now()) * 1000n + fraction;
    last = micros > last ? micros : last;
    return last;
  };
}

export async function startMysqlListener(
  options: MysqlListenerOptions,
): Promise<RunningMysqlListener> {
  const clock = new SystemClock();
  const startedAtMs = clock.now();
  const state = new ControlStateCache(options.control);
  const bootstrap = await bootstrapRoot(
    options.control,
    state,
    options.dataDir,
    options.rootPassword,
  );
  const { keys } = await loadOrCreateServerKeys(options.dataDir);
  const { rng } = cryptoSeededRng();
  const routing = new RoutingTable();
  const data =
    options.txnClientFor === undefined
      ? undefined
      : { txn: options.txnClientFor(routing), routing };
  const catalog = new ControlCatalogPort(
    options.control,
    state,
    () => clock.now(),
    (ms) =>
      new Promise<void>((resolve) => {
        clock.setTimer(ms, resolve);
      }),
  );
  const stopReplicaStats = catalog.watchReplicaStats((ms, fn) =>
    clock.setTimer(ms, fn, { unref: true }),
  );
  const handler = new EngineHandler({
    ...(data === undefined ? {} : { data }),
    ...(options.clusterOps === undefined ? {} : { clusterOps: options.clusterOps }),
    ...(options.onStatementEnd === undefined
      ? {}
      : {
          statements: {
            monotonicMs: () => clock.monotonicMs(),
            onStatementEnd: options.onStatementEnd,
          },
        }),
    catalog,
    accounts: new ControlAccountSource(state),
    nowMicros: wallMicros(clock),
    random: () => rng.next(),
    uptimeSeconds: () => (clock.now() - startedAtMs) / 1000,
    randomBytes: (n) => randomBytes(n),
    // Big joins and sorts pause here every slice of rows: Raft, the control plane and the
    // other connections share this event loop.
    yieldToEventLoop: () =>
      new Promise<void>((resolve) => {
        clock.defer(resolve);
      }),
  });
  const server = new MysqlServer({
    handler,
    random: { bytes: (n) => randomBytes(n) },
    keys,
    timers: { setTimeout: (callback, ms) => clock.setTimer(ms, callback) },
  });
  const bound = await server.listen({ host: options.host, port: options.port });
  const address = bound.host.includes(':')
    ? `[${bound.host}]:${bound.port}`
    : `${bound.host}:${bound.port}`;
  return {
    host: bound.host,
    port: bound.port,
    address,
    bootstrap,
    server,
    handler,
    close: () => {
      stopReplicaStats();
      return server.close();
    },
  };
}
