import { CtfResult, IceResult, MotionResult, PickResult } from "@emflow/core";
import { beforeAll, describe, expect, it } from "vitest";
import { estimateCtf, type CtfEstimate } from "../ctf/estimate.js";
import { correctMotion, type MotionCorrection } from "../motion/correct.js";
import { framesSource } from "../motion/source.js";
import { matchPicks, pickParticles, type ParticlePicks } from "../pick/pick.js";
import { simulateMovie, type SimulatedMovie } from "../simulate/simulate.js";
import { estimateIceThickness } from "./ice.js";
import { makeThumbnails } from "./thumbnails.js";

// The whole recipe on one simulated movie: 1024², 1.5 Å/px, 16 frames of 2.5 e⁻/Å².
const W = 1024;
const APIX = 1.5;
let movie: SimulatedMovie;
let motion: MotionCorrection;
let ctf: CtfEstimate;
let picks: ParticlePicks;

beforeAll(async () => {
  movie = await simulateMovie({
    width: W,
    height: W,
    frameCount: 16,
    pixelSize: APIX,
    dosePerFrame: 2.5,
    drift: { total: 10 },
    deformation: 1,
    particles: { diameter: 160, contrast: 0.6, fill: 0.25 },
    ice: { contrast: 0.15, thickness: 60 },
    ctf: { defocusU: 18000, defocusV: 17000, astigmatismAngle: 40 },
    seed: 31,
  });
  const frames = [...movie.frames()];
  motion = await correctMotion(framesSource(W, W, frames), { pixelSize: APIX, dosePerFrame: 2.5 });
  ctf = await estimateCtf(motion.sum, W, W, { pixelSize: APIX });
  picks = await pickParticles(motion.sumDoseWeighted!, W, W, { pixelSize: APIX, diameter: 160 });
}, 60_000);

describe("motion → CTF → picking → ice → thumbnails", () => {
  it("produces results that satisfy the stored result schemas", () => {
    expect(MotionResult.safeParse(motion).success).toBe(true);
    expect(CtfResult.safeParse(ctf).success).toBe(true);
    expect(PickResult.safeParse(picks).success).toBe(true);
    expect(IceResult.safeParse(estimateIceThickness(motion.sum, W, W)).success).toBe(true);
  });

  it("estimates the defocus from the aligned sum within 1 % and picks the particles", () => {
    expect(Math.abs(ctf.defocus_u - 18000) / 18000).toBeLessThan(0.01);
    expect(Math.abs(ctf.defocus_v - 17000) / 17000).toBeLessThan(0.01);
    const r = 160 / 2 / APIX;
    const reachable = movie.truth.particles.filter(([x, y]) => x >= r && y >= r && x <= W - 1 - r && y <= W - 1 - r);
    const m = matchPicks(picks.picks, reachable, r);
    expect(m.precision).toBeGreaterThan(0.85);
    expect(m.recall).toBeGreaterThan(0.75);
  });

  it("makes 8-bit thumbnails with the CTF zeros drawn and overlays in thumbnail pixels", () => {
    const t = makeThumbnails({
      micrograph: motion.sumDoseWeighted!,
      width: W,
      height: W,
      pixelSize: APIX,
      ctf: { estimate: ctf, voltage: 300, cs: 2.7, amplitudeContrast: 0.07 },
      picks,
      trajectory: motion.trajectory,
    });
    expect(t.micrograph.width).toBe(512);
    expect(t.micrograph.data).toHaveLength(512 * 512);
    expect(t.powerSpectrum.width).toBe(ctf.spectrum.size);
    const white = t.powerSpectrum.data.reduce((s, v) => s + (v === 255 ? 1 : 0), 0);
    expect(white).toBeGreaterThan(1000);
    expect(t.picks!.points).toHaveLength(picks.picks.length);
    expect(t.picks!.radius).toBeCloseTo(160 / 2 / APIX / 2, 6);
    expect(t.drift!.points[0]).toEqual([0, 0]);
  });
});
