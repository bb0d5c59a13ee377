/**
 * The agent's only view of the disk, so the pipeline can be driven by tests,
 * by a replay or by a real directory alike.
 */
import { readdirSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";

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

/** The real file system. */
export const nodeFileSource: FileSource = {
  readText: (path) => readFile(path, "utf8"),
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
