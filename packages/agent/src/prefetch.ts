/**
 * Read-ahead: when many small files are read one after another, each read
 * waits on the thread pool and the CPU idles; starting the next reads early
 * overlaps I/O with parsing.
 */
import type { FileSource } from "./fs-source.js";

/**
 * A FileSource whose reads can be started early: `prefetch(paths)` begins
 * reading them, and a later `readText` of the same path takes that read.
 * Unclaimed reads are dropped after `maxEntries` newer ones.
 */
export class ReadAhead implements FileSource {
  private readonly pending = new Map<string, Promise<string>>();
  constructor(
    private readonly files: FileSource,
    private readonly wanted: (path: string) => boolean,
    private readonly maxEntries = 256,
  ) {}

  prefetch(paths: readonly string[]): void {
    for (const p of paths) {
      if (this.pending.has(p) || !this.wanted(p)) continue;
      const read = this.files.readText(p);
      read.catch(() => undefined); // surfaced when claimed
      this.pending.set(p, read);
      if (this.pending.size > this.maxEntries) this.pending.delete(this.pending.keys().next().value!);
    }
  }

  readText(path: string): Promise<string> {
    const hit = this.pending.get(path);
    if (hit === undefined) return this.files.readText(path);
    this.pending.delete(path);
    return hit;
  }

  stat(path: string) {
    return this.files.stat(path);
  }

  list(dir: string) {
    return this.files.list(dir);
  }
}
