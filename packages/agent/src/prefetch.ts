/**
 * Read-ahead for a known file order: when many small files are read one after
 * another, each read waits on the thread pool and the CPU idles. Keeping a
 * window of reads in flight overlaps I/O with parsing.
 */
import type { FileSource } from "./fs-source.js";

/** A FileSource that reads `order` ahead of the consumer, `window` files at a time. */
export function prefetching(files: FileSource, order: readonly string[], window = 64): FileSource {
  const pending = new Map<string, Promise<string>>();
  const position = new Map(order.map((p, i) => [p, i]));
  let next = 0;
  const fill = (upTo: number): void => {
    for (; next < order.length && next <= upTo; next++) {
      const p = order[next]!;
      const read = files.readText(p);
      read.catch(() => undefined); // surfaced when consumed
      pending.set(p, read);
    }
  };
  return {
    readText(path) {
      const at = position.get(path);
      if (at !== undefined) fill(at + window);
      const hit = pending.get(path);
      if (hit === undefined) return files.readText(path);
      pending.delete(path);
      return hit;
    },
    stat: (p) => files.stat(p),
    list: (d) => files.list(d),
  };
}

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
