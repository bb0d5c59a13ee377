/**
 * The work of each preprocessing step on one movie: read its inputs from
 * disk, run the built-in algorithm or the configured external program, write
 * its outputs under the session's processing directory, and return the result
 * (stored per micrograph) and what later steps need. Pure of any queue: the
 * services (services.ts) and `emflow process ...` both call these, and they
 * run in worker threads (compute-pool.ts).
 *
 * Output layout (under `out_dir`; the RELION project writer links them into
 * MotionCorr/job002/Movies/ etc.):
 *   emflow/micrographs/<name>.mrc        aligned sum, dose-weighted
 *   emflow/micrographs/<name>_noDW.mrc   aligned sum, not dose-weighted
 *   emflow/thumbnails/<name>.jpg         micrograph thumbnail (≤ 512 px)
 *   emflow/thumbnails/<name>_ps.png      power spectrum with the fitted CTF zeros
 *   emflow/external/<step>/<name>/       working directories of external programs
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ProcessingError, type CtfResult, type MotionResult, type PickResult } from "@emflow/core";
import { openMovie, openMrc, readGain, writeMrcImage } from "@emflow/formats";
import { correctMotion } from "../motion/index.js";
import { estimateCtf } from "../ctf/index.js";
import { pickParticles } from "../pick/index.js";
import { estimateIceThickness, makeThumbnails, micrographThumbnail, powerSpectrumThumbnail } from "../ice/index.js";
import { relionMotionCorrect, relionLogPick, motioncor2MotionCorrect, ctffindEstimate, cryoloPick } from "../external/index.js";
import { encodeJpeg, encodePng } from "./encode.js";
import type { CtfOutput, MotionOutput, PickOutput, StepPayload } from "./job.js";

/** Which implementation runs each step, and where external programs are. */
export interface ComputeConfig {
  readonly motion: "builtin" | "relion" | "motioncor2";
  readonly ctf: "builtin" | "ctffind";
  readonly pick: "builtin" | "relion" | "cryolo";
  /** Executable paths by tool id (relion_run_motioncorr, relion_autopick, motioncor2, ctffind, cryolo). */
  /** crYOLO also needs its model and config file: keys `cryolo_weights` and `cryolo_config`. */
  readonly tools: Readonly<Record<string, string>>;
}

export const BUILTIN: ComputeConfig = { motion: "builtin", ctf: "builtin", pick: "builtin", tools: {} };

/** What a step returns: its stored result, the tool that ran, and what it adds to the payload. */
export interface StepOutcome<R, O> {
  readonly tool: string;
  readonly result: R;
  readonly output: O;
}

const dirs = (job: StepPayload) => ({
  micrographs: join(job.out_dir, "emflow", "micrographs"),
  thumbnails: join(job.out_dir, "emflow", "thumbnails"),
  external: (step: string) => join(job.out_dir, "emflow", "external", step, job.name),
});

async function readImage(path: string): Promise<{ data: Float32Array; width: number; height: number }> {
  const r = await openMrc(path);
  try {
    return { data: await r.readFrame(0), width: r.width, height: r.height };
  } finally {
    await r.close();
  }
}

function need<T>(value: T | undefined, what: string, job: StepPayload): T {
  if (value === undefined) throw new ProcessingError(`${job.name}: ${what} is missing from the step's input (run the earlier steps first)`);
  return value;
}

/** Motion correction: aligned sums (with and without dose weighting), trajectory, accumulated motion. */
export async function computeMotion(job: StepPayload, cfg: ComputeConfig = BUILTIN): Promise<StepOutcome<MotionResult, MotionOutput>> {
  const d = dirs(job);
  const movie = await openMovie(job.movie);
  const geometry = { width: movie.width, height: movie.height, frames: movie.frameCount };
  const dosePerFrame = job.dose_per_frame ?? (job.dose_total === undefined ? undefined : job.dose_total / movie.frameCount);
  if (cfg.motion !== "builtin") {
    await movie.close();
    if (dosePerFrame === undefined) throw new ProcessingError(`${job.name}: external motion correction needs the dose per frame (--dose-per-frame)`);
    const common = { pixelSize: job.apix, voltage: job.kv, dosePerFrame, ...(job.gain === undefined ? {} : { gainReference: job.gain }) };
    const o =
      cfg.motion === "relion"
        ? await relionMotionCorrect({ movie: job.movie, workDir: d.external("motion"), options: { ...common, cs: job.cs, amplitudeContrast: job.ac, patches: [5, 5], ...exe(cfg, "relion_run_motioncorr") } })
        : await motioncor2MotionCorrect({ movie: job.movie, outputDir: d.external("motion"), options: { ...common, ...exe(cfg, "motioncor2") } });
    const files = o.files as { micrograph: string; micrographNoDW?: string; micrographDW?: string };
    const dw = cfg.motion === "relion" ? files.micrograph : (files.micrographDW ?? files.micrograph);
    const noDw = cfg.motion === "relion" ? (files.micrographNoDW ?? files.micrograph) : files.micrograph;
    const result: MotionResult = { ...o.result, micrograph: noDw, micrograph_dw: dw, pixel_size: job.apix };
    return { tool: cfg.motion, result, output: { micrograph: noDw, micrograph_dw: dw, ...geometry, ...figures(result), ...(dosePerFrame === undefined ? {} : { dose_per_frame: dosePerFrame }) } };
  }
  try {
    const gain = job.gain === undefined ? undefined : await readGain(job.gain);
    if (gain !== undefined && (gain.width !== movie.width || gain.height !== movie.height)) {
      throw new ProcessingError(`gain reference ${job.gain} is ${gain.width} × ${gain.height}; the movie ${job.movie} is ${movie.width} × ${movie.height}`);
    }
    const mc = await correctMotion(movie, { pixelSize: job.apix, voltage: job.kv, ...(dosePerFrame === undefined ? {} : { dosePerFrame }), ...(gain === undefined ? {} : { gain: gain.data as Float32Array<ArrayBuffer> }) });
    await mkdir(d.micrographs, { recursive: true });
    const noDw = join(d.micrographs, `${job.name}_noDW.mrc`);
    await writeMrcImage(noDw, mc.sum, mc.width, mc.height, job.apix);
    let dw: string | undefined;
    if (mc.sumDoseWeighted !== undefined) {
      dw = join(d.micrographs, `${job.name}.mrc`);
      await writeMrcImage(dw, mc.sumDoseWeighted, mc.width, mc.height, job.apix);
    }
    const result: MotionResult = {
      trajectory: mc.trajectory,
      total_motion: mc.total_motion,
      early_motion: mc.early_motion,
      late_motion: mc.late_motion,
      early_frames: mc.early_frames,
      micrograph: noDw,
      ...(dw === undefined ? {} : { micrograph_dw: dw }),
      pixel_size: job.apix,
      local_motion: mc.local !== undefined,
    };
    return {
      tool: "builtin",
      result,
      output: { micrograph: noDw, ...(dw === undefined ? {} : { micrograph_dw: dw }), ...geometry, ...figures(result), ...(dosePerFrame === undefined ? {} : { dose_per_frame: dosePerFrame }) },
    };
  } finally {
    await movie.close();
  }
}

const figures = (r: MotionResult) => ({ trajectory: r.trajectory, total_motion: r.total_motion, early_motion: r.early_motion, late_motion: r.late_motion });

/** Search ±60% around EPU's applied defocus when known (CTFFIND-style default range otherwise). */
function defocusRange(job: StepPayload): { minDefocus: number; maxDefocus: number } {
  const a = job.applied_defocus;
  if (a === undefined || !(a > 2000)) return { minDefocus: 3000, maxDefocus: 50_000 };
  return { minDefocus: Math.max(1000, a * 0.4), maxDefocus: Math.min(80_000, a * 1.6 + 5000) };
}

/** CTF estimation on the non-dose-weighted sum, with a power-spectrum thumbnail showing the fit. */
export async function computeCtf(job: StepPayload, cfg: ComputeConfig = BUILTIN): Promise<StepOutcome<CtfResult, CtfOutput>> {
  const motion = need(job.motion, "the aligned micrograph", job);
  const d = dirs(job);
  if (cfg.ctf === "ctffind") {
    const o = await ctffindEstimate({
      micrograph: motion.micrograph,
      outputDir: d.external("ctf"),
      options: { pixelSize: job.apix, voltage: job.kv, cs: job.cs, amplitudeContrast: job.ac, ...defocusRange(job), ...exe(cfg, "ctffind") },
    });
    const { profile: _p, ...result } = o.result;
    return { tool: "ctffind", result, output: pickCtf(result) };
  }
  const img = await readImage(motion.micrograph);
  const est = await estimateCtf(img.data, img.width, img.height, { pixelSize: job.apix, voltage: job.kv, cs: job.cs, amplitudeContrast: job.ac, ...defocusRange(job) });
  await mkdir(d.thumbnails, { recursive: true });
  const ps = powerSpectrumThumbnail(est, { voltage: job.kv, cs: job.cs, amplitude_contrast: job.ac }, job.apix);
  const psFile = join(d.thumbnails, `${job.name}_ps.png`);
  await encodePng(ps, psFile);
  const result: CtfResult = {
    defocus_u: est.defocus_u,
    defocus_v: est.defocus_v,
    astigmatism_angle: est.astigmatism_angle,
    phase_shift: est.phase_shift,
    score: est.score,
    fit_resolution: est.fit_resolution,
    profile: est.profile,
    power_spectrum: psFile,
  };
  return { tool: "builtin", result, output: { ...pickCtf(result), power_spectrum: psFile } };
}

function pickCtf(r: CtfResult): CtfOutput {
  return {
    defocus_u: r.defocus_u,
    defocus_v: r.defocus_v,
    astigmatism_angle: r.astigmatism_angle,
    ...(r.phase_shift === undefined ? {} : { phase_shift: r.phase_shift }),
    score: r.score,
    fit_resolution: r.fit_resolution,
  };
}

/** Particle picking on the dose-weighted sum (the non-weighted one when there is none). */
export async function computePick(job: StepPayload, cfg: ComputeConfig = BUILTIN): Promise<StepOutcome<PickResult, PickOutput>> {
  const motion = need(job.motion, "the aligned micrograph", job);
  const micrograph = motion.micrograph_dw ?? motion.micrograph;
  const d = dirs(job);
  if (cfg.pick !== "builtin") {
    const o =
      cfg.pick === "relion"
        ? await relionLogPick({
            micrograph,
            workDir: d.external("pick"),
            options: { pixelSize: job.apix, voltage: job.kv, cs: job.cs, amplitudeContrast: job.ac, diameterMin: job.diameter * 0.8, diameterMax: job.diameter * 1.2, ...exe(cfg, "relion_autopick") },
          })
        : await cryoloPick({
            micrograph,
            workDir: d.external("pick"),
            options: { config: need(cfg.tools.cryolo_config, "[processing.tools] cryolo_config", job), weights: need(cfg.tools.cryolo_weights, "[processing.tools] cryolo_weights", job), ...exe(cfg, "cryolo") },
          });
    return { tool: cfg.pick, result: o.result, output: { picks: o.result.picks, ...(o.result.fom === undefined ? {} : { fom: o.result.fom }), coordinates: o.files.coordinates } };
  }
  const img = await readImage(micrograph);
  const p = await pickParticles(img.data, img.width, img.height, { pixelSize: job.apix, diameter: job.diameter });
  const result: PickResult = { picks: p.picks, fom: p.fom, diameter: p.diameter, threshold: p.threshold };
  return { tool: "builtin", result, output: { picks: p.picks, fom: p.fom } };
}

/** Relative ice thickness (five figures) from the non-weighted sum. */
export async function computeIce(job: StepPayload): Promise<StepOutcome<Record<string, unknown> & { min: number; q1: number; median: number; q3: number; max: number }, Record<string, never>>> {
  const motion = need(job.motion, "the aligned micrograph", job);
  const img = await readImage(motion.micrograph);
  const ice = estimateIceThickness(img.data, img.width, img.height);
  return { tool: "builtin", result: { ...ice }, output: {} };
}

/** The micrograph thumbnail (JPEG), with the pick overlay and drift plot as data. */
export async function computeThumbnails(job: StepPayload): Promise<StepOutcome<Record<string, unknown>, Record<string, never>>> {
  const motion = need(job.motion, "the aligned micrograph", job);
  const d = dirs(job);
  const img = await readImage(motion.micrograph_dw ?? motion.micrograph);
  const t = makeThumbnails({
    micrograph: img.data,
    width: img.width,
    height: img.height,
    pixelSize: job.apix,
    ...(job.pick === undefined ? {} : { picks: { picks: job.pick.picks, diameter: job.diameter } }),
    trajectory: motion.trajectory,
  });
  await mkdir(d.thumbnails, { recursive: true });
  const file = join(d.thumbnails, `${job.name}.jpg`);
  await encodeJpeg(t.micrograph, file);
  return {
    tool: "builtin",
    result: {
      micrograph: file,
      width: t.micrograph.width,
      height: t.micrograph.height,
      ...(job.ctf?.power_spectrum === undefined ? {} : { power_spectrum: job.ctf.power_spectrum }),
      ...(t.picks === undefined ? {} : { picks_overlay: t.picks }),
      ...(t.drift === undefined ? {} : { drift: t.drift }),
    },
    output: {},
  };
}

/** The configured executable of `id`, as an option object (empty: the default name on PATH). */
function exe(cfg: ComputeConfig, id: string): { executable?: string } {
  const path = cfg.tools[id];
  return path === undefined ? {} : { executable: path };
}

/** Used by `emflow process motion|ctf|pick` for one file: a thumbnail of any micrograph. */
export { micrographThumbnail };
