import { describe, expect, it } from "vitest";
import { bounds, linePath, mean, ratePerHour, resolutionColour, timeBins, visibleRange } from "./stats.js";

describe("dashboard helpers", () => {
  it("mean skips absent and non-finite values", () => {
    expect(mean([1, undefined, 3, null, Number.NaN])).toBe(2);
    expect(mean([])).toBeUndefined();
  });

  it("time bins cover the range in equal steps", () => {
    const b = timeBins(1000, 2000, 4);
    expect(b).toEqual([
      [1000, 1250],
      [1250, 1500],
      [1500, 1750],
      [1750, 2000],
    ]);
  });

  it("a virtualised list renders only the rows in view plus overscan", () => {
    // 50,000 rows of 28 px, 560 px viewport scrolled to row 10,000.
    expect(visibleRange(28 * 10_000, 560, 28, 50_000, 5)).toEqual([9995, 10025]);
    expect(visibleRange(0, 560, 28, 3, 5)).toEqual([0, 3]);
    expect(visibleRange(28 * 60_000, 560, 28, 50_000, 5)).toEqual([50_000, 50_000]);
  });

  it("bounds of centred boxes, padded", () => {
    expect(bounds([{ x: 10, y: 10, w: 4, h: 4 }, { x: 20, y: 30, w: 4, h: 4 }], 0)).toEqual([8, 8, 14, 24]);
    expect(bounds([])).toBeUndefined();
  });

  it("resolution colours run green (good) to red (bad)", () => {
    expect(resolutionColour(3)).toBe("hsl(120 70% 45%)");
    expect(resolutionColour(12)).toBe("hsl(0 70% 45%)");
    expect(resolutionColour(8)).toBe("hsl(60 70% 45%)");
  });

  it("line paths scale into the box with y up and break at gaps", () => {
    expect(linePath([[0, 0], [1, 10], [2, undefined], [3, 5]], 30, 10)).toBe("M0.0,10.0L10.0,0.0M30.0,5.0");
  });

  it("throughput from count observations: per hour over the window, 0 when idle", () => {
    const min = 60_000;
    expect(ratePerHour([[0, 10]], 0)).toBeUndefined();
    // 10 → 40 micrographs in 3 minutes = 600/h.
    expect(ratePerHour([[0, 10], [1 * min, 20], [3 * min, 40]], 3 * min)).toBe(600);
    // Older observations than the window are not used beyond the one just before it.
    expect(ratePerHour([[0, 0], [10 * min, 100], [12 * min, 110], [14 * min, 120]], 14 * min)).toBe(300);
    expect(ratePerHour([[0, 0], [1 * min, 10]], 20 * min)).toBe(0);
  });
});
