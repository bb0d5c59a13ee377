/**
 * Keeps registered data-root sessions in step with their raw/ directories:
 * movies not yet sent are registered (register.ts), their change events are
 * published to SSE, and `ProcessingControl.onIngest` queues them when the
 * session is running. Syncs of one session run one at a time.
 *
 * A movie is only registered once it has settled (not modified for
 * `settleMs`), so processing never reads a file the detector is still
 * writing; one `stat` per new movie, until it is registered.
 */
import { join } from "node:path";
import type { FastifyBaseLogger } from "fastify";
import type { ChangeHub } from "../events/hub.js";
import type { ProcessingControl } from "../processing/control.js";
import type { Store } from "../store/store.js";
import { dataRootSessionKey, registerMovies, type DataRootRef } from "./register.js";
import { nodeDirFs, type DirFs } from "./dir-cache.js";
import type { SessionScan } from "./scanner.js";

/** What a sync did. */
export interface SyncResult {
  readonly acquisitionId: string;
  /** Movies registered by this call (not known to this process before). */
  readonly added: number;
  /** Movies left for a later sync because they are still being written (or vanished). */
  readonly unsettled: number;
}

/** Collaborators of DataRootSync. */
export interface DataRootSyncDeps {
  readonly store: Store;
  readonly hub?: ChangeHub;
  readonly processing?: ProcessingControl;
  readonly logger?: FastifyBaseLogger;
  /** For the settle check (default node:fs). */
  readonly fs?: DirFs;
  /** Milliseconds since the epoch (injected so tests control time). */
  readonly now?: () => number;
  /** A movie modified less than this long ago is left for a later sync (default 10,000 ms). */
  readonly settleMs?: number;
}

/** Registers new movies of data-root sessions (remembering, per process, what it already sent). */
export class DataRootSync {
  /** Per session name: its acquisition id and the movies already sent by this process. */
  private readonly sent = new Map<string, { acquisitionId: string; movies: Set<string> }>();
  private readonly running = new Map<string, Promise<SyncResult>>();

  constructor(private readonly deps: DataRootSyncDeps) {}

  /** Register the movies of `scan` not sent yet; creates the acquisition on first use. */
  sync(ref: DataRootRef, scan: SessionScan): Promise<SyncResult> {
    const key = dataRootSessionKey(ref).name;
    const previous = this.running.get(key) ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => this.syncNow(key, ref, scan));
    this.running.set(key, next);
    void next.finally(() => {
      if (this.running.get(key) === next) this.running.delete(key);
    }).catch(() => undefined);
    return next;
  }

  private async syncNow(key: string, ref: DataRootRef, scan: SessionScan): Promise<SyncResult> {
    const known = this.sent.get(key);
    const candidates = known === undefined ? [...scan.movies] : scan.movies.filter((m) => !known.movies.has(m));
    const fresh = await this.settled(scan.dir, candidates);
    const unsettled = candidates.length - fresh.length;
    // Registered before and nothing new: no database round trip at all.
    if (known !== undefined && fresh.length === 0) return { acquisitionId: known.acquisitionId, added: 0, unsettled };

    const outcomes = await registerMovies(this.deps.store, ref, scan.dir, fresh);
    for (const outcome of outcomes) {
      this.deps.hub?.publish(outcome.events);
      this.deps.processing?.onIngest(outcome);
    }
    const acquisitionId = outcomes[0]!.acquisitionId;
    const movies = known?.movies ?? new Set<string>();
    for (const m of fresh) movies.add(m);
    this.sent.set(key, { acquisitionId, movies });
    const created = outcomes.reduce((n, o) => n + o.created, 0);
    this.deps.logger?.info({ acquisitionId, project: ref.project, user: ref.user, session: ref.session, movies: fresh.length, unsettled, created }, "data-root session registered");
    return { acquisitionId, added: fresh.length, unsettled };
  }

  /** The movies not modified for settleMs (order kept); vanished ones are left out. */
  private async settled(dir: string, movies: readonly string[]): Promise<string[]> {
    const fs = this.deps.fs ?? nodeDirFs;
    const cutoff = (this.deps.now ?? Date.now)() - (this.deps.settleMs ?? 10_000);
    const out: string[] = [];
    // A few stats at a time: a first registration may check thousands of movies.
    for (let i = 0; i < movies.length; i += 64) {
      const chunk = movies.slice(i, i + 64);
      const stats = await Promise.all(chunk.map((m) => fs.stat(join(dir, "raw", m)).catch(() => undefined)));
      chunk.forEach((m, j) => {
        const st = stats[j];
        if (st !== undefined && st.mtimeMs <= cutoff) out.push(m);
      });
    }
    return out;
  }

  /** The acquisition id of a registered data-root session, or undefined before its first registration. */
  async acquisitionId(ref: DataRootRef): Promise<string | undefined> {
    const key = dataRootSessionKey(ref);
    const known = this.sent.get(key.name);
    if (known !== undefined) return known.acquisitionId;
    const page = await this.deps.store.listAcquisitions({ epuId: key.epuId, limit: 10 });
    return page.items.find((a) => a.name === key.name)?.id;
  }
}
