import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isEmflowError, MotionResult, PickResult } from "@emflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { accumulatedMotion } from "./motion-stats.js";
import { relionAutopickArgs, relionLogPick } from "./relion-autopick.js";
import { readRelionShiftFile, relionMotionCorrect, relionMotioncorrArgs } from "./relion-motioncorr.js";

const relionAvailable = ["relion_run_motioncorr", "relion_autopick"].every((p) => spawnSync(p, ["--version"]).status === 0);
const python = "/usr/bin/python3";
const script = fileURLToPath(new URL("./fixtures/make-inputs.py", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "emflow-relion-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("RELION command lines", () => {
  it("builds relion_run_motioncorr's argv", () => {
    const args = relionMotioncorrArgs("movies.star", "MotionCorr/job002", {
      pixelSize: 0.83,
      voltage: 300,
      dosePerFrame: 1.2,
      gainReference: "/data/gain.mrc",
      gainRot: 1,
      patches: [5, 3],
      binning: 2,
      threads: 4,
    });
    expect(args).toEqual([
      "--i", "movies.star", "--o", "MotionCorr/job002/", "--use_own", "--j", "4",
      "--first_frame_sum", "1", "--last_frame_sum", "-1",
      "--bin_factor", "2", "--bfactor", "150",
      "--dose_per_frame", "1.2", "--preexposure", "0",
      "--patch_x", "5", "--patch_y", "3",
      "--gainref", "/data/gain.mrc", "--gain_rot", "1", "--gain_flip", "0",
      "--dose_weighting", "--angpix", "0.83", "--voltage", "300", "--save_noDW",
      "--dose_motionstats_cutoff", "4",
    ]); // prettier-ignore
    expect(relionMotioncorrArgs("m.star", "out/", { pixelSize: 1, voltage: 300, dosePerFrame: 1, doseWeighting: false })).not.toContain("--dose_weighting");
  });

  it("builds relion_autopick's LoG argv like RELION's GUI", () => {
    expect(relionAutopickArgs("micrographs.star", "AutoPick/job004/", { pixelSize: 1, diameterMin: 150, diameterMax: 180, adjustThreshold: 0.5, upperThreshold: 5, invert: true })).toEqual([
      "--i", "micrographs.star", "--odir", "AutoPick/job004/", "--pickname", "autopick",
      "--LoG", "--LoG_diam_min", "150", "--LoG_diam_max", "180",
      "--shrink", "0", "--lowpass", "20", "--LoG_adjust_threshold", "0.5",
      "--LoG_upper_threshold", "5", "--Log_invert",
    ]); // prettier-ignore
    expect(() => relionAutopickArgs("m.star", "o/", { pixelSize: 1, diameterMin: 200, diameterMax: 100 })).toThrow(/diameterMin/);
  });
});

describe("missing RELION binaries", () => {
  it("names the binary and the config key", async () => {
    writeFileSync(join(dir, "fake.mrc"), "not a movie");
    const err = await relionMotionCorrect({
      movie: join(dir, "fake.mrc"),
      workDir: join(dir, "missing"),
      options: { executable: "/nonexistent/relion_run_motioncorr", pixelSize: 1, voltage: 300, dosePerFrame: 1 },
    }).catch((e: unknown) => e);
    expect(isEmflowError(err, "ExternalToolError")).toBe(true);
    expect((err as Error).message).toBe("/nonexistent/relion_run_motioncorr not found: install relion_run_motioncorr or set processing.tools.relion_run_motioncorr to its path");
  });
});

describe.skipIf(!relionAvailable)("RELION 3.1 for real (skipped when relion_run_motioncorr/relion_autopick are not installed)", () => {
  // A drift with a sub-pixel, accelerating component; frame 0 at the origin.
  const drift: [number, number][] = Array.from({ length: 10 }, (_, f) => [1.1 * f - 0.04 * f * f, -0.6 * f + 0.25 * Math.sin(f)]);

  it("recovers a known drift with relion_run_motioncorr --use_own", async () => {
    const movie = join(dir, "raw", "drift_001.mrc");
    execFileSync("mkdir", ["-p", join(dir, "raw")]);
    execFileSync(python, [script, "movie", movie, "7", "512", "10", "1.5", drift.map(([x, y]) => `${x},${y}`).join(";")]);
    const out = await relionMotionCorrect({ movie, workDir: join(dir, "mc"), options: { pixelSize: 1.5, voltage: 300, dosePerFrame: 1.5, threads: 1 } });
    const r = MotionResult.parse(out.result);
    expect(r.trajectory).toHaveLength(10);
    // The trajectory is the specimen's drift (RELION's shift file holds its negative).
    r.trajectory.forEach(([x, y], f) => {
      const [dx, dy] = drift[f] as [number, number];
      expect(Math.abs(x - dx), `frame ${f} x`).toBeLessThan(0.5);
      expect(Math.abs(y - dy), `frame ${f} y`).toBeLessThan(0.5);
    });
    const raw = await readRelionShiftFile(out.files.shifts);
    expect(raw.shifts[9]?.[0]).toBeCloseTo(-(r.trajectory[9]?.[0] ?? 0), 9);
    // RELION's accumulated motion (pixels, converted to Å) equals our reimplementation of it.
    const ours = accumulatedMotion(r.trajectory, { pixelSize: 1.5, dosePerFrame: 1.5 });
    expect(r.total_motion).toBeCloseTo(ours.total_motion, 3);
    expect(r.early_motion).toBeCloseTo(ours.early_motion, 3);
    expect(r.late_motion).toBeCloseTo(ours.late_motion, 3);
    const truth = accumulatedMotion(drift, { pixelSize: 1.5, dosePerFrame: 1.5 });
    expect(Math.abs(r.total_motion - truth.total_motion)).toBeLessThan(1.5);
    expect(r.early_motion + r.late_motion).toBeCloseTo(r.total_motion, 4);
    expect(r.micrograph).toBe(join(dir, "mc", "MotionCorr", "Movies", "drift_001_noDW.mrc"));
    expect(r.micrograph_dw).toBe(join(dir, "mc", "MotionCorr", "Movies", "drift_001.mrc"));
    expect(existsSync(r.micrograph ?? "")).toBe(true);
    expect(r.pixel_size).toBe(1.5);
  });

  it("says which movie failed and quotes RELION's output when it cannot read it", async () => {
    writeFileSync(join(dir, "broken.mrc"), Buffer.alloc(2000, 7));
    const err = await relionMotionCorrect({ movie: join(dir, "broken.mrc"), workDir: join(dir, "mc-broken"), options: { pixelSize: 1, voltage: 300, dosePerFrame: 1 } }).catch((e: unknown) => e);
    expect(isEmflowError(err, "ExternalToolError")).toBe(true);
    expect((err as Error).message).toMatch(/relion_run_motioncorr (exited with code|finished but did not write)/);
    expect((err as Error).message.split("\n").length).toBeGreaterThan(1);
  });

  const blobs: [number, number][] = [
    [100, 120],
    [300, 90],
    [420, 400],
    [150, 380],
    [260, 260],
  ];
  const nearest = (picks: readonly (readonly [number, number])[], [x, y]: [number, number]) => Math.min(...picks.map(([px, py]) => Math.hypot(px - x, py - y)));

  it.each([
    ["dark", -3, false],
    ["bright", 3, true],
  ] as const)("finds %s Gaussian blobs with relion_autopick --LoG", async (kind, amplitude, invert) => {
    const mic = join(dir, `${kind}_blobs.mrc`);
    execFileSync(python, [script, "blobs", mic, "3", "512", "2.0", "8", String(amplitude), blobs.map(([x, y]) => `${x},${y}`).join(";")]);
    const out = await relionLogPick({ micrograph: mic, workDir: join(dir, `pick-${kind}`), options: { pixelSize: 2, diameterMin: 30, diameterMax: 60, adjustThreshold: 1, invert } });
    const r = PickResult.parse(out.result);
    const fom = r.fom ?? [];
    expect(fom).toHaveLength(r.picks.length);
    for (const b of blobs) expect(nearest(r.picks, b), `blob at ${b}`).toBeLessThan(3);
    // The five strongest picks are the five blobs.
    const top = r.picks.map((p, i) => ({ p, f: fom[i] ?? 0 })).sort((a, b) => b.f - a.f).slice(0, 5).map((x) => x.p);
    for (const p of top) expect(nearest(blobs, p as [number, number])).toBeLessThan(3);
  });
});
