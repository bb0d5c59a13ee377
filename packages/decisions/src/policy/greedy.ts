/**
 * Greedy: the selected hole with the highest predicted probability of a good micrograph next,
 * anywhere on the grid, ignoring what moving there costs. Shows what cost-blind steering loses.
 */
import type { AcquisitionState } from "./state.js";
import type { Decision, Policy, RankedOrder } from "./types.js";

/** Greedy options. */
export interface GreedyOptions {
  /** Re-rank the whole grid after this many model changes (between, the cached ranking is used). */
  readonly refreshEvery?: number;
}

interface Scored {
  readonly holeId: string;
  readonly squareId: string;
  readonly mean: number;
  readonly sd: number;
}

/** The greedy policy. */
export function greedyPolicy(options: GreedyOptions = {}): Policy {
  const refreshEvery = options.refreshEvery ?? 25;
  let cache: { version: number; list: Scored[] } | undefined;

  const scoreAll = (state: AcquisitionState): Scored[] => {
    const v = state.predictor.version;
    if (cache !== undefined && v - cache.version < refreshEvery) return cache.list.filter((s) => !state.isAcquired(s.holeId));
    const list: Scored[] = [];
    for (const sq of state.squareOrder()) {
      for (const h of state.candidates(sq)) {
        list.push({ holeId: h, squareId: sq, mean: state.predictor.predictHoleMean(h), sd: Number.NaN });
      }
    }
    list.sort((a, b) => b.mean - a.mean);
    cache = { version: v, list };
    return list;
  };

  return {
    name: "greedy",
    next(state: AcquisitionState): Decision {
      for (const s of scoreAll(state)) {
        if (state.isAcquired(s.holeId)) continue;
        const p = state.predictor.predictHole(s.holeId);
        const cost = state.costOf(s.holeId);
        const seconds = cost.switchS + cost.holeS;
        if (seconds > state.remainingS) continue;
        return {
          action: "acquire",
          squareId: s.squareId,
          holeId: s.holeId,
          reasons: ["highest_predicted_quality"],
          numbers: { predictedMean: p.mean, predictedSd: p.sd, costSeconds: seconds, expectedGoodPerHour: (3600 * p.mean * state.timeModel.shotsPerHole) / seconds, remainingSeconds: state.remainingS },
        };
      }
      return { action: "stop", reasons: ["grid_exhausted"], numbers: { remainingSeconds: state.remainingS } };
    },
    rank(state: AcquisitionState): RankedOrder {
      const bySquare = new Map<string, Scored[]>();
      for (const s of scoreAll(state)) {
        if (state.isAcquired(s.holeId)) continue;
        const list = bySquare.get(s.squareId) ?? [];
        list.push(s);
        bySquare.set(s.squareId, list);
      }
      // Squares in the order their best hole comes up; holes by predicted quality.
      const squares = [...bySquare].map(([squareId, holes]) => ({
        squareId,
        reasons: ["highest_predicted_quality" as const],
        numbers: { predictedMean: holes[0]!.mean },
        holes: holes.map((h) => {
          const p = state.predictor.predictHole(h.holeId);
          return { holeId: h.holeId, mean: p.mean, sd: p.sd };
        }),
      }));
      return { policy: "greedy", squares };
    },
  };
}
