import { isEmflowError } from "@emflow/core";
import { describe, expect, it } from "vitest";
import { crossCorrelate } from "../fft/correlate.js";
import { loadFft } from "../fft/fft.js";
import { meanStd } from "../image/stats.js";
import { deformationAt } from "./motion-model.js";
import { simulateMovie } from "./simulate.js";

describe("simulateMovie", () => {
  it("is deterministic by seed, streams the same frames it gives by index, and has JSON truth", async () => {
    const a = await simulateMovie({ width: 128, height: 96, frameCount: 4, seed: 5 });
    const b = await simulateMovie({ width: 128, height: 96, frameCount: 4, seed: 5 });
    const c = await simulateMovie({ width: 128, height: 96, frameCount: 4, seed: 6 });
    expect(a.frame(2)).toEqual(b.frame(2));
    expect(a.frame(2)).not.toEqual(c.frame(2));
    const streamed = [...a.frames()];
    expect(streamed).toHaveLength(4);
    expect(streamed[3]).toEqual(b.frame(3));
    expect(JSON.parse(JSON.stringify(a.truth))).toEqual(a.truth);
    expect(a.truth.trajectory[0]).toEqual([0, 0]);
    expect(a.truth.trajectory).toHaveLength(4);
  });

  it("counts have the right mean and the drift path has the requested length", async () => {
    const movie = await simulateMovie({ width: 256, height: 256, frameCount: 8, pixelSize: 1.2, dosePerFrame: 2, drift: { total: 12 }, seed: 2 });
    const { mean } = meanStd(movie.frame(3));
    expect(mean).toBeGreaterThan(2 * 1.44 * 0.97);
    expect(mean).toBeLessThan(2 * 1.44 * 1.03);
    let path = 0;
    const t = movie.truth.trajectory;
    for (let i = 1; i < t.length; i++) path += Math.hypot(t[i]![0] - t[i - 1]![0], t[i]![1] - t[i - 1]![1]);
    expect(path).toBeCloseTo(12, 6);
  });

  it("moves the specimen by the truth trajectory (sign convention)", async () => {
    const movie = await simulateMovie({ width: 256, height: 256, frameCount: 6, dosePerFrame: 5000, deformation: 0, damage: false, drift: { total: 15 }, seed: 9 });
    const fft = await loadFft();
    const f0 = fft.forward2d(movie.frame(0), 256, 256);
    for (const i of [2, 5]) {
      const peak = crossCorrelate(fft, fft.forward2d(movie.frame(i), 256, 256), f0, { bfactorPx: 10 });
      const [tx, ty] = movie.truth.trajectory[i]!;
      expect(Math.abs(peak.x - tx)).toBeLessThan(0.1);
      expect(Math.abs(peak.y - ty)).toBeLessThan(0.1);
    }
  });

  it("local deformation is zero at frame 0 and reaches the requested amplitude", async () => {
    const movie = await simulateMovie({ width: 200, height: 160, frameCount: 5, deformation: 2, seed: 4 });
    const def = movie.truth.deformation;
    expect(deformationAt(def, 17, 33, 0, 200, 160, 5)).toEqual([0, 0]);
    let peak = 0;
    for (let x = 0; x < 200; x += 10) for (let y = 0; y < 160; y += 10) peak = Math.max(peak, Math.hypot(...deformationAt(def, x, y, 4, 200, 160, 5)));
    expect(peak).toBeGreaterThan(1.5);
    expect(peak).toBeLessThan(2.2);
  });

  it("particles are dark blobs at the truth positions, ice attenuates, gain divides the counts", async () => {
    const movie = await simulateMovie({
      width: 512,
      height: 512,
      frameCount: 2,
      pixelSize: 2,
      particles: { diameter: 120, contrast: 0.5, fill: 0.2 },
      ctf: { defocusU: 20000, defocusV: 20000 },
      ice: { thickness: 100, mfp: 350 },
      gainSigma: 0.1,
      seed: 3,
    });
    expect(movie.truth.particles.length).toBeGreaterThan(10);
    const truth = movie.truthImage();
    const r = 120 / 2 / 2;
    let inside = 0;
    let n = 0;
    for (const [x, y] of movie.truth.particles) {
      for (let dy = -r / 2; dy <= r / 2; dy++) {
        for (let dx = -r / 2; dx <= r / 2; dx++) {
          const xi = Math.round(x + dx);
          const yi = Math.round(y + dy);
          if (xi < 0 || yi < 0 || xi >= 512 || yi >= 512) continue;
          inside += truth[yi * 512 + xi]!;
          n++;
        }
      }
    }
    const bg = meanStd(truth).mean;
    expect(bg).toBeCloseTo(Math.exp(-100 / 350), 2);
    expect(inside / n).toBeLessThan(bg * 0.99);
    const raw = movie.frame(0);
    const gain = movie.gain!;
    let corrected = 0;
    for (let i = 0; i < raw.length; i++) corrected += raw[i]! * gain[i]!;
    expect(corrected / raw.length).toBeCloseTo(4 * Math.exp(-100 / 350), 1);
  });

  it("rejects bad options with a ProcessingError", async () => {
    for (const bad of [{ width: 0, height: 64, frameCount: 2 }, { width: 64, height: 64, frameCount: 0 }, { width: 64, height: 64, frameCount: 2, pixelSize: -1 }]) {
      const err = await simulateMovie(bad).catch((e: unknown) => e);
      expect(isEmflowError(err, "ProcessingError")).toBe(true);
    }
  });
});
