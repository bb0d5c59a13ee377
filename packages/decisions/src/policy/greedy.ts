/**
 * Greedy: the selected hole with the highest predicted probability of a good micrograph next,
 * anywhere on the grid, ignoring what moving there costs. A square EPU has not prepared yet
 * competes with its predicted square mean (its holes are unknown): when it comes first, the
 * decision is to go there (`prepare`). Shows what cost-blind steering loses.
 */
import type { AcquisitionState } from "./state.js";
import type { Decision, Policy, RankedOrder, RankedSquare } from "./types.js";

/** Greedy options. */
export interface GreedyOptions {
  /** Re-rank the whole grid after this many model changes (between, the cached ranking is used). */
  readonly refreshEvery?: number;
}

interface Scored {
  /** undefined: an unprepared square, scored by its predicted mean. */
  readonly holeId: string | undefined;
  readonly squareId: string;
  readonly mean: number;
}

/** The greedy policy. */
export function greedyPolicy(options: GreedyOptions = {}): Policy {
  const refreshEvery = options.refreshEvery ?? 25;
  let cache: { version: number; layout: string; list: Scored[] } | undefined;

  // Still to take: a hole not shot, or a square still unprepared.
  const open = (state: AcquisitionState, s: Scored): boolean => (s.holeId === undefined ? !state.isPrepared(s.squareId) : !state.isAcquired(s.holeId));

  const scoreAll = (state: AcquisitionState): Scored[] => {
    const v = state.predictor.version;
    const layout = `${state.layoutVersion}|${state.unpreparedSquares().length}`;
    if (cache !== undefined && cache.layout === layout && v - cache.version < refreshEvery) return cache.list.filter((s) => open(state, s));
    const list: Scored[] = [];
    for (const sq of state.squareOrder()) {
      if (!state.isPrepared(sq)) {
        list.push({ holeId: undefined, squareId: sq, mean: state.predictor.predictSquare(sq).mean });
        continue;
      }
      for (const h of state.candidates(sq)) list.push({ holeId: h, squareId: sq, mean: state.predictor.predictHoleMean(h) });
    }
    list.sort((a, b) => b.mean - a.mean);
    cache = { version: v, layout, list };
    return list;
  };

  return {
    name: "greedy",
    next(state: AcquisitionState): Decision {
      for (const s of scoreAll(state)) {
        if (!open(state, s)) continue;
        if (s.holeId === undefined) {
          const seconds = state.arrivalCostTo(s.squareId);
          if (seconds > state.remainingS) continue;
          const p = state.predictor.predictSquare(s.squareId);
          return { action: "prepare", squareId: s.squareId, reasons: ["highest_predicted_quality", "square_unprepared"], numbers: { predictedMean: p.mean, predictedSd: p.sd, costSeconds: seconds, expectedHoles: state.expectedHoles(s.squareId), remainingSeconds: state.remainingS } };
        }
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
        if (!open(state, s)) continue;
        const list = bySquare.get(s.squareId) ?? [];
        list.push(s);
        bySquare.set(s.squareId, list);
      }
      // Squares in the order their best hole (or, unprepared, their mean) comes up; holes by predicted quality.
      const squares: RankedSquare[] = [...bySquare].map(([squareId, holes]) => {
        if (holes[0]!.holeId === undefined) {
          return { squareId, reasons: ["highest_predicted_quality", "square_unprepared"], numbers: { predictedMean: holes[0]!.mean, expectedHoles: state.expectedHoles(squareId) }, holes: [] };
        }
        return {
          squareId,
          reasons: ["highest_predicted_quality"],
          numbers: { predictedMean: holes[0]!.mean },
          holes: holes.map((h) => {
            const p = state.predictor.predictHole(h.holeId!);
            return { holeId: h.holeId!, mean: p.mean, sd: p.sd };
          }),
        };
      });
      return { policy: "greedy", squares };
    },
  };
}
