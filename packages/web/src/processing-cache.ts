/**
 * Per-micrograph processing results the page has fetched, shared by the list,
 * the maps and the plots. Only micrographs someone watches are fetched (the
 * rows in view, the plot samples, the open micrograph), a few at a time; a
 * `processing` event refetches a watched micrograph and drops an unwatched
 * one, so a 50,000-micrograph session never costs 50,000 requests.
 */
import { get } from "./api.js";
import { live } from "./live.js";
import type { Micrograph, MicrographProcessing } from "./types.js";

const CONCURRENCY = 4;

/** What is known of one micrograph. */
export interface Entry {
  readonly micrograph?: Micrograph;
  readonly processing?: MicrographProcessing;
}

class ProcessingCache {
  private readonly entries = new Map<string, Entry>();
  private readonly watched = new Map<string, number>();
  private readonly queue: string[] = [];
  private readonly pending = new Set<string>();
  private running = 0;
  private readonly listeners = new Set<() => void>();
  private notifyTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped on every change, for components to depend on. */
  version = 0;

  constructor() {
    live.subscribe((events) => {
      for (const e of events) {
        if (e.kind !== "processing") continue;
        if ((this.watched.get(e.id) ?? 0) > 0) this.enqueue(e.id);
        else if (this.entries.get(e.id)?.processing !== undefined) this.entries.set(e.id, { ...this.entries.get(e.id), processing: undefined });
      }
    });
  }

  get(id: string): Entry | undefined {
    return this.entries.get(id);
  }

  /** All entries (for per-square and per-hole aggregation). */
  all(): IterableIterator<Entry> {
    return this.entries.values();
  }

  /** Remember micrograph records (their square and hole, for aggregation). */
  remember(micrographs: readonly Micrograph[]): void {
    for (const m of micrographs) this.entries.set(m.id, { ...this.entries.get(m.id), micrograph: m });
  }

  /** Watch ids: fetch those not known yet; returns the unwatch function. */
  watch(ids: readonly string[]): () => void {
    for (const id of ids) {
      this.watched.set(id, (this.watched.get(id) ?? 0) + 1);
      if (this.entries.get(id)?.processing === undefined) this.enqueue(id);
    }
    return () => {
      for (const id of ids) {
        const n = (this.watched.get(id) ?? 1) - 1;
        if (n <= 0) this.watched.delete(id);
        else this.watched.set(id, n);
      }
    };
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private enqueue(id: string): void {
    if (this.pending.has(id)) return;
    this.pending.add(id);
    this.queue.push(id);
    this.pump();
  }

  private pump(): void {
    while (this.running < CONCURRENCY && this.queue.length > 0) {
      const id = this.queue.shift()!;
      // Rows scrolled away while queued are not worth a request.
      if ((this.watched.get(id) ?? 0) === 0) {
        this.pending.delete(id);
        continue;
      }
      this.running++;
      get<MicrographProcessing>(`/api/v1/micrographs/${id}/processing`)
        .then((p) => {
          this.entries.set(id, { ...this.entries.get(id), processing: p });
          this.changed();
        })
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pending.delete(id);
          this.pump();
        });
    }
  }

  private changed(): void {
    this.version++;
    // One render per burst of answers.
    this.notifyTimer ??= setTimeout(() => {
      this.notifyTimer = undefined;
      for (const fn of this.listeners) fn();
    }, 100);
  }
}

/** The page's cache. */
export const processingCache = new ProcessingCache();
