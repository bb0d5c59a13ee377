/**
 * The port the HTTP layer and the dashboard use for decisions: current scores
 * and predictions, the ranked acquisition order, and making a decision now.
 * The engine (engine.ts) implements it on @emflow/decisions.
 */
import type { Decision, RankedEntry } from "../model/decisions.js";

/** Observed quality of a square or hole (counts and a Beta posterior of its good fraction). */
export interface ObservedQuality {
  readonly micrographs: number;
  readonly good: number;
  /** Mean quality score of its micrographs (0–1), null before any. */
  readonly meanScore: number | null;
  /** Posterior mean of the good fraction and its 90% interval. */
  readonly goodFraction: number;
  readonly low: number;
  readonly high: number;
}

/** A square's or hole's scores: what was observed and what the model predicts. */
export interface ScoredArea {
  readonly id: string;
  readonly naturalId: string;
  readonly state: string | null;
  readonly observed: ObservedQuality;
  /** Predicted probability that a micrograph here is good, and its standard deviation. */
  readonly predicted: number;
  readonly predictedSd: number;
  /** Where the prediction comes from: observed, neighbours, features, prior. */
  readonly basis: string;
}

/** Scores of a whole session (squares) or of one square (its holes). */
export interface Scores {
  readonly acquisitionId: string;
  readonly policy: string;
  readonly micrographs: number;
  readonly good: number;
  readonly items: ScoredArea[];
}

/** The port. Undefined results mean an unknown session or square. */
export interface DecisionControl {
  /** Per grid square of a session. */
  squareScores(acquisitionId: string): Promise<Scores | undefined>;
  /** Per foil hole of one grid square. */
  holeScores(gridSquareId: string): Promise<Scores | undefined>;
  /** The current ranked order of grid squares, with reasons. */
  order(acquisitionId: string): Promise<{ policy: string; ranked: RankedEntry[] } | undefined>;
  /** Make a decision now (not waiting for the next results); undefined when decisions are off or nothing is left. */
  decideNow(acquisitionId: string): Promise<Decision | undefined>;
  /** Send an accepted or operator decision through the session's link (the engine knows the links). */
  deliver(decision: Decision): Promise<Decision>;
  close(): Promise<void>;
}
