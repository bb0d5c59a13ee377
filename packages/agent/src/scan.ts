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

/** All regular files under `dir` as relative POSIX paths, without stat calls (one-shot parses need no stamps). */
export async function listTree(dir: string, signal?: AbortSignal): Promise<string[]> {
  return [...(await walkTree(dir, false, signal)).keys()];
}

async function walkTree(
  dir: string,
  withStamps: boolean,
  signal?: AbortSignal,
  onDir?: (dir: string) => void,
): Promise<Map<string, FileStamp | undefined>> {
  const out = new Map<string, FileStamp | undefined>();
  async function walk(abs: string, rel: string): Promise<void> {
    signal?.throwIfAborted();
    onDir?.(abs);
    const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
    const stats: Array<Promise<void>> = [];
    for (const e of entries) {
      const childRel = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(path.join(abs, e.name), childRel);
      else if (e.isFile() && !withStamps) out.set(childRel, undefined);
      else if (e.isFile()) {
        stats.push(
          stat(path.join(abs, e.name)).then(
            (s) => void out.set(childRel, { size: s.size, mtimeMs: s.mtimeMs }),
            () => undefined,
          ),
        );
      }
    }
    await Promise.all(stats);
  }
  await walk(dir, "");
  return out;
}
