/**
 * Background sync of running data-root sessions: movies that land in raw/
 * while nobody polls the status are registered (and so queued) anyway.
 * The USC service did the same in its one-minute main loop.
 */
import type { FastifyBaseLogger } from "fastify";
import type { Store } from "../store/store.js";
import { DATA_ROOT_PREFIX, parseDataRootName } from "./register.js";
import type { DataRootScanner } from "./scanner.js";
import type { DataRootSync } from "./sync.js";

/** Collaborators of syncRunningSessions. */
export interface PollDeps {
  readonly store: Store;
  readonly scanner: DataRootScanner;
  readonly sync: DataRootSync;
  readonly logger?: FastifyBaseLogger;
}

/** Sync every registered data-root session whose processing is on; returns how many movies were registered. */
export async function syncRunningSessions(deps: PollDeps, signal?: AbortSignal): Promise<number> {
  let added = 0;
  let cursor: string | undefined;
  do {
    signal?.throwIfAborted();
    const page = await deps.store.listAcquisitions({ name: DATA_ROOT_PREFIX, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    for (const a of page.items) {
      const ref = parseDataRootName(a.name);
      if (ref === undefined) continue;
      const summary = await deps.store.processingSummary(a.id);
      if (summary?.settings.state !== "running") continue;
      const scan = await deps.scanner.scanSession(ref.project, ref.user, ref.session).catch(() => undefined);
      if (scan === undefined) continue;
      added += (await deps.sync.sync(ref, scan)).added;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return added;
}

/** Run syncRunningSessions every `intervalMs` (timer unref'd; a run never overlaps the previous one). Returns stop. */
export function startPoller(deps: PollDeps, intervalMs: number): () => void {
  const abort = new AbortController();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    syncRunningSessions(deps, abort.signal)
      .then((added) => {
        if (added > 0) deps.logger?.info({ added }, "data-root sync registered new movies");
      })
      .catch((err: unknown) => {
        if (!abort.signal.aborted) deps.logger?.warn({ err }, "data-root sync failed");
      })
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return () => {
    abort.abort();
    clearInterval(timer);
  };
}
