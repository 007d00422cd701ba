import { readFile } from 'node:fs/promises';
import type { DataNodeCommand } from '../cli';
import { DataDirInUseError } from '../data-dir';
import { tesseraVersion } from '../version';
import { ClusterLayout, ClusterSpecError, parseClusterFile } from './cluster-spec';
import { DataNodeConfigError, startDataNodeRole } from './data-node-role';

export interface ProcessIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Resolves with the signal's name on the first SIGTERM or SIGINT. */
  readonly stopSignal: Promise<string>;
}

const list = (ids: readonly number[]) => (ids.length === 0 ? '-' : ids.join(','));

/** `tessera data-node …`: runs until a stop signal or a fatal node error; the exit code. */
export async function runDataNode(command: DataNodeCommand, io: ProcessIo): Promise<number> {
  let layout: ClusterLayout;
  try {
    layout = new ClusterLayout(parseClusterFile(await readFile(command.clusterFile, 'utf8')));
  } catch (err) {
    if (err instanceof ClusterSpecError || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err(`tessera: cluster file ${command.clusterFile}: ${(err as Error).message}`);
      return 2;
    }
    throw err;
  }
  let running;
  try {
    running = await startDataNodeRole({
      nodeId: command.nodeId,
      zone: command.zone,
      layout,
      dataDir: command.dataDir,
    });
  } catch (err) {
    if (err instanceof DataNodeConfigError) {
      io.err(`tessera: cluster file ${command.clusterFile}: ${err.message}`);
      return 2;
    }
    if (err instanceof DataDirInUseError) {
      io.err(`tessera: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const address = (a: { host: string; port: number }) => `${a.host}:${a.port}`;
  io.out(
    `tessera ${tesseraVersion} data-node ${command.nodeId} ready (pid ${process.pid}) ` +
      `peer ${address(running.peerAddress)} kv ${address(running.kvAddress)} ` +
      `groups recovered ${list(running.recovered)} created ${list(running.created)} ` +
      `rng seed ${running.rngSeed}`,
  );
  const outcome = await Promise.race([
    io.stopSignal.then((signal) => ({ kind: 'signal' as const, signal })),
    running.fatal.then((error) => ({ kind: 'fatal' as const, error })),
  ]);
  if (outcome.kind === 'fatal') {
    io.err(
      `tessera: data-node ${command.nodeId} stopped: ${outcome.error.stack ?? outcome.error.message}`,
    );
    await running.close();
    return 1;
  }
  io.out(`tessera: ${outcome.signal} received, stopping data-node ${command.nodeId}`);
  await running.close();
  io.out(`tessera: data-node ${command.nodeId} stopped`);
  return 0;
}
