import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isEmflowError, MotionResult } from "@emflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { accumulatedMotion } from "./motion-stats.js";
import { motioncor2Args, motioncor2MotionCorrect } from "./motioncor2.js";
import { parseMotioncor2FullLog, parseMotioncor2Stdout, relativeToFirstFrame } from "./motioncor2-log.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "emflow-mc2-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The trajectory the fixtures were written from (frame 1 at the origin). */
const TRUTH: [number, number][] = [
  [0, 0], [-0.87, 0.282], [-1.68, 0.718], [-2.43, 1.322], [-3.12, 1.951], [-3.75, 2.442],
  [-4.32, 2.756], [-4.83, 3.019], [-5.28, 3.402], [-5.67, 3.968], [-6, 4.609], [-6.27, 5.15],
]; // prettier-ignore

describe("MotionCor2 command line", () => {
  it("builds the argv for a TIFF movie with gain, dose weighting and patches", () => {
    const args = motioncor2Args("/data/m.tiff", "/out/m.mrc", "/out/m", {
      pixelSize: 0.415,
      voltage: 300,
      dosePerFrame: 1.1,
      gainReference: "/data/gain.mrc",
      gainFlip: 1,
      patches: [7, 5],
      iterations: 10,
      tolerance: 0.2,
      bfactor: [500, 100],
      binning: 2,
      gpus: [0, 2],
    });
    expect(args).toEqual([
      "-InTiff", "/data/m.tiff", "-OutMrc", "/out/m.mrc", "-LogFile", "/out/m",
      "-Gain", "/data/gain.mrc", "-FlipGain", "1", "-PixSize", "0.415",
      "-FmDose", "1.1", "-Kv", "300", "-InitDose", "0",
      "-Patch", "7", "5", "-Iter", "10", "-Tol", "0.2", "-Bft", "500", "100", "-FtBin", "2",
      "-FmRef", "0", "-Gpu", "0", "2",
    ]); // prettier-ignore
  });

  it("picks the input flag by extension and passes EER options", () => {
    expect(motioncor2Args("a.mrcs", "o.mrc", "o", { pixelSize: 1 }).slice(0, 2)).toEqual(["-InMrc", "a.mrcs"]);
    const eer = motioncor2Args("a.eer", "o.mrc", "o", { pixelSize: 1, eerSampling: 2, eerFractionFile: "frac.txt", patches: [1, 1], extraArgs: ["-Mag", "1.01", "0.99", "45"] });
    expect(eer.slice(0, 2)).toEqual(["-InEer", "a.eer"]);
    expect(eer.join(" ")).toContain("-EerSampling 2 -FmIntFile frac.txt");
    expect(eer.join(" ")).not.toContain("-FmDose");
    expect(eer.slice(-4)).toEqual(["-Mag", "1.01", "0.99", "45"]);
    expect(() => motioncor2Args("a.dm4", "o.mrc", "o", { pixelSize: 1 })).toThrow(/MRC, TIFF or EER/);
  });
});

describe("MotionCor2 output", () => {
  it("reads the shifts block from standard output", () => {
    expect(parseMotioncor2Stdout(readFileSync(fixture("motioncor2-stdout.txt"), "utf8"))).toEqual(TRUTH);
    expect(parseMotioncor2Stdout("no alignment here\n")).toBeUndefined();
  });

  it("reads -Full.log and -Patch-Full.log files", () => {
    expect(parseMotioncor2FullLog(readFileSync(fixture("movie0-Full.log"), "utf8"))).toEqual(TRUTH.map(([x, y]) => [Math.round(x * 100) / 100, Math.round(y * 100) / 100]));
    // This log references frame 6; re-referenced to frame 1 it is the same trajectory (to the log's 0.01 px).
    const patch = relativeToFirstFrame(parseMotioncor2FullLog(readFileSync(fixture("FoilHole_123_Data_456_789_20230101_120000_fractions0-Patch-Full.log"), "utf8")));
    patch.forEach(([x, y], i) => {
      expect(x).toBeCloseTo(TRUTH[i]?.[0] ?? Number.NaN, 1);
      expect(y).toBeCloseTo(TRUTH[i]?.[1] ?? Number.NaN, 1);
    });
  });

  it("names the line of a malformed log row", () => {
    try {
      parseMotioncor2FullLog("# full frame alignment\n   1      0.00      0.00\n   2     oops\n", "x-Full.log");
      expect.unreachable();
    } catch (e) {
      expect(isEmflowError(e, "FormatError")).toBe(true);
      expect((e as { toLine(): string }).toLine()).toBe("x-Full.log:3: expected 'frame x-shift y-shift', got '2     oops'");
    }
  });
});

describe("MotionCor2 adapter", () => {
  it("runs the program and returns the motion result (fake MotionCor2 writing the documented outputs)", async () => {
    // A stand-in executable: prints the sample stdout and writes the sums where -OutMrc says.
    const fake = join(dir, "MotionCor2");
    copyFileSync(fixture("motioncor2-stdout.txt"), join(dir, "stdout.txt"));
    writeFileSync(
      fake,
      `#!/bin/sh\necho "$@" > "${dir}/argv.txt"\ncat "${dir}/stdout.txt"\nwhile [ "$1" != "-OutMrc" ]; do shift; done\necho sum > "$2"\necho dw > "\${2%.mrc}_DW.mrc"\n`,
    );
    chmodSync(fake, 0o755);
    writeFileSync(join(dir, "movie_01.tiff"), "");
    const out = await motioncor2MotionCorrect({ movie: join(dir, "movie_01.tiff"), outputDir: join(dir, "out"), options: { executable: fake, pixelSize: 0.83, voltage: 300, dosePerFrame: 1 } });
    const r = MotionResult.parse(out.result);
    // MotionCor2 prints the shifts that align the frames; the trajectory is the specimen's drift, their negative.
    expect(r.trajectory).toEqual(TRUTH.map(([x, y]) => [-x || 0, -y || 0]));
    const stats = accumulatedMotion(TRUTH, { pixelSize: 0.83, dosePerFrame: 1 });
    expect(r.total_motion).toBeCloseTo(stats.total_motion, 9);
    // Frames 2–4 (dose ≤ 4 e/Å²) are early: three steps.
    const step = (i: number) => Math.hypot((TRUTH[i]?.[0] ?? 0) - (TRUTH[i - 1]?.[0] ?? 0), (TRUTH[i]?.[1] ?? 0) - (TRUTH[i - 1]?.[1] ?? 0));
    expect(r.early_motion).toBeCloseTo((step(1) + step(2) + step(3)) * 0.83, 9);
    expect(r.micrograph).toBe(join(dir, "out", "movie_01.mrc"));
    expect(r.micrograph_dw).toBe(join(dir, "out", "movie_01_DW.mrc"));
    expect(out.files.shiftsFrom).toBe("stdout");
    expect(readFileSync(join(dir, "argv.txt"), "utf8")).toContain(`-InTiff ${join(dir, "movie_01.tiff")} -OutMrc ${join(dir, "out", "movie_01.mrc")}`);
  });

  it("says which binary is missing and where to configure it", async () => {
    writeFileSync(join(dir, "m.mrc"), "");
    const missing = join(dir, "not-installed", "MotionCor2");
    const e = await motioncor2MotionCorrect({ movie: join(dir, "m.mrc"), outputDir: join(dir, "o2"), options: { executable: missing, pixelSize: 1 } }).catch((x: unknown) => x as Error);
    expect(isEmflowError(e, "ExternalToolError")).toBe(true);
    expect(e.message).toBe(`${missing} not found: install MotionCor2 or set processing.tools.motioncor2 to its path`);
  });
});
