/**
 * CTFFIND asks its parameters one prompt at a time on standard input. This
 * builds the answers in the order the prompts come (CTFFIND 4.1.x; 4.1.15 adds
 * "Determine sample tilt?", CTFFIND 5 also "Determine sample thickness?"):
 *
 *  1. Input image file name
 *     [EER input: Number of frames to average together]
 *     [stack (nz > 1): Input is a movie (stack of frames)? → yes: Number of frames to average together]
 *  2. Output diagnostic image file name
 *  3. Pixel size · Acceleration voltage · Spherical aberration · Amplitude contrast
 *  4. Size of amplitude spectrum to compute · Minimum resolution · Maximum resolution
 *  5. Minimum defocus · Maximum defocus · Defocus search step
 *  6. Do you know what astigmatism is present?
 *     yes → Slower, more exhaustive search? · Known astigmatism · Known astigmatism angle
 *     no  → Slower, more exhaustive search? · Use a restraint on astigmatism? [→ Expected (tolerated) astigmatism]
 *  7. Find additional phase shift? [→ Minimum, Maximum phase shift (rad) · Phase shift search step]
 *  8. (≥ 4.1.15, only without phase shift) Determine sample tilt?
 *  9. (5) Determine sample thickness? [→ Use brute force 1D search? · Use 2D refinement? ·
 *     Low resolution limit for nodes · High resolution limit for nodes · Use rounded square for nodes? · Downweight nodes?]
 * 10. Do you want to set expert options? → no
 */
import { z } from "zod";
import { parseWith } from "./validate.js";

const positive = z.number().positive().finite();

/** CTFFIND options. Lengths in Å, voltage kV, Cs mm, phase shifts in degrees (CTFFIND wants radians; converted here). */
export const CtffindOptions = z
  .object({
    /** Executable path (config `processing.tools.ctffind`). */
    executable: z.string().min(1).optional(),
    /** Which prompt sequence to answer. */
    version: z.enum(["4.1", "4.1.15", "5"]).default("4.1"),
    pixelSize: positive,
    voltage: positive,
    cs: z.number().finite(),
    amplitudeContrast: z.number().min(0).max(1),
    spectrumSize: z.number().int().min(128).default(512),
    minResolution: positive.default(30),
    maxResolution: positive.default(5),
    minDefocus: z.number().finite().default(5000),
    maxDefocus: z.number().finite().default(50000),
    defocusStep: positive.default(500),
    /** Known astigmatism (Å) and its angle (°); otherwise CTFFIND searches for them. */
    knownAstigmatism: z.object({ astigmatism: z.number().min(0), angle: z.number().finite() }).optional(),
    slowerSearch: z.boolean().default(false),
    /** Expected (tolerated) astigmatism in Å; omit for no restraint. RELION uses 100. */
    astigmatismRestraint: positive.optional(),
    /** Search an additional phase shift (phase plate), degrees. */
    phaseShift: z.object({ min: z.number(), max: z.number(), step: positive }).optional(),
    /** CTFFIND ≥ 4.1.15: determine sample tilt (slow). */
    determineTilt: z.boolean().default(false),
    /** CTFFIND 5: determine sample thickness. */
    thickness: z
      .object({
        bruteForce1D: z.boolean().default(true),
        refine2D: z.boolean().default(true),
        nodesLowResolution: positive.default(30),
        nodesHighResolution: positive.default(3),
        roundedSquare: z.boolean().default(false),
        downweightNodes: z.boolean().default(false),
      })
      .optional(),
    /** The input is a stack of frames: average this many frames per spectrum. */
    movieFramesToAverage: z.number().int().min(1).optional(),
    timeoutMs: z.number().int().positive().optional(),
  })
  .refine((o) => o.minResolution > o.maxResolution, "minResolution (Å) must be coarser than maxResolution")
  .refine((o) => o.minDefocus <= o.maxDefocus, "minDefocus must not exceed maxDefocus")
  .refine((o) => o.thickness === undefined || o.version === "5", "thickness needs CTFFIND 5")
  .refine((o) => !o.determineTilt || o.version !== "4.1", "determineTilt needs CTFFIND ≥ 4.1.15");
export type CtffindOptions = z.input<typeof CtffindOptions>;

const yesNo = (b: boolean) => (b ? "yes" : "no");
const rad = (deg: number) => String((deg * Math.PI) / 180);

/** The answers to CTFFIND's prompts, one per line, for `input` and the diagnostic image `diagnostic`. */
export function ctffindAnswers(input: string, diagnostic: string, options: CtffindOptions): string[] {
  const o = parseWith(CtffindOptions, options, "CTFFIND options");
  const a: string[] = [input];
  if (input.toLowerCase().endsWith(".eer")) {
    a.push(String(o.movieFramesToAverage ?? 1));
  } else if (o.movieFramesToAverage !== undefined) {
    a.push("yes", String(o.movieFramesToAverage));
  }
  a.push(diagnostic, String(o.pixelSize), String(o.voltage), String(o.cs), String(o.amplitudeContrast));
  a.push(String(o.spectrumSize), String(o.minResolution), String(o.maxResolution));
  a.push(String(o.minDefocus), String(o.maxDefocus), String(o.defocusStep));
  if (o.knownAstigmatism !== undefined) {
    a.push("yes", yesNo(o.slowerSearch), String(o.knownAstigmatism.astigmatism), String(o.knownAstigmatism.angle));
  } else {
    a.push("no", yesNo(o.slowerSearch), yesNo(o.astigmatismRestraint !== undefined));
    if (o.astigmatismRestraint !== undefined) a.push(String(o.astigmatismRestraint));
  }
  if (o.phaseShift !== undefined) {
    a.push("yes", rad(o.phaseShift.min), rad(o.phaseShift.max), rad(o.phaseShift.step));
  } else {
    a.push("no");
    if (o.version !== "4.1") a.push(yesNo(o.determineTilt));
  }
  if (o.version === "5") {
    const t = o.thickness;
    a.push(yesNo(t !== undefined));
    if (t !== undefined) {
      a.push(yesNo(t.bruteForce1D), yesNo(t.refine2D), String(t.nodesLowResolution), String(t.nodesHighResolution), yesNo(t.roundedSquare), yesNo(t.downweightNodes));
    }
  }
  a.push("no");
  return a;
}
