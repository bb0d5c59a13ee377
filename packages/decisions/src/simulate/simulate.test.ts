import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { policyByName } from "../policy/registry.js";
import { judgeMicrograph } from "../quality/rule.js";
import { simulate } from "./engine.js";
import { scenarioFromSession } from "./from-session.js";
import { drawMetrics } from "./metrics.js";
import { Prng } from "./prng.js";
import { exportScenario, loadScenario, parseScenario, Scenario } from "./scenario.js";
import { syntheticScenario } from "./synthetic-grid.js";

const work = mkdtempSync(path.join(tmpdir(), "emflow-decisions-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("Prng", () => {
  it("is deterministic by seed, uniform and normal", () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const xs = Array.from({ length: 20000 }, () => a.next());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    expect(new Prng(43).next()).not.toBe(xs[0]);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    const n = new Prng(1);
    const zs = Array.from({ length: 20000 }, () => n.normal(3, 2));
    const m = zs.reduce((s, x) => s + x, 0) / zs.length;
    const v = zs.reduce((s, x) => s + (x - m) ** 2, 0) / zs.length;
    expect(m).toBeCloseTo(3, 1);
    expect(Math.sqrt(v)).toBeCloseTo(2, 1);
    expect(new Prng(7).fork("x").next()).toBe(new Prng(7).fork("x").next());
  });
});

describe("simulated metrics", () => {
  it("the default rule recovers the drawn outcome, so the good fraction is the hidden p", () => {
    const rng = new Prng(9);
    let good = 0;
    for (let i = 0; i < 4000; i++) {
      const isGood = rng.bernoulli(0.3);
      const ice = rng.uniform(0, 150);
      const v = judgeMicrograph(drawMetrics(isGood, rng, ice));
      expect(v.label).toBe(isGood ? "good" : "bad");
      if (v.label === "good") good++;
    }
    expect(good / 4000).toBeGreaterThan(0.27);
    expect(good / 4000).toBeLessThan(0.33);
    // Thick ice fails on ice; an empty hole on particles.
    expect(judgeMicrograph(drawMetrics(false, rng, 120)).reasons).toContain("ice_too_thick");
    expect(judgeMicrograph(drawMetrics(false, rng, 3)).reasons).toEqual(["too_few_particles"]);
  });
});

describe("synthetic grid", () => {
  it("is realistic: hundreds of squares, thousands of holes, 30–50% good squares", () => {
    for (const seed of [1, 2, 3]) {
      const s = syntheticScenario({ seed });
      expect(s.squares.length).toBe(220);
      expect(s.holes.length).toBeGreaterThan(10_000);
      const bySq = new Map<string, number[]>();
      for (const h of s.holes) if (h.selected) (bySq.get(h.squareId) ?? bySq.set(h.squareId, []).get(h.squareId)!).push(h.pGood);
      const means = s.squares.filter((q) => q.selected && bySq.has(q.id)).map((q) => bySq.get(q.id)!.reduce((a, b) => a + b, 0) / bySq.get(q.id)!.length);
      const good = means.filter((m) => m >= 0.5).length / means.length;
      expect(good).toBeGreaterThanOrEqual(0.3);
      expect(good).toBeLessThanOrEqual(0.5);
      // Holes near grid bars are worse.
      const sel = s.holes.filter((h) => h.selected);
      const avg = (xs: { pGood: number }[]) => xs.reduce((a, h) => a + h.pGood, 0) / xs.length;
      expect(avg(sel.filter((h) => h.nearGridBar))).toBeLessThan(avg(sel.filter((h) => !h.nearGridBar)) - 0.05);
    }
    expect(syntheticScenario({ seed: 4, squares: 30 })).toEqual(syntheticScenario({ seed: 4, squares: 30 }));
  });
});

describe("scenario files", () => {
  it("round-trip through JSON", async () => {
    const s = syntheticScenario({ seed: 2, squares: 12 });
    const file = path.join(work, "grid.json");
    await exportScenario(s, file);
    expect(await loadScenario(file)).toEqual(s);
  });

  it("a malformed scenario gives a located error", async () => {
    const s = JSON.parse(JSON.stringify(syntheticScenario({ seed: 2, squares: 4 })));
    s.holes[3].pGood = 1.5;
    const file = path.join(work, "bad.json");
    writeFileSync(file, JSON.stringify(s));
    await expect(loadScenario(file)).rejects.toMatchObject({ _tag: "ValidationError", file, message: expect.stringMatching(/^not a valid scenario: holes\.3\.pGood: /) });
    s.holes[3].pGood = 0.5;
    s.holes[5].squareId = "nope";
    expect(() => parseScenario(s)).toThrow(/holes\.5\.squareId: no grid square nope/);
    writeFileSync(file, "{ not json");
    await expect(loadScenario(file)).rejects.toMatchObject({ _tag: "FormatError", file });
    expect(() => parseScenario({ ...s, version: 2 })).toThrow(/version/);
  });
});

describe("simulate", () => {
  it("is deterministic by seed and accounts for its time", () => {
    const s = syntheticScenario({ seed: 3, squares: 40 });
    const a = simulate(s, policyByName("epu"), { hours: 2, seed: 5 });
    expect(simulate(s, policyByName("epu"), { hours: 2, seed: 5 })).toEqual(a);
    expect(a.hours_used).toBeLessThanOrEqual(2);
    expect(a.hours_used).toBeGreaterThan(1.95);
    const t = a.time_s;
    expect(t.square_switch + t.stage_move + t.autofocus + t.image_shift + t.exposure).toBeCloseTo(a.hours_used * 3600, 6);
    expect(a.shots).toBe(a.holes);
    expect(a.good_per_hour).toBeCloseTo(a.good / a.hours_used, 10);
    expect(Math.abs(a.good_per_hour - a.expected_good_per_hour)).toBeLessThan(15);
  });

  it("ucb collects clearly more good micrographs per hour than epu on the default grid (seed 1, 24 h)", () => {
    const s = syntheticScenario({ seed: 1 });
    const epu = simulate(s, policyByName("epu"), { hours: 24, seed: 1 });
    const ucb = simulate(s, policyByName("ucb"), { hours: 24, seed: 1 });
    expect(ucb.good_per_hour / epu.good_per_hour).toBeGreaterThan(1.5);
    expect(ucb.good).toBeGreaterThan(epu.good * 1.5);
    expect(ucb.hours_to_good["1000"]!).toBeLessThan(epu.hours_to_good["1000"]!);
  });
});

describe("scenarioFromSession", () => {
  it("takes each imaged hole's p from its results, others from the square, then the grid", () => {
    const good = { ctfFitResolutionA: 3.5, iceMedian: 0.1, particleCount: 100 };
    const bad = { ctfFitResolutionA: 8, iceMedian: 0.1 };
    const s = scenarioFromSession({
      name: "visit",
      squares: [
        { id: "1", fields: { stageXUm: 0, stageYUm: 0, physicalWidthUm: 80, physicalHeightUm: 80, selected: true } },
        { id: "2", fields: { stageXUm: 125, stageYUm: 0, state: "Defined" } },
      ],
      holes: [
        { id: "11", squareId: "1", fields: { stageXUm: 1, stageYUm: 2, intensityMean: 600 } },
        { id: "12", squareId: "1", fields: { stageXUm: 4, stageYUm: 2 } },
        { id: "21", squareId: "2", fields: { stageXUm: 125, stageYUm: 3 } },
      ],
      micrographs: [
        { foilHoleId: "11", metrics: good },
        { foilHoleId: "11", metrics: good },
        { foilHoleId: "11", metrics: bad },
        { foilHoleId: "99", metrics: good },
        { foilHoleId: "11", metrics: { totalMotionA: 3 } },
      ],
    });
    expect(Scenario.parse(s)).toEqual(s);
    const p = Object.fromEntries(s.holes.map((h) => [h.id, h.pGood]));
    expect(p["11"]).toBeCloseTo(2.5 / 4, 12);
    expect(p["12"]).toBeCloseTo(2.5 / 4, 12);
    expect(p["21"]).toBeCloseTo(2.5 / 4, 12);
    expect(s.squares.map((q) => q.selected)).toEqual([true, false]);
    expect(s.holes[0]).toMatchObject({ intensityMean: 600, edgeDistanceUm: 38, iceNm: 35 });
    const r = simulate(s, policyByName("epu"), { hours: 1 });
    expect(r.holes).toBe(2);
  });
});
