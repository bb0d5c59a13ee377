/**
 * What the RELION project writer accepts: plain objects, validated here.
 * Units: Å, kV, mm, e/Å², pixels.
 */
import { CtfResult, MotionResult, PickResult } from "@emflow/core";
import { z } from "zod";

const positive = z.number().positive().finite();

/** One optics group: the microscope and camera settings a set of movies shares. */
export const RelionOpticsGroup = z.object({
  /** rlnOpticsGroupName (no blanks). */
  name: z.string().regex(/^\S+$/).default("opticsGroup1"),
  /** Movie pixel size, Å/px (rlnMicrographOriginalPixelSize). */
  pixelSize: positive,
  /** kV. */
  voltage: positive,
  /** Spherical aberration, mm. */
  cs: z.number().finite(),
  amplitudeContrast: z.number().min(0).max(1),
  /** Binning applied by motion correction; the micrograph pixel size is pixelSize × binning. */
  binning: z.number().min(1).default(1),
});
export type RelionOpticsGroup = z.input<typeof RelionOpticsGroup>;

/** Motion correction of one movie, with what RELION's shift file needs beyond the result. */
export const RelionMotionInput = z.object({
  result: MotionResult,
  /** Movie width and height in (unbinned) pixels. */
  movieWidth: z.number().int().positive(),
  movieHeight: z.number().int().positive(),
  /** e/Å² per frame and before the first frame. */
  dosePerFrame: positive,
  preExposure: z.number().min(0).default(0),
  /** 1-based number of the trajectory's first frame. */
  firstFrame: z.number().int().min(1).default(1),
});

/** CTF estimate of one micrograph and, optionally, its diagnostic power spectrum (MRC). */
export const RelionCtfInput = z.object({
  result: CtfResult,
  image: z.string().min(1).optional(),
});

/** One micrograph's results so far; later calls with the same name add to what is there. */
export const RelionMicrographInput = z.object({
  /** Unique name; the stem of every file written for it (no blanks or slashes). */
  name: z.string().regex(/^[^\s/\\]+$/, "no blanks or slashes"),
  /** The raw movie; linked into the project as Movies/<name><extension>. Required the first time a name is added. */
  movie: z.string().min(1).optional(),
  /** Name of the optics group (default: the first). */
  opticsGroup: z.string().optional(),
  motion: RelionMotionInput.optional(),
  ctf: RelionCtfInput.optional(),
  picks: PickResult.optional(),
});
export type RelionMicrographInput = z.input<typeof RelionMicrographInput>;
export type RelionMicrograph = z.output<typeof RelionMicrographInput>;
