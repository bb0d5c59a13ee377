/** An in-memory FileSource for tests: files by absolute path, a clock for mtimes. */
import type { FileSource } from "../fs-source.js";

/** A tiny writable disk. */
export class MemoryFiles implements FileSource {
  readonly files = new Map<string, { text: string; mtimeMs: number }>();
  private clock = 1;

  write(path: string, text: string): void {
    this.files.set(path, { text, mtimeMs: this.clock++ });
  }

  async readText(path: string): Promise<string> {
    const f = this.files.get(path);
    if (f === undefined) throw new Error(`ENOENT: ${path}`);
    return f.text;
  }

  async stat(path: string) {
    const f = this.files.get(path);
    return f === undefined ? undefined : { size: f.text.length, mtimeMs: f.mtimeMs };
  }

  list(dir: string): string[] | undefined {
    const prefix = dir.endsWith("/") ? dir : `${dir}/`;
    const names = new Set<string>();
    for (const p of this.files.keys()) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split("/")[0]!);
    return names.size === 0 ? undefined : [...names];
  }
}
