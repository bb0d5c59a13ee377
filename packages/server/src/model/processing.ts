/** Response shapes of the processing API (zod: validated in tests, documented in OpenAPI). */
import { z } from "zod";
import { ProcessingStep, StepState } from "@emflow/core";
import { ChangeEvent } from "./entities.js";

const Iso = z.string().describe("ISO 8601 time");
const nullableNum = z.number().nullable();

/** One step of one micrograph. */
export const StepRecord = z.object({
  step: ProcessingStep,
  state: StepState,
  attempts: z.number().int(),
  tool: z.string().nullable().describe("which implementation ran: builtin, relion, motioncor2, ctffind, cryolo"),
  error: z.string().nullable().describe("why the step failed (state failed)"),
  result: z.record(z.string(), z.unknown()).nullable().describe("the step's result (state done); field names in docs/PROCESSING.md"),
  seconds: nullableNum,
  queuedAt: Iso.nullable(),
  startedAt: Iso.nullable(),
  finishedAt: Iso.nullable(),
});
export type StepRecord = z.infer<typeof StepRecord>;

/** Figures extracted from done steps (Å, counts, relative ice). */
export const MicrographMetrics = z.object({
  totalMotionA: z.number().optional(),
  earlyMotionA: z.number().optional(),
  lateMotionA: z.number().optional(),
  defocusUA: z.number().optional(),
  defocusVA: z.number().optional(),
  astigmatismA: z.number().optional(),
  astigmatismAngleDeg: z.number().optional(),
  phaseShiftDeg: z.number().optional(),
  ctfScore: z.number().optional(),
  ctfFitResolutionA: z.number().optional(),
  particleCount: z.number().optional(),
  iceMedian: z.number().optional(),
});

/** The processing of one micrograph. */
export const MicrographProcessing = z.object({
  micrographId: z.uuid(),
  state: z.enum(["none", ...StepState.options]).describe("none: not queued yet; failed: a step failed; done: every step done"),
  steps: z.array(StepRecord),
  metrics: MicrographMetrics,
});
export type MicrographProcessing = z.infer<typeof MicrographProcessing>;

/** A session's processing switch and parameters. */
export const ProcessingSettings = z.object({
  state: z.enum(["running", "stopped"]),
  params: z.record(z.string(), z.unknown()).describe("parameters the files lack: apix, kv, cs, ac, dosePerFrame, diameter, ..."),
  updatedAt: Iso.nullable(),
});
export type ProcessingSettings = z.infer<typeof ProcessingSettings>;

const StepCounts = z.object({ queued: z.number().int(), running: z.number().int(), done: z.number().int(), failed: z.number().int() });

/** Processing of one session at a glance. */
export const ProcessingSummary = z.object({
  acquisitionId: z.uuid(),
  micrographs: z.number().int(),
  movies: z.number().int().describe("micrographs whose movie file is known"),
  started: z.number().int().describe("micrographs with at least one step queued or run"),
  processed: z.number().int().describe("micrographs with every step done"),
  failed: z.number().int().describe("micrographs with a failed step"),
  steps: z.record(ProcessingStep, StepCounts),
  means: z.object({
    ctfFitResolutionA: nullableNum,
    ctfFitResolutionMedianA: nullableNum,
    totalMotionA: nullableNum,
    particleCount: nullableNum,
    iceMedian: nullableNum,
    defocusA: nullableNum,
  }),
  settings: ProcessingSettings,
});
export type ProcessingSummary = z.infer<typeof ProcessingSummary>;

/** A failed step, for the failures list. */
export const ProcessingFailure = z.object({
  micrographId: z.uuid(),
  naturalId: z.string(),
  step: ProcessingStep,
  error: z.string(),
  attempts: z.number().int(),
  tool: z.string().nullable(),
  at: Iso.nullable(),
});
export type ProcessingFailure = z.infer<typeof ProcessingFailure>;

/** What recording a batch of step updates did. */
export interface RecordStepsOutcome {
  readonly applied: number;
  /** Updates not applied (stale, repeated, unknown micrograph), by index in the batch. */
  readonly ignored: ReadonlyArray<{ index: number; reason: string }>;
  readonly events: readonly ChangeEvent[];
}
