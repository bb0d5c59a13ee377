/**
 * Online Bayesian logistic regression: a Gaussian posterior over the weights, updated one
 * outcome at a time by a Laplace (extended Kalman filter) step, so each result costs O(d²) and
 * nothing is refitted. Predictions integrate the weight uncertainty (probit approximation).
 */

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Posterior N(mean, cov) over the weights of p(good | x) = σ(w·x). */
export class OnlineLogistic {
  readonly dim: number;
  private readonly w: Float64Array;
  private readonly cov: Float64Array;
  private readonly tmp: Float64Array;

  /** Prior: weights independent N(priorMean[i], priorVar[i]). */
  constructor(priorMean: readonly number[], priorVar: readonly number[]) {
    this.dim = priorMean.length;
    this.w = Float64Array.from(priorMean);
    this.cov = new Float64Array(this.dim * this.dim);
    for (let i = 0; i < this.dim; i++) this.cov[i * this.dim + i] = priorVar[i] ?? 1;
    this.tmp = new Float64Array(this.dim);
  }

  /** w·x, the posterior-mean logit. */
  logit(x: ArrayLike<number>): number {
    let z = 0;
    for (let i = 0; i < this.dim; i++) z += this.w[i]! * x[i]!;
    return z;
  }

  /** xᵀ Σ x, the variance of the logit under the posterior. */
  logitVariance(x: ArrayLike<number>): number {
    const d = this.dim;
    let v = 0;
    for (let i = 0; i < d; i++) {
      let row = 0;
      for (let j = 0; j < d; j++) row += this.cov[i * d + j]! * x[j]!;
      v += x[i]! * row;
    }
    return Math.max(v, 0);
  }

  /** Predictive P(good | x), the weight uncertainty integrated out (probit approximation). */
  predict(x: ArrayLike<number>): { p: number; logit: number; logitSd: number } {
    const z = this.logit(x);
    const v = this.logitVariance(x);
    return { p: sigmoid(z / Math.sqrt(1 + (Math.PI * v) / 8)), logit: z, logitSd: Math.sqrt(v) };
  }

  /** One outcome (y = 1 good, 0 bad), optionally weighted (a weight of k counts as k identical outcomes, approximately). */
  update(x: ArrayLike<number>, y: 0 | 1, weight = 1): void {
    const d = this.dim;
    const p = sigmoid(this.logit(x));
    const h = weight * p * (1 - p);
    // Σx, then Σ' = Σ − h Σx xᵀΣ / (1 + h xᵀΣx) (Sherman–Morrison), w' = w + Σ' x (y − p) weight.
    const sx = this.tmp;
    let xsx = 0;
    for (let i = 0; i < d; i++) {
      let row = 0;
      for (let j = 0; j < d; j++) row += this.cov[i * d + j]! * x[j]!;
      sx[i] = row;
      xsx += x[i]! * row;
    }
    const k = h / (1 + h * xsx);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) this.cov[i * d + j] = this.cov[i * d + j]! - k * sx[i]! * sx[j]!;
    // Σ' x = Σx (1 − k xᵀΣx).
    const g = weight * (y - p) * (1 - k * xsx);
    for (let i = 0; i < d; i++) this.w[i] = this.w[i]! + g * sx[i]!;
  }

  /** A copy of the posterior-mean weights. */
  weights(): number[] {
    return [...this.w];
  }
}
