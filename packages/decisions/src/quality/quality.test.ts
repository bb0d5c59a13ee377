import { describe, expect, it } from "vitest";
import { aggregateFoilHoles, aggregateGridSquares, aggregateVerdicts } from "./aggregate.js";
import { betaCdf, betaQuantile, betaSummary } from "./beta.js";
import { DEFAULT_QUALITY_RULE, judgeMicrograph, QualityRule } from "./rule.js";

const good = { ctfFitResolutionA: 3.2, totalMotionA: 12, astigmatismA: 150, iceMedian: 0.12, particleCount: 180 };

describe("judgeMicrograph", () => {
  it("passes a micrograph inside every limit, with a high score", () => {
    const v = judgeMicrograph(good);
    expect(v.label).toBe("good");
    expect(v.reasons).toEqual([]);
    expect(v.score).toBeGreaterThan(0.9);
  });

  it("names each failed check", () => {
    const v = judgeMicrograph({ ...good, ctfFitResolutionA: 6.1, iceMedian: 0.4, particleCount: 3 });
    expect(v.label).toBe("bad");
    expect(v.reasons).toEqual(["ctf_resolution_too_low", "ice_too_thick", "too_few_particles"]);
  });

  it("a value exactly on a limit passes and scores 0.5 on that check", () => {
    const v = judgeMicrograph({ ctfFitResolutionA: 5 });
    expect(v.label).toBe("good");
    expect(v.score).toBeCloseTo(0.5, 10);
    // 10% past the limit: logistic(-1) on the single check.
    expect(judgeMicrograph({ ctfFitResolutionA: 5.5 }).score).toBeCloseTo(1 / (1 + Math.E), 10);
  });

  it("astigmatism falls back to |defocus U − V|; no CTF yet is pending", () => {
    expect(judgeMicrograph({ ...good, astigmatismA: undefined, defocusUA: 15000, defocusVA: 13500 }).reasons).toEqual(["astigmatism_too_high"]);
    expect(judgeMicrograph({ totalMotionA: 5 }).label).toBe("pending");
    expect(judgeMicrograph({ totalMotionA: 90 })).toMatchObject({ label: "bad", reasons: ["motion_too_high", "ctf_missing"] });
  });

  it("every limit is configurable and validated", () => {
    const strict = QualityRule.parse({ maxCtfFitResolutionA: 3 });
    expect(judgeMicrograph(good, strict).reasons).toEqual(["ctf_resolution_too_low"]);
    expect(DEFAULT_QUALITY_RULE.maxCtfFitResolutionA).toBe(5);
    expect(QualityRule.safeParse({ maxIceMedian: -1 }).success).toBe(false);
    expect(QualityRule.safeParse({ maxIce: 1 }).success).toBe(false);
  });
});

describe("Beta", () => {
  it("matches closed forms", () => {
    // Beta(1, 1) is uniform; Beta(2, 1) has CDF x².
    expect(betaCdf(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(betaCdf(0.6, 2, 1)).toBeCloseTo(0.36, 12);
    expect(betaQuantile(0.25, 2, 1)).toBeCloseTo(0.5, 8);
    // Beta(1, 3): CDF 1 − (1 − x)³; Beta(5, 5) is symmetric.
    expect(betaCdf(0.2, 1, 3)).toBeCloseTo(1 - 0.8 ** 3, 12);
    expect(betaCdf(0.5, 5, 5)).toBeCloseTo(0.5, 12);
  });

  it("summary: mean, sd and a 90% interval", () => {
    const s = betaSummary(8, 4);
    expect(s.mean).toBeCloseTo(2 / 3, 12);
    expect(s.sd).toBeCloseTo(Math.sqrt((8 * 4) / (144 * 13)), 12);
    expect(betaCdf(s.lo, 8, 4)).toBeCloseTo(0.05, 8);
    expect(betaCdf(s.hi, 8, 4)).toBeCloseTo(0.95, 8);
  });
});

describe("aggregation", () => {
  const bad = { ...good, ctfFitResolutionA: 8 };
  const mics = [
    { foilHoleId: "h1", metrics: good },
    { foilHoleId: "h1", metrics: good },
    { foilHoleId: "h1", metrics: bad },
    { foilHoleId: "h2", metrics: bad },
    { foilHoleId: "h3", metrics: { totalMotionA: 4 } },
  ];

  it("per hole: counts and Beta(1 + good, 1 + bad)", () => {
    const holes = aggregateFoilHoles(mics);
    const h1 = holes.get("h1")!;
    expect(h1).toMatchObject({ micrographs: 3, good: 2, bad: 1, pending: 0 });
    expect(h1.goodFraction.mean).toBeCloseTo(3 / 5, 12);
    expect(holes.get("h3")).toMatchObject({ micrographs: 1, pending: 1, meanScore: undefined });
    expect(holes.get("h3")!.goodFraction.mean).toBe(0.5);
  });

  it("per square: pooled counts, holes imaged and mostly good", () => {
    const squares = aggregateGridSquares(aggregateFoilHoles(mics), (h) => (h === "h3" ? "s2" : "s1"));
    expect(squares.get("s1")).toMatchObject({ good: 2, bad: 2, holesImaged: 2, holesMostlyGood: 1 });
    expect(squares.get("s1")!.goodFraction.mean).toBeCloseTo(0.5, 12);
    expect(squares.get("s2")).toMatchObject({ good: 0, bad: 0, pending: 1, holesImaged: 1, holesMostlyGood: 0 });
  });

  it("a custom prior shifts the posterior", () => {
    const a = aggregateVerdicts([judgeMicrograph(good)], { a: 1, b: 9 });
    expect(a.goodFraction.mean).toBeCloseTo(2 / 11, 12);
  });
});
