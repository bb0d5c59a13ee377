/**
 * Particle picking with RELION's Laplacian-of-Gaussian picker
 * (`relion_autopick --LoG`). The micrograph is linked into a work directory as
 * `Micrographs/<name>.mrc`, described in a one-micrograph `micrographs.star`,
 * and RELION writes `AutoPick/Micrographs/<name>_autopick.star`.
 */
import { starCoordinates } from "./star-coordinates.js";
import { basename, join, resolve } from "node:path";
import type { PickResult } from "@emflow/core";
import { opticsBlock, readStarFile, writeStarFile } from "@emflow/formats";
import { z } from "zod";
import { readOutput, requireFiles } from "./outputs.js";
import { runProgram } from "./run.js";
import { linkInto, stem } from "./stage.js";
import { externalTool } from "./tools.js";
import { parseWith } from "./validate.js";

const positive = z.number().positive().finite();

/** Options of a LoG picking run. Diameters and filter in Å. */
export const RelionLogPickOptions = z
  .object({
    /** Executable path (config `processing.tools.relion_autopick`). */
    executable: z.string().min(1).optional(),
    /** Micrograph pixel size, Å/px. */
    pixelSize: positive,
    voltage: positive.default(300),
    cs: z.number().finite().default(2.7),
    amplitudeContrast: z.number().min(0).max(1).default(0.1),
    /** Smallest and largest particle diameter, Å. */
    diameterMin: positive,
    diameterMax: positive,
    /** Picking threshold adjustment in standard deviations: positive picks fewer. */
    adjustThreshold: z.number().finite().default(0),
    /** Discard blobs this many standard deviations above the mean (contamination). */
    upperThreshold: z.number().finite().optional(),
    /** Particles brighter than the background (`--Log_invert`). */
    invert: z.boolean().default(false),
    /** Low-pass filter applied to the micrograph, Å (RELION's GUI default 20). */
    lowpass: positive.default(20),
    timeoutMs: z.number().int().positive().optional(),
  })
  .refine((o) => o.diameterMin <= o.diameterMax, "diameterMin must not exceed diameterMax");
export type RelionLogPickOptions = z.input<typeof RelionLogPickOptions>;

/** The argv of `relion_autopick` (without the program), as RELION 3.1's GUI builds it for LoG picking. */
export function relionAutopickArgs(input: string, outputDir: string, options: RelionLogPickOptions): string[] {
  const o = parseWith(RelionLogPickOptions, options, "relion_autopick options");
  const args = ["--i", input, "--odir", outputDir.endsWith("/") ? outputDir : `${outputDir}/`, "--pickname", "autopick"];
  args.push("--LoG", "--LoG_diam_min", String(o.diameterMin), "--LoG_diam_max", String(o.diameterMax));
  args.push("--shrink", "0", "--lowpass", String(o.lowpass), "--LoG_adjust_threshold", String(o.adjustThreshold));
  if (o.upperThreshold !== undefined) args.push("--LoG_upper_threshold", String(o.upperThreshold));
  if (o.invert) args.push("--Log_invert");
  return args;
}

/** Read a RELION coordinate STAR file: centres in px and their figures of merit (NaN-free). */
export async function readRelionCoordinates(path: string): Promise<{ picks: [number, number][]; fom?: number[] }> {
  return starCoordinates(await readStarFile(path), Number.isFinite);
}

/** What a run produced. */
export interface RelionPickOutcome {
  readonly result: PickResult;
  readonly files: { readonly coordinates: string };
  readonly argv: readonly string[];
}

/** Pick particles on one micrograph with RELION's LoG picker, in `workDir`. */
export async function relionLogPick(req: { micrograph: string; workDir: string; options: RelionLogPickOptions; signal?: AbortSignal }): Promise<RelionPickOutcome> {
  const o = parseWith(RelionLogPickOptions, req.options, "relion_autopick options");
  const tool = externalTool("relion_autopick", o.executable);
  const workDir = resolve(req.workDir);
  const name = stem(req.micrograph);
  const rel = `Micrographs/${basename(req.micrograph)}`;
  await linkInto(workDir, rel, req.micrograph, tool.name);
  await writeStarFile(join(workDir, "micrographs.star"), [
    opticsBlock([{ number: 1, name: "opticsGroup1", micrographPixelSize: o.pixelSize, voltage: o.voltage, cs: o.cs, amplitudeContrast: o.amplitudeContrast }]),
    { name: "micrographs", columns: ["rlnMicrographName", "rlnOpticsGroup"], rows: [[rel, 1]] },
  ]);
  const args = relionAutopickArgs("micrographs.star", "AutoPick/", o);
  await runProgram({ tool, args, cwd: workDir, ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }), ...(req.signal === undefined ? {} : { signal: req.signal }) });
  const coordinates = join(workDir, "AutoPick", "Micrographs", `${name}_autopick.star`);
  await requireFiles(tool, [coordinates]);
  const result = await readOutput(tool, () => readRelionCoordinates(coordinates));
  return { result, files: { coordinates }, argv: [tool.executable, ...args] };
}
