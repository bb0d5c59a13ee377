/** Mean and standard deviation of `data` (double accumulation). */
export function meanStd(data: ArrayLike<number>): { mean: number; std: number } {
  const n = data.length;
  if (n === 0) return { mean: 0, std: 0 };
  let s = 0;
  for (let i = 0; i < n; i++) s += data[i]!;
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = data[i]! - mean;
    v += d * d;
  }
  return { mean, std: Math.sqrt(v / n) };
}

/** Quantiles (0–1) of `data` from a sorted copy; `stride` > 1 samples every stride-th value. */
export function quantiles(data: ArrayLike<number>, qs: readonly number[], stride = 1): number[] {
  const count = Math.ceil(data.length / stride);
  const copy = new Float64Array(count);
  for (let i = 0, j = 0; i < data.length; i += stride, j++) copy[j] = data[i]!;
  copy.sort();
  return qs.map((q) => {
    if (count === 0) return Number.NaN;
    const pos = Math.min(count - 1, Math.max(0, q * (count - 1)));
    const lo = Math.floor(pos);
    const hi = Math.min(count - 1, lo + 1);
    return copy[lo]! + (copy[hi]! - copy[lo]!) * (pos - lo);
  });
}

/** Median of a plain array (copied). */
export function median(values: readonly number[]): number {
  return quantiles(values, [0.5])[0]!;
}
