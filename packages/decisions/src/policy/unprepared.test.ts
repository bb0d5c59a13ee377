import { describe, expect, it } from "vitest";
import { GridPredictor } from "../predict/grid-predictor.js";
import type { HoleInput, SquareInput } from "../predict/inputs.js";
import { parseScenario } from "../simulate/scenario.js";
import { holeInput, stateForScenario } from "../simulate/engine.js";
import { policyByName, POLICY_NAMES } from "./registry.js";
import { AcquisitionState } from "./state.js";
import { DEFAULT_TIME_MODEL, squareSwitchSeconds } from "./time-model.js";
import { DEFAULT_EXPECTED_HOLES } from "./unprepared.js";

// Four holes 3 µm apart near a square's centre (one image-shift cluster).
const holesFor = (s: SquareInput, n = 4): HoleInput[] => Array.from({ length: n }, (_, k) => ({ id: `${s.id}${k}`, squareId: s.id, xUm: s.xUm + 1 + 3 * (k % 2), yUm: s.yUm + 1 + 3 * Math.floor(k / 2), intensityMean: 700, intensityStdDev: 20 }));

describe("unprepared squares in the state", () => {
  it("are the selected squares with no known hole; their holes are estimated as documented", () => {
    const squares: SquareInput[] = [
      { id: "A", xUm: 0, yUm: 0, sizeUm: 80 },
      { id: "B", xUm: 125, yUm: 0, sizeUm: 80 },
      { id: "E", xUm: 250, yUm: 0, sizeUm: 80 },
      { id: "U", xUm: 375, yUm: 0, sizeUm: 40 },
      { id: "V", xUm: 500, yUm: 0 },
    ];
    const holes = [...holesFor(squares[0]!, 4), ...holesFor(squares[1]!, 8)];
    const predictor = new GridPredictor(squares, holes);
    // E was prepared and has no selected hole: it is left out of the estimate.
    const state = new AcquisitionState({ predictor, timeModel: DEFAULT_TIME_MODEL, squareOrder: ["A", "B", "E", "U", "V"], prepared: ["E"] });
    expect(state.unpreparedSquares()).toEqual(["U", "V"]);
    expect(state.candidates("U")).toEqual([]);
    expect(state.isOpen("U")).toBe(true);
    expect(state.isOpen("E")).toBe(false);
    expect(state.expectedHoles("A")).toBe(4);
    // Median density of A and B (4 and 8 holes on 80 µm: median 6/6400 per µm²) × 40².
    expect(state.expectedHoles("U")).toBe(Math.round((6 / 6400) * 1600));
    // No size: the median count.
    expect(state.expectedHoles("V")).toBe(6);
    // The stage is nowhere yet (no travel): the switch, plus the preparation for an unprepared square.
    expect(state.arrivalCostTo("U")).toBeCloseTo(squareSwitchSeconds(0, DEFAULT_TIME_MODEL) + DEFAULT_TIME_MODEL.squarePrepareS, 9);
    expect(state.arrivalCostTo("A")).toBeCloseTo(squareSwitchSeconds(0, DEFAULT_TIME_MODEL), 9);

    // Nothing prepared: the hole pitch when known, else the default.
    const bare = new GridPredictor(squares, []);
    expect(new AcquisitionState({ predictor: bare, timeModel: DEFAULT_TIME_MODEL, holePitchUm: 8 }).expectedHoles("A")).toBe(100);
    const none = new AcquisitionState({ predictor: bare, timeModel: DEFAULT_TIME_MODEL });
    expect(none.expectedHoles("A")).toBe(DEFAULT_EXPECTED_HOLES);
    expect(none.unpreparedSquares()).toEqual(["A", "B", "E", "U", "V"]);

    // Preparing a square adds its holes, makes them candidates and puts the stage there.
    none.prepare("U", holesFor(squares[3]!, 3), ["U0", "U2"], 100);
    expect(none.isPrepared("U")).toBe(true);
    expect(none.candidates("U")).toEqual(["U0", "U2"]);
    expect(none.position?.squareId).toBe("U");
    expect(none.elapsedS).toBe(100);
    // The first hole after preparing costs a same-cluster shot (the switch ended focused).
    expect(none.costOf("U0")).toEqual({ switchS: 0, holeS: DEFAULT_TIME_MODEL.imageShiftS + DEFAULT_TIME_MODEL.exposureS });
    expect(none.expectedHoles("A")).toBe(Math.round((2 / 1600) * 6400));
  });
});

describe("policies with unprepared squares", () => {
  // G1, G2 good and finished, U unprepared next to them, P poor (the stage is there), F far away unprepared.
  function grid(): AcquisitionState {
    const squares: SquareInput[] = [
      { id: "P", xUm: -750, yUm: 0, sizeUm: 80 },
      { id: "G1", xUm: 0, yUm: 0, sizeUm: 80 },
      { id: "G2", xUm: 125, yUm: 0, sizeUm: 80 },
      { id: "U", xUm: 62, yUm: 110, sizeUm: 80 },
      { id: "F", xUm: -1500, yUm: 0, sizeUm: 80 },
    ];
    const holes = [...holesFor(squares[0]!, 12), ...holesFor(squares[1]!, 12), ...holesFor(squares[2]!, 12)];
    const predictor = new GridPredictor(squares, holes);
    const state = new AcquisitionState({ predictor, timeModel: DEFAULT_TIME_MODEL, squareOrder: ["P", "F", "G1", "G2", "U"], budgetS: 20 * 3600 });
    for (const h of holes.filter((x) => x.squareId !== "P")) {
      predictor.observe(h.id, true);
      state.markAcquired(h.id, 6);
    }
    for (const h of holes.filter((x) => x.squareId === "P").slice(0, 6)) {
      predictor.observe(h.id, false);
      state.markAcquired(h.id, 6);
    }
    return state;
  }

  it("ucb goes to an unprepared square predicted good rather than staying in a poor one", () => {
    const state = grid();
    expect(state.position?.squareId).toBe("P");
    expect(state.predictor.predictSquare("U").mean).toBeGreaterThan(state.predictor.predictSquare("F").mean);
    const d = policyByName("ucb").next(state);
    expect(d).toMatchObject({ action: "prepare", squareId: "U" });
    expect(d.reasons).toContain("square_unprepared");
    expect(d.reasons).toContain("square_poor_observed");
    expect(d.numbers.expectedHoles).toBe(12);
  });

  it("rank() lists unprepared squares with no holes and the square_unprepared reason", () => {
    for (const name of POLICY_NAMES) {
      const order = policyByName(name).rank(grid());
      const ids = order.squares.map((s) => s.squareId);
      expect(ids, name).toEqual(expect.arrayContaining(["P", "U", "F"]));
      expect(ids, name).not.toContain("G1");
      for (const id of ["U", "F"]) {
        const sq = order.squares.find((s) => s.squareId === id)!;
        expect(sq.holes, name).toEqual([]);
        expect(sq.reasons, name).toContain("square_unprepared");
      }
    }
    const ucb = policyByName("ucb").rank(grid()).squares.map((s) => s.squareId);
    expect(ucb.indexOf("U")).toBeLessThan(ucb.indexOf("P"));
    expect(policyByName("epu").rank(grid()).squares.map((s) => s.squareId)).toEqual(["P", "F", "U"]);
  });

  it("epu goes to unprepared squares in the listed order, then takes their holes", () => {
    const squares = ["A", "B", "C"].map((id, i) => ({ id, xUm: i * 125, yUm: 0, sizeUm: 80 }));
    const holes = squares.flatMap((s) => [0, 1].map((k) => ({ id: `${s.id}${k}`, squareId: s.id, xUm: s.xUm + 3 * k, yUm: 0, pGood: 0.5, selected: k === 0 || s.id !== "B" })));
    const scenario = parseScenario({ format: "emflow.decisions.scenario", version: 1, squares, holes });
    const state = stateForScenario(scenario, 1e6, {}, true);
    expect(state.unpreparedSquares()).toEqual(["A", "B", "C"]);
    const p = policyByName("epu");
    const steps: string[] = [];
    for (;;) {
      const d = p.next(state);
      if (d.action === "stop") break;
      if (d.action === "prepare") {
        steps.push(`prepare ${d.squareId}`);
        const mine = scenario.holes.filter((h) => h.squareId === d.squareId);
        state.prepare(d.squareId, mine.map(holeInput), mine.filter((h) => h.selected).map((h) => h.id), 100);
      } else {
        steps.push(d.holeId);
        state.markAcquired(d.holeId, 6);
      }
    }
    expect(steps).toEqual(["prepare A", "A0", "A1", "prepare B", "B0", "prepare C", "C0", "C1"]);
  });
});
