import { z } from "zod";

const positive = z.number().positive().finite();
const nonNegative = z.number().min(0).finite();

/** Options of `simulateMovie` (units: Å, Å/px, e⁻/Å², kV, mm, degrees, px, nm). */
export const SimulateOptions = z.object({
  width: z.number().int().min(32).max(16384),
  height: z.number().int().min(32).max(16384),
  frameCount: z.number().int().min(1).max(2000),
  /** Å per pixel. */
  pixelSize: positive.default(1),
  /** Everything random derives from this. */
  seed: z.number().int().default(1),
  /** Electrons per Å² per frame. */
  dosePerFrame: positive.default(1),
  particles: z
    .object({
      /** Particle diameter, Å. */
      diameter: positive.default(150),
      /** Number of particles; when absent, `fill` decides. */
      count: z.number().int().min(0).optional(),
      /** Fraction of the image area covered by particles when `count` is absent. */
      fill: z.number().min(0).max(0.6).default(0.2),
      /** Peak of the projected density as a fraction of the beam intensity (before the CTF). */
      contrast: nonNegative.default(0.15),
    })
    .prefault({}),
  ice: z
    .object({
      /** Per-pixel standard deviation of the amorphous-ice phase texture (gives the Thon rings). */
      contrast: nonNegative.default(0.05),
      /** Ice thickness at the image centre, nm. */
      thickness: nonNegative.default(0),
      /** Thickness change from the centre to the right (x) and bottom (y) edge, nm. */
      gradient: z.tuple([z.number().finite(), z.number().finite()]).default([0, 0]),
      /**
       * Standard deviation (nm) and correlation length (Å) of smooth random thickness variation.
       * It moves with the specimen and is not CTF-filtered (an amplitude effect, like the energy
       * filter removing inelastically scattered electrons): the low-resolution contrast real
       * micrographs have and motion correction leans on.
       */
      roughness: nonNegative.default(5),
      roughnessLength: positive.default(200),
      /** Inelastic mean free path, nm (attenuation exp(−t / mfp)). */
      mfp: positive.default(350),
    })
    .prefault({}),
  ctf: z
    .object({
      defocusU: z.number().finite().default(15000),
      defocusV: z.number().finite().default(15000),
      astigmatismAngle: z.number().finite().default(0),
      voltage: positive.default(300),
      cs: nonNegative.default(2.7),
      amplitudeContrast: z.number().min(0).max(0.5).default(0.07),
      phaseShift: z.number().finite().default(0),
    })
    .prefault({}),
  /** Envelope B-factor, Å² (exp(−B k²/4) on the image amplitudes). */
  bfactor: nonNegative.default(40),
  drift: z
    .object({
      /** Path length of the global drift over the whole movie, px. */
      total: nonNegative.default(10),
      /** Frames over which the initial fast (beam-induced) motion decays. */
      decay: positive.default(3),
    })
    .prefault({}),
  /** Largest local (non-rigid) displacement at the last frame, px, on top of the global drift. */
  deformation: nonNegative.default(1),
  /** Radiation damage: attenuate each frame by the Grant & Grigorieff critical-exposure curve. */
  damage: z.boolean().default(true),
  /** Standard deviation of a per-pixel gain reference (0 = no gain). */
  gainSigma: z.number().min(0).max(0.3).default(0),
});
export type SimulateOptions = z.input<typeof SimulateOptions>;
export type SimulateConfig = z.output<typeof SimulateOptions>;
