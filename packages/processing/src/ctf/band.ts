import { signedIndex } from "../fft/spectrum2d.js";

/**
 * The spectrum pixels a fit uses, with what the model needs per pixel: k² (Å⁻²), cos 2θ and
 * sin 2θ of the frequency direction, and the whitened spectrum value. The kx = 0 column and the
 * ky = 0 row are left out: tile edges put a cross there that is not CTF.
 */
export interface Band {
  k2: Float64Array;
  c2: Float64Array;
  s2: Float64Array;
  value: Float64Array;
  /** Whitened value, centred and scaled to unit norm (for normalised cross-correlation). */
  centred: Float64Array;
}

/** Radial bin width and count of a `tile`-pixel spectrum at `apix` (bins of 1/(tile·apix) Å⁻¹). */
export function radialBins(tile: number, apix: number): { width: number; count: number } {
  return { width: 1 / (tile * apix), count: Math.ceil((tile / 2) * Math.SQRT2) + 2 };
}

/** Mean of `values` over pixels in radial bins (bin = round(k / width)), only where `use` says so. */
export function radialAverage(values: ArrayLike<number>, tile: number, apix: number, use?: (k: number) => boolean): Float64Array {
  const { width, count } = radialBins(tile, apix);
  const sum = new Float64Array(count);
  const n = new Float64Array(count);
  for (let kx = 1; kx <= tile / 2; kx++) {
    const fx = kx / (tile * apix);
    for (let ky = 1; ky < tile; ky++) {
      const fy = signedIndex(ky, tile) / (tile * apix);
      const k = Math.sqrt(fx * fx + fy * fy);
      if (use !== undefined && !use(k)) continue;
      const b = Math.round(k / width);
      sum[b]! += values[kx * tile + ky]!;
      n[b]!++;
    }
  }
  for (let b = 0; b < count; b++) sum[b] = n[b]! > 0 ? sum[b]! / n[b]! : Number.NaN;
  return sum;
}

/**
 * Background and whitening: a degree-4 polynomial in k fitted to the radial average over the band
 * is subtracted (rings oscillate many times faster than it can bend), and the remainder divided by
 * its running RMS, so rings at high resolution weigh as much as the strong ones at low resolution
 * (as CTFFIND 4.1 does, to fit the rings' phase rather than their amplitude).
 */
export function whitenedSpectrum(amplitude: Float32Array, tile: number, apix: number, kmin: number, kmax: number): { values: Float32Array; background: Float64Array; rms: Float64Array } {
  const { width, count } = radialBins(tile, apix);
  const radial = radialAverage(amplitude, tile, apix);
  const lo = Math.max(1, Math.floor(kmin / width));
  const hi = Math.min(count - 1, Math.ceil(kmax / width));
  const coef = polyfit(radial, lo, hi, width, 4);
  const background = new Float64Array(count);
  for (let b = 0; b < count; b++) background[b] = polyval(coef, b * width);
  // Running RMS of what is left, over a window of about a twentieth of the band (≥ 4 bins).
  const resid = new Float64Array(count);
  for (let b = 0; b < count; b++) resid[b] = Number.isFinite(radial[b]!) ? radial[b]! - background[b]! : 0;
  const values = new Float32Array(amplitude.length);
  const sq = new Float64Array(count);
  const nn = new Float64Array(count);
  for (let kx = 1; kx <= tile / 2; kx++) {
    const fx = kx / (tile * apix);
    for (let ky = 1; ky < tile; ky++) {
      const fy = signedIndex(ky, tile) / (tile * apix);
      const b = Math.round(Math.sqrt(fx * fx + fy * fy) / width);
      const i = kx * tile + ky;
      const v = amplitude[i]! - background[b]!;
      values[i] = v;
      sq[b]! += v * v;
      nn[b]!++;
    }
  }
  const half = Math.max(2, Math.round((hi - lo) / 40));
  const rms = new Float64Array(count);
  for (let b = 0; b < count; b++) {
    let s = 0;
    let m = 0;
    for (let j = Math.max(0, b - half); j <= Math.min(count - 1, b + half); j++) {
      s += sq[j]!;
      m += nn[j]!;
    }
    rms[b] = m > 0 ? Math.sqrt(s / m) : 1;
  }
  for (let kx = 1; kx <= tile / 2; kx++) {
    const fx = kx / (tile * apix);
    for (let ky = 1; ky < tile; ky++) {
      const fy = signedIndex(ky, tile) / (tile * apix);
      const b = Math.round(Math.sqrt(fx * fx + fy * fy) / width);
      const i = kx * tile + ky;
      values[i] = rms[b]! > 0 ? values[i]! / rms[b]! : 0;
    }
  }
  return { values, background, rms };
}

/** The band kmin ≤ k ≤ kmax of a whitened spectrum, ready for fitting. */
export function bandPixels(values: Float32Array, tile: number, apix: number, kmin: number, kmax: number): Band {
  const k2: number[] = [];
  const c2: number[] = [];
  const s2: number[] = [];
  const value: number[] = [];
  for (let kx = 1; kx <= tile / 2; kx++) {
    const fx = kx / (tile * apix);
    for (let ky = 1; ky < tile; ky++) {
      const fy = signedIndex(ky, tile) / (tile * apix);
      const q = fx * fx + fy * fy;
      if (q < kmin * kmin || q > kmax * kmax) continue;
      const theta = Math.atan2(fy, fx);
      k2.push(q);
      c2.push(Math.cos(2 * theta));
      s2.push(Math.sin(2 * theta));
      value.push(values[kx * tile + ky]!);
    }
  }
  const v = Float64Array.from(value);
  return { k2: Float64Array.from(k2), c2: Float64Array.from(c2), s2: Float64Array.from(s2), value: v, centred: centre(v) };
}

/** (v − mean) / ‖v − mean‖. */
export function centre(v: Float64Array): Float64Array {
  let m = 0;
  for (const x of v) m += x;
  m /= Math.max(1, v.length);
  const out = new Float64Array(v.length);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    out[i] = v[i]! - m;
    n += out[i]! * out[i]!;
  }
  const s = n > 0 ? 1 / Math.sqrt(n) : 0;
  for (let i = 0; i < v.length; i++) out[i]! *= s;
  return out;
}

/** Least-squares polynomial of `degree` in k through finite radial bins lo..hi (k = bin·width). */
function polyfit(radial: Float64Array, lo: number, hi: number, width: number, degree: number): number[] {
  const n = degree + 1;
  const ata = Array.from({ length: n }, () => new Float64Array(n));
  const atb = new Float64Array(n);
  const scale = 1 / (hi * width);
  for (let b = lo; b <= hi; b++) {
    const y = radial[b]!;
    if (!Number.isFinite(y)) continue;
    const x = b * width * scale;
    const pw: number[] = [];
    for (let p = 0, v = 1; p < n; p++, v *= x) pw.push(v);
    for (let i = 0; i < n; i++) {
      atb[i]! += pw[i]! * y;
      for (let j = 0; j < n; j++) ata[i]![j]! += pw[i]! * pw[j]!;
    }
  }
  // Solve by Gaussian elimination (small, well scaled by x ∈ [0, 1]).
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(ata[r]![c]!) > Math.abs(ata[p]![c]!)) p = r;
    [ata[c], ata[p]] = [ata[p]!, ata[c]!];
    [atb[c], atb[p]] = [atb[p]!, atb[c]!];
    const d = ata[c]![c]!;
    if (Math.abs(d) < 1e-300) continue;
    for (let r = c + 1; r < n; r++) {
      const f = ata[r]![c]! / d;
      for (let k = c; k < n; k++) ata[r]![k]! -= f * ata[c]![k]!;
      atb[r]! -= f * atb[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = atb[r]!;
    for (let k = r + 1; k < n; k++) s -= ata[r]![k]! * x[k]!;
    x[r] = ata[r]![r]! !== 0 ? s / ata[r]![r]! : 0;
  }
  return x.map((c, p) => c * scale ** p);
}

function polyval(coef: readonly number[], x: number): number {
  let v = 0;
  for (let p = coef.length - 1; p >= 0; p--) v = v * x + coef[p]!;
  return v;
}
