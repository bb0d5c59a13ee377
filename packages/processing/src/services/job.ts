/**
 * What travels from step to step of emflow's preprocessing recipe: the job
 * (one movie and its parameters, set when the recipe starts) and the results
 * the steps add to it. Validated with zod at every step: a message from
 * another version or a hand-made one gives a located ValidationError.
 */
import { z } from "zod";

const positive = z.number().positive().finite();

/** One movie to preprocess, as the recipe's start payload. Units: Å/px, kV, mm, e/Å², Å. */
export const PreprocessJob = z.object({
  micrograph_id: z.uuid(),
  /** Micrograph name (EPU file base name): output files are named after it. */
  name: z.string().min(1).max(300).regex(/^[^/\\\0]+$/, "must be a file base name"),
  /** Absolute path of the movie, as the workers see it. */
  movie: z.string().min(1),
  /** The session's processing directory (a RELION-style project). */
  out_dir: z.string().min(1),
  apix: positive.max(100),
  kv: positive.max(1000),
  cs: z.number().min(0).max(20),
  ac: z.number().min(0).max(1),
  /** Dose per frame; when absent, `dose_total` / the movie's frame count. */
  dose_per_frame: positive.max(100).optional(),
  dose_total: positive.max(10_000).optional(),
  diameter: positive.max(10_000),
  gain: z.string().min(1).optional(),
  /** Defocus EPU applied, Å (positive = underfocus), to centre the CTF search. */
  applied_defocus: z.number().finite().optional(),
  /** Attempts of earlier runs of this micrograph: status updates count on from here, so they are never stale. */
  attempt_base: z.number().int().min(0).max(900).optional(),
});
export type PreprocessJob = z.infer<typeof PreprocessJob>;

/** What motion correction adds: the aligned sums and the figures later steps need. */
export const MotionOutput = z.object({
  micrograph: z.string(),
  micrograph_dw: z.string().optional(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  frames: z.number().int().positive(),
  dose_per_frame: positive.optional(),
  trajectory: z.array(z.tuple([z.number(), z.number()])),
  /** Accumulated motion, Å (for the RELION project's corrected_micrographs.star). */
  total_motion: z.number().optional(),
  early_motion: z.number().optional(),
  late_motion: z.number().optional(),
});
export type MotionOutput = z.infer<typeof MotionOutput>;

/** What CTF estimation adds. */
export const CtfOutput = z.object({
  defocus_u: z.number(),
  defocus_v: z.number(),
  astigmatism_angle: z.number(),
  phase_shift: z.number().optional(),
  score: z.number(),
  fit_resolution: z.number(),
  power_spectrum: z.string().optional(),
});
export type CtfOutput = z.infer<typeof CtfOutput>;

/** What picking adds. */
export const PickOutput = z.object({
  picks: z.array(z.tuple([z.number(), z.number()])),
  fom: z.array(z.number()).optional(),
  coordinates: z.string().optional(),
});
export type PickOutput = z.infer<typeof PickOutput>;

/** The payload after each step: the job plus what the steps so far produced. */
export const StepPayload = PreprocessJob.extend({
  motion: MotionOutput.optional(),
  ctf: CtfOutput.optional(),
  pick: PickOutput.optional(),
});
export type StepPayload = z.infer<typeof StepPayload>;
