import { z } from "zod";

const positive = z.number().positive().finite();

/** Options of `pickParticles` (units: Å, Å/px). */
export const PickOptions = z.object({
  /** Pixel size of the micrograph, Å/px. */
  pixelSize: positive,
  /** Particle diameter, Å. */
  diameter: positive,
  /** Particles darker than the background (true for cryo-EM micrographs at usual defocus). */
  dark: z.boolean().default(true),
  /** Smallest distance between picks, as a fraction of the diameter. */
  spacing: z.number().min(0.2).max(3).default(0.9),
  /** Keep picks at least this fraction of the radius away from the edges. */
  edge: z.number().min(0).max(4).default(1),
  /** Score threshold (robust z units); default: chosen from the score distribution. */
  threshold: z.number().finite().optional(),
  /** Lowest automatic threshold, z units (so an empty image gives few picks). */
  minThreshold: z.number().finite().default(3),
  /** Most picks returned (best first). */
  maxPicks: z.number().int().min(1).default(100000),
});
export type PickOptions = z.input<typeof PickOptions>;
export type PickConfig = z.output<typeof PickOptions>;
