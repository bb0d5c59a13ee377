/**
 * The policy contract: given the acquisition state, what to acquire next (or to stop), why,
 * and the numbers behind it; and the full ranked order for display.
 */
import { z } from "zod";
import type { AcquisitionState } from "./state.js";

/** Policy names; `ucb` is the default. */
export const PolicyName = z.enum(["ucb", "greedy", "epu"]);
export type PolicyName = z.infer<typeof PolicyName>;

/** The default (best) policy. */
export const DEFAULT_POLICY: PolicyName = "ucb";

/**
 * Why a decision was made (documented in docs/DECISIONS.md):
 * - epu_order: next in EPU's own order (squares as listed, every selected hole of a square first)
 * - highest_predicted_quality: the hole (or square) with the best predicted good probability (per second, for ucb)
 * - explore_uncertain_square: a square chosen for its upper confidence bound rather than its mean
 * - square_exhausted: leaving a square with no selected hole left
 * - square_poor_observed: leaving a square whose own results are poor
 * - better_square_elsewhere: leaving because another square's expected rate, switch included, beats this one's next hole
 * - switch_cost_not_worth_it: staying although a square elsewhere predicts better per hole: the switch would not pay back
 * - time_nearly_up: the time left is too short for a switch to pay back
 * - grid_not_worth_continuing: stop: the best expected rate anywhere is below the policy's threshold
 * - grid_exhausted: stop: no selected hole left (or none that fits in the time left)
 * - square_unprepared: a square EPU has not prepared yet (holes unknown; their number is estimated):
 *   the decision is to go there and let EPU prepare it
 */
export const ReasonCode = z.enum([
  "epu_order",
  "highest_predicted_quality",
  "explore_uncertain_square",
  "square_exhausted",
  "square_poor_observed",
  "better_square_elsewhere",
  "switch_cost_not_worth_it",
  "time_nearly_up",
  "grid_not_worth_continuing",
  "grid_exhausted",
  "square_unprepared",
]);
export type ReasonCode = z.infer<typeof ReasonCode>;

/** The numbers behind a decision (those that apply). Rates are good micrographs per hour. */
export interface DecisionNumbers {
  predictedMean?: number;
  predictedSd?: number;
  ucb?: number;
  /** Expected good micrographs per hour of the chosen action (switch included). */
  expectedGoodPerHour?: number;
  /** Seconds the chosen action costs (switch, stage move, image shift, exposures). */
  costSeconds?: number;
  /** Best rate available by staying in the current square. */
  stayGoodPerHour?: number;
  /** Best rate available by switching square (its switch cost amortised). */
  switchGoodPerHour?: number;
  /** Posterior mean good fraction of the current square's own results. */
  observedGoodFraction?: number;
  remainingSeconds?: number;
  /** Holes the chosen square is expected to offer: its selected holes left, or the estimate for an unprepared square. */
  expectedHoles?: number;
}

/**
 * What to do next:
 * - `acquire`: shoot hole `holeId` of square `squareId` (switching square first when it is another);
 * - `prepare`: go to square `squareId`, whose holes are not known yet, and let EPU prepare it (square
 *   image, hole finding); the next decision then picks among its holes. Never the current square.
 * - `stop`: nothing left worth the time.
 * `prepare` was added after `acquire`/`stop`: code that only tested for "stop" before reading
 * `holeId` must now also handle it (the server maps it, like an acquire elsewhere, to go_to_square).
 */
export type Decision =
  | { readonly action: "acquire"; readonly squareId: string; readonly holeId: string; readonly reasons: readonly ReasonCode[]; readonly numbers: DecisionNumbers }
  | { readonly action: "prepare"; readonly squareId: string; readonly reasons: readonly ReasonCode[]; readonly numbers: DecisionNumbers }
  | { readonly action: "stop"; readonly reasons: readonly ReasonCode[]; readonly numbers: DecisionNumbers };

/** One hole of a ranked order. */
export interface RankedHole {
  readonly holeId: string;
  readonly mean: number;
  readonly sd: number;
}

/** One square of a ranked order, with its holes in the order the policy would take them (none for an unprepared square). */
export interface RankedSquare {
  readonly squareId: string;
  readonly reasons: readonly ReasonCode[];
  readonly numbers: DecisionNumbers;
  readonly holes: readonly RankedHole[];
}

/** The full acquisition order a policy would follow from the current state (first = next). */
export interface RankedOrder {
  readonly policy: PolicyName;
  readonly squares: readonly RankedSquare[];
}

/** An acquisition policy. Instances may cache between calls: use one per acquisition. */
export interface Policy {
  readonly name: PolicyName;
  /** The next action from `state`. */
  next(state: AcquisitionState): Decision;
  /** The ranked order of the squares still to acquire, and of the holes within each. */
  rank(state: AcquisitionState): RankedOrder;
}
