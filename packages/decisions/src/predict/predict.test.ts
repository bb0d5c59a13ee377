import { describe, expect, it } from "vitest";
import { Prng } from "../simulate/prng.js";
import { syntheticScenario } from "../simulate/synthetic-grid.js";
import { GridPredictor } from "./grid-predictor.js";
import { holeInputFromFields, squareInputFromFields } from "./inputs.js";
import { OnlineLogistic } from "./logistic.js";
import { RunningStats } from "./welford.js";

/** Area under the ROC curve of scores for binary labels (ties count half). */
function auc(scores: number[], labels: boolean[]): number {
  const pos = scores.filter((_, i) => labels[i]);
  const neg = scores.filter((_, i) => !labels[i]);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

describe("RunningStats", () => {
  it("matches the two-pass mean and sample variance", () => {
    const s = new RunningStats();
    for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) s.push(x);
    s.push(Number.NaN);
    expect(s.count).toBe(8);
    expect(s.mean).toBe(5);
    expect(s.variance).toBeCloseTo(32 / 7, 12);
    expect(s.z(7)).toBeCloseTo(2 / Math.sqrt(32 / 7), 12);
    expect(s.z(undefined)).toBe(0);
  });
});

describe("OnlineLogistic", () => {
  it("recovers known weights from outcomes, one at a time", () => {
    const rng = new Prng(3);
    const m = new OnlineLogistic([0, 0, 0], [4, 4, 4]);
    for (let i = 0; i < 4000; i++) {
      const x = [1, rng.normal(), rng.normal()];
      const p = 1 / (1 + Math.exp(-(-0.5 + 1.5 * x[1]! - 1 * x[2]!)));
      m.update(x, rng.bernoulli(p) ? 1 : 0);
    }
    const [b, w1, w2] = m.weights();
    expect(b).toBeCloseTo(-0.5, 0);
    expect(w1).toBeGreaterThan(1.2);
    expect(w1).toBeLessThan(1.8);
    expect(w2).toBeGreaterThan(-1.3);
    expect(w2).toBeLessThan(-0.7);
    expect(m.predict([1, 0, 0]).logitSd).toBeLessThan(0.1);
  });
});

describe("GridPredictor on a synthetic grid with known truth", () => {
  const s = syntheticScenario({ seed: 11, squares: 120 });
  const model = () =>
    new GridPredictor(
      s.squares.map((q) => ({ id: q.id, xUm: q.xUm, yUm: q.yUm, sizeUm: q.sizeUm! })),
      s.holes.map(({ selected: _s, pGood: _p, iceNm: _i, ...h }) => h),
    );
  const selected = s.holes.filter((h) => h.selected);

  it("learns from observed squares and ranks unimaged holes by their hidden quality", () => {
    const g = model();
    const rng = new Prng(5);
    // Image every fourth square fully (one shot per hole), as a session would.
    const imaged = new Set(s.squares.filter((_, i) => i % 4 === 0).map((q) => q.id));
    for (const h of selected) if (imaged.has(h.squareId)) g.observe(h.id, rng.bernoulli(h.pGood));
    const test = selected.filter((h) => !imaged.has(h.squareId));
    const truth = test.map((h) => h.pGood >= 0.5);
    const prior = model();
    const before = auc(test.map((h) => prior.predictHole(h.id).mean), truth);
    const after = auc(test.map((h) => g.predictHole(h.id).mean), truth);
    expect(after).toBeGreaterThan(0.85);
    expect(after).toBeGreaterThan(before + 0.1);
    // Squares too: predicted square means against the hidden square means.
    const sqIds = s.squares.filter((q) => !imaged.has(q.id) && q.selected).map((q) => q.id);
    const hidden = sqIds.map((id) => {
      const hs = selected.filter((h) => h.squareId === id);
      return hs.reduce((a, h) => a + h.pGood, 0) / Math.max(hs.length, 1) >= 0.5;
    });
    expect(auc(sqIds.map((id) => g.predictSquare(id).mean), hidden)).toBeGreaterThan(0.75);
  });

  it("narrows a square's uncertainty with its own results and follows them", () => {
    const g = model();
    const sq = s.squares.find((q) => q.selected && selected.filter((h) => h.squareId === q.id).length > 20)!;
    const holes = selected.filter((h) => h.squareId === sq.id);
    const first = g.predictSquare(sq.id);
    for (const h of holes.slice(0, 12)) g.observe(h.id, false);
    const after = g.predictSquare(sq.id);
    expect(after.sd).toBeLessThan(first.sd);
    expect(after.mean).toBeLessThan(first.mean - 0.1);
    expect(after.observed).toEqual({ n: 12, good: 0, holes: 12 });
    expect(after.remainingHoles).toBe(g.holesOf(sq.id).length - 12);
    const p = g.predictHole(holes[13]!.id);
    expect(p.lo).toBeLessThanOrEqual(p.mean);
    expect(p.hi).toBeGreaterThanOrEqual(p.mean);
  });
});

describe("inputs from core fields", () => {
  it("square centre from the physical corner; hole distance to the grid bar", () => {
    const sq = squareInputFromFields("7", { physicalXUm: 100, physicalYUm: 200, physicalWidthUm: 80, physicalHeightUm: 80, unusable: true });
    expect(sq).toEqual({ id: "7", xUm: 140, yUm: 240, sizeUm: 80, flagged: true });
    const h = holeInputFromFields("9", "7", { stageXUm: 170, stageYUm: 245, intensityMean: 500, nearGridBar: false }, sq);
    expect(h.edgeDistanceUm).toBe(10);
    const g = GridPredictor.fromFields({ squares: [{ id: "7", fields: { stageXUm: 0, stageYUm: 0 } }], holes: [{ id: "9", squareId: "7", fields: { stageXUm: 1, stageYUm: 1 } }, { id: "10", squareId: "404", fields: {} }] });
    expect(g.holesOf("7")).toEqual(["9"]);
    expect(g.predictHole("9").mean).toBeCloseTo(0.4, 1);
    expect(() => g.observe("10", true)).toThrow(/unknown foil hole/);
  });
});
