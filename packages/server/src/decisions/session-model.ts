/**
 * One session's decision model in memory: the grid predictor fed with the
 * verdicts of processed micrographs, and the observed quality per hole and
 * square. Built from a GridSnapshot, then updated incrementally with the
 * observations that changed since.
 */
import {
  aggregateGridSquares,
  aggregateVerdicts,
  GridPredictor,
  judgeMicrograph,
  type Policy,
  type QualityAggregate,
  type QualityRule,
  type QualityVerdict,
} from "@emflow/decisions";
import type { MicrographMetrics } from "@emflow/core";
import type { ObservedQuality, ScoredArea } from "./control.js";
import type { GridSnapshot, SnapshotHole, SnapshotObservation, SnapshotSquare } from "./grid-snapshot.js";

interface Judged {
  readonly holeId: string;
  verdict: QualityVerdict;
  /** Whether the predictor has learnt from it (once per micrograph, when its figures are complete). */
  learnt: boolean;
}

/** A micrograph's figures are complete for learning when CTF, picking and ice have all reported. */
function complete(m: MicrographMetrics): boolean {
  return m.ctfFitResolutionA !== undefined && m.particleCount !== undefined && m.iceMedian !== undefined;
}

function observedOf(a: QualityAggregate | undefined): ObservedQuality {
  if (a === undefined) return { micrographs: 0, good: 0, meanScore: null, goodFraction: 0.5, low: 0.05, high: 0.95 };
  return { micrographs: a.micrographs, good: a.good, meanScore: a.meanScore ?? null, goodFraction: a.goodFraction.mean, low: a.goodFraction.lo, high: a.goodFraction.hi };
}

/** A square's or hole's scores from its ids, what was observed there, and the model's prediction. */
function scored(area: { id: string; naturalId: string; state?: string }, observed: QualityAggregate | undefined, p: { mean: number; sd: number; observed: { n: number } }): ScoredArea {
  return {
    id: area.id,
    naturalId: area.naturalId,
    state: area.state ?? null,
    observed: observedOf(observed),
    predicted: p.mean,
    predictedSd: p.sd,
    basis: p.observed.n > 0 ? "observed" : "model",
  };
}

/** The model of one acquisition. */
export class SessionModel {
  readonly predictor: GridPredictor;
  readonly squares = new Map<string, SnapshotSquare>();
  readonly holes = new Map<string, SnapshotHole>();
  private readonly judged = new Map<string, Judged>();
  private shots: string[];
  private shotsVersion = 0;
  private memoised: { key: string; value: unknown } | undefined;
  /** updated_at of the newest observation read, for incremental reads. */
  since: string | undefined;

  constructor(
    snapshot: GridSnapshot,
    private readonly rule: QualityRule,
  ) {
    for (const s of snapshot.squares) this.squares.set(s.id, s);
    for (const h of snapshot.holes) this.holes.set(h.id, h);
    this.predictor = GridPredictor.fromFields({
      squares: snapshot.squares.map((s) => ({ id: s.id, fields: s })),
      holes: snapshot.holes.map((h) => ({ id: h.id, squareId: h.gridSquareId, fields: h })),
    });
    this.shots = snapshot.shotHoles;
    this.observe(snapshot.observations);
  }

  /** Holes with micrographs (processed or not), the most recently shot last: where the microscope has been and is. */
  get shotHoles(): readonly string[] {
    return this.shots;
  }

  set shotHoles(holes: readonly string[]) {
    this.shots = [...holes];
    this.shotsVersion++;
  }

  /** Changes whenever the grid model learns something or the stage moves: what a ranking depends on. */
  get version(): string {
    return `${this.predictor.version}:${this.shotsVersion}`;
  }

  /**
   * `compute()`, or its value from the last call with the same `key` (which must include `version`):
   * a ranking is asked for by the engine and by every open dashboard between two results.
   */
  memo<T>(key: string, compute: () => T): T {
    if (this.memoised?.key !== key) this.memoised = { key, value: compute() };
    return this.memoised.value as T;
  }

  /** Apply observations (new or with more figures than before), oldest first. */
  observe(observations: readonly SnapshotObservation[]): void {
    for (const o of observations) {
      if (!this.holes.has(o.foilHoleId)) continue;
      const verdict = judgeMicrograph(o.metrics, this.rule);
      const j = this.judged.get(o.micrographId) ?? { holeId: o.foilHoleId, verdict, learnt: false };
      j.verdict = verdict;
      this.judged.set(o.micrographId, j);
      if (!j.learnt && complete(o.metrics) && this.predictor.observeVerdict(o.foilHoleId, verdict)) j.learnt = true;
      if (this.since === undefined || o.updatedAt > this.since) this.since = o.updatedAt;
    }
  }

  private readonly policies = new Map<string, Policy>();

  /** This session's instance of a policy (instances cache between calls, so one per session and name). */
  policy(name: string, make: () => Policy): Policy {
    let p = this.policies.get(name);
    if (p === undefined) this.policies.set(name, (p = make()));
    return p;
  }

  /** Micrographs judged (good or bad, not pending) and how many were good. */
  totals(): { micrographs: number; good: number } {
    let micrographs = 0;
    let good = 0;
    for (const j of this.judged.values()) {
      if (j.verdict.label === "pending") continue;
      micrographs++;
      if (j.verdict.label === "good") good++;
    }
    return { micrographs, good };
  }

  /** Aggregates per hole, of every hole or of those `only` admits. */
  private holeAggregates(only?: (holeId: string) => boolean): Map<string, QualityAggregate> {
    const byHole = new Map<string, QualityVerdict[]>();
    for (const j of this.judged.values()) {
      if (only !== undefined && !only(j.holeId)) continue;
      const list = byHole.get(j.holeId);
      if (list === undefined) byHole.set(j.holeId, [j.verdict]);
      else list.push(j.verdict);
    }
    return new Map([...byHole].map(([h, v]) => [h, aggregateVerdicts(v)]));
  }

  /** Observed and predicted quality per grid square, in the snapshot's order. */
  squareScores(): ScoredArea[] {
    const holes = this.holeAggregates();
    const bySquare = aggregateGridSquares(holes, (h) => this.holes.get(h)?.gridSquareId);
    return [...this.squares.values()].map((s) => scored(s, bySquare.get(s.id), this.predictor.predictSquare(s.id)));
  }

  /** Observed and predicted quality per foil hole of one square. */
  holeScores(squareId: string): ScoredArea[] {
    const agg = this.holeAggregates((h) => this.holes.get(h)?.gridSquareId === squareId);
    return this.predictor.holesOf(squareId).map((id) => scored(this.holes.get(id)!, agg.get(id), this.predictor.predictHole(id)));
  }
}
