/**
 * Quality aggregated from micrographs to foil holes and grid squares: counts, mean score and
 * the Beta posterior of the good fraction (uniform Beta(1, 1) prior unless told otherwise).
 */
import type { MicrographMetrics } from "@emflow/core";
import { betaSummary } from "./beta.js";
import { DEFAULT_QUALITY_RULE, judgeMicrograph, type QualityRule, type QualityVerdict } from "./rule.js";

/** Counts and the posterior of the good fraction for a set of micrographs. */
export interface QualityAggregate {
  readonly micrographs: number;
  readonly good: number;
  readonly bad: number;
  readonly pending: number;
  /** Mean smooth score of the judged (good or bad) micrographs; undefined when none. */
  readonly meanScore: number | undefined;
  /** Beta(prior.a + good, prior.b + bad): mean, sd and 90% credible interval. */
  readonly goodFraction: { readonly mean: number; readonly sd: number; readonly lo: number; readonly hi: number };
}

/** Beta prior pseudo-counts of good (a) and bad (b) micrographs. */
export interface BetaPrior {
  readonly a: number;
  readonly b: number;
}

const UNIFORM: BetaPrior = { a: 1, b: 1 };

/** Aggregate verdicts: counts, mean score and the Beta posterior of the good fraction. */
export function aggregateVerdicts(verdicts: Iterable<QualityVerdict>, prior: BetaPrior = UNIFORM): QualityAggregate {
  let good = 0;
  let bad = 0;
  let pending = 0;
  let scoreSum = 0;
  for (const v of verdicts) {
    if (v.label === "good") good++;
    else if (v.label === "bad") bad++;
    else {
      pending++;
      continue;
    }
    scoreSum += v.score;
  }
  const judged = good + bad;
  return { micrographs: judged + pending, good, bad, pending, meanScore: judged === 0 ? undefined : scoreSum / judged, goodFraction: betaSummary(prior.a + good, prior.b + bad) };
}

/** One micrograph's metrics and the foil hole it was taken in. */
export interface HoleMicrograph {
  readonly foilHoleId: string;
  readonly metrics: MicrographMetrics;
}

/** Per foil hole: the aggregate of its micrographs' verdicts under `rule`. */
export function aggregateFoilHoles(micrographs: Iterable<HoleMicrograph>, rule: QualityRule = DEFAULT_QUALITY_RULE, prior: BetaPrior = UNIFORM): Map<string, QualityAggregate> {
  const byHole = new Map<string, QualityVerdict[]>();
  for (const m of micrographs) {
    const list = byHole.get(m.foilHoleId) ?? [];
    list.push(judgeMicrograph(m.metrics, rule));
    byHole.set(m.foilHoleId, list);
  }
  return new Map([...byHole].map(([id, vs]) => [id, aggregateVerdicts(vs, prior)]));
}

/** A grid square's aggregate: its micrographs pooled, plus how many of its holes were imaged and mostly good. */
export interface SquareAggregate extends QualityAggregate {
  readonly holesImaged: number;
  /** Holes whose posterior good fraction is above one half. */
  readonly holesMostlyGood: number;
}

/**
 * Per grid square, from per-hole aggregates and each hole's square (`squareOf(holeId)`; holes
 * it maps to undefined are left out). Micrograph counts are pooled, not averaged over holes.
 */
export function aggregateGridSquares(holes: ReadonlyMap<string, QualityAggregate>, squareOf: (holeId: string) => string | undefined, prior: BetaPrior = UNIFORM): Map<string, SquareAggregate> {
  const acc = new Map<string, { good: number; bad: number; pending: number; scoreSum: number; holes: number; mostlyGood: number }>();
  for (const [holeId, h] of holes) {
    const sq = squareOf(holeId);
    if (sq === undefined) continue;
    const a = acc.get(sq) ?? { good: 0, bad: 0, pending: 0, scoreSum: 0, holes: 0, mostlyGood: 0 };
    a.good += h.good;
    a.bad += h.bad;
    a.pending += h.pending;
    a.scoreSum += (h.meanScore ?? 0) * (h.good + h.bad);
    a.holes++;
    if (h.good + h.bad > 0 && h.goodFraction.mean > 0.5) a.mostlyGood++;
    acc.set(sq, a);
  }
  const out = new Map<string, SquareAggregate>();
  for (const [sq, a] of acc) {
    const judged = a.good + a.bad;
    out.set(sq, {
      micrographs: judged + a.pending,
      good: a.good,
      bad: a.bad,
      pending: a.pending,
      meanScore: judged === 0 ? undefined : a.scoreSum / judged,
      goodFraction: betaSummary(prior.a + a.good, prior.b + a.bad),
      holesImaged: a.holes,
      holesMostlyGood: a.mostlyGood,
    });
  }
  return out;
}
