/**
 * Otsu's threshold of a list of scores: the cut that maximises the between-class variance of
 * "noise maxima" below and "particles" above (histogram of 256 bins over the score range).
 */
export function otsuThreshold(scores: readonly number[]): number {
  if (scores.length < 2) return scores[0] ?? 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of scores) {
    lo = Math.min(lo, s);
    hi = Math.max(hi, s);
  }
  if (hi === lo) return lo;
  const bins = 256;
  const hist = new Float64Array(bins);
  for (const s of scores) hist[Math.min(bins - 1, Math.floor(((s - lo) / (hi - lo)) * bins))]!++;
  const total = scores.length;
  let sumAll = 0;
  for (let b = 0; b < bins; b++) sumAll += b * hist[b]!;
  let w0 = 0;
  let sum0 = 0;
  let best = -1;
  let cut = 0;
  for (let b = 0; b < bins - 1; b++) {
    w0 += hist[b]!;
    sum0 += b * hist[b]!;
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const m0 = sum0 / w0;
    const m1 = (sumAll - sum0) / w1;
    const between = w0 * w1 * (m0 - m1) ** 2;
    if (between > best) {
      best = between;
      cut = b + 1;
    }
  }
  return lo + (cut / bins) * (hi - lo);
}
