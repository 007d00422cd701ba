import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * One process owns a data directory at a time. The lock is a pid file created exclusively;
 * a lock left by a process that no longer runs (kill -9, power loss) is taken over.
 */
export interface DataDirLock {
  readonly dir: string;
  release(): Promise<void>;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`data directory ${dir} is in use by process ${pid}`);
  }
}

/** Directories this process holds: the pid file cannot tell two owners in one process apart. */
const heldByThisProcess = new Set<string>();

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  if (heldByThisProcess.has(dir)) throw new DataDirInUseError(dir, process.pid);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lockFile = join(dir, 'tessera.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      heldByThisProcess.add(dir);
      return {
        dir,
        release: async () => {
          heldByThisProcess.delete(dir);
          await rm(lockFile, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isRunning(owner)) {
        throw new DataDirInUseError(dir, owner);
      }
      await rm(lockFile, { force: true });
    }
  }
  throw new Error(`could not lock data directory ${dir}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
