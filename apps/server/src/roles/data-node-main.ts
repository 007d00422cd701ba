import { readFile } from 'node:fs/promises';
import type { ControlPlaneCommand, DataNodeCommand } from '../cli';
import { DataDirInUseError } from '../data-dir';
import { tesseraVersion } from '../version';
import { ClusterDirectory, ClusterSpecError, parseAddress, parseClusterFile } from './cluster-spec';
import { startControlPlaneRole } from './control-plane-role';
import { startDataNodeRole } from './data-node-role';
import { dataNodeScanProcessors } from '../cluster/scan-processors';
import { RoleConfigError } from './role-errors';

export interface ProcessIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Resolves with the signal's name on the first SIGTERM or SIGINT. */
  readonly stopSignal: Promise<string>;
}

const list = (ids: readonly number[]) => (ids.length === 0 ? '-' : ids.join(','));
const address = (a: { host: string; port: number }) => `${a.host}:${a.port}`;

async function readDirectory(clusterFile: string, io: ProcessIo): Promise<ClusterDirectory | 2> {
  try {
    return new ClusterDirectory(parseClusterFile(await readFile(clusterFile, 'utf8')));
  } catch (err) {
    if (err instanceof ClusterSpecError || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err(`tessera: cluster file ${clusterFile}: ${(err as Error).message}`);
      return 2;
    }
    throw err;
  }
}

/** Starting a role: configuration problems exit 2, a data dir in use exits 1. */
async function startRole<T>(
  clusterFile: string,
  io: ProcessIo,
  start: () => Promise<T>,
): Promise<T | 1 | 2> {
  try {
    return await start();
  } catch (err) {
    if (err instanceof RoleConfigError) {
      io.err(`tessera: cluster file ${clusterFile}: ${err.message}`);
      return 2;
    }
    if (err instanceof DataDirInUseError) {
      io.err(`tessera: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

/** Runs until a stop signal or a fatal error; the exit code. */
async function runUntilStopped(
  name: string,
  io: ProcessIo,
  running: { readonly fatal: Promise<Error>; close(): Promise<void> },
): Promise<number> {
  const outcome = await Promise.race([
    io.stopSignal.then((signal) => ({ kind: 'signal' as const, signal })),
    running.fatal.then((error) => ({ kind: 'fatal' as const, error })),
  ]);
  if (outcome.kind === 'fatal') {
    io.err(`tessera: ${name} stopped: ${outcome.error.stack ?? outcome.error.message}`);
    await running.close();
    return 1;
  }
  io.out(`tessera: ${outcome.signal} received, stopping ${name}`);
  await running.close();
  io.out(`tessera: ${name} stopped`);
  return 0;
}

/** `tessera data-node …`: runs until a stop signal or a fatal node error; the exit code. */
export async function runDataNode(command: DataNodeCommand, io: ProcessIo): Promise<number> {
  const directory = await readDirectory(command.clusterFile, io);
  if (directory === 2) return 2;
  const running = await startRole(command.clusterFile, io, () =>
    startDataNodeRole({
      nodeId: command.nodeId,
      zone: command.zone,
      directory,
      dataDir: command.dataDir,
      scanProcessors: dataNodeScanProcessors(),
      ...(command.join === undefined
        ? {}
        : {
            join: {
              peer: parseAddress(command.join.peerAddress),
              kv: parseAddress(command.join.kvAddress),
              control: parseAddress(command.join.controlAddress),
            },
          }),
    }),
  );
  if (running === 1 || running === 2) return running;
  const name = `data-node ${command.nodeId}`;
  // Serving (recovered replicas answer at once); ready once the slice map is applied here.
  const placedOrError = await Promise.race([
    running.placed.catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    ),
    io.stopSignal.then(() => undefined),
    running.fatal.then(() => undefined),
  ]);
  if (placedOrError instanceof Error) {
    io.err(`tessera: ${name}: ${placedOrError.message}`);
    await running.close();
    return placedOrError instanceof RoleConfigError ? 2 : 1;
  }
  const placed = placedOrError;
  if (placed !== undefined) {
    io.out(
      `tessera ${tesseraVersion} ${name} ready (pid ${process.pid}) ` +
        `peer ${address(running.peerAddress)} kv ${address(running.kvAddress)} ` +
        `control ${address(running.controlAddress)} ` +
        `groups recovered ${list(running.recovered)} created ${list(placed.created)} ` +
        `skipped ${list(placed.skipped)} rng seed ${running.rngSeed}`,
    );
    if (placed.skipped.length > 0) {
      io.err(
        `tessera: ${name}: the slice map places groups ${list(placed.skipped)} here but this ` +
          `data dir does not hold them (a lost or replaced disk); they are not re-created ` +
          `empty — they wait for re-replication`,
      );
    }
  }
  return runUntilStopped(name, io, running);
}

/** `tessera control-plane …`: runs until a stop signal or a fatal error; the exit code. */
export async function runControlPlane(
  command: ControlPlaneCommand,
  io: ProcessIo,
): Promise<number> {
  const directory = await readDirectory(command.clusterFile, io);
  if (directory === 2) return 2;
  const running = await startRole(command.clusterFile, io, () =>
    startControlPlaneRole({
      memberId: command.memberId,
      directory,
      dataDir: command.dataDir,
    }),
  );
  if (running === 1 || running === 2) return running;
  const name = `control-plane ${command.memberId}`;
  io.out(
    `tessera ${tesseraVersion} ${name} ready (pid ${process.pid}) ` +
      `peer ${address(running.peerAddress)} service ${address(running.serviceAddress)} ` +
      `members ${list(directory.controlMemberIds)} applied ${running.member.status().applied} ` +
      `rng seed ${running.rngSeed}`,
  );
  return runUntilStopped(name, io, running);
}
