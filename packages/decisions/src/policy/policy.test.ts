import { describe, expect, it } from "vitest";
import { parseScenario, type ScenarioInput } from "../simulate/scenario.js";
import { stateForScenario } from "../simulate/engine.js";
import { policyByName, POLICY_NAMES } from "./registry.js";
import { clusterOf, DEFAULT_TIME_MODEL, holeSeconds, squareSwitchSeconds } from "./time-model.js";

// Three squares in a row, 125 µm apart, four holes each 3 µm apart (one image-shift cluster each).
function tiny(pGood: Record<string, number>): ScenarioInput {
  const squares = ["A", "B", "C"].map((id, i) => ({ id, xUm: i * 125, yUm: 0, sizeUm: 80 }));
  const holes = squares.flatMap((s) => [0, 1, 2, 3].map((k) => ({ id: `${s.id}${k}`, squareId: s.id, xUm: s.xUm + 1 + 3 * (k % 2), yUm: 1 + 3 * Math.floor(k / 2), intensityMean: 700, intensityStdDev: 20, pGood: pGood[s.id]! })));
  return { format: "emflow.decisions.scenario", version: 1, squares, holes };
}

describe("time model", () => {
  it("charges switch, stage move and shots as documented", () => {
    expect(squareSwitchSeconds(300, DEFAULT_TIME_MODEL)).toBe(300 / 150 + 5 + 75);
    expect(holeSeconds(true, DEFAULT_TIME_MODEL)).toBe(2 + 4);
    expect(holeSeconds(false, DEFAULT_TIME_MODEL)).toBe(8 + 10 + 2 + 4);
    // Cells of side R√2 = 14.14 µm: every hole of a cell is within R of its centre.
    const c = clusterOf({ xUm: 13, yUm: 1 }, { xUm: 0, yUm: 0 }, DEFAULT_TIME_MODEL);
    expect(c.key).toBe("0,0");
    expect(Math.hypot(13 - c.xUm, 1 - c.yUm)).toBeLessThanOrEqual(10);
  });
});

describe("policies", () => {
  it("epu: squares as listed, every hole of a square first, then stops", () => {
    const s = parseScenario(tiny({ A: 0.1, B: 0.9, C: 0.5 }));
    const state = stateForScenario(s, 1e6);
    const p = policyByName("epu");
    const order: string[] = [];
    for (;;) {
      const d = p.next(state);
      if (d.action === "stop") {
        expect(d.reasons).toEqual(["grid_exhausted"]);
        break;
      }
      order.push(d.holeId);
      state.markAcquired(d.holeId, 1);
    }
    expect(order).toEqual(["A0", "A1", "A2", "A3", "B0", "B1", "B2", "B3", "C0", "C1", "C2", "C3"]);
  });

  it("ucb leaves a square whose results are poor and says why", () => {
    const s = parseScenario(tiny({ A: 0.1, B: 0.9, C: 0.9 }));
    const state = stateForScenario(s, 1e6);
    const p = policyByName("ucb");
    const first = p.next(state);
    expect(first.action).toBe("acquire");
    if (first.action !== "acquire") return;
    state.markAcquired(first.holeId, 80);
    // Two bad results in that square; the model should now prefer another square.
    const sq = first.squareId;
    for (const h of state.candidates(sq).slice(0, 2)) {
      state.predictor.observe(h, false);
      state.predictor.observe(h, false);
    }
    state.predictor.observe(first.holeId, false);
    const d = p.next(state);
    expect(d.action).toBe("acquire");
    if (d.action !== "acquire") return;
    expect(d.squareId).not.toBe(sq);
    expect(d.reasons[0]).toMatch(/square_poor_observed|better_square_elsewhere/);
    expect(d.numbers.costSeconds).toBeGreaterThan(80);
    expect(d.numbers.expectedGoodPerHour).toBeGreaterThan(0);
  });

  it("ucb stops a grid where nothing is worth it, and when time runs out", () => {
    const s = parseScenario(tiny({ A: 0.1, B: 0.1, C: 0.1 }));
    const state = stateForScenario(s, 1e6);
    const p = policyByName("ucb", { ucb: { minGoodPerHour: 10_000 } });
    expect(p.next(state)).toMatchObject({ action: "stop", reasons: ["grid_not_worth_continuing"] });
    const short = stateForScenario(s, 3);
    expect(policyByName("ucb").next(short)).toMatchObject({ action: "stop", reasons: ["grid_exhausted"] });
  });

  it("every policy ranks the squares left, with holes, and names are checked", () => {
    const s = parseScenario(tiny({ A: 0.2, B: 0.9, C: 0.5 }));
    for (const name of POLICY_NAMES) {
      const state = stateForScenario(s, 1e6);
      state.markAcquired("A0", 80);
      const r = policyByName(name).rank(state);
      expect(r.policy).toBe(name);
      expect(r.squares.map((q) => q.squareId).sort()).toEqual(["A", "B", "C"]);
      expect(r.squares.find((q) => q.squareId === "A")!.holes.map((h) => h.holeId).sort()).toEqual(["A1", "A2", "A3"]);
    }
    expect(() => policyByName("random")).toThrow(/unknown policy "random" \(one of: ucb, greedy, epu\)/);
  });
});
