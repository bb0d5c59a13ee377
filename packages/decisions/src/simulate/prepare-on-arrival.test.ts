import { describe, expect, it } from "vitest";
import { policyByName, POLICY_NAMES } from "../policy/registry.js";
import { simulate } from "./engine.js";
import { syntheticScenario } from "./synthetic-grid.js";

describe("simulate with squares prepared on arrival", () => {
  const s = syntheticScenario({ seed: 2, squares: 80 });

  it("runs every policy, charges each preparation once and accounts for its time", () => {
    for (const name of POLICY_NAMES) {
      const r = simulate(s, policyByName(name), { hours: 2, seed: 2, prepareOnArrival: true });
      expect(r.prepare_on_arrival).toBe(true);
      expect(r.holes, name).toBeGreaterThan(100);
      const t = r.time_s;
      expect(t.square_switch + t.square_prepare + t.stage_move + t.autofocus + t.image_shift + t.exposure, name).toBeCloseTo(r.hours_used * 3600, 6);
      // Every visited square was prepared on its first arrival, and only then.
      expect(t.square_prepare, name).toBeCloseTo(r.squares_visited * s.timeModel.squarePrepareS, 6);
    }
    // All prepared: no preparation is charged.
    const all = simulate(s, policyByName("epu"), { hours: 2, seed: 2 });
    expect(all.prepare_on_arrival).toBe(false);
    expect(all.time_s.square_prepare).toBe(0);
  });

  it("ucb collects more good micrographs per hour than epu (seed 2, 80 squares, 4 h)", () => {
    const ucb = simulate(s, policyByName("ucb"), { hours: 4, seed: 2, prepareOnArrival: true });
    const epu = simulate(s, policyByName("epu"), { hours: 4, seed: 2, prepareOnArrival: true });
    expect(ucb).toEqual(simulate(s, policyByName("ucb"), { hours: 4, seed: 2, prepareOnArrival: true }));
    expect(ucb.good_per_hour / epu.good_per_hour).toBeGreaterThan(1.5);
    expect(ucb.reasons.square_unprepared).toBeGreaterThan(0);
  });

  it("the ice options change the grid, their defaults leave it as it was", () => {
    expect(syntheticScenario({ seed: 2, squares: 80, iceMeanNm: 38, iceGradientNm: 30 })).toEqual(s);
    expect(syntheticScenario({ seed: 2, squares: 80, iceGradientNm: 60 }).holes[0]!.iceNm).not.toBe(s.holes[0]!.iceNm);
  });
});
