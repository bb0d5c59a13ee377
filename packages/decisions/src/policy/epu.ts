/**
 * EPU's default order, the baseline: the selected squares as listed, and every selected hole of
 * a square (in EPU's hole order) before the next square. A square EPU has not prepared yet is
 * taken in its turn too: the decision is to go there (`prepare`), then its holes in order. It
 * never looks at results.
 */
import type { AcquisitionState } from "./state.js";
import type { Decision, Policy, RankedOrder, ReasonCode } from "./types.js";

/** The EPU baseline policy. */
export function epuPolicy(): Policy {
  return {
    name: "epu",
    next(state: AcquisitionState): Decision {
      const here = state.position?.squareId;
      // Finish the current square first (EPU never leaves one early).
      const order = here === undefined ? state.squareOrder() : [here, ...state.squareOrder()];
      const leaving: ReasonCode[] = here === undefined ? ["epu_order"] : ["epu_order", "square_exhausted"];
      for (const sq of order) {
        if (!state.isPrepared(sq)) {
          const costSeconds = state.arrivalCostTo(sq);
          if (costSeconds > state.remainingS) break;
          return { action: "prepare", squareId: sq, reasons: [...leaving, "square_unprepared"], numbers: { costSeconds, expectedHoles: state.expectedHoles(sq), remainingSeconds: state.remainingS } };
        }
        const c = state.candidates(sq);
        if (c.length === 0) continue;
        const holeId = c[0]!;
        const cost = state.costOf(holeId);
        if (cost.switchS + cost.holeS > state.remainingS) break;
        return { action: "acquire", squareId: sq, holeId, reasons: sq === here ? ["epu_order"] : leaving, numbers: { costSeconds: cost.switchS + cost.holeS, remainingSeconds: state.remainingS } };
      }
      return { action: "stop", reasons: ["grid_exhausted"], numbers: { remainingSeconds: state.remainingS } };
    },
    rank(state: AcquisitionState): RankedOrder {
      const here = state.position?.squareId;
      const order = here === undefined ? state.squareOrder() : [here, ...state.squareOrder().filter((s) => s !== here)];
      const squares = order
        .filter((sq) => state.isOpen(sq))
        .map((sq) =>
          state.isPrepared(sq)
            ? { squareId: sq, reasons: ["epu_order" as const], numbers: {}, holes: state.candidates(sq).map((h) => ({ holeId: h, mean: Number.NaN, sd: Number.NaN })) }
            : { squareId: sq, reasons: ["epu_order" as const, "square_unprepared" as const], numbers: { expectedHoles: state.expectedHoles(sq) }, holes: [] },
        );
      return { policy: "epu", squares };
    },
  };
}
