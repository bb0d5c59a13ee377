/**
 * emflow's preprocessing services: one recipe service per step (motion, ctf,
 * pick, ice, thumbnails) plus the RELION project writer. Each step reports
 * its state to the results queue (running, then done with its result, or
 * failed with the error) before its delivery is acknowledged; the server
 * consumes that queue into the store. The heavy work runs in a ComputePool
 * (worker threads), so a process's event loop stays free for messaging.
 */
import { isEmflowError, type ProcessingStep, type StepUpdate } from "@emflow/core";
import type { Json, RetryPolicy, WorkTransport } from "../queue/transport.js";
import { defineService, type Service, type StepContext } from "../recipe/index.js";
import { RelionProjectWriter } from "../relion/index.js";
import type { ComputePool } from "./compute-pool.js";
import { StepPayload, type PreprocessJob } from "./job.js";

/** The default prefix of the queue names: `emflow.motion`, `emflow.ctf`, ..., `emflow.results`. */
export const DEFAULT_QUEUE_PREFIX = "emflow";

/** Queue names of the preprocessing recipe (recipes/emflow-preprocess.json: `{queue_prefix}.<step>`). */
export function queueNames(prefix = DEFAULT_QUEUE_PREFIX) {
  return {
    motion: `${prefix}.motion`,
    ctf: `${prefix}.ctf`,
    pick: `${prefix}.pick`,
    ice: `${prefix}.ice`,
    thumbnails: `${prefix}.thumbnails`,
    relion: `${prefix}.relion`,
    /** Status updates (core's StepUpdate) for the server. */
    results: `${prefix}.results`,
  } as const;
}
export type QueueNames = ReturnType<typeof queueNames>;

/** Service names as the recipe's steps give them. */
export type ServiceName = keyof Omit<QueueNames, "results">;
export const SERVICE_NAMES: readonly ServiceName[] = ["motion", "ctf", "pick", "ice", "thumbnails", "relion"];

/** Failures that would fail the same way again go straight to the dead-letter queue. */
export const retryPolicy: RetryPolicy = (err) => !isEmflowError(err, "ValidationError", "FormatError", "ProcessingError");

/** Publish one status update to the results queue (idempotent per micrograph, step, attempt and state). */
export async function publishStatus(transport: WorkTransport, update: StepUpdate, prefix = DEFAULT_QUEUE_PREFIX): Promise<void> {
  const key = `status:${update.micrographId}:${update.step}:${update.attempt}:${update.state}`;
  await transport.publish(queueNames(prefix).results, { id: key, idempotencyKey: key, body: update, headers: { step: update.step, state: update.state } });
}

/** The step's input: the previous step's payload, or the job in the environment for the first step. */
export function stepInput(ctx: StepContext): StepPayload {
  const p = ctx.payload;
  const source = p !== null && typeof p === "object" && !Array.isArray(p) && "micrograph_id" in p ? p : ctx.environment.job;
  return StepPayload.parse(source);
}

const oneLine = (err: unknown): string => {
  const e = err as { toLine?: () => string; message?: string };
  const text = typeof e.toLine === "function" ? e.toLine() : (e.message ?? String(err));
  return text.split("\n")[0]!.slice(0, 2000);
};

interface ServicesOptions {
  readonly transport: WorkTransport;
  readonly pool: ComputePool;
  readonly now?: () => Date;
  /** Which services this process runs (default: all). */
  readonly only?: readonly ServiceName[];
  /** Steps run at once per service (default 1). */
  readonly prefetch?: number;
  /** Queue-name prefix (default "emflow"); the recipe must be started with the same one. */
  readonly queuePrefix?: string;
}

/** A step service: status running → compute → status done (or failed, rethrown for the retry/DLQ policy) → sends. */
function stepService(o: ServicesOptions, step: ProcessingStep, next: (ctx: StepContext, input: StepPayload, output: Record<string, unknown>) => void): Service {
  const now = o.now ?? (() => new Date());
  const prefix = o.queuePrefix ?? DEFAULT_QUEUE_PREFIX;
  const status = (u: StepUpdate) => publishStatus(o.transport, u, prefix);
  return defineService(
    step,
    async (ctx) => {
      const input = stepInput(ctx);
      const base = { micrographId: input.micrograph_id, step, attempt: Math.min(1000, (input.attempt_base ?? 0) + ctx.delivery.deliveryCount) };
      await status({ ...base, state: "running", at: now().toISOString() });
      const t0 = performance.now();
      let out: { tool: string; result: Record<string, unknown>; output: Record<string, unknown> };
      try {
        out = await o.pool.run(step, input);
      } catch (err) {
        await status({ ...base, state: "failed", error: oneLine(err), at: now().toISOString() });
        throw err;
      }
      const seconds = (performance.now() - t0) / 1000;
      await status({ ...base, state: "done", tool: out.tool, result: out.result, seconds, at: now().toISOString() });
      next(ctx, input, out.output);
    },
    { queue: queueNames(prefix)[step], retry: retryPolicy, prefetch: o.prefetch ?? 1 },
  );
}

const json = (v: unknown): Json => v as Json;

/** The preprocessing services (or the `only` ones), ready for runServices. */
export function preprocessServices(o: ServicesOptions): Service[] {
  const all: Record<ServiceName, () => Service> = {
    motion: () =>
      stepService(o, "motion", (ctx, input, output) => {
        const payload = json({ ...input, motion: output });
        ctx.send(payload, "ctf");
        ctx.send(payload, "ice");
      }),
    ctf: () => stepService(o, "ctf", (ctx, input, output) => void ctx.send(json({ ...input, ctf: output }), "pick")),
    pick: () =>
      stepService(o, "pick", (ctx, input, output) => {
        const payload = json({ ...input, pick: output });
        ctx.send(payload, "thumbnails");
        ctx.send(payload, "relion");
      }),
    ice: () => stepService(o, "ice", () => undefined),
    thumbnails: () => stepService(o, "thumbnails", () => undefined),
    relion: () => relionService(queueNames(o.queuePrefix).relion, o.prefetch),
  };
  return (o.only ?? SERVICE_NAMES).map((name) => all[name]());
}

/**
 * Keeps each session's RELION project (Import/MotionCorr/CtfFind/AutoPick and
 * default_pipeline.star) up to date as micrographs finish picking. One writer
 * per project directory: run this service in one process only.
 */
function relionService(queue: string, prefetch = 1): Service {
  const writers = new Map<string, Promise<RelionProjectWriter>>();
  const writerFor = (job: PreprocessJob): Promise<RelionProjectWriter> => {
    let w = writers.get(job.out_dir);
    if (w === undefined) {
      w = RelionProjectWriter.open({ dir: job.out_dir, optics: [{ pixelSize: job.apix, voltage: job.kv, cs: job.cs, amplitudeContrast: job.ac }] });
      w.catch(() => writers.delete(job.out_dir));
      writers.set(job.out_dir, w);
    }
    return w;
  };
  return defineService(
    "relion",
    async (ctx) => {
      const input = stepInput(ctx);
      const m = input.motion;
      const writer = await writerFor(input);
      await writer.add({
        name: input.name,
        movie: input.movie,
        ...(m === undefined || m.dose_per_frame === undefined || m.total_motion === undefined
          ? {}
          : {
              motion: {
                result: {
                  trajectory: m.trajectory,
                  total_motion: m.total_motion,
                  early_motion: m.early_motion ?? 0,
                  late_motion: m.late_motion ?? 0,
                  micrograph: m.micrograph,
                  ...(m.micrograph_dw === undefined ? {} : { micrograph_dw: m.micrograph_dw }),
                },
                movieWidth: m.width,
                movieHeight: m.height,
                dosePerFrame: m.dose_per_frame,
              },
            }),
        ...(input.ctf === undefined ? {} : { ctf: { result: input.ctf } }),
        ...(input.pick === undefined ? {} : { picks: { picks: input.pick.picks, ...(input.pick.fom === undefined ? {} : { fom: input.pick.fom }) } }),
      });
    },
    { queue, retry: retryPolicy, prefetch },
  );
}
