// One process per embedded data directory. PGlite has no lock of its own: two processes on one
// directory each write their own WAL and page images over the other's, and the directory is lost.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';

  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database directory ${dataDir} is in use by process ${pid} (lock file ${lockPath(dataDir)}); ` +
        'stop that process, or set DATA_DIR to another directory',
    );
  }
}

export interface DataDirLock {
  release(): void;
}

const lockPath = (dataDir: string): string => join(dataDir, '.lock');

/** Lock files this process holds. */
const held = new Set<string>();

function holderOf(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Takes `<dataDir>/.lock` (created with O_EXCL, holding this pid), or throws DataDirLockedError
 * naming the running process that holds it. A lock whose process is gone (a crash, kill -9) is
 * stale and taken over. Two processes taking over the same stale lock at the same instant can
 * both succeed; that needs a crash and two starts within microseconds.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = lockPath(dataDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = holderOf(path);
      // Our own pid in a lock this process did not take is stale too: a container restarted after
      // a crash runs node under the same pid (often 1) as the process that left the lock.
      const ours = holder === process.pid && !held.has(path);
      if (holder !== null && !ours && isRunning(holder)) throw new DataDirLockedError(dataDir, holder);
      rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    held.add(path);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        held.delete(path);
        if (holderOf(path) === process.pid) rmSync(path, { force: true });
      },
    };
  }
  throw new DataDirLockedError(dataDir, holderOf(path) ?? 0);
}
