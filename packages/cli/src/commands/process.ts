/**
 * `emflow process motion|ctf|pick <file>`: one preprocessing step by hand on
 * one file, with the same code the live services run. `--json` prints the
 * result with the documented field names (docs/PROCESSING.md).
 */
import { randomUUID } from "node:crypto";
import { basename, resolve } from "node:path";
import { Option, type Command } from "commander";
import type { ComputeConfig, StepPayload } from "@emflow/processing";
import { UsageError } from "../ui/errors.js";
import { positive } from "../ui/flags.js";

type Run = (work: () => Promise<number>) => void;

interface CommonFlags {
  apix?: number;
  kv: number;
  cs: number;
  ac: number;
  out: string;
  json?: boolean;
  tool?: string;
  exe?: string;
}

const stem = (file: string): string => basename(file).replace(/\.(mrcs?|tiff?|eer)$/i, "");

function payload(file: string, o: CommonFlags & { dosePerFrame?: number; diameter?: number; gain?: string; defocus?: number }, apix: number): StepPayload {
  return {
    micrograph_id: randomUUID(),
    name: stem(file),
    movie: resolve(file),
    out_dir: resolve(o.out),
    apix,
    kv: o.kv,
    cs: o.cs,
    ac: o.ac,
    diameter: o.diameter ?? 150,
    ...(o.dosePerFrame === undefined ? {} : { dose_per_frame: o.dosePerFrame }),
    ...(o.gain === undefined ? {} : { gain: resolve(o.gain) }),
    ...(o.defocus === undefined ? {} : { applied_defocus: o.defocus }),
  };
}

/** The pixel size: the flag, else the file's header, else a usage error naming the flag. */
async function pixelSize(file: string, given: number | undefined): Promise<{ apix: number; width: number; height: number; frames: number }> {
  const { openMovie } = await import("@emflow/formats");
  const m = await openMovie(file);
  try {
    const apix = given ?? m.pixelSizeA;
    if (apix === undefined || !(apix > 0)) throw new UsageError(`${file}: the header has no pixel size: give --apix (Å/px)`);
    return { apix, width: m.width, height: m.height, frames: m.frameCount };
  } finally {
    await m.close();
  }
}

function config(step: "motion" | "ctf" | "pick", o: CommonFlags): ComputeConfig {
  const tools: Record<string, string> = {};
  const tool = o.tool ?? "builtin";
  if (o.exe !== undefined) tools[{ relion: step === "pick" ? "relion_autopick" : "relion_run_motioncorr", motioncor2: "motioncor2", ctffind: "ctffind", cryolo: "cryolo" }[tool] ?? tool] = o.exe;
  return { motion: step === "motion" ? (tool as ComputeConfig["motion"]) : "builtin", ctf: step === "ctf" ? (tool as ComputeConfig["ctf"]) : "builtin", pick: step === "pick" ? (tool as ComputeConfig["pick"]) : "builtin", tools };
}

function print(json: boolean | undefined, result: Record<string, unknown>, lines: string[]): void {
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${lines.join("\n")}\n`);
}

const common = (c: Command, tools: string[]): Command =>
  c
    .option("--apix <A>", "pixel size, Å/px (default: from the file's header)", positive("--apix"))
    .option("--kv <kV>", "acceleration voltage, kV", positive("--kv"), 300)
    .option("--cs <mm>", "spherical aberration, mm", positive("--cs", true), 2.7)
    .option("--ac <f>", "amplitude contrast", positive("--ac", true), 0.1)
    .option("--out <dir>", "where outputs go (emflow/micrographs/, emflow/thumbnails/ under it)", ".")
    .addOption(new Option("--tool <t>", "implementation").choices(tools).default("builtin"))
    .option("--exe <path>", "path of the external program (default: found on PATH)")
    .option("--json", "print the result as JSON (field names in docs/PROCESSING.md)");

/** Add `process` with its subcommands. */
export function registerProcess(program: Command, run: Run): void {
  const p = program.command("process").description("run one preprocessing step on one file, as the live services do");

  common(p.command("motion").description("motion correction of a movie (MRC/MRCS, TIFF, EER): aligned sums, trajectory, motion").argument("<movie>"), ["builtin", "relion", "motioncor2"])
    .option("--dose-per-frame <e>", "dose per frame, e/Å² (enables dose weighting)", positive("--dose-per-frame"))
    .option("--gain <file>", "gain reference (MRC/TIFF), multiplied into every frame")
    .action((file: string, o: CommonFlags & { dosePerFrame?: number; gain?: string }) =>
      run(async () => {
        const info = await pixelSize(file, o.apix);
        const r = await (await import("@emflow/processing")).computeMotion(payload(file, o, info.apix), config("motion", o));
        const x = r.result;
        print(o.json, x, [
          `${file}: ${info.width} × ${info.height} × ${info.frames} frames at ${info.apix} Å/px (${r.tool})`,
          `motion: total ${x.total_motion.toFixed(2)} Å, early ${x.early_motion.toFixed(2)} Å, late ${x.late_motion.toFixed(2)} Å`,
          `last frame at (${x.trajectory.at(-1)?.map((v) => v.toFixed(2)).join(", ")}) px`,
          `aligned sum: ${x.micrograph}${x.micrograph_dw === undefined ? "" : `\ndose-weighted: ${x.micrograph_dw}`}`,
        ]);
        return 0;
      }),
    );

  common(p.command("ctf").description("CTFFIND4-style CTF estimation of a micrograph (MRC)").argument("<micrograph>"), ["builtin", "ctffind"])
    .option("--defocus <A>", "expected defocus, Å (narrows the search to ±60%)", positive("--defocus"))
    .action((file: string, o: CommonFlags & { defocus?: number }) =>
      run(async () => {
        const info = await pixelSize(file, o.apix);
        const job = { ...payload(file, o, info.apix), motion: { micrograph: resolve(file), width: info.width, height: info.height, frames: 1, trajectory: [] } };
        const r = await (await import("@emflow/processing")).computeCtf(job, config("ctf", o));
        const x = r.result;
        print(o.json, x, [
          `${file}: defocus U ${x.defocus_u.toFixed(0)} Å, V ${x.defocus_v.toFixed(0)} Å, angle ${x.astigmatism_angle.toFixed(1)}° (${r.tool})`,
          `fit resolution ${x.fit_resolution.toFixed(2)} Å, score ${x.score.toFixed(3)}${x.power_spectrum === undefined ? "" : `\npower spectrum: ${String(x.power_spectrum)}`}`,
        ]);
        return 0;
      }),
    );

  common(p.command("pick").description("Laplacian-of-Gaussian particle picking on a micrograph (MRC)").argument("<micrograph>"), ["builtin", "relion", "cryolo"])
    .requiredOption("--diameter <A>", "particle diameter, Å", positive("--diameter"))
    .action((file: string, o: CommonFlags & { diameter: number }) =>
      run(async () => {
        const info = await pixelSize(file, o.apix);
        const job = { ...payload(file, o, info.apix), motion: { micrograph: resolve(file), width: info.width, height: info.height, frames: 1, trajectory: [] } };
        const r = await (await import("@emflow/processing")).computePick(job, config("pick", o));
        print(o.json, r.result, [`${file}: ${r.result.picks.length} particles of ${o.diameter} Å (${r.tool})`]);
        return 0;
      }),
    );
}
