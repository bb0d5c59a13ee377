/**
 * Runs the compute of preprocessing steps (compute.ts) on worker threads, so
 * CPU-heavy work (FFTs over 4k frames) never blocks the event loop that
 * carries messages and HTTP. Inline mode runs in this thread: for tests
 * running from TypeScript sources and for one-off CLI runs.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { EmflowError, type EmflowErrorTag, type ProcessingStep } from "@emflow/core";
import { computeCtf, computeIce, computeMotion, computePick, computeThumbnails, type ComputeConfig } from "./compute.js";
import type { StepPayload } from "./job.js";

/** What a step's compute returns, as plain data. */
export interface ComputeOutcome {
  readonly tool: string;
  readonly result: Record<string, unknown>;
  readonly output: Record<string, unknown>;
}

/** Run one step's compute in this thread. */
export async function computeStep(step: ProcessingStep, input: StepPayload, cfg: ComputeConfig): Promise<ComputeOutcome> {
  switch (step) {
    case "motion":
      return computeMotion(input, cfg) as Promise<ComputeOutcome>;
    case "ctf":
      return computeCtf(input, cfg) as Promise<ComputeOutcome>;
    case "pick":
      return computePick(input, cfg) as Promise<ComputeOutcome>;
    case "ice":
      return computeIce(input);
    case "thumbnails":
      return computeThumbnails(input);
  }
}

/** A message to a compute worker, and its answer (errors as data: classes do not survive cloning). */
export interface ComputeRequest {
  readonly id: number;
  readonly step: ProcessingStep;
  readonly input: StepPayload;
  readonly cfg: ComputeConfig;
}
export type ComputeReply =
  | { readonly id: number; readonly ok: true; readonly outcome: ComputeOutcome }
  | { readonly id: number; readonly ok: false; readonly tag: EmflowErrorTag | undefined; readonly message: string; readonly file: string | undefined };

function workerScript(): URL | undefined {
  const here = import.meta.url;
  const url = here.endsWith(".ts") ? new URL("../../dist/services/compute-worker.js", here) : new URL("./compute-worker.js", here);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  /** Crashes in a row without a step completing: respawning stops at MAX_CRASHES. */
  crashes: number;
}

// A thread that dies this often in a row without finishing a step is not restarted (a broken install).
const MAX_CRASHES = 5;

/** A fixed number of compute threads; `run` waits for a free one. */
export class ComputePool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<() => void> = [];
  private readonly pending = new Map<number, { resolve: (o: ComputeOutcome) => void; reject: (e: Error) => void; slot: Slot }>();
  private nextId = 1;
  private closed = false;

  /**
   * `size` threads (default 1); `inline: true` (or no compiled worker script) runs
   * the compute in this thread, one step at a time per call.
   */
  constructor(
    private readonly cfg: ComputeConfig,
    opts: { size?: number; inline?: boolean; script?: URL } = {},
  ) {
    const script = opts.inline ? undefined : (opts.script ?? workerScript());
    if (script === undefined) return;
    this.script = script;
    for (let i = 0; i < Math.max(1, opts.size ?? 1); i++) {
      const slot = { busy: false, crashes: 0 } as Slot;
      this.spawn(slot);
      this.slots.push(slot);
    }
  }

  private script: URL | undefined;

  /**
   * Start (or restart) the slot's thread. A thread that dies (an uncaught error, running out of memory
   * on a huge movie, an exit) fails the step it was running and is replaced, so the pool keeps its size.
   */
  private spawn(slot: Slot): void {
    const worker = new Worker(this.script!);
    slot.worker = worker;
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      this.failSlot(slot, err);
    };
    worker.on("message", (r: ComputeReply) => this.settle(r));
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`exited with code ${code}`)));
    worker.unref();
  }

  /** True when steps run on worker threads. */
  get threaded(): boolean {
    return this.slots.length > 0;
  }

  /** Run `step` on `input`; rejects with the step's tagged error. */
  async run(step: ProcessingStep, input: StepPayload): Promise<ComputeOutcome> {
    if (this.closed) throw new EmflowError("ProcessingError", "the compute pool is closed");
    if (!this.threaded) return computeStep(step, input, this.cfg);
    const slot = await this.freeSlot();
    if (slot === undefined) throw new EmflowError("ProcessingError", `every compute thread crashed ${MAX_CRASHES} times in a row; not restarting them`);
    const id = this.nextId++;
    slot.busy = true;
    return new Promise<ComputeOutcome>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.worker.postMessage({ id, step, input, cfg: this.cfg } satisfies ComputeRequest);
    });
  }

  private freeSlot(): Promise<Slot | undefined> {
    if (this.deadSlots === this.slots.length) return Promise.resolve(undefined);
    const free = this.slots.find((s) => !s.busy);
    if (free !== undefined) return Promise.resolve(free);
    return new Promise((resolve) => this.waiting.push(() => resolve(this.freeSlot())));
  }

  private release(slot: Slot): void {
    slot.busy = false;
    this.waiting.shift()?.();
  }

  private settle(r: ComputeReply): void {
    const p = this.pending.get(r.id);
    if (p === undefined) return;
    this.pending.delete(r.id);
    p.slot.crashes = 0;
    this.release(p.slot);
    if (r.ok) p.resolve(r.outcome);
    else p.reject(new EmflowError(r.tag ?? "ProcessingError", r.message, r.file === undefined ? {} : { file: r.file }));
  }

  private failSlot(slot: Slot, err: Error): void {
    for (const [id, p] of this.pending) {
      if (p.slot !== slot) continue;
      this.pending.delete(id);
      p.reject(new EmflowError("ProcessingError", `compute thread crashed: ${err.message}`));
    }
    if (this.closed) return;
    slot.crashes++;
    if (slot.crashes > MAX_CRASHES) {
      // Leave it busy: no step is handed to a thread that cannot start.
      this.deadSlots++;
      if (this.deadSlots === this.slots.length) for (const w of this.waiting.splice(0)) w();
      return;
    }
    this.spawn(slot);
    this.release(slot);
  }

  private deadSlots = 0;

  /** Stop the threads; steps in progress are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const [, p] of this.pending) p.reject(new EmflowError("ProcessingError", "the compute pool closed"));
    this.pending.clear();
  }
}
