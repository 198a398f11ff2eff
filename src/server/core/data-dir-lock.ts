import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * One process owns a PGlite data directory (PGlite itself takes no lock, and a second writer loses
 * committed rows). This is PostgreSQL's own postmaster.pid scheme: create `rampart.pid` exclusively;
 * if it exists and names a live process, refuse with a clear error; if that process is gone (a crash,
 * `kill -9`), take the lock over at once. A library like proper-lockfile judges staleness by mtime,
 * which would make a restart after `kill -9` wait; a pid check does not.
 */
export class DataDirLockedError extends Error {
  constructor(readonly dir: string, readonly pid: number) {
    super(
      `The data directory ${dir} is in use by another Rampart process (pid ${pid}). ` +
        `Stop that process first, or set DATA_DIR to another directory.`,
    );
    this.name = 'DataDirLockedError';
  }
}

/** True while a process of this machine with that id runs (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'rampart.pid');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (Number(readFileSync(file, 'utf8').trim()) === process.pid) unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
      if (Number.isFinite(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new DataDirLockedError(dir, pid);
      }
      // A stale lock from a process that died: remove it and try again.
      try {
        unlinkSync(file);
      } catch {
        /* raced with another starter; retry */
      }
    }
  }
  throw new Error(`Could not lock the data directory ${dir}`);
}
