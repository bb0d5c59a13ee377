/**
 * Decides when a file is ready to read. Candidates come from watcher events
 * and periodic rescans (events are lost on network shares, so rescans are the
 * ground truth). A file is handed on once its size and mtime have not changed
 * for `settleMs`; a file that is still not well-formed is retried with
 * backoff, then left alone until it changes again.
 */
import type { Logger } from "pino";
import type { FileSource, FileStamp } from "../fs-source.js";
import { sameStamp } from "../fs-source.js";

/** What the consumer made of a file. "incomplete" asks for a later retry. */
export type ReadyOutcome = "done" | "incomplete";

export interface ChangeDetectorOptions {
  readonly files: FileSource;
  /** Called with an absolute path when it looks complete; one call at a time. */
  readonly onReady: (path: string) => Promise<ReadyOutcome>;
  readonly settleMs?: number;
  /** Per-path settle time, overriding settleMs (e.g. longer for large movie files). */
  readonly settleFor?: (path: string) => number;
  /** Called with the next paths about to be handed on, so their reads can start early (I/O overlap). */
  readonly prefetch?: (paths: readonly string[]) => void;
  /** How many queued paths to announce to `prefetch` ahead of the one being handled. */
  readonly prefetchDepth?: number;
  /** Retries for files that stay incomplete while unchanged. */
  readonly maxRetries?: number;
  readonly now?: () => number;
  readonly log?: Logger;
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
  // A FIFO as an array plus a head index: Array.shift() is O(n), and bursts queue tens of thousands.
  private queue: string[] = [];
  private head = 0;
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

  /** Whether `path` has been seen before. */
  has(path: string): boolean {
    return this.tracked.has(path);
  }

  /** A path may have changed: check it (cheap if it did not). */
  async candidate(path: string, known?: FileStamp): Promise<void> {
    if (this.stopped) return;
    this.opts.log?.trace({ path }, "event");
    const stamp = known ?? (await this.opts.files.stat(path));
    if (stamp === undefined) return;
    let t = this.tracked.get(path);
    if (t === undefined) {
      t = { done: undefined, seen: undefined, seenAt: 0, retries: 0, timer: undefined };
      this.tracked.set(path, t);
    }
    if (sameStamp(stamp, t.done)) return;
    this.opts.log?.trace({ path, size: stamp.size, mtimeMs: stamp.mtimeMs, known: known !== undefined }, "candidate");
    const now = this.now();
    if (!sameStamp(stamp, t.seen)) {
      t.seen = stamp;
      t.seenAt = now;
      t.retries = 0;
    }
    // Old enough on disk, or unchanged for the settle time while we watched: ready.
    const settle = this.opts.settleFor?.(path) ?? this.settleMs;
    const stableFor = Math.max(now - stamp.mtimeMs, now - t.seenAt);
    if (stableFor >= settle) this.enqueue(path);
    else this.schedule(path, t, settle - stableFor);
  }

  /** Resolves when nothing is queued or being processed. */
  idle(): Promise<void> {
    if (!this.running && this.head >= this.queue.length) return Promise.resolve();
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
    const depth = this.opts.prefetchDepth ?? 32;
    let announced = 0;
    let slice = performance.now();
    for (let path = this.queue[this.head]; path !== undefined; path = this.queue[this.head]) {
      this.head++;
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.queued.delete(path);
      // Reads of a fast disk resolve at once, so this loop could hold the event loop for a whole burst:
      // give I/O (the sender's HTTP responses, new file events) a turn every few milliseconds.
      if (performance.now() - slice > 2) {
        await new Promise((r) => setImmediate(r));
        slice = performance.now();
      }
      // Keep `depth` reads in flight ahead of this one: a serial read-parse loop waits on the thread pool.
      announced = Math.max(0, announced - 1);
      const waiting = this.queue.length - this.head;
      if (this.opts.prefetch !== undefined && announced < depth / 2 && waiting > 0) {
        const next = this.queue.slice(this.head + announced, this.head + depth);
        this.opts.prefetch(next);
        announced += next.length;
      }
      const t = this.tracked.get(path);
      if (this.stopped) break;
      if (t === undefined) continue;
      const before = t.seen;
      let outcome: ReadyOutcome;
      try {
        outcome = await this.opts.onReady(path);
      } catch {
        outcome = "done";
      }
      this.opts.log?.trace({ path, outcome, size: before?.size }, "handled");
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
    this.queue = [];
    this.head = 0;
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
