import { isEmflowError } from "@emflow/core";
import { describe, expect, it } from "vitest";
import { simulateMovie } from "../simulate/simulate.js";
import { estimateIceThickness } from "./ice.js";

describe("estimateIceThickness", () => {
  it("recovers a thickness gradient as t/λ (five figures) when the vacuum intensity is known", async () => {
    const movie = await simulateMovie({ width: 512, height: 512, frameCount: 1, dosePerFrame: 40, pixelSize: 2, drift: { total: 0 }, deformation: 0, damage: false, ice: { thickness: 100, gradient: [60, 0], roughness: 2, mfp: 350 }, seed: 2 });
    const image = movie.frame(0);
    const r = estimateIceThickness(image, 512, 512, { vacuumIntensity: 40 * 4, regions: 12 });
    expect(r.reference).toBe("vacuum");
    expect(r.values).toHaveLength(144);
    // t runs from 40 to 160 nm across x; the outer regions' centres sit 1/24 of the way in.
    expect(r.median).toBeCloseTo(100 / 350, 1);
    expect(Math.abs(r.median - 100 / 350)).toBeLessThan(0.02);
    expect(Math.abs(r.min - 45 / 350)).toBeLessThan(0.03);
    expect(Math.abs(r.max - 155 / 350)).toBeLessThan(0.03);
    expect(r.q1).toBeLessThan(r.median);
    expect(r.q3).toBeGreaterThan(r.median);
    // Without the vacuum level the values are relative to the brightest (thinnest) area.
    const rel = estimateIceThickness(image, 512, 512, { regions: 12 });
    expect(rel.reference).toBe("brightest");
    expect(rel.min).toBe(0);
    expect(rel.max - rel.min).toBeCloseTo(r.max - r.min, 1);
  });

  it("rejects an image that does not match its size", () => {
    try {
      estimateIceThickness(new Float32Array(10), 64, 64);
      expect.unreachable();
    } catch (err) {
      expect(isEmflowError(err, "ProcessingError")).toBe(true);
    }
  });
});
