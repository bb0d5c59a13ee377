/**
 * One PGlite data directory, one process: PGlite has no cross-process
 * locking, and two servers writing the same directory corrupt it. The lock is
 * a pid file beside the directory (`<dataDir>.lock`); a lock left by a dead
 * process is taken over.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConflictError } from "../errors.js";

/** Take the lock of `dataDir`; returns the function that releases it. Throws ConflictError when a live process holds it. */
export function lockDataDir(dataDir: string): () => void {
  const path = `${dataDir.replace(/[\\/]+$/, "")}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      return () => release(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number(readOr(path, ""));
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new ConflictError(`${dataDir} is in use by process ${holder} (another emflow server?); stop it or use another data directory`);
    }
    // Stale: its process is gone. Remove and retry (another starter may race us to it; the retry sorts that out).
    try {
      unlinkSync(path);
    } catch {
      // Already removed by a concurrent starter.
    }
  }
  throw new ConflictError(`cannot lock ${dataDir}`);
}

function release(path: string): void {
  try {
    if (readOr(path, "") === String(process.pid)) unlinkSync(path);
  } catch {
    // Nothing to release.
  }
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return fallback;
  }
}

function alive(pid: number): boolean {
  // Our own pid counts as alive: two stores on one directory in one process corrupt it just the same.
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
