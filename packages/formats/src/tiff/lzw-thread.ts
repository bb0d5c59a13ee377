/**
 * One worker thread that decodes LZW pages, so a reader's next page decodes
 * while the caller computes on the current one. Used only when the compiled
 * worker exists (tests running from TypeScript sources use dist/ when built).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/** Sent to the worker: the page's compressed chunks and each one's decoded size. */
export interface LzwRequest {
  readonly id: number;
  readonly chunks: Uint8Array[];
  readonly sizes: number[];
  /** A buffer from an earlier reply, to decode into instead of allocating. */
  readonly recycle?: ArrayBuffer;
}

/** The decoded chunks back to back (each `sizes[i]` bytes apart) and their decoded lengths, or the error. */
export type LzwReply =
  | { readonly id: number; readonly buffer: ArrayBuffer; readonly lengths: number[] }
  | { readonly id: number; readonly error: string; readonly chunk: number };

function workerScript(): URL | undefined {
  const here = import.meta.url;
  const url = here.endsWith(".ts") ? new URL("../../dist/tiff/lzw-worker.js", here) : new URL("./lzw-worker.js", here);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/** Thrown (rejected) when the worker found a chunk corrupt; `chunk` is its index. */
export class LzwChunkError extends Error {
  readonly _tag = "LzwChunkError";
  constructor(message: string, readonly chunk: number) {
    super(message);
  }
}

/** A worker decoding one page at a time; `undefined` from `create` when the worker is not built. */
export class LzwThread {
  private nextId = 1;
  private readonly waiting = new Map<number, (r: LzwReply) => void>();
  private spare: ArrayBuffer | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (r: LzwReply) => {
      const done = this.waiting.get(r.id);
      this.waiting.delete(r.id);
      done?.(r);
    });
    // Idle, the worker must not keep the process alive.
    worker.unref();
  }

  /** A thread, or undefined when the compiled worker script is absent. */
  static create(): LzwThread | undefined {
    const script = workerScript();
    return script === undefined ? undefined : new LzwThread(new Worker(script));
  }

  /** Decodes `chunks` (copied; the caller may reuse them) into one buffer: chunk i at the sum of `sizes` before it. */
  async decode(chunks: readonly Uint8Array[], sizes: number[]): Promise<{ bytes: Uint8Array; lengths: number[] }> {
    const id = this.nextId++;
    const copies = chunks.map((c) => c.slice());
    const reply = new Promise<LzwReply>((resolve) => this.waiting.set(id, resolve));
    const recycle = this.spare;
    this.spare = undefined;
    const req: LzwRequest = recycle === undefined ? { id, chunks: copies, sizes } : { id, chunks: copies, sizes, recycle };
    this.worker.ref();
    this.worker.postMessage(req, [...copies.map((c) => c.buffer as ArrayBuffer), ...(recycle === undefined ? [] : [recycle])]);
    const r = await reply;
    if (this.waiting.size === 0) this.worker.unref();
    if ("error" in r) throw new LzwChunkError(r.error, r.chunk);
    return { bytes: new Uint8Array(r.buffer), lengths: r.lengths };
  }

  /** Hands a buffer from `decode` back for reuse (it must not be used afterwards). */
  recycle(bytes: Uint8Array): void {
    this.spare = bytes.buffer as ArrayBuffer;
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
