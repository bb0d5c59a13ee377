/** Worker thread body of ComputePool: runs one step's compute per message. */
import { parentPort } from "node:worker_threads";
import { isEmflowError } from "@emflow/core";
import { computeStep, type ComputeReply, type ComputeRequest } from "./compute-pool.js";

parentPort?.on("message", (req: ComputeRequest) => {
  computeStep(req.step, req.input, req.cfg).then(
    (outcome) => parentPort!.postMessage({ id: req.id, ok: true, outcome } satisfies ComputeReply),
    (err: unknown) =>
      parentPort!.postMessage({
        id: req.id,
        ok: false,
        tag: isEmflowError(err) ? err._tag : undefined,
        message: err instanceof Error ? err.message : String(err),
        file: isEmflowError(err) ? err.file : undefined,
      } satisfies ComputeReply),
  );
});
