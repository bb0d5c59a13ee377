/**
 * Particle picking with crYOLO (`cryolo_predict.py`). The micrograph is linked
 * into `<workDir>/input/`, crYOLO writes `<workDir>/output/{CBOX,STAR,EMAN}/<name>.*`;
 * we read CBOX (all detections with confidence, filtered by the threshold)
 * when present, else STAR, else EMAN.
 */
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { ExternalToolError, type PickResult } from "@emflow/core";
import { z } from "zod";
import { parseCbox, parseCryoloStar, parseEmanBox } from "./cryolo-output.js";
import { exists, readOutput } from "./outputs.js";
import { runProgram } from "./run.js";
import { linkInto, stem } from "./stage.js";
import { externalTool } from "./tools.js";
import { parseWith } from "./validate.js";

/** crYOLO options. */
export const CryoloOptions = z.object({
  /** Executable path (config `processing.tools.cryolo`). */
  executable: z.string().min(1).optional(),
  /** crYOLO configuration (`-c config.json`) and model weights (`-w model.h5`). */
  config: z.string().min(1),
  weights: z.string().min(1),
  /** Confidence threshold (`-t`), crYOLO's default 0.3. */
  threshold: z.number().min(0).max(1).default(0.3),
  /** GPU ids (`-g`); empty runs on what crYOLO picks by default. */
  gpus: z.array(z.number().int().min(0)).default([]),
  /** Minimum distance between picks in px (`-d`). */
  distance: z.number().int().min(0).optional(),
  /** Filter on the fly (`--otf`) instead of writing filtered images. */
  otf: z.boolean().default(false),
  /** Worker processes (`-nc`). */
  numCpu: z.number().int().min(1).optional(),
  extraArgs: z.array(z.string()).default([]),
  timeoutMs: z.number().int().positive().optional(),
});
export type CryoloOptions = z.input<typeof CryoloOptions>;

/** The argv of `cryolo_predict.py` (without the program). */
export function cryoloArgs(input: string, output: string, options: CryoloOptions): string[] {
  const o = parseWith(CryoloOptions, options, "crYOLO options");
  const args = ["-c", o.config, "-w", o.weights, "-i", input, "-o", output, "-t", String(o.threshold)];
  if (o.gpus.length > 0) args.push("-g", ...o.gpus.map(String));
  if (o.distance !== undefined) args.push("-d", String(o.distance));
  if (o.otf) args.push("--otf");
  if (o.numCpu !== undefined) args.push("-nc", String(o.numCpu));
  args.push(...o.extraArgs);
  return args;
}

/** Picks for micrograph `name` from crYOLO's output directory: CBOX, else STAR, else EMAN. */
export async function readCryoloPicks(outputDir: string, name: string, threshold: number): Promise<{ result: PickResult; file: string }> {
  const cbox = join(outputDir, "CBOX", `${name}.cbox`);
  if (await exists(cbox)) {
    const { picks, fom } = parseCbox(await readFile(cbox, "utf8"), threshold, cbox);
    return { result: { picks, fom }, file: cbox };
  }
  const star = join(outputDir, "STAR", `${name}.star`);
  if (await exists(star)) return { result: parseCryoloStar(await readFile(star, "utf8"), star), file: star };
  const box = join(outputDir, "EMAN", `${name}.box`);
  if (await exists(box)) return { result: parseEmanBox(await readFile(box, "utf8"), box), file: box };
  throw new ExternalToolError(`crYOLO wrote no coordinates for ${name} (looked for ${cbox}, ${star}, ${box})`, { file: cbox });
}

/** What a run produced. */
export interface CryoloOutcome {
  readonly result: PickResult;
  readonly files: { readonly coordinates: string };
  readonly argv: readonly string[];
}

/** Pick particles on one micrograph with crYOLO in `workDir`. */
export async function cryoloPick(req: { micrograph: string; workDir: string; options: CryoloOptions; signal?: AbortSignal }): Promise<CryoloOutcome> {
  const o = parseWith(CryoloOptions, req.options, "crYOLO options");
  const tool = externalTool("cryolo", o.executable);
  const workDir = resolve(req.workDir);
  await linkInto(workDir, join("input", basename(req.micrograph)), req.micrograph, tool.name);
  const args = cryoloArgs("input/", "output/", o);
  await runProgram({ tool, args, cwd: workDir, ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }), ...(req.signal === undefined ? {} : { signal: req.signal }) });
  const { result, file } = await readOutput(tool, () => readCryoloPicks(join(workDir, "output"), stem(req.micrograph), o.threshold));
  return { result, files: { coordinates: file }, argv: [tool.executable, ...args] };
}
