/**
 * Motion correction with MotionCor2 (GPU). Writes `<outputDir>/<name>.mrc`
 * (and `<name>_DW.mrc` when dose weighting), logs named after `-LogFile`, and
 * prints the global shifts on standard output. `-FmRef 0` makes frame 1 the
 * reference, as RELION does, so the trajectory starts at the origin. Like the
 * built-in motion correction, the result's trajectory is where the specimen
 * went (a point at p in frame 1 is at p + trajectory[i] in frame i): the
 * negative of the shifts MotionCor2 applies.
 */
import { mkdir, readFile } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { ExternalToolError, ProcessingError, type MotionResult } from "@emflow/core";
import { z } from "zod";
import { accumulatedMotion } from "./motion-stats.js";
import { motioncor2LogCandidates, parseMotioncor2FullLog, parseMotioncor2Stdout, relativeToFirstFrame } from "./motioncor2-log.js";
import { exists, readOutput, requireFiles } from "./outputs.js";
import { runProgram } from "./run.js";
import { stem } from "./stage.js";
import { externalTool } from "./tools.js";
import { parseWith } from "./validate.js";

const positive = z.number().positive().finite();

/** Options of a MotionCor2 run. Units: Å, kV, e/Å². */
export const MotionCor2Options = z.object({
  /** Executable path (config `processing.tools.motioncor2`). */
  executable: z.string().min(1).optional(),
  /** Movie pixel size, Å/px (`-PixSize`). */
  pixelSize: positive,
  /** With `dosePerFrame`, turns on dose weighting (`-Kv`, `-FmDose`). */
  voltage: positive.optional(),
  dosePerFrame: positive.optional(),
  preExposure: z.number().min(0).default(0),
  gainReference: z.string().min(1).optional(),
  /** `-RotGain` (0–3, × 90°) and `-FlipGain` (0 none, 1 upside down, 2 left-right). */
  gainRot: z.number().int().min(0).max(3).optional(),
  gainFlip: z.number().int().min(0).max(2).optional(),
  /** `-Patch x y`. */
  patches: z.tuple([z.number().int().min(1), z.number().int().min(1)]).default([5, 5]),
  /** `-Iter`: maximum alignment iterations; `-Tol`: stop when the shift changes less (px). */
  iterations: z.number().int().min(1).default(7),
  tolerance: positive.default(0.5),
  /** `-Bft global local` in Å². */
  bfactor: z.tuple([z.number().min(0), z.number().min(0)]).optional(),
  /** `-FtBin`: Fourier binning (2 for super-resolution movies). */
  binning: z.number().min(1).default(1),
  /** `-Gpu` device ids. */
  gpus: z.array(z.number().int().min(0)).min(1).default([0]),
  /** Frames dropped at the start (`-Throw`) and end (`-Trunc`). */
  throwFrames: z.number().int().min(0).default(0),
  truncFrames: z.number().int().min(0).default(0),
  /** EER: `-EerSampling` (1 or 2) and the `-FmIntFile` frame-grouping file. */
  eerSampling: z.union([z.literal(1), z.literal(2)]).optional(),
  eerFractionFile: z.string().min(1).optional(),
  /** Dose (e/Å²) separating early from late accumulated motion. */
  motionStatsCutoff: positive.default(4),
  /** Further arguments appended verbatim, e.g. `["-Mag", "1.01", "0.99", "45"]`. */
  extraArgs: z.array(z.string()).default([]),
  timeoutMs: z.number().int().positive().optional(),
});
export type MotionCor2Options = z.input<typeof MotionCor2Options>;

/** The input flag MotionCor2 wants for a movie file, by extension. */
export function motioncor2InputFlag(movie: string): "-InMrc" | "-InTiff" | "-InEer" {
  const ext = extname(movie).toLowerCase();
  if (ext === ".mrc" || ext === ".mrcs") return "-InMrc";
  if (ext === ".tif" || ext === ".tiff") return "-InTiff";
  if (ext === ".eer") return "-InEer";
  throw new ProcessingError(`MotionCor2 reads MRC, TIFF or EER movies, not '${ext || movie}'`, { file: movie });
}

/** The argv of MotionCor2 (without the program) for one movie, output sum and log base. */
export function motioncor2Args(movie: string, output: string, logBase: string, options: MotionCor2Options): string[] {
  const o = parseWith(MotionCor2Options, options, "MotionCor2 options");
  const args = [motioncor2InputFlag(movie), movie, "-OutMrc", output, "-LogFile", logBase];
  if (o.gainReference !== undefined) args.push("-Gain", o.gainReference);
  if (o.gainRot !== undefined) args.push("-RotGain", String(o.gainRot));
  if (o.gainFlip !== undefined) args.push("-FlipGain", String(o.gainFlip));
  args.push("-PixSize", String(o.pixelSize));
  if (o.dosePerFrame !== undefined && o.voltage !== undefined) {
    args.push("-FmDose", String(o.dosePerFrame), "-Kv", String(o.voltage), "-InitDose", String(o.preExposure));
  }
  args.push("-Patch", String(o.patches[0]), String(o.patches[1]), "-Iter", String(o.iterations), "-Tol", String(o.tolerance));
  if (o.bfactor !== undefined) args.push("-Bft", String(o.bfactor[0]), String(o.bfactor[1]));
  if (o.binning !== 1) args.push("-FtBin", String(o.binning));
  if (o.throwFrames > 0) args.push("-Throw", String(o.throwFrames));
  if (o.truncFrames > 0) args.push("-Trunc", String(o.truncFrames));
  if (o.eerSampling !== undefined) args.push("-EerSampling", String(o.eerSampling));
  if (o.eerFractionFile !== undefined) args.push("-FmIntFile", o.eerFractionFile);
  args.push("-FmRef", "0", "-Gpu", ...o.gpus.map(String), ...o.extraArgs);
  return args;
}

/**
 * The specimen trajectory (px, frame 1 at the origin) from MotionCor2's stdout, else from the first log
 * file that exists. MotionCor2 reports the shifts that align the frames; the trajectory is their negative.
 */
export async function readMotioncor2Trajectory(stdout: string, logBase: string): Promise<{ trajectory: [number, number][]; source: string }> {
  const toTrajectory = (shifts: [number, number][]) => relativeToFirstFrame(shifts).map(([x, y]): [number, number] => [-x || 0, -y || 0]);
  const fromStdout = parseMotioncor2Stdout(stdout);
  if (fromStdout !== undefined) return { trajectory: toTrajectory(fromStdout), source: "stdout" };
  for (const file of motioncor2LogCandidates(logBase)) {
    if (await exists(file)) return { trajectory: toTrajectory(parseMotioncor2FullLog(await readFile(file, "utf8"), file)), source: file };
  }
  throw new ExternalToolError(`MotionCor2 printed no 'Full-frame alignment shift' block and wrote none of ${motioncor2LogCandidates(logBase).join(", ")}`);
}

/** What a run produced. */
export interface MotionCor2Outcome {
  readonly result: MotionResult;
  readonly files: { readonly micrograph: string; readonly micrographDW?: string; readonly shiftsFrom: string };
  readonly argv: readonly string[];
}

/** Motion-correct one movie with MotionCor2, writing into `outputDir`. */
export async function motioncor2MotionCorrect(req: { movie: string; outputDir: string; options: MotionCor2Options; signal?: AbortSignal }): Promise<MotionCor2Outcome> {
  const o = parseWith(MotionCor2Options, req.options, "MotionCor2 options");
  const tool = externalTool("motioncor2", o.executable);
  const outputDir = resolve(req.outputDir);
  const name = stem(req.movie);
  const micrograph = join(outputDir, `${name}.mrc`);
  const logBase = join(outputDir, name);
  const args = motioncor2Args(resolve(req.movie), micrograph, logBase, o);
  await mkdir(outputDir, { recursive: true });
  const run = await runProgram({ tool, args, cwd: outputDir, ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }), ...(req.signal === undefined ? {} : { signal: req.signal }) });
  await requireFiles(tool, [micrograph]);
  const { trajectory, source } = await readOutput(tool, () => readMotioncor2Trajectory(run.stdout, logBase));
  const dw = join(outputDir, `${name}_DW.mrc`);
  const weighted = o.dosePerFrame !== undefined && o.voltage !== undefined && (await exists(dw));
  const stats =
    o.dosePerFrame === undefined
      ? accumulatedMotion(trajectory, { pixelSize: o.pixelSize, dosePerFrame: 1, cutoffDose: Number.POSITIVE_INFINITY })
      : accumulatedMotion(trajectory, { pixelSize: o.pixelSize, dosePerFrame: o.dosePerFrame, preExposure: o.preExposure, cutoffDose: o.motionStatsCutoff, firstFrame: o.throwFrames + 1 });
  const result: MotionResult = { trajectory, ...stats, micrograph, ...(weighted ? { micrograph_dw: dw } : {}), pixel_size: o.pixelSize * o.binning };
  return { result, files: { micrograph, ...(weighted ? { micrographDW: dw } : {}), shiftsFrom: source }, argv: [tool.executable, ...args] };
}
