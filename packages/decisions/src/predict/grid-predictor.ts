/**
 * The grid model: predicted probability that a foil hole gives a good micrograph, with its
 * uncertainty, for every hole and square of a grid, updated as each result arrives.
 *
 *   p(hole) = σ(w·x) (online Bayesian logistic regression on per-grid normalised pre-imaging
 *             features: hole intensity mean (linear and squared), intensity sd, near grid bar,
 *             distance to the grid bar, square size, square flagged)
 *           + δ_square (Gaussian-kernel smoothing over the atlas of observed − predicted, per square)
 *           + δ_local  (the same within the square, over holes, after δ_square)
 *
 * Each smoothing is a kernel-weighted mean of residuals shrunk towards 0 by λ = p(1 − p)/τ²,
 * i.e. the posterior of a Gaussian random effect of prior sd τ; the sd combines the weights'
 * uncertainty with those effects' posterior variances.
 */
import type { FoilHoleFields, GridSquareFields, MicrographMetrics } from "@emflow/core";
import { z } from "zod";
import { DEFAULT_QUALITY_RULE, judgeMicrograph, type QualityRule, type QualityVerdict } from "../quality/rule.js";
import { holeInputFromFields, squareInputFromFields, type HoleInput, type SquareInput } from "./inputs.js";
import { OnlineLogistic } from "./logistic.js";
import { RunningStats } from "./welford.js";

/** Model settings (all optional). */
export const PredictorOptions = z
  .object({
    /** Prior probability of a good micrograph before any result (the logistic intercept's prior mean). */
    priorGood: z.number().gt(0).lt(1).default(0.4),
    /** Prior variance of each weight on normalised features. */
    weightPriorVar: z.number().positive().default(1),
    /** Prior sd of a square's effect on p (between-square spread the features do not explain). */
    squareEffectSd: z.number().positive().default(0.2),
    /** Prior sd of a local (within-square) effect on p. */
    localEffectSd: z.number().positive().default(0.12),
    /** Atlas kernel bandwidth, µm (default: 1.5 × the median distance between neighbouring squares). */
    atlasBandwidthUm: z.number().positive().optional(),
    /** Within-square kernel bandwidth, µm. */
    holeBandwidthUm: z.number().positive().default(6),
  })
  .strict();
export type PredictorOptions = z.input<typeof PredictorOptions>;

/** Names of the logistic model's features, in weight order. */
export const FEATURE_NAMES = ["intercept", "intensity_mean", "intensity_mean_sq", "intensity_sd", "near_grid_bar", "grid_bar_distance", "square_size", "square_flagged"] as const;

/** A hole's prediction: probability of a good micrograph, its sd and a 90% interval. */
export interface HolePrediction {
  readonly holeId: string;
  readonly squareId: string;
  readonly mean: number;
  readonly sd: number;
  readonly lo: number;
  readonly hi: number;
  /** The features-only part, σ(w·x) at the posterior-mean weights. */
  readonly modelMean: number;
  /** Micrographs judged in this hole so far, and how many were good. */
  readonly observed: { readonly n: number; readonly good: number };
}

/** A square's prediction over its holes still to image (all its holes once none are left). */
export interface SquarePrediction {
  readonly squareId: string;
  /** Mean predicted p of the holes counted. */
  readonly mean: number;
  /** sd of that mean: the weights' and the square effect's uncertainty (shared by its holes). */
  readonly sd: number;
  /** Holes counted (not yet imaged and not excluded). */
  readonly remainingHoles: number;
  /** Σ p over those holes: expected good micrographs per shot round. */
  readonly expectedGood: number;
  readonly observed: { readonly n: number; readonly good: number; readonly holes: number };
}

interface SquareState {
  readonly input: SquareInput;
  readonly holes: string[];
  readonly observedHoles: Set<string>;
  neighbours: { id: string; k: number }[] | undefined;
}

const Z90 = 1.6448536269514722;
const RESIDUAL_REFRESH = 20;
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const clampP = (p: number): number => Math.min(0.995, Math.max(0.005, p));

/** The grid model: build from squares and holes, feed results with `observe`, ask `predictHole` / `predictSquare`. */
export class GridPredictor {
  private readonly opts: z.output<typeof PredictorOptions>;
  private readonly sq = new Map<string, SquareState>();
  private readonly hl = new Map<string, HoleInput>();
  private readonly obs = new Map<string, { n: number; good: number }>();
  private readonly stats = FEATURE_NAMES.slice(1).map(() => new RunningStats());
  private readonly model: OnlineLogistic;
  private readonly x = new Map<string, Float64Array>();
  private readonly residual = new Map<string, { v: number; r: number; n: number; good: number }>();
  private readonly squareDelta = new Map<string, { v: number; delta: number; neff: number }>();
  private readonly lastObserved = new Map<string, number>();
  private readonly localNeighbours = new Map<string, { id: string; k: number }[]>();
  private meanCache = new Map<string, number>();
  private meanCacheVer = -1;
  private bandwidth: number | undefined;
  private ver = 0;

  /** An empty model; add squares and holes (or pass them here). */
  constructor(squares: readonly SquareInput[] = [], holes: readonly HoleInput[] = [], options: PredictorOptions = {}) {
    this.opts = PredictorOptions.parse(options);
    const d = FEATURE_NAMES.length;
    const logit = Math.log(this.opts.priorGood / (1 - this.opts.priorGood));
    this.model = new OnlineLogistic([logit, ...Array<number>(d - 1).fill(0)], Array<number>(d).fill(this.opts.weightPriorVar));
    for (const s of squares) this.addSquare(s);
    for (const h of holes) this.addHole(h);
  }

  /** A model from core's entity fields (holes whose square is not listed are skipped). */
  static fromFields(grid: { squares: readonly { id: string; fields: GridSquareFields }[]; holes: readonly { id: string; squareId: string; fields: FoilHoleFields }[] }, options: PredictorOptions = {}): GridPredictor {
    const squares = grid.squares.map((s) => squareInputFromFields(s.id, s.fields));
    const byId = new Map(squares.map((s) => [s.id, s]));
    const holes = grid.holes.filter((h) => byId.has(h.squareId)).map((h) => holeInputFromFields(h.id, h.squareId, h.fields, byId.get(h.squareId)));
    return new GridPredictor(squares, holes, options);
  }

  /** Increments on every change (new square, hole or result): a cache key for callers. */
  get version(): number {
    return this.ver;
  }

  /** Add (or replace the position/size of) a square. */
  addSquare(s: SquareInput): void {
    const old = this.sq.get(s.id);
    this.sq.set(s.id, { input: s, holes: old?.holes ?? [], observedHoles: old?.observedHoles ?? new Set(), neighbours: undefined });
    for (const st of this.sq.values()) st.neighbours = undefined;
    this.bandwidth = undefined;
    this.ver++;
  }

  /** Add a hole (its square must have been added); its features join the per-grid normalisation. */
  addHole(h: HoleInput): void {
    const st = this.sq.get(h.squareId);
    if (st === undefined) throw new RangeError(`hole ${h.id}: unknown grid square ${h.squareId}`);
    if (!this.hl.has(h.id)) st.holes.push(h.id);
    this.hl.set(h.id, h);
    const raw = this.rawFeatures(h);
    raw.forEach((v, i) => this.stats[i]!.push(v));
    this.x.clear();
    this.localNeighbours.clear();
    this.ver++;
  }

  /** Record one judged micrograph of a hole (good or bad). */
  observe(holeId: string, good: boolean): void {
    const h = this.hl.get(holeId);
    if (h === undefined) throw new RangeError(`unknown foil hole ${holeId}`);
    this.model.update(this.features(holeId), good ? 1 : 0);
    const o = this.obs.get(holeId) ?? { n: 0, good: 0 };
    o.n++;
    if (good) o.good++;
    this.obs.set(holeId, o);
    this.sq.get(h.squareId)!.observedHoles.add(holeId);
    this.ver++;
    this.lastObserved.set(h.squareId, this.ver);
  }

  /** Record a verdict; pending verdicts are ignored. Returns whether it counted. */
  observeVerdict(holeId: string, verdict: QualityVerdict): boolean {
    if (verdict.label === "pending") return false;
    this.observe(holeId, verdict.label === "good");
    return true;
  }

  /** Judge a micrograph's metrics under `rule` and record the verdict. */
  observeMetrics(holeId: string, metrics: MicrographMetrics, rule: QualityRule = DEFAULT_QUALITY_RULE): QualityVerdict {
    const v = judgeMicrograph(metrics, rule);
    this.observeVerdict(holeId, v);
    return v;
  }

  /** Square ids in the order they were added. */
  squareIds(): string[] {
    return [...this.sq.keys()];
  }

  /** A square's input, or undefined. */
  square(id: string): SquareInput | undefined {
    return this.sq.get(id)?.input;
  }

  /** A hole's input, or undefined. */
  hole(id: string): HoleInput | undefined {
    return this.hl.get(id);
  }

  /** Hole ids of a square, in the order they were added. */
  holesOf(squareId: string): readonly string[] {
    return this.sq.get(squareId)?.holes ?? [];
  }

  /** Micrographs judged in a hole so far. */
  observed(holeId: string): { n: number; good: number } {
    const o = this.obs.get(holeId);
    return o === undefined ? { n: 0, good: 0 } : { ...o };
  }

  /** Posterior-mean weights of the logistic model, by FEATURE_NAMES. */
  weights(): Record<(typeof FEATURE_NAMES)[number], number> {
    const w = this.model.weights();
    return Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, w[i] ?? 0])) as Record<(typeof FEATURE_NAMES)[number], number>;
  }

  /** Predict one hole. */
  predictHole(holeId: string): HolePrediction {
    const parts = this.holeParts(holeId);
    const pq = Math.max(parts.p * (1 - parts.p), 0.01);
    const logitVar = this.model.logitVariance(this.features(holeId));
    const sd = Math.sqrt(pq * pq * logitVar + 1 / (1 / this.opts.squareEffectSd ** 2 + parts.neff / pq) + 1 / (1 / this.opts.localEffectSd ** 2 + parts.n / pq));
    return { holeId, squareId: parts.squareId, mean: parts.mean, sd, lo: Math.max(0, parts.mean - Z90 * sd), hi: Math.min(1, parts.mean + Z90 * sd), modelMean: parts.p, observed: this.observed(holeId) };
  }

  /** The mean of predictHole alone (cheaper: no uncertainty), for ranking many holes. */
  predictHoleMean(holeId: string): number {
    return this.holeParts(holeId).mean;
  }

  // Model p, the square and local effects, and their effective counts.
  private holeParts(holeId: string): { squareId: string; p: number; mean: number; n: number; neff: number } {
    const h = this.hl.get(holeId);
    if (h === undefined) throw new RangeError(`unknown foil hole ${holeId}`);
    const p = this.meanOnly(holeId);
    const sqd = this.squareEffect(h.squareId);
    // Local effect: residuals of observed holes of the same square, after the model and δ_square.
    let r = 0;
    let n = 0;
    if (this.sq.get(h.squareId)!.observedHoles.size > 0) {
      for (const nb of this.holeNeighbours(h)) {
        const o = this.obs.get(nb.id);
        if (o === undefined) continue;
        r += nb.k * (o.good - o.n * clampP(this.meanOnly(nb.id) + sqd.delta));
        n += nb.k * o.n;
      }
    }
    const pq = Math.max(p * (1 - p), 0.01);
    const local = r / (pq / this.opts.localEffectSd ** 2 + n);
    return { squareId: h.squareId, p, mean: clampP(p + sqd.delta + local), n, neff: sqd.neff };
  }

  /**
   * Predict a square over its holes not yet imaged (and not excluded by `skip`, e.g. holes already
   * shot whose results are still being processed); over all its holes when none remain.
   */
  predictSquare(squareId: string, skip?: (holeId: string) => boolean): SquarePrediction {
    const st = this.sq.get(squareId);
    if (st === undefined) throw new RangeError(`unknown grid square ${squareId}`);
    let open = st.holes.filter((id) => !st.observedHoles.has(id) && !(skip?.(id) ?? false));
    const remaining = open.length;
    if (open.length === 0) open = st.holes;
    let obsN = 0;
    let obsGood = 0;
    for (const id of st.observedHoles) {
      obsN += this.obs.get(id)!.n;
      obsGood += this.obs.get(id)!.good;
    }
    const sqd = this.squareEffect(squareId);
    const tau2 = this.opts.squareEffectSd ** 2;
    const d = FEATURE_NAMES.length;
    // The square's mean: Σ σ(w·x) + δ_square over its holes (local effects average out over a square);
    // its sd: the weights' uncertainty at the holes' mean feature vector, and the square effect's.
    const xbar = new Float64Array(d);
    let sum = 0;
    for (const id of open) {
      const x = this.features(id);
      sum += clampP(sigmoid(this.model.logit(x)) + sqd.delta);
      for (let i = 0; i < d; i++) xbar[i] = xbar[i]! + x[i]! / open.length;
    }
    if (open.length === 0) xbar.set(this.squareOnlyFeatures(st.input));
    const k = open.length;
    const mean = k === 0 ? clampP(sigmoid(this.model.logit(xbar)) + sqd.delta) : sum / k;
    const q = Math.max(mean * (1 - mean), 0.01);
    const sd = Math.sqrt(q * q * this.model.logitVariance(xbar) + 1 / (1 / tau2 + sqd.neff / q));
    return { squareId, mean, sd, remainingHoles: remaining, expectedGood: remaining === 0 ? 0 : sum, observed: { n: obsN, good: obsGood, holes: st.observedHoles.size } };
  }

  private rawFeatures(h: HoleInput): number[] {
    const s = this.sq.get(h.squareId)?.input;
    return [
      h.intensityMean ?? Number.NaN,
      h.intensityStdDev ?? Number.NaN,
      h.nearGridBar === undefined ? Number.NaN : h.nearGridBar ? 1 : 0,
      h.edgeDistanceUm ?? Number.NaN,
      s?.sizeUm === undefined ? Number.NaN : Math.log(s.sizeUm),
      s?.flagged === true ? 1 : 0,
    ];
  }

  private features(holeId: string): Float64Array {
    let x = this.x.get(holeId);
    if (x !== undefined) return x;
    const raw = this.rawFeatures(this.hl.get(holeId)!);
    const z = raw.map((v, i) => this.stats[i]!.z(Number.isNaN(v) ? undefined : v));
    const zi = z[0]!;
    // Squared intensity: empty holes (bright) and thick ice (dark) are both bad.
    x = Float64Array.from([1, zi, zi * zi - 1, z[1]!, z[2]!, z[3]!, z[4]!, z[5]!]);
    this.x.set(holeId, x);
    return x;
  }

  private squareOnlyFeatures(s: SquareInput): Float64Array {
    const size = this.stats[4]!.z(s.sizeUm === undefined ? undefined : Math.log(s.sizeUm));
    return Float64Array.from([1, 0, -1, 0, 0, 0, size, this.stats[5]!.z(s.flagged === true ? 1 : 0)]);
  }

  // σ(w·x) without the variance correction: cheap, for residuals; cached until the next change.
  private meanOnly(holeId: string): number {
    if (this.meanCacheVer !== this.ver) {
      this.meanCache = new Map();
      this.meanCacheVer = this.ver;
    }
    let p = this.meanCache.get(holeId);
    if (p === undefined) {
      p = sigmoid(this.model.logit(this.features(holeId)));
      this.meanCache.set(holeId, p);
    }
    return p;
  }

  // Holes of the same square within reach of the local kernel (weight ≥ 1e-4), with their weights.
  private holeNeighbours(h: HoleInput): { id: string; k: number }[] {
    let list = this.localNeighbours.get(h.id);
    if (list !== undefined) return list;
    const bw2 = 2 * this.opts.holeBandwidthUm ** 2;
    list = [];
    for (const id of this.sq.get(h.squareId)!.holes) {
      const o = this.hl.get(id)!;
      const k = Math.exp(-((o.xUm - h.xUm) ** 2 + (o.yUm - h.yUm) ** 2) / bw2);
      if (k >= 1e-4) list.push({ id, k });
    }
    this.localNeighbours.set(h.id, list);
    return list;
  }

  private squareResidual(squareId: string): { r: number; n: number; good: number } {
    // A square's residual changes with its own results (recomputed at once) and, slowly, with the
    // weights (recomputed every RESIDUAL_REFRESH changes): the cost per result stays flat.
    const c = this.residual.get(squareId);
    if (c !== undefined && c.v >= (this.lastObserved.get(squareId) ?? 0) && this.ver - c.v < RESIDUAL_REFRESH) return c;
    let r = 0;
    let n = 0;
    let good = 0;
    for (const j of this.sq.get(squareId)!.observedHoles) {
      const o = this.obs.get(j)!;
      r += o.good - o.n * this.meanOnly(j);
      n += o.n;
      good += o.good;
    }
    const out = { v: this.ver, r, n, good };
    this.residual.set(squareId, out);
    return out;
  }

  /**
   * A square's effect δ on p: its own results' residual, shrunk towards a prior mean taken from the
   * kernel-weighted residuals of the squares around it (themselves shrunk towards 0). A square's own
   * results dominate once it has some; neighbours inform squares with few or none.
   */
  private squareEffect(squareId: string): { delta: number; neff: number } {
    const c = this.squareDelta.get(squareId);
    if (c !== undefined && c.v === this.ver) return c;
    let r = 0;
    let n = 0;
    let good = 0;
    for (const nb of this.neighbours(squareId)) {
      if (nb.id === squareId) continue;
      const st = this.sq.get(nb.id)!;
      if (st.observedHoles.size === 0) continue;
      const res = this.squareResidual(nb.id);
      r += nb.k * res.r;
      n += nb.k * res.n;
      good += nb.k * res.good;
    }
    const own = this.sq.get(squareId)!.observedHoles.size === 0 ? { r: 0, n: 0, good: 0 } : this.squareResidual(squareId);
    // Binomial variance per outcome (shrunk to 1/2), for the shrinkage λ = pq/τ².
    const lambda = (k: number, g: number): number => Math.max(((g + 1) / (k + 2)) * (1 - (g + 1) / (k + 2)), 0.05) / this.opts.squareEffectSd ** 2;
    const prior = r / (lambda(n, good) + n);
    const lOwn = lambda(own.n, own.good);
    const out = { v: this.ver, delta: (prior * lOwn + own.r) / (lOwn + own.n), neff: own.n + n };
    this.squareDelta.set(squareId, out);
    return out;
  }

  private neighbours(squareId: string): { id: string; k: number }[] {
    const st = this.sq.get(squareId)!;
    if (st.neighbours !== undefined) return st.neighbours;
    const bw = this.atlasBandwidth();
    const out: { id: string; k: number }[] = [];
    for (const [id, o] of this.sq) {
      const d2 = (o.input.xUm - st.input.xUm) ** 2 + (o.input.yUm - st.input.yUm) ** 2;
      const k = Math.exp(-d2 / (2 * bw * bw));
      if (k >= 1e-3) out.push({ id, k });
    }
    st.neighbours = out;
    return out;
  }

  private atlasBandwidth(): number {
    if (this.opts.atlasBandwidthUm !== undefined) return this.opts.atlasBandwidthUm;
    if (this.bandwidth !== undefined) return this.bandwidth;
    const all = [...this.sq.values()].map((s) => s.input);
    const nn: number[] = [];
    for (const a of all) {
      let best = Infinity;
      for (const b of all) if (a !== b) best = Math.min(best, Math.hypot(a.xUm - b.xUm, a.yUm - b.yUm));
      if (Number.isFinite(best) && best > 0) nn.push(best);
    }
    nn.sort((p, q) => p - q);
    this.bandwidth = nn.length === 0 ? 100 : 1.5 * nn[Math.floor(nn.length / 2)]!;
    return this.bandwidth;
  }
}
