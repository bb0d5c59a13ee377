import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { ProcessingError } from "@emflow/core";
import type { Fft } from "../fft/fft.js";
import { DoseWeightedSum } from "./dose-weight.js";
import type { DoseWorkerReply, DoseWorkerRequest } from "./dose-worker.js";

/** Dose weighting by groups, in this thread or in a worker thread. */
export interface DoseWeighter {
  /** Add the aligned sum of frames [start, end); `image` may be reused by the caller afterwards. */
  addGroup(start: number, end: number, image: Float32Array): void;
  /** The dose-weighted sum. */
  result(): Promise<Float32Array>;
  /** Drop the job (after an error or abort), freeing its memory in the worker. */
  cancel(): void;
}

interface Setup {
  width: number;
  height: number;
  apix: number;
  voltage: number;
  exposures: number[];
}

/**
 * A weighter in a worker thread when the compiled worker is there (the package's dist/; under a
 * TypeScript test runner it is not) and `threads` allows, else in this thread. The worker overlaps
 * the full-size FFTs of one group with summing the next: on two cores that hides most of their cost.
 */
export function createDoseWeighter(fft: Fft, setup: Setup, threads: boolean): DoseWeighter {
  const worker = threads ? sharedWorker() : undefined;
  if (worker === undefined) {
    const sum = new DoseWeightedSum(fft, setup.width, setup.height, setup.apix, setup.voltage, setup.exposures);
    return { addGroup: (s, e, image) => sum.addGroup(s, e, image), result: () => Promise.resolve(sum.result()), cancel: () => undefined };
  }
  return new WorkerWeighter(worker, setup);
}

let worker: Worker | undefined;
let nextJob = 1;

function sharedWorker(): Worker | undefined {
  if (worker !== undefined) return worker;
  const url = new URL("./dose-worker.js", import.meta.url);
  if (url.protocol !== "file:" || !existsSync(fileURLToPath(url))) return undefined;
  worker = new Worker(url);
  worker.unref();
  worker.on("error", () => {
    worker = undefined;
  });
  return worker;
}

class WorkerWeighter implements DoseWeighter {
  private readonly job = nextJob++;
  private readonly done: Promise<Float32Array>;

  constructor(
    private readonly worker: Worker,
    setup: Setup,
  ) {
    this.done = new Promise((resolve, reject) => {
      const onMessage = (msg: DoseWorkerReply): void => {
        if (msg.job !== this.job) return;
        worker.off("message", onMessage);
        worker.off("error", onError);
        if (msg.kind === "result") resolve(new Float32Array(msg.image));
        else reject(new ProcessingError(`dose weighting failed: ${msg.message}`));
      };
      const onError = (err: Error): void => {
        worker.off("message", onMessage);
        reject(new ProcessingError(`dose weighting worker died: ${err.message}`, { cause: err }));
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
    });
    // Keep the worker referenced while a job is in flight, so the process waits for it.
    worker.ref();
    this.done.then(
      () => worker.unref(),
      () => worker.unref(),
    );
    this.post({ kind: "start", job: this.job, ...setup });
  }

  addGroup(start: number, end: number, image: Float32Array): void {
    const copy = image.slice();
    this.post({ kind: "group", job: this.job, start, end, image: copy.buffer }, [copy.buffer]);
  }

  result(): Promise<Float32Array> {
    this.post({ kind: "finish", job: this.job });
    return this.done;
  }

  cancel(): void {
    this.post({ kind: "cancel", job: this.job });
    this.done.catch(() => undefined);
    this.worker.unref();
  }

  private post(msg: DoseWorkerRequest, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }
}
