/** Options of a synthetic session, validated at the edge (CLI flags, tests, demo). */
import { z } from "zod";

/** What to generate. Counts are per session; all geometry and ids follow from `seed`. */
export const SynthPlanOptions = z
  .object({
    /** Grid squares acquired. */
    squares: z.number().int().min(1).max(2000).default(3),
    /** Foil holes acquired per square (target locations selected in each square's .dm). */
    holesPerSquare: z.number().int().min(1).max(2000).default(10),
    /** Exposures per foil hole (the session's data-acquisition areas). */
    shotsPerHole: z.number().int().min(1).max(64).default(4),
    /** Extra target locations per square that are found but never acquired (state Defined). */
    extraTargetsPerSquare: z.number().int().min(0).max(2000).default(0),
    seed: z.number().int().default(1),
    /** Visit (storage folder) name, used in the Windows paths EPU records; default: basename of the output dir. */
    visit: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,80}$/, "must be 1-80 letters, digits, '_', '.' or '-' (set visit when the output directory's name has other characters)")
      .optional(),
    /** Windows drive and folder holding the visit, as on the microscope PC. */
    windowsRoot: z
      .string()
      .regex(/^[A-Za-z]:(\\[^\\/:*?"<>|]+)*$/, "must be a drive and optional folders, e.g. Z: or Z:\\DoseFractions")
      .default("Z:"),
    /** The session's short name, part of EPU's `Supervisor_<date>_<time>_<name>_EPU` directory name. */
    name: z.string().regex(/^[A-Za-z0-9-]{1,40}$/, "must be 1-40 letters, digits or '-'").default("emflow-synth"),
    /** Simulated session start; every time in the files derives from it (never the wall clock). */
    startTime: z.iso.datetime({ offset: true }).default("2025-03-14T09:00:00Z"),
    /** Size in bytes of each movie placeholder (`*_fractions.tiff`). */
    movieBytes: z.number().int().min(256).max(1 << 30).default(4096),
    /** Every n-th micrograph XML is written as `<name>.xml.tmp` and renamed, as EPU sometimes does (0 = never). */
    tmpRenameEvery: z.number().int().min(0).default(7),
    /** Rewrite a square's Metadata .dm after every n completed holes (it is always rewritten when the square ends). */
    metadataRewriteEvery: z.number().int().min(1).default(25),
    /** Hole lattice of the foil: Quantifoil/C-flat are square, HexAuFoil hexagonal. */
    holeLattice: z.enum(["square", "hexagonal"]).default("square"),
    /** Hole diameter and centre-to-centre spacing in µm (R1.2/1.3 by default). */
    holeSizeUm: z.number().min(0.3).max(10).default(1.2),
    holeSpacingUm: z.number().min(0.5).max(20).default(2.5),
  })
  .strict()
  .refine((o) => o.holeSpacingUm > o.holeSizeUm, { message: "holeSpacingUm must exceed holeSizeUm", path: ["holeSpacingUm"] });
export type SynthPlanOptions = z.infer<typeof SynthPlanOptions>;
export type SynthPlanInput = z.input<typeof SynthPlanOptions>;
