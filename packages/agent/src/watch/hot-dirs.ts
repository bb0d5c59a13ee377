/**
 * Reconciliation for bursts. The kernel's queue of file events is bounded
 * (inotify drops events when a busy process reads them too slowly, and a new
 * directory is only watched once its watch is set up), so under a burst some
 * files raise no event at all. Directories that saw activity recently are
 * "hot" and are re-listed every `intervalMs`: files we have never seen, new
 * sub-directories, and rewritten metadata (.dm) files become candidates. The
 * periodic full rescan remains the backstop for quiet directories.
 */
import path from "node:path";
import { readdir, stat } from "node:fs/promises";
import type { Logger } from "pino";
import type { FileStamp } from "../fs-source.js";
import { scanTree } from "../scan.js";

export interface HotDirsOptions {
  /** Hand a file (absolute path) to the change detector; `stamp` when already known. */
  readonly candidate: (file: string, stamp?: FileStamp) => void;
  /** Start watching a directory found by a sweep. */
  readonly watch?: (dir: string) => void;
  /** Whether a file has been seen before (by path). */
  readonly known: (file: string) => boolean;
  /** How long a directory stays hot after its last activity (ms). */
  readonly windowMs?: number;
  readonly now?: () => number;
  readonly log?: Logger;
}

/** Files whose content EPU rewrites in place: always re-stat them in hot directories. */
const REWRITTEN = /\.dm$/i;

/** See the module comment. */
export class HotDirs {
  private readonly lastActivity = new Map<string, number>();
  private readonly knownDirs = new Set<string>();
  /** Last seen mtime of sub-directories of hot directories: a directory's mtime moves when files are added. */
  private readonly dirMtimes = new Map<string, number>();
  /** mtime of each hot directory when it was last listed. */
  private readonly listedAt = new Map<string, number>();
  /** Hot directories holding .dm files, which change without their directory's mtime moving. */
  private readonly hasRewritten = new Set<string>();
  private running = false;

  constructor(private readonly opts: HotDirsOptions) {}

  /** Something happened in `dir` (an event for a file in it, or it was created). */
  touch(dir: string): void {
    this.lastActivity.set(dir, (this.opts.now ?? Date.now)());
    this.knownDirs.add(dir);
  }

  /** Remember a directory found by a scan (so only truly new ones are walked). */
  know(dir: string): void {
    this.knownDirs.add(dir);
  }

  /** A scan found `file` with this stamp: its directory is known, and hot if the file is fresh. */
  noteFile(file: string, stamp: FileStamp | undefined): void {
    const dir = path.dirname(file);
    this.knownDirs.add(dir);
    const now = (this.opts.now ?? Date.now)();
    if (stamp !== undefined && now - stamp.mtimeMs < (this.opts.windowMs ?? 15_000)) this.touch(dir);
  }

  /** Re-list every hot directory once. Overlapping calls are skipped. */
  async sweep(signal?: AbortSignal): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const cutoff = (this.opts.now ?? Date.now)() - (this.opts.windowMs ?? 15_000);
      for (const [dir, at] of this.lastActivity) {
        if (signal?.aborted) return;
        if (at < cutoff) {
          this.lastActivity.delete(dir);
          continue;
        }
        await this.sweepDir(dir, signal);
      }
    } finally {
      this.running = false;
    }
  }

  private async sweepDir(dir: string, signal?: AbortSignal): Promise<void> {
    // Listing a directory of thousands of files every second is not free: only list one whose
    // entries changed (its mtime moved) or which holds rewritten-in-place metadata (.dm).
    const mtime = (await stat(dir).catch(() => undefined))?.mtimeMs;
    if (mtime === undefined) return;
    if (mtime === this.listedAt.get(dir) && !this.hasRewritten.has(dir)) return;
    this.listedAt.set(dir, mtime);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    this.opts.log?.trace({ dir, entries: entries.length }, "sweep");
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name.startsWith(".")) continue;
        if (!this.knownDirs.has(abs)) {
          // A directory no event told us about: take everything in it, and watch it closely for a while.
          this.touch(abs);
          const tree = await scanTree(abs, signal, (d) => {
            this.know(d);
            this.opts.watch?.(d);
          }).catch(() => new Map<string, FileStamp>());
          for (const [rel, stamp] of tree) {
            this.know(path.dirname(path.join(abs, rel)));
            this.opts.candidate(path.join(abs, rel), stamp);
          }
          continue;
        }
        // A known sub-directory whose contents changed (its mtime moved) becomes hot too.
        const mtime = (await stat(abs).catch(() => undefined))?.mtimeMs;
        if (mtime !== undefined && mtime !== this.dirMtimes.get(abs)) {
          const fresh = (this.opts.now ?? Date.now)() - mtime < (this.opts.windowMs ?? 15_000);
          if (this.dirMtimes.has(abs) || fresh) this.touch(abs);
          this.dirMtimes.set(abs, mtime);
        }
      } else if (e.isFile()) {
        if (!this.opts.known(abs)) this.opts.candidate(abs);
        else if (REWRITTEN.test(e.name)) {
          this.hasRewritten.add(dir);
          const s = await stat(abs).catch(() => undefined);
          if (s !== undefined) this.opts.candidate(abs, { size: s.size, mtimeMs: s.mtimeMs });
        }
      }
    }
  }
}
