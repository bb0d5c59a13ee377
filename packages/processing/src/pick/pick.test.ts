import { isEmflowError } from "@emflow/core";
import { describe, expect, it } from "vitest";
import { simulateMovie } from "../simulate/simulate.js";
import { matchPicks, pickParticles } from "./pick.js";
import { otsuThreshold } from "./threshold.js";

const APIX = 2;
const DIAMETER = 150;

/** A 1024² micrograph at 2 Å/px, 40 e⁻/Å², 150 Å particles covering a quarter of the area. */
async function micrograph(contrast: number, seed: number) {
  const movie = await simulateMovie({ width: 1024, height: 1024, frameCount: 1, dosePerFrame: 40, pixelSize: APIX, drift: { total: 0 }, deformation: 0, damage: false, particles: { diameter: DIAMETER, contrast, fill: 0.25 }, ctf: { defocusU: 20000, defocusV: 19000 }, seed });
  return { image: movie.frame(0), truth: movie.truth };
}

describe("pickParticles", () => {
  it("finds simulated particles with precision ≥ 0.9 and recall ≥ 0.8 (match within d/2)", async () => {
    for (const seed of [5, 6]) {
      const { image, truth } = await micrograph(0.3, seed);
      const r = await pickParticles(image, 1024, 1024, { pixelSize: APIX, diameter: DIAMETER });
      const radius = DIAMETER / 2 / APIX;
      // Particles whose centre lies within the edge exclusion cannot be picked by design.
      const reachable = truth.particles.filter(([x, y]) => x >= radius && y >= radius && x <= 1023 - radius && y <= 1023 - radius);
      const m = matchPicks(r.picks, reachable, radius);
      expect(m.precision).toBeGreaterThanOrEqual(0.9);
      expect(m.recall).toBeGreaterThanOrEqual(0.8);
      expect(r.fom).toHaveLength(r.picks.length);
      expect([...r.fom].sort((a, b) => b - a)).toEqual(r.fom);
      for (let i = 0; i < r.picks.length; i++) {
        for (let j = i + 1; j < r.picks.length; j++) {
          expect(Math.hypot(r.picks[i]![0] - r.picks[j]![0], r.picks[i]![1] - r.picks[j]![1])).toBeGreaterThan(0.9 * 2 * radius - 2);
        }
      }
    }
  });

  it("picks (almost) nothing on an empty micrograph", async () => {
    const { image } = await micrograph(0, 7);
    const r = await pickParticles(image, 1024, 1024, { pixelSize: APIX, diameter: DIAMETER });
    expect(r.picks.length).toBeLessThanOrEqual(2);
  });

  it("Otsu splits two clusters between them", () => {
    const scores = [...Array.from({ length: 50 }, (_, i) => 1 + (i % 10) * 0.1), ...Array.from({ length: 20 }, (_, i) => 6 + (i % 5) * 0.1)];
    const t = otsuThreshold(scores);
    expect(t).toBeGreaterThan(1.9); // above the low cluster (1.0–1.9)
    expect(t).toBeLessThan(6);
  });

  it.each([
    ["a negative pixel size", { pixelSize: -2, diameter: 150 }],
    ["a zero diameter", { pixelSize: 2, diameter: 0 }],
    ["particles larger than the image", { pixelSize: 2, diameter: 5000 }],
  ])("rejects %s with a ProcessingError", async (_, opts) => {
    const err = await pickParticles(new Float32Array(256 * 256), 256, 256, opts).catch((e: unknown) => e);
    expect(isEmflowError(err, "ProcessingError")).toBe(true);
  });
});
