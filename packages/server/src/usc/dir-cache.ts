/**
 * Directory listings cached by modification time. Adding or removing an entry
 * changes its directory's mtime, so a repeat listing costs one `stat` per
 * directory instead of a `readdir` of thousands of movies. A listing taken
 * within `racyMs` of the directory's mtime is not trusted (a coarse-grained
 * file system could add a file in the same mtime tick), so it is read again.
 */
import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/** The file-system calls the cache needs (node:fs/promises by default; tests wrap it to count calls). */
export interface DirFs {
  readdir(path: string): Promise<Dirent[]>;
  stat(path: string): Promise<{ readonly mtimeMs: number; isDirectory(): boolean; isFile(): boolean }>;
}

/** The real file system. */
export const nodeDirFs: DirFs = {
  readdir: (path) => readdir(path, { withFileTypes: true }),
  stat: (path) => stat(path),
};

/** One directory's entries, split by kind (hidden entries left out), each sorted. */
export interface Listing {
  readonly files: readonly string[];
  readonly dirs: readonly string[];
}

interface Entry {
  readonly mtimeMs: number;
  readonly trusted: boolean;
  readonly listing: Listing;
}

/** Options of DirCache. */
export interface DirCacheOptions {
  readonly fs?: DirFs;
  /** Milliseconds since the epoch (injected so tests control time). */
  readonly now?: () => number;
  /** Listings taken less than this long after the directory's mtime are re-read next time (default 2000). */
  readonly racyMs?: number;
  /** Directories remembered at most (oldest forgotten first; default 50,000). */
  readonly maxEntries?: number;
}

const MISSING = new Set(["ENOENT", "ENOTDIR"]);

/** mtime-validated directory listings. */
export class DirCache {
  readonly fs: DirFs;
  private readonly now: () => number;
  private readonly racyMs: number;
  private readonly maxEntries: number;
  private readonly entries = new Map<string, Entry>();

  constructor(opts: DirCacheOptions = {}) {
    this.fs = opts.fs ?? nodeDirFs;
    this.now = opts.now ?? Date.now;
    this.racyMs = opts.racyMs ?? 2000;
    this.maxEntries = opts.maxEntries ?? 50_000;
  }

  /** The entries of `dir`, or undefined when it does not exist or is not a directory. */
  async list(dir: string): Promise<Listing | undefined> {
    let mtimeMs: number;
    try {
      const st = await this.fs.stat(dir);
      if (!st.isDirectory()) return this.forget(dir);
      mtimeMs = st.mtimeMs;
    } catch (err) {
      if (MISSING.has((err as NodeJS.ErrnoException).code ?? "")) return this.forget(dir);
      throw err;
    }
    const cached = this.entries.get(dir);
    if (cached !== undefined && cached.trusted && cached.mtimeMs === mtimeMs) return cached.listing;

    let dirents: Dirent[];
    try {
      dirents = await this.fs.readdir(dir);
    } catch (err) {
      // Removed between the stat and the readdir.
      if (MISSING.has((err as NodeJS.ErrnoException).code ?? "")) return this.forget(dir);
      throw err;
    }
    const listing = await this.split(dir, dirents);
    this.entries.delete(dir);
    this.entries.set(dir, { mtimeMs, trusted: this.now() - mtimeMs > this.racyMs, listing });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return listing;
  }

  private forget(dir: string): undefined {
    this.entries.delete(dir);
    return undefined;
  }

  private async split(dir: string, dirents: readonly Dirent[]): Promise<Listing> {
    const files: string[] = [];
    const dirs: string[] = [];
    for (const d of dirents) {
      if (d.name.startsWith(".")) continue;
      if (d.isFile()) files.push(d.name);
      else if (d.isDirectory()) dirs.push(d.name);
      else if (d.isSymbolicLink()) {
        // Facilities link raw data in from other storage: follow links (a dangling one is skipped).
        const st = await this.fs.stat(join(dir, d.name)).catch(() => undefined);
        if (st?.isDirectory()) dirs.push(d.name);
        else if (st?.isFile()) files.push(d.name);
      }
    }
    files.sort();
    dirs.sort();
    return { files, dirs };
  }
}

/**
 * Every file under `dir` (relative paths with `/`), depth-first, at most
 * `maxDepth` directories deep (guards against symlink loops). Undefined when
 * `dir` does not exist.
 */
export async function walkFiles(cache: DirCache, dir: string, maxDepth = 8): Promise<string[] | undefined> {
  const top = await cache.list(dir);
  if (top === undefined) return undefined;
  const out: string[] = [];
  const visit = async (listing: Listing, abs: string, rel: string, depth: number): Promise<void> => {
    for (const f of listing.files) out.push(rel === "" ? f : `${rel}/${f}`);
    if (depth >= maxDepth) return;
    for (const d of listing.dirs) {
      const sub = await cache.list(join(abs, d));
      if (sub !== undefined) await visit(sub, join(abs, d), rel === "" ? d : `${rel}/${d}`, depth + 1);
    }
  };
  await visit(top, dir, "", 0);
  return out;
}
