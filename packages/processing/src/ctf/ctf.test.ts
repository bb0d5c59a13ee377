import { isEmflowError } from "@emflow/core";
import { describe, expect, it } from "vitest";
import { simulateMovie } from "../simulate/simulate.js";
import { estimateCtf } from "./estimate.js";
import { ctfTerms, ctfValue, electronWavelength } from "./model.js";

/** A 1024² micrograph at 1 Å/px, 40 e⁻/Å² (one frame: a perfectly aligned sum). */
async function micrograph(ctf: { defocusU: number; defocusV: number; astigmatismAngle: number; phaseShift?: number }, seed: number): Promise<Float32Array> {
  const movie = await simulateMovie({ width: 1024, height: 1024, frameCount: 1, dosePerFrame: 40, drift: { total: 0 }, deformation: 0, damage: false, ice: { contrast: 0.1 }, ctf, seed });
  return movie.frame(0);
}

function angleError(a: number, b: number): number {
  const d = Math.abs(a - b) % 180;
  return Math.min(d, 180 - d);
}

describe("CTF model", () => {
  it("uses the relativistic wavelength and CTFFIND's sign (−A at zero frequency)", () => {
    expect(electronWavelength(300)).toBeCloseTo(0.019687, 5);
    expect(electronWavelength(200)).toBeCloseTo(0.025079, 5);
    const t = ctfTerms({ defocus_u: 20000, defocus_v: 10000, astigmatism_angle: 30, voltage: 300, cs: 2.7, amplitude_contrast: 0.1, phase_shift: 0 });
    expect(ctfValue(t, 0, 0)).toBeCloseTo(-0.1, 9);
    // The U axis (30°) carries the larger defocus: the first zero comes at a lower frequency there.
    const firstZero = (deg: number) => {
      const c = Math.cos((deg * Math.PI) / 180);
      const s = Math.sin((deg * Math.PI) / 180);
      let k = 0.001;
      while (ctfValue(t, k * c, k * s) < 0) k += 0.0001;
      return k;
    };
    expect(firstZero(30)).toBeLessThan(firstZero(120));
  });
});

describe("estimateCtf on simulated micrographs (1024², 1 Å/px, 40 e⁻/Å²)", () => {
  it.each([
    [10500, 9500, 30],
    [20500, 19500, 120],
    [30500, 29500, 75],
  ])("defocus U %i / V %i Å at %i° within 1 %, angle within 5°", async (u, v, angle) => {
    const image = await micrograph({ defocusU: u, defocusV: v, astigmatismAngle: angle }, u);
    const r = await estimateCtf(image, 1024, 1024, { pixelSize: 1 });
    expect(Math.abs(r.defocus_u - u) / u).toBeLessThan(0.01);
    expect(Math.abs(r.defocus_v - v) / v).toBeLessThan(0.01);
    expect(r.defocus_u).toBeGreaterThanOrEqual(r.defocus_v);
    expect(angleError(r.astigmatism_angle, angle)).toBeLessThan(5);
    expect(r.score).toBeGreaterThan(0.1);
    expect(r.fit_resolution).toBeGreaterThan(2);
    expect(r.fit_resolution).toBeLessThan(10);
    expect(r.profile.frequency.length).toBe(r.profile.measured.length);
    expect(r.spectrum.size).toBe(512);
  });

  it("finds a phase-plate phase shift", async () => {
    const image = await micrograph({ defocusU: 6000, defocusV: 5500, astigmatismAngle: 10, phaseShift: 90 }, 8);
    const r = await estimateCtf(image, 1024, 1024, { pixelSize: 1, findPhaseShift: true, minDefocus: 2000, maxDefocus: 20000 });
    expect(Math.abs(r.phase_shift - 90)).toBeLessThan(10);
    expect(Math.abs(r.defocus_u - 6000) / 6000).toBeLessThan(0.03);
  });

  it("noise alone scores low and fits no rings far out", async () => {
    const noise = new Float32Array(1024 * 1024);
    let s = 12345;
    for (let i = 0; i < noise.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      noise[i] = s / 4294967296;
    }
    const r = await estimateCtf(noise, 1024, 1024, { pixelSize: 1 });
    expect(r.score).toBeLessThan(0.05);
    expect(r.fit_resolution).toBeGreaterThan(10);
  });

  it.each([
    ["an inverted defocus range", { pixelSize: 1, minDefocus: 30000, maxDefocus: 5000 }],
    ["a negative pixel size", { pixelSize: -1 }],
    ["an inverted resolution band", { pixelSize: 1, minResolution: 4, maxResolution: 20 }],
  ])("rejects %s with a ProcessingError", async (_, opts) => {
    const err = await estimateCtf(new Float32Array(256 * 256), 256, 256, opts).catch((e: unknown) => e);
    expect(isEmflowError(err, "ProcessingError")).toBe(true);
  });
});
