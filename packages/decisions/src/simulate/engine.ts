/**
 * The replay engine: runs a policy on a scenario for a time budget, charging the time model,
 * drawing each exposure's outcome from the hole's hidden probability (the same draw for every
 * policy: common random numbers per hole and shot), judging its simulated metrics with the
 * quality rule, and delivering the verdicts to the model after the processing delay.
 *
 * With `prepareOnArrival`, as in a live EPU session, the holes of a square are unknown to the model
 * and the state until the stage first goes there (a `prepare` decision, or an acquire in it): then
 * the switch and the time model's `squarePrepareS` are charged and its holes join the model.
 */
import { GridPredictor, type PredictorOptions } from "../predict/grid-predictor.js";
import { DEFAULT_QUALITY_RULE, judgeMicrograph, type QualityRule } from "../quality/rule.js";
import { AcquisitionState } from "../policy/state.js";
import { holeSeconds } from "../policy/time-model.js";
import type { Policy, ReasonCode } from "../policy/types.js";
import { drawMetrics } from "./metrics.js";
import { Prng } from "./prng.js";
import type { Scenario, ScenarioHole } from "./scenario.js";
import type { HoleInput } from "../predict/inputs.js";

/** Simulation settings. */
export interface SimulationOptions {
  /** Time on the grid, hours. */
  readonly hours: number;
  /** Seed of the exposure outcomes. */
  readonly seed?: number;
  readonly rule?: QualityRule;
  readonly predictor?: PredictorOptions;
  /** Report the hours at which these numbers of good micrographs were reached (default 100, 500, 1000, 2000). */
  readonly milestones?: readonly number[];
  /** Called now and then with the fraction of the budget used. */
  readonly onProgress?: (fraction: number) => void;
  readonly signal?: AbortSignal;
  /** Squares are prepared on arrival: their holes are unknown until the stage first goes there (default false: all known). */
  readonly prepareOnArrival?: boolean;
}

/** What a simulation reports (snake_case: it is printed as JSON). */
export interface SimulationResult {
  readonly policy: string;
  readonly scenario: string;
  readonly seed: number;
  readonly budget_hours: number;
  /** Whether squares were prepared on arrival (holes unknown until then) rather than all known. */
  readonly prepare_on_arrival: boolean;
  /** Hours actually used (less than the budget when the policy stopped or nothing fits). */
  readonly hours_used: number;
  readonly stop_reason: ReasonCode | "budget_used";
  readonly good: number;
  readonly shots: number;
  readonly holes: number;
  readonly squares_visited: number;
  /** Good micrographs per hour of time used. */
  readonly good_per_hour: number;
  /** Σ of the hidden probabilities of the shots, per hour: the same figure without outcome noise. */
  readonly expected_good_per_hour: number;
  /** Hours to reach each milestone of good micrographs (null: not reached). */
  readonly hours_to_good: Record<string, number | null>;
  /** Seconds spent on each kind of work. */
  readonly time_s: { readonly square_switch: number; readonly square_prepare: number; readonly stage_move: number; readonly autofocus: number; readonly image_shift: number; readonly exposure: number };
  /** How often each reason code was given. */
  readonly reasons: Partial<Record<ReasonCode, number>>;
}

/** A scenario hole as the model sees it (no selection, no hidden truth). */
export function holeInput({ selected: _s, pGood: _p, iceNm: _i, ...h }: ScenarioHole): HoleInput {
  return h;
}

/**
 * A model and an acquisition state for a scenario, as a live session would start (nothing
 * observed): every square prepared (all holes known), or with `prepareOnArrival` none (no holes
 * known; the simulator adds a square's holes when the stage first goes there).
 */
export function stateForScenario(s: Scenario, budgetS: number, predictor: PredictorOptions = {}, prepareOnArrival = false): AcquisitionState {
  const model = new GridPredictor(
    s.squares.map((q) => ({ id: q.id, xUm: q.xUm, yUm: q.yUm, ...(q.sizeUm === undefined ? {} : { sizeUm: q.sizeUm }), ...(q.flagged === undefined ? {} : { flagged: q.flagged }) })),
    prepareOnArrival ? [] : s.holes.map(holeInput),
    predictor,
  );
  return new AcquisitionState({
    predictor: model,
    timeModel: s.timeModel,
    squareOrder: s.squares.filter((q) => q.selected).map((q) => q.id),
    selectedHoles: prepareOnArrival ? [] : s.holes.filter((h) => h.selected).map((h) => h.id),
    prepared: prepareOnArrival ? [] : s.squares.map((q) => q.id),
    budgetS,
  });
}

/** Run `policy` on `scenario` for `options.hours`. Deterministic for a given scenario, policy and seed. */
export function simulate(scenario: Scenario, policy: Policy, options: SimulationOptions): SimulationResult {
  const budgetS = options.hours * 3600;
  const seed = options.seed ?? 1;
  const rule = options.rule ?? DEFAULT_QUALITY_RULE;
  const tm = scenario.timeModel;
  const onArrival = options.prepareOnArrival ?? false;
  const state = stateForScenario(scenario, budgetS, options.predictor, onArrival);
  const truth = new Map(scenario.holes.map((h) => [h.id, h]));
  const holesOf = new Map<string, ScenarioHole[]>();
  for (const h of scenario.holes) {
    const list = holesOf.get(h.squareId);
    if (list === undefined) holesOf.set(h.squareId, [h]);
    else list.push(h);
  }
  const outcomes = new Prng(seed);
  const milestones = [...(options.milestones ?? [100, 500, 1000, 2000])].sort((a, b) => a - b);
  const hoursTo: Record<string, number | null> = Object.fromEntries(milestones.map((m) => [String(m), null]));
  const time = { square_switch: 0, square_prepare: 0, stage_move: 0, autofocus: 0, image_shift: 0, exposure: 0 };
  const reasons: Partial<Record<ReasonCode, number>> = {};
  const pending: { at: number; holeId: string; good: boolean }[] = [];
  let next = 0;
  let good = 0;
  let shots = 0;
  let expected = 0;
  let stop: ReasonCode | "budget_used" = "budget_used";
  let lastProgress = 0;

  for (;;) {
    options.signal?.throwIfAborted();
    while (next < pending.length && pending[next]!.at <= state.elapsedS) {
      const r = pending[next++]!;
      state.predictor.observe(r.holeId, r.good);
    }
    const d = policy.next(state);
    for (const c of d.reasons) reasons[c] = (reasons[c] ?? 0) + 1;
    if (d.action === "stop") {
      stop = d.reasons[0] ?? "grid_exhausted";
      break;
    }
    if (d.action === "prepare") {
      if (state.position?.squareId === d.squareId) throw new RangeError(`policy ${policy.name} asked to prepare the current square ${d.squareId}`);
      const switchS = state.switchCostTo(d.squareId);
      const prepS = state.isPrepared(d.squareId) ? 0 : tm.squarePrepareS;
      if (state.elapsedS + switchS + prepS > budgetS) break;
      time.square_switch += switchS;
      time.square_prepare += prepS;
      const holes = state.isPrepared(d.squareId) ? [] : (holesOf.get(d.squareId) ?? []);
      state.prepare(d.squareId, holes.map(holeInput), holes.filter((h) => h.selected).map((h) => h.id), switchS + prepS);
      continue;
    }
    const cost = state.costOf(d.holeId);
    if (state.elapsedS + cost.switchS + cost.holeS > budgetS) break;
    // A stage move within the square when the hole costs more than a same-cluster shot.
    const moved = cost.switchS === 0 && cost.holeS > holeSeconds(true, tm);
    time.square_switch += cost.switchS;
    if (moved) {
      time.stage_move += tm.holeStageMoveS;
      time.autofocus += tm.autofocusS;
    }
    time.image_shift += tm.imageShiftS;
    time.exposure += tm.shotsPerHole * tm.exposureS;
    const t0 = state.elapsedS;
    state.markAcquired(d.holeId, cost.switchS + cost.holeS);
    const h = truth.get(d.holeId)!;
    for (let k = 0; k < tm.shotsPerHole; k++) {
      const rng = outcomes.fork(`${d.holeId}:${k}`);
      const isGood = rng.bernoulli(h.pGood);
      const verdict = judgeMicrograph(drawMetrics(isGood, rng, h.iceNm), rule);
      const at = t0 + cost.switchS + cost.holeS - (tm.shotsPerHole - 1 - k) * tm.exposureS;
      shots++;
      expected += h.pGood;
      if (verdict.label === "good") {
        good++;
        const key = String(good);
        if (key in hoursTo && hoursTo[key] === null) hoursTo[key] = at / 3600;
      }
      if (verdict.label !== "pending") pending.push({ at: at + tm.processingDelayS, holeId: d.holeId, good: verdict.label === "good" });
    }
    if (options.onProgress !== undefined && state.elapsedS - lastProgress > budgetS / 100) {
      lastProgress = state.elapsedS;
      options.onProgress(state.elapsedS / budgetS);
    }
  }
  const hours = state.elapsedS / 3600;
  return {
    policy: policy.name,
    scenario: scenario.name ?? "scenario",
    seed,
    budget_hours: options.hours,
    prepare_on_arrival: onArrival,
    hours_used: hours,
    stop_reason: stop,
    good,
    shots,
    holes: state.acquiredCount,
    squares_visited: state.squaresVisited,
    good_per_hour: hours > 0 ? good / hours : 0,
    expected_good_per_hour: hours > 0 ? expected / hours : 0,
    hours_to_good: hoursTo,
    time_s: time,
    reasons,
  };
}
