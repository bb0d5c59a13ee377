/**
 * The paced writer: runs file operations one by one, each no earlier than its
 * simulated time divided by `speed` after the first, and keeps the sizes of
 * what it wrote for the truth's totals.
 */
import { join } from "node:path";
import type { SynthClock, SynthFs } from "./io.js";
import type { SynthOp, SynthPhase } from "./operations.js";

export interface WriterProgress {
  written: number;
  total: number;
  phase: SynthPhase;
  path: string;
}

export interface OpWriterOptions {
  dir: string;
  fs: SynthFs;
  clock: SynthClock;
  /** > 0 paces, 0 writes as fast as possible. */
  speed: number;
  total: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: WriterProgress) => void) | undefined;
}

/** Runs operations in the order given, at the simulated pace. */
export class OpWriter {
  /** Bytes of every file present, by path relative to `dir`. */
  readonly sizes = new Map<string, number>();
  private written = 0;
  private startWall: number | undefined;
  private firstAt = 0;
  private lastAt = 0;

  constructor(private readonly o: OpWriterOptions) {}

  /** Wall time (clock ms) at which simulated tick `at` is due. */
  private due(at: number): number {
    this.startWall ??= this.o.clock.now();
    return this.startWall + (at - this.firstAt) / 10_000 / this.o.speed;
  }

  /** Sleep until simulated tick `at` is due (never backwards in simulated time). */
  async waitUntil(at: number): Promise<void> {
    const { clock, speed, signal } = this.o;
    if (this.startWall === undefined) {
      this.startWall = clock.now();
      this.firstAt = at;
      this.lastAt = at;
    }
    this.lastAt = Math.max(this.lastAt, at);
    if (speed > 0) {
      const wait = this.due(this.lastAt) - clock.now();
      // Sub-millisecond waits are skipped: the next deadline absorbs them, so there is no drift.
      if (wait >= 1) await clock.sleep(wait, signal);
    }
  }

  /**
   * If simulated tick `at` is already overdue because of something that took wall time since
   * `since` (a caller's decision), move the schedule on by that delay, so the writes after it keep
   * their pace instead of catching up in a burst.
   */
  absorbDelay(at: number, since: number): void {
    if (this.o.speed <= 0 || this.startWall === undefined) return;
    const now = this.o.clock.now();
    const late = Math.min(now - this.due(Math.max(this.lastAt, at)), now - since);
    if (late > 0) this.startWall += late;
  }

  /** Run one operation when it is due. */
  async run(op: SynthOp): Promise<void> {
    const { dir, fs, signal, onProgress } = this.o;
    signal?.throwIfAborted();
    await this.waitUntil(op.at);
    const abs = join(dir, op.path);
    switch (op.kind) {
      case "mkdir":
        await fs.mkdir(abs);
        return;
      case "write": {
        const data = op.data();
        await fs.writeFile(abs, data);
        this.sizes.set(op.path, byteLength(data));
        break;
      }
      case "append": {
        const data = op.data();
        await fs.appendFile(abs, data);
        this.sizes.set(op.path, (this.sizes.get(op.path) ?? 0) + byteLength(data));
        break;
      }
      case "rename":
        await fs.rename(join(dir, op.from), abs);
        this.sizes.set(op.path, this.sizes.get(op.from) ?? 0);
        this.sizes.delete(op.from);
        break;
    }
    this.written += 1;
    onProgress?.({ written: this.written, total: this.o.total, phase: op.phase, path: op.path });
  }

  /** Files present and their total bytes. */
  totals(): { files: number; bytes: number } {
    let bytes = 0;
    for (const n of this.sizes.values()) bytes += n;
    return { files: this.sizes.size, bytes };
  }
}

function byteLength(data: string | Uint8Array): number {
  return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
}
