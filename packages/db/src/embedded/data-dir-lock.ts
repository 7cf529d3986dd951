import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStoreLockedError } from './embedded-store-errors.ts';

/** The lock file's name inside the data folder. */
export const DATA_DIR_LOCK_FILE = 'lock';

interface LockOwner {
  pid: number;
  host: string;
}

/** Whether a process with this id runs on this machine (signal 0 tests without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? (owner as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the data folder for this process: creates `<dataDir>/lock` exclusively, holding our pid. A lock left by
 * a process that no longer runs on this host (killed, crashed) is taken over; a live owner's is refused with
 * {@link EmbeddedStoreLockedError}. Returns the release function (also run at process exit).
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, DATA_DIR_LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname() };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        const owner = readOwner(path);
        if (owner) throw new EmbeddedStoreLockedError(dataDir, owner.pid);
        throw error;
      }
      const owner = readOwner(path);
      // Another host's lock (a shared folder): its process cannot be checked from here, so it is respected.
      if (owner && (owner.host !== me.host || alive(owner.pid))) {
        throw new EmbeddedStoreLockedError(dataDir, owner.pid);
      }
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, JSON.stringify(me));
    closeSync(fd);
    break;
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (readOwner(path)?.pid === me.pid) rmSync(path, { force: true });
  };
  process.on('exit', release);
  return release;
}
