/**
 * Processing of a micrograph: the steps of the preprocessing recipe, their
 * states, the shape of their results, and the status updates workers send
 * back. Shared by the processing services (which produce updates) and the
 * server (which stores them), so both agree on every field name.
 *
 * Result field names are part of the product: `trajectory` ([[x, y], ...] px
 * per frame), `defocus_u` / `defocus_v` (Å, U ≥ V), `astigmatism_angle` (°),
 * `fit_resolution` (Å), `picks` ([[x, y], ...] px).
 */
import { z } from "zod";

/** The steps of the preprocessing recipe, in order. */
export const PROCESSING_STEPS = ["motion", "ctf", "pick", "ice", "thumbnails"] as const;
export const ProcessingStep = z.enum(PROCESSING_STEPS);
export type ProcessingStep = z.infer<typeof ProcessingStep>;

/**
 * A step's state for one micrograph:
 *
 *   queued ──▶ running ──▶ done
 *     ▲          │  ▲
 *     │          ▼  │ (retry)
 *     └─────── failed
 *
 * `done` is final: a redelivered message (at-least-once queues) or a late
 * status from an earlier attempt never moves a step out of it.
 */
export const StepState = z.enum(["queued", "running", "done", "failed"]);
export type StepState = z.infer<typeof StepState>;

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const point = z.tuple([finite, finite]);

/** Motion correction: per-frame trajectory (px, relative to frame 0) and accumulated motion (Å). */
export const MotionResult = z.looseObject({
  trajectory: z.array(point),
  total_motion: finite,
  early_motion: finite,
  late_motion: finite,
  /** Aligned sums written by the step, when it writes files. */
  micrograph: z.string().optional(),
  micrograph_dw: z.string().optional(),
  pixel_size: finite.optional(),
});
export type MotionResult = z.infer<typeof MotionResult>;

/** CTF estimation (CTFFIND convention: defocus positive = underfocus, angle from x to the U axis). */
export const CtfResult = z.looseObject({
  defocus_u: finite,
  defocus_v: finite,
  astigmatism_angle: finite,
  phase_shift: finite.optional(),
  score: finite,
  fit_resolution: finite,
});
export type CtfResult = z.infer<typeof CtfResult>;

/** Particle picking: coordinates in pixels of the aligned micrograph, one figure of merit each. */
export const PickResult = z.looseObject({
  picks: z.array(point),
  fom: z.array(finite).optional(),
  diameter: finite.optional(),
});
export type PickResult = z.infer<typeof PickResult>;

/** Relative ice thickness, IceBreaker-style five figures over the micrograph's regions. */
export const IceResult = z.looseObject({
  min: finite,
  q1: finite,
  median: finite,
  q3: finite,
  max: finite,
});
export type IceResult = z.infer<typeof IceResult>;

/** Thumbnails: file names (relative to the processing directory) of the images written. */
export const ThumbnailsResult = z.looseObject({
  micrograph: z.string().optional(),
  power_spectrum: z.string().optional(),
  picks: z.string().optional(),
});
export type ThumbnailsResult = z.infer<typeof ThumbnailsResult>;

/** The result schema of each step. */
export const STEP_RESULTS = {
  motion: MotionResult,
  ctf: CtfResult,
  pick: PickResult,
  ice: IceResult,
  thumbnails: ThumbnailsResult,
} as const satisfies Record<ProcessingStep, z.ZodType>;

/** A status update from a worker: one step of one micrograph changed state. */
export const StepUpdate = z
  .object({
    micrographId: z.uuid(),
    step: ProcessingStep,
    state: StepState,
    /** 1 for the first delivery, counting up on retries; stale attempts are ignored. */
    attempt: z.number().int().min(1).max(1000),
    /** Which implementation ran: "builtin", "relion", "motioncor2", "ctffind", "cryolo", ... */
    tool: z.string().max(100).optional(),
    /** One line: why the step failed (state failed). */
    error: z.string().max(4000).optional(),
    /** The step's result (state done); validated against the step's schema. */
    result: z.record(z.string(), z.unknown()).optional(),
    /** Wall-clock seconds the step took. */
    seconds: z.number().min(0).optional(),
    at: z.iso.datetime({ offset: true }),
  })
  .superRefine((u, ctx) => {
    if (u.state === "done") {
      if (u.result === undefined) {
        ctx.addIssue({ code: "custom", path: ["result"], message: "a done step needs its result" });
        return;
      }
      const r = STEP_RESULTS[u.step].safeParse(u.result);
      if (!r.success) {
        for (const issue of r.error.issues) ctx.addIssue({ code: "custom", path: ["result", ...issue.path.map(String)], message: issue.message });
      }
    }
    if (u.state === "failed" && (u.error === undefined || u.error.length === 0)) {
      ctx.addIssue({ code: "custom", path: ["error"], message: "a failed step needs its error" });
    }
  });
export type StepUpdate = z.infer<typeof StepUpdate>;

/** What is stored of a step. */
export interface StepStatus {
  readonly state: StepState;
  readonly attempts: number;
}

/**
 * The step state machine: should `update` be applied to a step now in `current`
 * (undefined: never seen)? Returns the reason when it must be ignored.
 */
export function stepTransition(current: StepStatus | undefined, update: Pick<StepUpdate, "state" | "attempt">): { apply: true } | { apply: false; reason: string } {
  if (current === undefined) return { apply: true };
  if (current.state === "done") return { apply: false, reason: "step already done" };
  if (update.attempt < current.attempts) return { apply: false, reason: `stale attempt ${update.attempt} < ${current.attempts}` };
  if (current.state === "running" && update.state === "queued" && update.attempt <= current.attempts) {
    return { apply: false, reason: "already running" };
  }
  return { apply: true };
}

/** The overall processing state of a micrograph from its steps' states. */
export function micrographProcessingState(states: readonly StepState[], stepCount: number = PROCESSING_STEPS.length): StepState | "none" {
  if (states.length === 0) return "none";
  if (states.includes("failed")) return "failed";
  if (states.includes("running")) return "running";
  if (states.length >= stepCount && states.every((s) => s === "done")) return "done";
  return states.includes("done") ? "running" : "queued";
}

/** Per-micrograph figures extracted from step results, for quality scores and dashboards. */
export interface MicrographMetrics {
  totalMotionA?: number;
  earlyMotionA?: number;
  lateMotionA?: number;
  defocusUA?: number;
  defocusVA?: number;
  astigmatismA?: number;
  astigmatismAngleDeg?: number;
  phaseShiftDeg?: number;
  ctfScore?: number;
  ctfFitResolutionA?: number;
  particleCount?: number;
  iceMedian?: number;
}

/** The metrics a done step contributes (empty for steps without figures). */
export function metricsOf(step: ProcessingStep, result: Record<string, unknown>): MicrographMetrics {
  switch (step) {
    case "motion": {
      const r = MotionResult.parse(result);
      return { totalMotionA: r.total_motion, earlyMotionA: r.early_motion, lateMotionA: r.late_motion };
    }
    case "ctf": {
      const r = CtfResult.parse(result);
      return {
        defocusUA: r.defocus_u,
        defocusVA: r.defocus_v,
        astigmatismA: Math.abs(r.defocus_u - r.defocus_v),
        astigmatismAngleDeg: r.astigmatism_angle,
        ...(r.phase_shift === undefined ? {} : { phaseShiftDeg: r.phase_shift }),
        ctfScore: r.score,
        ctfFitResolutionA: r.fit_resolution,
      };
    }
    case "pick":
      return { particleCount: PickResult.parse(result).picks.length };
    case "ice":
      return { iceMedian: IceResult.parse(result).median };
    case "thumbnails":
      return {};
  }
}
