import { z } from "zod";

const positive = z.number().positive().finite();

/** Options of `correctMotion` (units: Å, Å/px, e⁻/Å², kV, px). */
export const MotionOptions = z.object({
  /** Pixel size of the frames, Å/px. */
  pixelSize: positive,
  /** Exposure per frame, e⁻/Å². Without it there is no dose weighting. */
  dosePerFrame: positive.optional(),
  /** Exposure before the first frame, e⁻/Å². */
  preExposure: z.number().min(0).finite().default(0),
  /** Accelerating voltage, kV (scales the critical exposure). */
  voltage: positive.default(300),
  /** Gain reference to multiply every frame by (same size as a frame). */
  gain: z.instanceof(Float32Array).optional(),
  /** Alignment binning factor; default: the smallest that brings the longer side to ≤ alignSize. */
  binning: z.number().int().min(1).max(16).optional(),
  /** Longest side of the binned frames used for alignment, px. */
  alignSize: z.number().int().min(64).max(8192).default(768),
  /** B-factors (Å²) applied to the cross-correlations of the global and the patch alignment. */
  bfactorGlobal: z.number().min(0).finite().default(500),
  bfactorLocal: z.number().min(0).finite().default(150),
  /** Most iterations of the global and the patch alignment, and the convergence tolerance (px, as MotionCor2's -Tol). */
  iterations: z.number().int().min(1).max(50).default(7),
  tolerance: positive.default(0.5),
  /**
   * Smooth the global trajectory (Whittaker smoother, see smooth.ts): "auto" picks the strength by
   * cross-validation, a number fixes λ, 0 turns it off. Movies of more than 300 frames are not
   * smoothed.
   */
  smoothing: z.union([z.literal("auto"), z.number().min(0).finite()]).default("auto"),
  /** Largest shift searched between a frame and the reference, Å. */
  maxShift: positive.default(400),
  /** Patches across × down for local motion; [0, 0] = global only. */
  patches: z.tuple([z.number().int().min(0).max(20), z.number().int().min(0).max(20)]).default([5, 5]),
  /** Frames summed per group in the patch alignment (more = better SNR, coarser in time); default ≈ frames/10. */
  patchGroup: z.number().int().min(1).optional(),
  /** Frame groups for dose weighting (each costs one full-size FFT); see dose-weight.ts. */
  doseGroups: z.number().int().min(1).max(64).default(5),
  /** Exposure that counts as "early" motion, e⁻/Å² (frames up to it). */
  earlyExposure: positive.default(4),
  /** Frames that count as early when there is no dose (no dosePerFrame). */
  earlyFrames: z.number().int().min(1).default(4),
  /** Use a worker thread for the dose-weighting FFTs (when the compiled worker is available). */
  threads: z.boolean().default(true),
  /**
   * Memory for the raw frames between the alignment and the summing pass, bytes (frame-cache.ts);
   * frames beyond it are read from the source again. 0 reads every frame twice.
   */
  cacheFramesBytes: z.number().int().min(0).default(1_500_000_000),
  signal: z.instanceof(AbortSignal).optional(),
  /** Called with the fraction done (0–1) and the stage name. */
  onProgress: z.custom<(fraction: number, stage: string) => void>((v) => typeof v === "function").optional(),
});
export type MotionOptions = z.input<typeof MotionOptions>;
export type MotionConfig = z.output<typeof MotionOptions>;
