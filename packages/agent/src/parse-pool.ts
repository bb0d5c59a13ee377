/**
 * Parses EPU files on worker threads, in order, for one-shot parses of large
 * sessions (tens of thousands of XML files): reading and parsing are the
 * cost, and they are independent per file, so every core helps.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { EmflowError, type EmflowErrorTag, type ParsedEpuFile } from "@emflow/core";

/** Sent to a worker. */
export interface ChunkRequest {
  readonly id: number;
  readonly dir: string;
  readonly rels: string[];
}

/** A worker's answer: per file, the parse or the error as data. */
export interface ChunkResult {
  readonly id: number;
  readonly results: Array<
    | { ok: true; parsed: ParsedEpuFile }
    | { ok: false; tag: EmflowErrorTag; message: string; file: string | undefined; line: number | undefined }
  >;
}

/** The compiled worker script; tests running from TypeScript sources use the build in dist/. */
function workerScript(): URL | undefined {
  const here = import.meta.url;
  const url = here.endsWith(".ts") ? new URL("../dist/parse-worker.js", here) : new URL("./parse-worker.js", here);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/** True when worker threads can be used (the compiled worker exists). */
export function parsePoolAvailable(): boolean {
  return workerScript() !== undefined;
}

/** A .dm file's parse cost in image-XML files (a GridSquare .dm with 100 holes is ~50× an exposure XML). */
const DM_WEIGHT = 32;

/** A fixed set of workers; `parseAll` yields results in the order of the input. */
export class ParsePool {
  private readonly workers: Worker[];
  private nextId = 1;
  private readonly waiting = new Map<number, (r: ChunkResult) => void>();

  constructor(size = Math.max(1, Math.min(4, availableParallelism()))) {
    const script = workerScript();
    if (script === undefined) throw new Error("parse worker not built (run `npm run build`)");
    this.workers = Array.from({ length: size }, () => {
      // A larger young generation: parsing makes lots of short-lived garbage, and scavenges dominate otherwise.
      const w = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 64 } });
      w.on("message", (r: ChunkResult) => {
        const done = this.waiting.get(r.id);
        this.waiting.delete(r.id);
        done?.(r);
      });
      return w;
    });
  }

  /**
   * Parse `rels` (relative to `dir`) in chunks, a few chunks ahead per worker,
   * yielding [rel, parse result or EmflowError] in input order.
   */
  async *parseAll(dir: string, rels: readonly string[], chunk = 128): AsyncGenerator<[string, ParsedEpuFile | EmflowError]> {
    // Chunks of about equal work: a GridSquare .dm (hundreds of kB) weighs as much as dozens of image XML files,
    // and putting them all in the first chunk would leave the other workers idle while one parses them.
    const chunks: string[][] = [];
    let current: string[] = [];
    let weight = 0;
    for (const rel of rels) {
      current.push(rel);
      weight += rel.endsWith(".dm") ? DM_WEIGHT : 1;
      if (weight >= chunk) {
        chunks.push(current);
        current = [];
        weight = 0;
      }
    }
    if (current.length > 0) chunks.push(current);
    const ahead = this.workers.length * 3;
    const inflight: Array<Promise<ChunkResult>> = [];
    let sent = 0;
    const send = (): void => {
      const rs = chunks[sent];
      if (rs === undefined) return;
      const id = this.nextId++;
      const worker = this.workers[sent % this.workers.length]!;
      inflight.push(new Promise((resolve) => this.waiting.set(id, resolve)));
      worker.postMessage({ id, dir, rels: rs } satisfies ChunkRequest);
      sent++;
    };
    while (sent < Math.min(ahead, chunks.length)) send();
    for (let k = 0; k < chunks.length; k++) {
      const result = await inflight.shift()!;
      send();
      const rs = chunks[k]!;
      for (let j = 0; j < rs.length; j++) {
        const r = result.results[j]!;
        yield [rs[j]!, r.ok ? r.parsed : new EmflowError(r.tag, r.message, { ...(r.file === undefined ? {} : { file: r.file }), ...(r.line === undefined ? {} : { line: r.line }) })];
      }
    }
  }

  /** Stop the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
