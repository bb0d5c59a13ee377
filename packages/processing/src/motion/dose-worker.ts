/**
 * Worker thread for dose weighting: receives aligned group sums and does their full-size FFTs and
 * weighting while the main thread goes on summing the next group. Messages: see DoseWorkerRequest.
 */
import { parentPort } from "node:worker_threads";
import { loadFft } from "../fft/fft.js";
import { DoseWeightedSum } from "./dose-weight.js";

/** Messages the main thread sends (buffers are transferred, not copied). */
export type DoseWorkerRequest =
  | { kind: "start"; job: number; width: number; height: number; apix: number; voltage: number; exposures: number[] }
  | { kind: "group"; job: number; start: number; end: number; image: ArrayBuffer }
  | { kind: "finish"; job: number }
  | { kind: "cancel"; job: number };

/** Replies: the weighted sum when finished, or the error. */
export type DoseWorkerReply = { kind: "result"; job: number; image: ArrayBuffer } | { kind: "error"; job: number; message: string };

if (parentPort !== null) serve(parentPort);

function serve(port: NonNullable<typeof parentPort>): void {
  const jobs = new Map<number, Promise<DoseWeightedSum>>();
  port.on("message", (msg: DoseWorkerRequest) => {
    void handle(msg).catch((err: unknown) => {
      jobs.delete(msg.job);
      port.postMessage({ kind: "error", job: msg.job, message: err instanceof Error ? err.message : String(err) } satisfies DoseWorkerReply);
    });
  });
  async function handle(msg: DoseWorkerRequest): Promise<void> {
    if (msg.kind === "start") {
      jobs.set(msg.job, loadFft().then((fft) => new DoseWeightedSum(fft, msg.width, msg.height, msg.apix, msg.voltage, msg.exposures)));
      return;
    }
    if (msg.kind === "cancel") {
      jobs.delete(msg.job);
      return;
    }
    const sum = jobs.get(msg.job);
    if (sum === undefined) throw new Error(`dose weighting job ${msg.job} was not started`);
    if (msg.kind === "group") {
      (await sum).addGroup(msg.start, msg.end, new Float32Array(msg.image));
      return;
    }
    const result = (await sum).result();
    jobs.delete(msg.job);
    port.postMessage({ kind: "result", job: msg.job, image: result.buffer as ArrayBuffer } satisfies DoseWorkerReply, [result.buffer as ArrayBuffer]);
  }
}
