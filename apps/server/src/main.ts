import { startTessera } from './app';
import { controlPlaneUsage, dataNodeUsage, parseCommand, usage } from './cli';
import type { RoleTopic } from './cli';
import { embeddedNodes } from './cluster/embedded-cluster';
import { DataDirInUseError } from './data-dir';
import { readEnv } from './env';
import { tesseraVersion } from './version';

function usageOf(topic: RoleTopic | undefined): string {
  if (topic === 'data-node') return dataNodeUsage;
  if (topic === 'control-plane') return controlPlaneUsage;
  return usage;
}

function processIo() {
  return {
    out: (line: string) => process.stdout.write(`${line}\n`),
    err: (line: string) => process.stderr.write(`${line}\n`),
    stopSignal: new Promise<string>((resolve) => {
      process.once('SIGINT', () => {
        resolve('SIGINT');
      });
      process.once('SIGTERM', () => {
        resolve('SIGTERM');
      });
    }),
  };
}

async function main(): Promise<number> {
  const command = parseCommand(process.argv.slice(2));
  switch (command.kind) {
    case 'help':
      process.stdout.write(usageOf(command.topic));
      return 0;
    case 'version':
      process.stdout.write(`tessera ${tesseraVersion}\n`);
      return 0;
    case 'error':
      process.stderr.write(`tessera: ${command.message}\n\n${usageOf(command.topic)}`);
      return 2;
    case 'data-node': {
      const { runDataNode } = await import('./roles/data-node-main');
      return runDataNode(command, processIo());
    }
    case 'control-plane': {
      const { runControlPlane } = await import('./roles/data-node-main');
      return runControlPlane(command, processIo());
    }
    case 'serve':
      break;
  }
  const env = readEnv();
  let running;
  try {
    running = await startTessera({
      dataDir: command.dataDir,
      apiHost: command.apiHost,
      apiPort: command.apiPort,
      adminPassword: env.adminPassword,
      mysql: { host: command.mysqlHost, port: command.mysqlPort, rootPassword: env.rootPassword },
      ...(command.splitThresholdBytes === undefined
        ? {}
        : { splitThresholdBytes: command.splitThresholdBytes }),
      ...(command.nodes === undefined ? {} : { clusterNodes: embeddedNodes(command.nodes) }),
    });
  } catch (err) {
    if (err instanceof DataDirInUseError) {
      process.stderr.write(`tessera: ${err.message}\n`);
      return 1;
    }
    const failure = err as NodeJS.ErrnoException & { port?: number };
    if (failure.code === 'EADDRINUSE') {
      const flag = failure.port === command.mysqlPort ? '--mysql-port' : '--api-port';
      process.stderr.write(`tessera: port ${failure.port ?? '?'} is already in use (${flag})\n`);
      return 1;
    }
    throw err;
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`tessera ${tesseraVersion} started (pid ${process.pid})`);
  log(`  data directory  ${running.dataDir}`);
  log(`  console API     ${running.api.url}/trpc`);
  if (running.mysql !== undefined) {
    log(
      `  MySQL           ${running.mysql.address}  ` +
        `(mysql -h ${running.mysql.host} -P ${running.mysql.port} -u root -p)`,
    );
  }
  const cluster = running.cluster.overview();
  const zones = [...new Set(cluster.nodes.map((n) => n.zone))].join(', ');
  log(
    `  cluster         embedded: ${cluster.controlPlane.members.length} control-plane members ` +
      `(leader ${cluster.controlPlane.leader ?? 'none yet'}), ${cluster.nodes.length} data nodes ` +
      `in zones ${zones}; ` +
      cluster.tables
        .map(
          (t) =>
            `table ${t.name}: ${t.slices} slices × ${t.replicas} replicas + ${t.loggers} logger`,
        )
        .join('; '),
  );
  switch (running.bootstrap.kind) {
    case 'generated':
      log(
        `  first start: console user 'admin' created with password ${running.bootstrap.password}`,
      );
      log(`               (also written to ${running.bootstrap.file}, mode 0600)`);
      break;
    case 'from-env':
      log(`  first start: console user 'admin' created with TESSERA_ADMIN_PASSWORD`);
      break;
    case 'existing':
      break;
  }
  switch (running.mysql?.bootstrap.kind) {
    case 'generated':
      log(
        `  first start: MySQL account 'root'@'%' created with password ${running.mysql.bootstrap.password}`,
      );
      log(`               (also written to ${running.mysql.bootstrap.file}, mode 0600)`);
      break;
    case 'from-env':
      log(`  first start: MySQL account 'root'@'%' created with TESSERA_ROOT_PASSWORD`);
      break;
    case 'existing':
    case undefined:
      break;
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`tessera: ${signal} received, shutting down`);
      resolve();
    };
    process.once('SIGINT', () => {
      stop('SIGINT');
    });
    process.once('SIGTERM', () => {
      stop('SIGTERM');
    });
  });
  await running.close();
  log('tessera: stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('tessera: fatal:', err);
    process.exit(1);
  },
);
