/**
 * Whittaker smoothing of a trajectory: minimise Σ (s_i − y_i)² + λ Σ (s_{i−1} − 2 s_i + s_{i+1})²
 * per axis, with λ picked by generalised cross-validation (the λ minimising n·RSS / (n − tr H)²
 * over a log grid, both axes together). Beam-induced motion is smooth from frame to frame while
 * single-frame alignment noise is not, so this removes much of the noise and little of the motion.
 * Dense linear algebra: meant for up to a few hundred frames.
 */
export function smoothTrajectory(shifts: Float64Array, lambda?: number): { shifts: Float64Array; lambda: number } {
  const n = shifts.length / 2;
  if (n < 4) return { shifts: Float64Array.from(shifts), lambda: 0 };
  const xs = Float64Array.from({ length: n }, (_, i) => shifts[2 * i]!);
  const ys = Float64Array.from({ length: n }, (_, i) => shifts[2 * i + 1]!);
  const penalty = secondDifferencePenalty(n);
  const candidates = lambda === undefined ? Array.from({ length: 29 }, (_, k) => 10 ** (-2 + k * 0.25)) : [lambda];
  let best: { score: number; lambda: number; sx: Float64Array; sy: Float64Array } = { score: Infinity, lambda: candidates[0]!, sx: xs, sy: ys };
  for (const l of candidates) {
    const h = invert(addScaled(penalty, l, n), n);
    if (h === undefined) continue;
    const sx = apply(h, xs, n);
    const sy = apply(h, ys, n);
    let rss = 0;
    for (let i = 0; i < n; i++) rss += (sx[i]! - xs[i]!) ** 2 + (sy[i]! - ys[i]!) ** 2;
    let trace = 0;
    for (let i = 0; i < n; i++) trace += h[i * n + i]!;
    const score = (n * rss) / Math.max(1e-12, (n - trace) ** 2);
    if (score < best.score) best = { score, lambda: l, sx, sy };
  }
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = best.sx[i]!;
    out[2 * i + 1] = best.sy[i]!;
  }
  return { shifts: out, lambda: best.lambda };
}

/** DᵀD for the (n−2) × n second-difference operator D, dense n × n. */
function secondDifferencePenalty(n: number): Float64Array {
  const p = new Float64Array(n * n);
  for (let r = 0; r + 2 < n; r++) {
    const idx = [r, r + 1, r + 2];
    const w = [1, -2, 1];
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) p[idx[a]! * n + idx[b]!]! += w[a]! * w[b]!;
  }
  return p;
}

/** I + λ P. */
function addScaled(p: Float64Array, lambda: number, n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) m[i] = lambda * p[i]!;
  for (let i = 0; i < n; i++) m[i * n + i]! += 1;
  return m;
}

/** Inverse by Gauss–Jordan (the matrix is symmetric positive definite). */
function invert(m: Float64Array, n: number): Float64Array | undefined {
  const a = Float64Array.from(m);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    const d = a[c * n + c]!;
    if (!(Math.abs(d) > 1e-14)) return undefined;
    const s = 1 / d;
    for (let k = 0; k < n; k++) {
      a[c * n + k]! *= s;
      inv[c * n + k]! *= s;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r * n + c]!;
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        a[r * n + k]! -= f * a[c * n + k]!;
        inv[r * n + k]! -= f * inv[c * n + k]!;
      }
    }
  }
  return inv;
}

function apply(h: Float64Array, v: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += h[i * n + j]! * v[j]!;
    out[i] = s;
  }
  return out;
}
