/**
 * Motion correction with RELION's own implementation (`relion_run_motioncorr
 * --use_own`, CPU). The movie is linked into a work directory as
 * `Movies/<name>`, described in a one-movie `movies.star`, and RELION writes
 * `MotionCorr/Movies/<name>.mrc` plus its shift file `MotionCorr/Movies/<name>.star`.
 * Use one work directory per movie (or one movie at a time per directory):
 * RELION rewrites `MotionCorr/corrected_micrographs.star` on every run.
 * The result's trajectory follows the built-in motion correction: where the
 * specimen went, i.e. the negative of RELION's rlnMicrographShiftX/Y.
 */
import { basename, join, resolve } from "node:path";
import { ExternalToolError, type MotionResult } from "@emflow/core";
import { opticsBlock, readStarFile, writeStarFile } from "@emflow/formats";
import { z } from "zod";
import { exists, readOutput, requireFiles } from "./outputs.js";
import { runProgram } from "./run.js";
import { linkInto, stem } from "./stage.js";
import { externalTool } from "./tools.js";
import { parseWith } from "./validate.js";

const positive = z.number().positive().finite();

/** Options of a RELION motion correction run. Units: Å, kV, mm, e/Å². */
export const RelionMotionOptions = z.object({
  /** Executable path (config `processing.tools.relion_run_motioncorr`). */
  executable: z.string().min(1).optional(),
  /** Movie pixel size, Å/px. */
  pixelSize: positive,
  voltage: positive,
  cs: z.number().finite().default(2.7),
  amplitudeContrast: z.number().min(0).max(1).default(0.1),
  /** Dose per frame, e/Å². */
  dosePerFrame: positive,
  preExposure: z.number().min(0).default(0),
  doseWeighting: z.boolean().default(true),
  /** Also write the sum without dose weighting (`--save_noDW`). */
  saveNoDW: z.boolean().default(true),
  gainReference: z.string().min(1).optional(),
  /** Gain rotation in 90° steps clockwise (0–3) and flip (0 none, 1 upside down, 2 left-right). */
  gainRot: z.number().int().min(0).max(3).default(0),
  gainFlip: z.number().int().min(0).max(2).default(0),
  /** Patches in x and y for local motion (1 × 1: global only). */
  patches: z.tuple([z.number().int().min(1), z.number().int().min(1)]).default([1, 1]),
  /** B-factor in px² applied to the frames before alignment. */
  bfactor: z.number().min(0).default(150),
  binning: z.number().min(1).default(1),
  threads: z.number().int().min(1).default(1),
  /** First and last frame (1-based) of the sum; lastFrame -1 means all. */
  firstFrame: z.number().int().min(1).default(1),
  lastFrame: z.number().int().default(-1),
  /** EER: frames grouped into one fraction, and 1 (4K) or 2 (8K) upsampling. */
  eerGrouping: z.number().int().min(1).optional(),
  eerUpsampling: z.union([z.literal(1), z.literal(2)]).optional(),
  /** Dose (e/Å²) separating early from late accumulated motion. */
  motionStatsCutoff: positive.default(4),
  timeoutMs: z.number().int().positive().optional(),
});
export type RelionMotionOptions = z.input<typeof RelionMotionOptions>;

/** The argv of `relion_run_motioncorr` (without the program) for an input STAR and an output directory. */
export function relionMotioncorrArgs(input: string, outputDir: string, options: RelionMotionOptions): string[] {
  const o = parseWith(RelionMotionOptions, options, "relion_run_motioncorr options");
  const args = ["--i", input, "--o", outputDir.endsWith("/") ? outputDir : `${outputDir}/`, "--use_own", "--j", String(o.threads)];
  args.push("--first_frame_sum", String(o.firstFrame), "--last_frame_sum", String(o.lastFrame));
  args.push("--bin_factor", String(o.binning), "--bfactor", String(o.bfactor));
  args.push("--dose_per_frame", String(o.dosePerFrame), "--preexposure", String(o.preExposure));
  args.push("--patch_x", String(o.patches[0]), "--patch_y", String(o.patches[1]));
  if (o.gainReference !== undefined) args.push("--gainref", o.gainReference, "--gain_rot", String(o.gainRot), "--gain_flip", String(o.gainFlip));
  if (o.eerGrouping !== undefined) args.push("--eer_grouping", String(o.eerGrouping));
  if (o.eerUpsampling !== undefined) args.push("--eer_upsampling", String(o.eerUpsampling));
  if (o.doseWeighting) {
    args.push("--dose_weighting", "--angpix", String(o.pixelSize), "--voltage", String(o.voltage));
    if (o.saveNoDW) args.push("--save_noDW");
  }
  args.push("--dose_motionstats_cutoff", String(o.motionStatsCutoff));
  return args;
}

/** What a run produced: the result plus the files and command behind it. */
export interface RelionMotionOutcome {
  readonly result: MotionResult;
  readonly files: { readonly micrograph: string; readonly micrographNoDW?: string; readonly shifts: string; readonly log: string };
  readonly argv: readonly string[];
}

/**
 * Read RELION's per-movie shift file: its global shifts in px, frame by frame. RELION stores the shift
 * that aligns each frame; the specimen's trajectory (emflow's convention) is its negative.
 */
export async function readRelionShiftFile(path: string): Promise<{ firstFrame: number; shifts: [number, number][] }> {
  const doc = await readStarFile(path);
  const t = doc.table("global_shift");
  const frames = t.integers("rlnMicrographFrameNumber");
  const xs = t.numbers("rlnMicrographShiftX");
  const ys = t.numbers("rlnMicrographShiftY");
  const order = Array.from(frames.keys()).sort((a, b) => (frames[a] ?? 0) - (frames[b] ?? 0));
  const shifts = order.map((i): [number, number] => [xs[i] ?? 0, ys[i] ?? 0]);
  const firstFrame = doc.find("general")?.optionalNumber("rlnMicrographStartFrame") ?? frames[order[0] ?? 0] ?? 1;
  return { firstFrame, shifts };
}

/** Motion-correct one movie with `relion_run_motioncorr --use_own` in `workDir`. */
export async function relionMotionCorrect(req: { movie: string; workDir: string; options: RelionMotionOptions; signal?: AbortSignal }): Promise<RelionMotionOutcome> {
  const o = parseWith(RelionMotionOptions, req.options, "relion_run_motioncorr options");
  const tool = externalTool("relion_run_motioncorr", o.executable);
  const workDir = resolve(req.workDir);
  const name = stem(req.movie);
  const rel = `Movies/${basename(req.movie)}`;
  await linkInto(workDir, rel, req.movie, tool.name);
  await writeStarFile(join(workDir, "movies.star"), [
    opticsBlock([{ number: 1, name: "opticsGroup1", originalPixelSize: o.pixelSize, voltage: o.voltage, cs: o.cs, amplitudeContrast: o.amplitudeContrast }]),
    { name: "movies", columns: ["rlnMicrographMovieName", "rlnOpticsGroup"], rows: [[rel, 1]] },
  ]);
  const args = relionMotioncorrArgs("movies.star", "MotionCorr/", o);
  const log = join(workDir, "MotionCorr", "Movies", `${name}.log`);
  await runProgram({ tool, args, cwd: workDir, logFile: log, ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }), ...(req.signal === undefined ? {} : { signal: req.signal }) });

  const shifts = join(workDir, "MotionCorr", "Movies", `${name}.star`);
  const micrograph = join(workDir, "MotionCorr", "Movies", `${name}.mrc`);
  const noDW = join(workDir, "MotionCorr", "Movies", `${name}_noDW.mrc`);
  const summary = join(workDir, "MotionCorr", "corrected_micrographs.star");
  await requireFiles(tool, [shifts, micrograph, summary], log);

  const savedNoDW = o.doseWeighting && o.saveNoDW && (await exists(noDW));
  return readOutput(tool, async () => {
    // RELION's shifts align the frames; the specimen moved the opposite way.
    const trajectory = (await readRelionShiftFile(shifts)).shifts.map(([x, y]): [number, number] => [-x || 0, -y || 0]);
    const table = (await readStarFile(summary)).table("micrographs");
    const names = table.strings("rlnMicrographName");
    const row = names.indexOf(`MotionCorr/Movies/${name}.mrc`);
    if (row < 0) throw new ExternalToolError(`${tool.name}: ${summary} has no row for MotionCorr/Movies/${name}.mrc`, { file: summary });
    // RELION sums these in (unbinned) pixels; convert to Å.
    const px = (label: string) => table.number(row, label) * o.pixelSize;
    const result: MotionResult = {
      trajectory,
      total_motion: px("rlnAccumMotionTotal"),
      early_motion: px("rlnAccumMotionEarly"),
      late_motion: px("rlnAccumMotionLate"),
      micrograph: savedNoDW ? noDW : micrograph,
      ...(o.doseWeighting ? { micrograph_dw: micrograph } : {}),
      pixel_size: o.pixelSize * o.binning,
    };
    return { result, files: { micrograph, ...(savedNoDW ? { micrographNoDW: noDW } : {}), shifts, log }, argv: [tool.executable, ...args] };
  });
}
