import { z } from "zod";

const positive = z.number().positive().finite();

/** Options of `estimateCtf` (units: Å, Å/px, kV, mm, degrees). */
export const CtfOptions = z.object({
  /** Pixel size of the micrograph, Å/px. */
  pixelSize: positive,
  voltage: positive.default(300),
  cs: z.number().min(0).finite().default(2.7),
  amplitudeContrast: z.number().min(0).max(0.5).default(0.07),
  /** Side of the square tiles whose power spectra are averaged, px (reduced for small images). */
  tileSize: z.number().int().min(64).max(2048).default(512),
  /** Resolution band fitted, Å: from `minResolution` (low) to `maxResolution` (high). */
  minResolution: positive.default(30),
  maxResolution: positive.default(5),
  /** Defocus search range, Å (positive = underfocus). */
  minDefocus: z.number().finite().default(3000),
  maxDefocus: z.number().finite().default(50000),
  /** Also fit an additional phase shift (phase plate). */
  findPhaseShift: z.boolean().default(false),
  /** Windowed fit correlation below which the rings count as no longer fitted (CTFFIND4's 0.75). */
  fitThreshold: z.number().min(0).max(1).default(0.75),
});
export type CtfOptions = z.input<typeof CtfOptions>;
export type CtfConfig = z.output<typeof CtfOptions>;
