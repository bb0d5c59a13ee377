/** Running mean and variance (Welford's update), for per-grid feature normalisation. */

/** Mean and variance of a stream of numbers, updated one value at a time. */
export class RunningStats {
  private n = 0;
  private m = 0;
  private s = 0;

  /** Add one value (non-finite values are ignored). */
  push(x: number): void {
    if (!Number.isFinite(x)) return;
    this.n++;
    const d = x - this.m;
    this.m += d / this.n;
    this.s += d * (x - this.m);
  }

  /** Values seen. */
  get count(): number {
    return this.n;
  }

  /** Mean (0 before any value). */
  get mean(): number {
    return this.m;
  }

  /** Sample variance (0 below two values). */
  get variance(): number {
    return this.n < 2 ? 0 : this.s / (this.n - 1);
  }

  /** (x − mean) / sd, or 0 when x is missing or the values do not vary. */
  z(x: number | undefined): number {
    if (x === undefined || !Number.isFinite(x)) return 0;
    const v = this.variance;
    return v <= 1e-24 ? 0 : (x - this.m) / Math.sqrt(v);
  }
}
