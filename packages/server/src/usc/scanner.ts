/**
 * Session discovery under a data root laid out as the USC CryoEM Service expects:
 *
 *   <root>/<project>/sessions/<user>/<session>/raw/…        movies, as the instrument writes them (any depth)
 *   <root>/<project>/sessions/<user>/<session>/processed/…  outputs (MotionCor2-style `X.mrc` / `X_DW.mrc`)
 *
 * Cheap enough per request: directory listings are mtime-validated (DirCache)
 * and a session's scan is reused for `ttlMs` without touching the disk at all.
 * Only names that pass `isSafeSegment` are listed (others cannot be addressed).
 */
import { join } from "node:path";
import { DirCache, walkFiles, type DirFs } from "./dir-cache.js";
import { countProcessed, moviesAmong, processedStems } from "./movies.js";
import { isSafeSegment, resolveInside } from "./segments.js";

const MAX_SCANS = 10_000;

/** A session directory as found on disk. */
export interface SessionScan {
  /** Absolute session directory. */
  readonly dir: string;
  /** Movies under raw/, relative to raw/ with `/`, sorted. */
  readonly movies: readonly string[];
  /** How many of `movies` have an output in processed/. */
  readonly processed: number;
}

/** Options of DataRootScanner. */
export interface ScannerOptions {
  readonly root: string;
  readonly fs?: DirFs;
  /** Milliseconds since the epoch (injected so tests control time). */
  readonly now?: () => number;
  /** How long a session's scan is reused without any I/O (default 2000 ms; 0 = always revalidate). */
  readonly ttlMs?: number;
  /** See DirCache (default 2000 ms). */
  readonly racyMs?: number;
  /** Deepest directory level searched under raw/ and processed/ (default 8). */
  readonly maxDepth?: number;
}

/** Lists projects, users and sessions under the data root and scans sessions. */
export class DataRootScanner {
  readonly root: string;
  private readonly cache: DirCache;
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly maxDepth: number;
  private readonly scans = new Map<string, { at: number; scan: SessionScan }>();

  constructor(opts: ScannerOptions) {
    this.root = opts.root;
    this.now = opts.now ?? Date.now;
    this.ttlMs = opts.ttlMs ?? 2000;
    this.maxDepth = opts.maxDepth ?? 8;
    this.cache = new DirCache({ ...(opts.fs === undefined ? {} : { fs: opts.fs }), now: this.now, ...(opts.racyMs === undefined ? {} : { racyMs: opts.racyMs }) });
  }

  /** Projects: directories of the root that have a `sessions` directory. */
  async listProjects(): Promise<string[]> {
    const top = await this.cache.list(this.root);
    if (top === undefined) return [];
    const out: string[] = [];
    for (const p of top.dirs.filter(isSafeSegment)) {
      if ((await this.cache.list(join(this.root, p, "sessions"))) !== undefined) out.push(p);
    }
    return out;
  }

  /** Users of a project (directories under `<project>/sessions`). */
  async listUsers(project: string): Promise<string[]> {
    const l = await this.cache.list(join(resolveInside(this.root, project), "sessions"));
    return l === undefined ? [] : l.dirs.filter(isSafeSegment);
  }

  /** A user's sessions in a project; undefined when the user has no directory there. */
  async listSessions(project: string, user: string): Promise<string[] | undefined> {
    const l = await this.cache.list(resolveInside(this.root, project, "sessions", user));
    return l?.dirs.filter(isSafeSegment);
  }

  /** The absolute directory of a session (checked to be inside the root; not checked to exist). */
  sessionDir(project: string, user: string, session: string): string {
    return resolveInside(this.root, project, "sessions", user, session);
  }

  /** Scan a session: its movies and how many are processed; undefined when the directory does not exist. */
  async scanSession(project: string, user: string, session: string): Promise<SessionScan | undefined> {
    const dir = this.sessionDir(project, user, session);
    const hit = this.scans.get(dir);
    if (hit !== undefined && this.now() - hit.at < this.ttlMs) return hit.scan;
    const scan = await this.scanDir(dir);
    // Only existing sessions are remembered, so requests for made-up names cannot grow the cache.
    this.scans.delete(dir);
    if (scan !== undefined) this.scans.set(dir, { at: this.now(), scan });
    if (this.scans.size > MAX_SCANS) this.scans.delete(this.scans.keys().next().value!);
    return scan;
  }

  private async scanDir(dir: string): Promise<SessionScan | undefined> {
    if ((await this.cache.list(dir)) === undefined) return undefined;
    const raw = (await walkFiles(this.cache, join(dir, "raw"), this.maxDepth)) ?? [];
    const movies = moviesAmong(raw);
    const outputs = (await walkFiles(this.cache, join(dir, "processed"), this.maxDepth)) ?? [];
    return { dir, movies, processed: countProcessed(movies, processedStems(outputs)) };
  }
}
