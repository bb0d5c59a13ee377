/**
 * The agent's only view of the disk, so the pipeline can be driven by tests,
 * by a replay or by a real directory alike.
 */
import { readdirSync, readFile, readFileSync, statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { promisify } from "node:util";

// The callback readFile is about twice as fast as fs/promises' FileHandle-based one for many small files.
const readFileAsync = promisify(readFile);

/** Size and modification time: what "did this file change?" is judged on. */
export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

/** Read access to files and directories. */
export interface FileSource {
  readText(path: string): Promise<string>;
  /** undefined when the file does not exist (any more). */
  stat(path: string): Promise<FileStamp | undefined>;
  /** Entries of a directory, undefined if it does not exist. Synchronous: used by path resolution. */
  list(dir: string): string[] | undefined;
}

/** The real file system, reading asynchronously (the live agent: a slow share never blocks the event loop). */
export const nodeFileSource: FileSource = {
  readText: (path) => readFileAsync(path, "utf8"),
  async stat(path) {
    try {
      const s = await stat(path);
      return s.isFile() ? { size: s.size, mtimeMs: s.mtimeMs } : undefined;
    } catch {
      return undefined;
    }
  },
  list(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return undefined;
    }
  },
};

/** True when two stamps describe the same file contents as far as we can tell without reading. */
export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return a !== undefined && b !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/**
 * The real file system, reading synchronously: fastest for one-shot parses of
 * many small files on a local disk (no thread-pool round trips).
 */
export const syncFileSource: FileSource = {
  ...nodeFileSource,
  readText: async (path) => readFileSync(path, "utf8"),
};

/**
 * Reads and stats synchronously while the disk is fast (a local disk answers in
 * microseconds, far cheaper than a round trip through libuv's four-thread pool,
 * where thousands of queued stats would also delay the outbox's writes), and
 * switches to asynchronous calls for good the first time one takes longer than
 * `slowMs` (a network share): from then on a slow disk never stalls the event loop.
 */
export function adaptiveFileSource(slowMs = 20, onSlow?: (ms: number, path: string) => void): FileSource {
  let sync = true;
  const timed = <T>(path: string, f: () => T): T => {
    const t = performance.now();
    const v = f();
    const ms = performance.now() - t;
    if (ms > slowMs && sync) {
      sync = false;
      onSlow?.(ms, path);
    }
    return v;
  };
  return {
    ...nodeFileSource,
    async readText(path) {
      return sync ? timed(path, () => readFileSync(path, "utf8")) : readFileAsync(path, "utf8");
    },
    async stat(path) {
      if (!sync) return nodeFileSource.stat(path);
      const s = timed(path, () => statSync(path, { throwIfNoEntry: false }));
      return s?.isFile() ? { size: s.size, mtimeMs: s.mtimeMs } : undefined;
    },
  };
}
