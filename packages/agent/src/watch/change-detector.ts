/**
 * Decides when a file is ready to read. Candidates come from watcher events
 * and periodic rescans (events are lost on network shares, so rescans are the
 * ground truth). A file is handed on once its size and mtime have not changed
 * for `settleMs`; a file that is still not well-formed is retried with
 * backoff, then left alone until it changes again.
 */
import type { FileSource, FileStamp } from "../fs-source.js";
import { sameStamp } from "../fs-source.js";

/** What the consumer made of a file. "incomplete" asks for a later retry. */
export type ReadyOutcome = "done" | "incomplete";

export interface ChangeDetectorOptions {
  readonly files: FileSource;
  /** Called with an absolute path when it looks complete; one call at a time. */
  readonly onReady: (path: string) => Promise<ReadyOutcome>;
  readonly settleMs?: number;
  /** Retries for files that stay incomplete while unchanged. */
  readonly maxRetries?: number;
  readonly now?: () => number;
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (t: unknown) => void;
}

interface Tracked {
  /** Stamp of the last version handed on (processed). */
  done: FileStamp | undefined;
  /** Stamp being watched for stability, and when it was first seen. */
  seen: FileStamp | undefined;
  seenAt: number;
  retries: number;
  timer: unknown;
}

/** See the module comment. */
export class ChangeDetector {
  private readonly tracked = new Map<string, Tracked>();
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private running = false;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  private readonly settleMs: number;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (t: unknown) => void;

  constructor(private readonly opts: ChangeDetectorOptions) {
    this.settleMs = opts.settleMs ?? 500;
    this.now = opts.now ?? Date.now;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  }

  /** Files currently known (seen at least once). */
  get size(): number {
    return this.tracked.size;
  }

  /** A path may have changed: check it (cheap if it did not). */
  async candidate(path: string, known?: FileStamp): Promise<void> {
    if (this.stopped) return;
    const stamp = known ?? (await this.opts.files.stat(path));
    if (stamp === undefined) return;
    let t = this.tracked.get(path);
    if (t === undefined) {
      t = { done: undefined, seen: undefined, seenAt: 0, retries: 0, timer: undefined };
      this.tracked.set(path, t);
    }
    if (sameStamp(stamp, t.done)) return;
    const now = this.now();
    if (!sameStamp(stamp, t.seen)) {
      t.seen = stamp;
      t.seenAt = now;
      t.retries = 0;
    }
    // Old enough on disk, or unchanged for settleMs while we watched: ready.
    const stableFor = Math.max(now - stamp.mtimeMs, now - t.seenAt);
    if (stableFor >= this.settleMs) this.enqueue(path);
    else this.schedule(path, t, this.settleMs - stableFor);
  }

  /** Resolves when nothing is queued or being processed. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop all timers; pending work is dropped (the next start rescans). */
  stop(): void {
    this.stopped = true;
    for (const t of this.tracked.values()) if (t.timer !== undefined) this.clearTimer(t.timer);
  }

  private schedule(path: string, t: Tracked, ms: number): void {
    if (t.timer !== undefined) this.clearTimer(t.timer);
    t.timer = this.setTimer(() => {
      t.timer = undefined;
      void this.candidate(path);
    }, Math.max(1, ms));
  }

  private enqueue(path: string): void {
    if (this.queued.has(path)) return;
    this.queued.add(path);
    this.queue.push(path);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    for (let path = this.queue.shift(); path !== undefined; path = this.queue.shift()) {
      this.queued.delete(path);
      const t = this.tracked.get(path);
      if (t === undefined || this.stopped) continue;
      const before = t.seen;
      let outcome: ReadyOutcome;
      try {
        outcome = await this.opts.onReady(path);
      } catch {
        outcome = "done";
      }
      if (outcome === "done") {
        t.done = before;
        continue;
      }
      // Still being written (or broken): look again later, a bounded number of times while unchanged.
      if (t.retries < (this.opts.maxRetries ?? 8)) {
        t.retries++;
        this.schedule(path, t, this.settleMs * 2 ** Math.min(t.retries, 6));
      } else {
        t.done = before; // give up on this version; a change on disk starts over
      }
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
