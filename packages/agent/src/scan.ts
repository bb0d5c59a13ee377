/** Walk a directory tree once, recording every file's size and modification time. */
import path from "node:path";
import { readdir, stat } from "node:fs/promises";
import type { FileStamp } from "./fs-source.js";

/**
 * All regular files under `dir` with their stamps, as paths relative to `dir`
 * (POSIX separators on every OS). Directories that vanish mid-walk are skipped.
 * `onDir` is told every directory visited, empty ones included (to watch them).
 */
export async function scanTree(dir: string, signal?: AbortSignal, onDir?: (dir: string) => void): Promise<Map<string, FileStamp>> {
  return walkTree(dir, true, signal, onDir) as Promise<Map<string, FileStamp>>;
}

/**
 * All regular files under `dir` as relative POSIX paths, without stat calls (one-shot parses need no stamps).
 * `onFiles` is given each directory's files as soon as they are listed (to start work on them).
 */
export async function listTree(dir: string, signal?: AbortSignal, onFiles?: (rels: string[]) => void): Promise<string[]> {
  return [...(await walkTree(dir, false, signal, undefined, onFiles)).keys()];
}

async function walkTree(
  dir: string,
  withStamps: boolean,
  signal?: AbortSignal,
  onDir?: (dir: string) => void,
  onFiles?: (rels: string[]) => void,
): Promise<Map<string, FileStamp | undefined>> {
  const out = new Map<string, FileStamp | undefined>();
  async function walk(abs: string, rel: string): Promise<void> {
    signal?.throwIfAborted();
    onDir?.(abs);
    const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
    const stats: Array<Promise<void>> = [];
    const files: string[] = [];
    const dirs: string[] = [];
    for (const e of entries) {
      if (e.isDirectory()) dirs.push(e.name);
      else if (!e.isFile()) continue;
      else if (!withStamps) files.push(rel === "" ? e.name : `${rel}/${e.name}`);
      else {
        const childRel = rel === "" ? e.name : `${rel}/${e.name}`;
        stats.push(
          stat(path.join(abs, e.name)).then(
            (s) => void out.set(childRel, { size: s.size, mtimeMs: s.mtimeMs }),
            () => undefined,
          ),
        );
      }
    }
    // A directory's files are reported before its subdirectories are listed, so work on them can start.
    for (const f of files) out.set(f, undefined);
    if (files.length > 0) onFiles?.(files);
    for (const d of dirs) await walk(path.join(abs, d), rel === "" ? d : `${rel}/${d}`);
    await Promise.all(stats);
  }
  await walk(dir, "");
  return out;
}
