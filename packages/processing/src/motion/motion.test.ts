import { isEmflowError } from "@emflow/core";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFft } from "../fft/fft.js";
import { fourierRingCorrelation } from "../image/frc.js";
import { simulateMovie, type SimulatedMovie } from "../simulate/simulate.js";
import { deformationAt } from "../simulate/motion-model.js";
import { correctMotion, type MotionCorrection } from "./correct.js";
import { frameExposure } from "./dose.js";
import { doseGroups, groupingEfficiency } from "./dose-weight.js";
import { evaluateLocal } from "./local-model.js";
import { motionFigures } from "./metrics.js";
import { framesSource } from "./source.js";

const SIZE = 1024;
const FRAMES = 16;
const DOSE = 2;
let movie: SimulatedMovie;
let frames: Float32Array[];
let result: MotionCorrection;

beforeAll(async () => {
  movie = await simulateMovie({
    width: SIZE,
    height: SIZE,
    frameCount: FRAMES,
    pixelSize: 1,
    dosePerFrame: DOSE,
    drift: { total: 14 },
    deformation: 1,
    particles: { contrast: 1, diameter: 120 },
    ice: { contrast: 0.2 },
    seed: 21,
  });
  frames = [...movie.frames()];
  result = await correctMotion(framesSource(SIZE, SIZE, frames), { pixelSize: 1, dosePerFrame: DOSE, patches: [4, 4] });
}, 60_000);

function rms(a: readonly (readonly [number, number])[], b: readonly (readonly [number, number])[]): number {
  let s = 0;
  a.forEach(([x, y], i) => (s += (x - b[i]![0]) ** 2 + (y - b[i]![1]) ** 2));
  return Math.sqrt(s / a.length);
}

describe("correctMotion on a simulated movie (1024², 16 frames, 2 e⁻/Å² per frame)", () => {
  it("recovers the drift within 0.5 px RMS, relative to frame 0, with the truth's sign", () => {
    expect(result.trajectory[0]).toEqual([0, 0]);
    expect(rms(result.trajectory, movie.truth.trajectory)).toBeLessThan(0.5);
  });

  it("reports accumulated motion close to the truth's path length", () => {
    const truth = motionFigures(movie.truth.trajectory, 1, result.early_frames);
    expect(result.early_frames).toBe(2); // at least two frames, even past 4 e⁻/Å²
    // Noise in the per-frame positions lengthens the measured path, as it does for MotionCor2.
    expect(result.total_motion).toBeGreaterThan(truth.total * 0.9);
    expect(result.total_motion).toBeLessThan(truth.total * 1.6);
    expect(result.early_motion + result.late_motion).toBeCloseTo(result.total_motion, 9);
  });

  it("dose weighting raises the high-resolution FRC against the noiseless image", async () => {
    const fft = await loadFft();
    const truth = movie.truthImage();
    const plain = fourierRingCorrelation(fft, result.sum, truth, SIZE, SIZE, 16);
    const weighted = fourierRingCorrelation(fft, result.sumDoseWeighted!, truth, SIZE, SIZE, 16);
    // Rings 6–11: 0.19–0.375 cycles/px (5.3–2.7 Å), where damage has eaten the late frames.
    const mean = (f: Float64Array) => f.slice(6, 12).reduce((s, v) => s + v, 0) / 6;
    expect(mean(weighted)).toBeGreaterThan(mean(plain) * 1.1);
    // At low resolution both sums carry the same signal.
    expect(Math.abs(weighted[1]! - plain[1]!)).toBeLessThan(0.05);
  });

  it("keeps the scale: the aligned sums' mean is the frames' total counts", () => {
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    const expected = frames.reduce((s, f) => s + mean(f), 0);
    expect(mean(result.sum) / expected).toBeCloseTo(1, 2);
    expect(mean(result.sumDoseWeighted!) / expected).toBeCloseTo(1, 2);
  });
});

describe("local motion", () => {
  it("fits the deformation of a high-dose movie at the patch centres", async () => {
    const m = await simulateMovie({ width: 512, height: 512, frameCount: 12, dosePerFrame: 40, deformation: 3, drift: { total: 8 }, damage: false, particles: { contrast: 0.6, diameter: 100 }, ice: { contrast: 0.2 }, seed: 4 });
    const r = await correctMotion(framesSource(512, 512, m), { pixelSize: 1, patches: [3, 3], alignSize: 512 });
    expect(r.local).toBeDefined();
    let se = 0;
    let truthSize = 0;
    for (const [x, y] of r.patches!.centres) {
      const got = evaluateLocal(r.local!, x, y, 11);
      const want = deformationAt(m.truth.deformation, x, y, 11, 512, 512, 12);
      se += (got[0] - want[0]) ** 2 + (got[1] - want[1]) ** 2;
      truthSize += want[0] ** 2 + want[1] ** 2;
    }
    const n = r.patches!.centres.length;
    expect(Math.sqrt(se / n)).toBeLessThan(0.5);
    expect(Math.sqrt(truthSize / n)).toBeGreaterThan(1);
  }, 30_000);
});

describe("motion figures and dose groups", () => {
  it("splits path length into early and late", () => {
    const t: [number, number][] = [[0, 0], [3, 4], [6, 8], [6, 9]];
    expect(motionFigures(t, 2, 2)).toEqual({ total: 22, early: 10, late: 12 });
  });

  it("groups frames densely early and loses little SNR against per-frame weighting", () => {
    const groups = doseGroups(40, 5);
    expect(groups[0]).toEqual([0, 2]);
    expect(groups[groups.length - 1]![1]).toBe(40);
    const exposures = Array.from({ length: 40 }, (_, i) => frameExposure(i, 1));
    expect(groupingEfficiency(exposures, groups, 0.5)).toBeGreaterThan(0.96);
    expect(groupingEfficiency(exposures, groups, 0.1)).toBeGreaterThan(0.99);
  });
});

describe("bad input", () => {
  const ok = [new Float32Array(128 * 128), new Float32Array(128 * 128)];
  it.each([
    ["a negative pixel size", () => correctMotion(framesSource(128, 128, ok), { pixelSize: -1 })],
    ["zero frames", () => correctMotion(framesSource(128, 128, []), { pixelSize: 1 })],
    ["a gain of the wrong size", () => correctMotion(framesSource(128, 128, ok), { pixelSize: 1, gain: new Float32Array(10) })],
  ])("rejects %s with a ProcessingError", async (_, run) => {
    const err = await run().catch((e: unknown) => e);
    expect(isEmflowError(err, "ProcessingError")).toBe(true);
  });
  it("rejects frames of different sizes", () => {
    expect(() => framesSource(128, 128, [new Float32Array(128 * 128), new Float32Array(64 * 64)])).toThrow(/same size/);
    const lying = { width: 128, height: 128, frameCount: 2, readFrame: (i: number) => Promise.resolve(new Float32Array(i === 0 ? 128 * 128 : 100)) };
    return expect(correctMotion(lying, { pixelSize: 1 })).rejects.toThrow(/same size/);
  });
});

describe("concurrency and cancellation", () => {
  it("two interleaved runs give the same sums as one run alone", async () => {
    const m = await simulateMovie({ width: 256, height: 256, frameCount: 8, dosePerFrame: 3, seed: 12 });
    const f = [...m.frames()];
    const alone = await correctMotion(framesSource(256, 256, f), { pixelSize: 1, dosePerFrame: 3 });
    const [a, b] = await Promise.all([
      correctMotion(framesSource(256, 256, f), { pixelSize: 1, dosePerFrame: 3 }),
      correctMotion(framesSource(512, 512, [...(await simulateMovie({ width: 512, height: 512, frameCount: 8, seed: 13 })).frames()]), { pixelSize: 1, dosePerFrame: 1 }),
    ]);
    expect(a.sum).toEqual(alone.sum);
    expect(a.sumDoseWeighted).toEqual(alone.sumDoseWeighted);
    expect(b.sum.length).toBe(512 * 512);
  });

  it("stops with the signal's reason when aborted", async () => {
    const controller = new AbortController();
    const frames = Array.from({ length: 6 }, () => new Float32Array(128 * 128).fill(1));
    const source = { width: 128, height: 128, frameCount: 6, readFrame: (i: number) => {
      if (i === 3) controller.abort(new Error("stop"));
      return Promise.resolve(frames[i]!);
    } };
    await expect(correctMotion(source, { pixelSize: 1, signal: controller.signal })).rejects.toThrow("stop");
  });
});
