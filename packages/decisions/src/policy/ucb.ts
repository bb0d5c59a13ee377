/**
 * UCB, the default policy: explore/exploit over squares with an optimistic (mean + β·sd) estimate
 * of each square's good fraction, turned into expected good micrographs per hour with the cost of
 * getting there (stage move, square switch with eucentric/autofocus) amortised over the holes that
 * fit in the time left. Within a square it takes the hole with the best optimistic rate (image-shift
 * neighbours are cheaper), and leaves when the next hole's rate falls below the best square
 * elsewhere (the marginal value theorem). It stops when no action promises `minGoodPerHour`.
 *
 * A square EPU has not prepared yet is valued the same way from its square prediction (features of
 * the square and its neighbours' results) and its estimated holes (AcquisitionState.expectedHoles),
 * its preparation added to the switch; choosing it gives a `prepare` decision.
 */
import { z } from "zod";
import type { AcquisitionState } from "./state.js";
import type { Decision, DecisionNumbers, Policy, RankedOrder, RankedSquare, ReasonCode } from "./types.js";

/** UCB settings. */
export const UcbOptions = z
  .object({
    /** Optimism: a square (hole) is valued at mean + beta·sd. */
    beta: z.number().min(0).default(1),
    /** Stop the grid when no action promises this many good micrographs per hour (optimistically). */
    minGoodPerHour: z.number().min(0).default(20),
    /** Re-score the other squares after this many model changes. */
    refreshEvery: z.number().int().positive().default(40),
    /** A square left with a posterior good fraction below this is reported as square_poor_observed. */
    poorObservedFraction: z.number().min(0).max(1).default(0.3),
  })
  .strict();
export type UcbOptions = z.input<typeof UcbOptions>;

interface SquareValue {
  readonly squareId: string;
  readonly mean: number;
  readonly sd: number;
  readonly holes: number;
  /** Average seconds per hole once there (clusters' stage moves and autofocus spread over its holes). */
  readonly holeS: number;
  /** Holes not known yet: `holes` and `holeS` are estimates. */
  readonly unprepared: boolean;
}

interface Alternative extends SquareValue {
  readonly switchS: number;
  readonly rateUcb: number;
  readonly rateMean: number;
}

/** The UCB policy. */
export function ucbPolicy(options: UcbOptions = {}): Policy {
  const o = UcbOptions.parse(options);
  let table: { version: number; layout: string; values: Map<string, SquareValue> } | undefined;
  const clusterCount = new Map<string, { holes: number; n: number }>();

  const squareValues = (state: AcquisitionState): Map<string, SquareValue> => {
    const v = state.predictor.version;
    const layout = `${state.layoutVersion}|${state.unpreparedSquares().length}`;
    if (table !== undefined && table.layout === layout && v - table.version < o.refreshEvery) return table.values;
    const tm = state.timeModel;
    const values = new Map<string, SquareValue>();
    for (const sq of state.squareOrder()) {
      if (!state.isPrepared(sq)) {
        const holes = state.expectedHoles(sq);
        if (holes <= 0) continue;
        const p = state.predictor.predictSquare(sq);
        values.set(sq, { squareId: sq, mean: p.mean, sd: p.sd, holes, holeS: state.expectedHoleSeconds(sq), unprepared: true });
        continue;
      }
      const cands = state.candidates(sq);
      if (cands.length === 0) continue;
      const set = new Set(cands);
      const p = state.predictor.predictSquare(sq, (h) => !set.has(h));
      let clusters = clusterCount.get(sq);
      if (clusters === undefined || clusters.holes !== cands.length) {
        clusters = { holes: cands.length, n: new Set(cands.map((h) => state.clusterOf(h).key)).size };
        clusterCount.set(sq, clusters);
      }
      const holeS = ((clusters.n - 1) * (tm.holeStageMoveS + tm.autofocusS)) / cands.length + tm.imageShiftS + tm.shotsPerHole * tm.exposureS;
      values.set(sq, { squareId: sq, mean: p.mean, sd: p.sd, holes: cands.length, holeS, unprepared: false });
    }
    table = { version: v, layout, values };
    return values;
  };

  const rate = (p: number, holes: number, switchS: number, holeS: number, state: AcquisitionState): number => {
    const fit = Math.min(holes, Math.floor((state.remainingS - switchS) / holeS));
    if (fit <= 0) return 0;
    return (3600 * state.timeModel.shotsPerHole * p * fit) / (switchS + fit * holeS);
  };

  let alts: { key: string; list: Alternative[] } | undefined;
  // Other squares by optimistic rate; kept while the scores, the current square and the 10-minute
  // slot of time left (which caps how many holes fit) are unchanged.
  const alternatives = (state: AcquisitionState): Alternative[] => {
    const here = state.position?.squareId;
    const values = squareValues(state);
    const key = `${table!.version}|${table!.layout}|${here}|${Math.floor(state.remainingS / 600)}`;
    if (alts?.key === key) return alts.list.filter((a) => state.isOpen(a.squareId));
    const out: Alternative[] = [];
    for (const s of values.values()) {
      if (s.squareId === here || !state.isOpen(s.squareId)) continue;
      // An unprepared square's preparation is paid on arrival, like the switch.
      const switchS = state.arrivalCostTo(s.squareId);
      const u = Math.min(1, s.mean + o.beta * s.sd);
      out.push({ ...s, switchS, rateUcb: rate(u, s.holes, switchS, s.holeS, state), rateMean: rate(s.mean, s.holes, switchS, s.holeS, state) });
    }
    out.sort((a, b) => b.rateUcb - a.rateUcb);
    alts = { key, list: out };
    return out;
  };

  // The holes of a square with their rates from the current position. A stage move to another
  // cluster is spread over that cluster's remaining holes, as squareValues spreads it for a square,
  // so a hole is not judged poor only because its cluster starts with a move.
  const holesByRate = (state: AcquisitionState, squareId: string) => {
    const tm = state.timeModel;
    const cands = state.candidates(squareId);
    const perCluster = new Map<string, number>();
    for (const h of cands) {
      const k = state.clusterOf(h).key;
      perCluster.set(k, (perCluster.get(k) ?? 0) + 1);
    }
    const base = tm.imageShiftS + tm.shotsPerHole * tm.exposureS;
    return cands
      .map((h) => {
        const p = state.predictor.predictHole(h);
        const cost = state.costOf(h);
        const amortised = base + (cost.holeS - base) / perCluster.get(state.clusterOf(h).key)!;
        const u = Math.min(1, p.mean + o.beta * p.sd);
        const perHour = (3600 * tm.shotsPerHole) / amortised;
        return { holeId: h, mean: p.mean, sd: p.sd, ucb: u, holeS: cost.holeS, switchS: cost.switchS, rate: perHour * u, rateMean: perHour * p.mean };
      })
      .filter((h) => h.switchS + h.holeS <= state.remainingS)
      .sort((a, b) => b.rate - a.rate);
  };

  const observedFraction = (state: AcquisitionState, squareId: string): { n: number; mean: number } => {
    let good = 0;
    let n = 0;
    for (const h of state.predictor.holesOf(squareId)) {
      const ob = state.predictor.observed(h);
      good += ob.good;
      n += ob.n;
    }
    return { n, mean: (good + 1) / (n + 2) };
  };

  return {
    name: "ucb",
    next(state: AcquisitionState): Decision {
      const here = state.position?.squareId;
      const stay = here === undefined ? [] : holesByRate(state, here);
      const alts = alternatives(state);
      // Stay on the best hole here while its expected rate beats what switching is expected to give
      // (means on both sides: optimism only picks which square to try next, never why to leave).
      const best = stay.reduce<(typeof stay)[number] | undefined>((a, b) => (a === undefined || b.rateMean > a.rateMean ? b : a), undefined);
      const bestAltMean = alts.reduce((m, a) => Math.max(m, a.rateMean), 0);
      const target = alts[0];
      const stayRate = best?.rateMean ?? 0;
      const numbers: DecisionNumbers = { stayGoodPerHour: stayRate, switchGoodPerHour: target?.rateUcb ?? 0, remainingSeconds: state.remainingS };
      // Nothing left, or nothing that fits in the time left.
      if (best === undefined && (target === undefined || target.rateUcb <= 0)) return { action: "stop", reasons: ["grid_exhausted"], numbers };
      if (Math.max(best?.rate ?? 0, target?.rateUcb ?? 0) < o.minGoodPerHour) return { action: "stop", reasons: ["grid_not_worth_continuing"], numbers };
      if (best !== undefined && (target === undefined || stayRate >= bestAltMean)) {
        const reasons: ReasonCode[] = ["highest_predicted_quality"];
        // Some square promises more per hole, but not once its switch is paid.
        if (alts.some((a) => a.mean > best.mean)) reasons.push(alts.some((a) => a.holes * a.holeS + a.switchS > state.remainingS) ? "time_nearly_up" : "switch_cost_not_worth_it");
        return { action: "acquire", squareId: here!, holeId: best.holeId, reasons, numbers: { ...numbers, predictedMean: best.mean, predictedSd: best.sd, ucb: best.ucb, expectedGoodPerHour: stayRate, costSeconds: best.holeS } };
      }
      const reasons: ReasonCode[] = [];
      if (here !== undefined) {
        const obs = observedFraction(state, here);
        numbers.observedGoodFraction = obs.mean;
        if (best === undefined) reasons.push("square_exhausted");
        else if (obs.n >= 3 && obs.mean < o.poorObservedFraction) reasons.push("square_poor_observed");
        else reasons.push("better_square_elsewhere");
      }
      const byMean = alts.reduce((a, b) => (b.rateMean > a.rateMean ? b : a));
      reasons.push(byMean.squareId === target!.squareId ? "highest_predicted_quality" : "explore_uncertain_square");
      const targetNumbers: DecisionNumbers = { ...numbers, predictedMean: target!.mean, predictedSd: target!.sd, ucb: Math.min(1, target!.mean + o.beta * target!.sd), expectedGoodPerHour: target!.rateUcb, expectedHoles: target!.holes };
      if (target!.unprepared) {
        reasons.push("square_unprepared");
        return { action: "prepare", squareId: target!.squareId, reasons, numbers: { ...targetNumbers, costSeconds: target!.switchS } };
      }
      const first = holesByRate(state, target!.squareId).reduce<ReturnType<typeof holesByRate>[number] | undefined>((a, b) => (a === undefined || b.rateMean > a.rateMean ? b : a), undefined);
      if (first === undefined) return { action: "stop", reasons: ["grid_exhausted"], numbers };
      return { action: "acquire", squareId: target!.squareId, holeId: first.holeId, reasons, numbers: { ...targetNumbers, costSeconds: first.switchS + first.holeS } };
    },
    rank(state: AcquisitionState): RankedOrder {
      const here = state.position?.squareId;
      const squares: RankedSquare[] = [];
      const alts = alternatives(state);
      for (const a of alts) {
        const holes = a.unprepared ? [] : holesByRate(state, a.squareId);
        const explore = a.rateMean < a.rateUcb * 0.75;
        const reasons: ReasonCode[] = [explore ? "explore_uncertain_square" : "highest_predicted_quality"];
        if (a.unprepared) reasons.push("square_unprepared");
        squares.push({
          squareId: a.squareId,
          reasons,
          numbers: { predictedMean: a.mean, predictedSd: a.sd, ucb: Math.min(1, a.mean + o.beta * a.sd), expectedGoodPerHour: a.rateUcb, costSeconds: a.switchS, expectedHoles: a.holes },
          holes: holes.map((h) => ({ holeId: h.holeId, mean: h.mean, sd: h.sd })),
        });
      }
      // The current square goes where next() would put it: after every square it would leave for
      // (a better expected rate, switch paid), before the rest.
      if (here !== undefined && state.candidates(here).length > 0) {
        const holes = holesByRate(state, here);
        const stayRate = holes.reduce((m, h) => Math.max(m, h.rateMean), 0);
        const at = alts.reduce((last, a, i) => (a.rateMean > stayRate ? i + 1 : last), 0);
        const obs = observedFraction(state, here);
        const reasons: ReasonCode[] = at === 0 ? ["highest_predicted_quality"] : [obs.n >= 3 && obs.mean < o.poorObservedFraction ? "square_poor_observed" : "better_square_elsewhere"];
        const p = state.predictor.predictSquare(here, (h) => state.isAcquired(h));
        squares.splice(at, 0, {
          squareId: here,
          reasons,
          numbers: { predictedMean: p.mean, predictedSd: p.sd, expectedGoodPerHour: stayRate, costSeconds: 0, observedGoodFraction: obs.mean },
          holes: holes.map((h) => ({ holeId: h.holeId, mean: h.mean, sd: h.sd })),
        });
      }
      return { policy: "ucb", squares };
    },
  };
}
