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

/** Paths added to a micrograph's record (its preview and movie), so the main thread need not. */
export interface MicrographExtras {
  movieFile?: string;
  previewFile?: string;
}

/** Sent to a worker. */
export interface ChunkRequest {
  readonly id: number;
  readonly dir: string;
  readonly rels: string[];
  /** Per rel (when given): paths to add to its micrograph record. */
  readonly extras?: Array<MicrographExtras | undefined>;
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

/** Per file of a chunk: the parse, or the error it threw. */
export type ParseOutcome = ParsedEpuFile | EmflowError;

interface Job {
  readonly dir: string;
  readonly rels: string[];
  readonly extras: Array<MicrographExtras | undefined> | undefined;
  readonly resolve: (r: ChunkResult) => void;
}

/** A fixed set of workers sharing one queue of chunks; `parseBatch` and `parseAll` parse files on them. */
export class ParsePool {
  private readonly workers: Worker[];
  private nextId = 1;
  private readonly waiting = new Map<number, (r: ChunkResult) => void>();
  private readonly queue: Job[] = [];
  /** Chunks to parse before everything in `queue` (files the caller needs first). */
  private readonly urgent: Job[] = [];
  private readonly busy: number[];

  constructor(size = Math.max(1, Math.min(4, availableParallelism()))) {
    const script = workerScript();
    if (script === undefined) throw new Error("parse worker not built (run `npm run build`)");
    this.busy = new Array<number>(size).fill(0);
    this.workers = Array.from({ length: size }, (_, k) => {
      // A larger young generation: parsing makes lots of short-lived garbage, and scavenges dominate otherwise.
      const w = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 64 } });
      w.on("message", (r: ChunkResult) => {
        const done = this.waiting.get(r.id);
        this.waiting.delete(r.id);
        this.busy[k]!--;
        this.dispatch();
        done?.(r);
      });
      return w;
    });
  }

  /** Hand queued chunks to workers, two at a time each, so none waits for its next chunk. */
  private dispatch(): void {
    for (let k = 0; k < this.workers.length; k++) {
      while (this.busy[k]! < 2 && this.urgent.length + this.queue.length > 0) {
        const job = (this.urgent.length > 0 ? this.urgent : this.queue).shift()!;
        const id = this.nextId++;
        this.waiting.set(id, job.resolve);
        this.busy[k]!++;
        this.workers[k]!.postMessage({ id, dir: job.dir, rels: job.rels, ...(job.extras === undefined ? {} : { extras: job.extras }) } satisfies ChunkRequest);
      }
    }
  }

  /**
   * Parse `rels` (relative to `dir`) on whichever workers are free, in chunks of about
   * `chunk` image-XML files' work; the results come in the order of `rels`. `first`: before
   * every batch queued without it. `extras`: per rel, paths to add to its micrograph record.
   */
  async parseBatch(
    dir: string,
    rels: readonly string[],
    opts: { chunk?: number; first?: boolean; extras?: ReadonlyArray<MicrographExtras | undefined> } = {},
  ): Promise<ParseOutcome[]> {
    const queue = opts.first === true ? this.urgent : this.queue;
    let at = 0;
    const parts = chunksOf(rels, opts.chunk ?? 128).map((rs) => {
      const extras = opts.extras?.slice(at, at + rs.length);
      at += rs.length;
      return new Promise<ParseOutcome[]>((resolve) => {
        queue.push({ dir, rels: rs, extras, resolve: (r) => resolve(r.results.map((x) => outcome(x))) });
      });
    });
    this.dispatch();
    return (await Promise.all(parts)).flat();
  }

  /** Parse `rels` (relative to `dir`), yielding [rel, parse result or EmflowError] in input order. */
  async *parseAll(dir: string, rels: readonly string[], chunk = 128): AsyncGenerator<[string, ParseOutcome]> {
    const batches = chunksOf(rels, chunk * this.workers.length * 4);
    const pending = batches.map((b) => this.parseBatch(dir, b, { chunk }));
    for (let k = 0; k < batches.length; k++) {
      const results = await pending[k]!;
      const b = batches[k]!;
      for (let j = 0; j < b.length; j++) yield [b[j]!, results[j]!];
    }
  }

  /** Stop the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function outcome(r: ChunkResult["results"][number]): ParseOutcome {
  return r.ok ? r.parsed : new EmflowError(r.tag, r.message, { ...(r.file === undefined ? {} : { file: r.file }), ...(r.line === undefined ? {} : { line: r.line }) });
}

/**
 * Chunks of about equal work: a GridSquare .dm (hundreds of kB) weighs as much as dozens of image XML
 * files, and putting them all in one chunk would leave the other workers idle while one parses them.
 */
function chunksOf(rels: readonly string[], chunk: number): string[][] {
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
  return chunks;
}
