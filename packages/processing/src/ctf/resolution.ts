import { signedIndex } from "../fft/spectrum2d.js";
import { radialBins } from "./band.js";
import type { Optics, Trial } from "./search.js";

/** The fitted CTF along the equiphase average: frequency (Å⁻¹), measured, fitted, windowed fit CC. */
export interface CtfFitProfile {
  frequency: number[];
  measured: number[];
  fitted: number[];
  fit_cc: number[];
}

/**
 * Equiphase average (CTFFIND 4.1): every pixel is placed at the frequency where a CTF with the mean
 * defocus has the same phase, which undoes astigmatism, so rings line up in 1D. Then the
 * correlation of measured and fitted curves in a window two rings wide gives the fit quality per
 * frequency; the fit resolution is the highest frequency where it (averaged over a ring) still
 * reaches `threshold`, with most of the band below it above the threshold too.
 */
export function fitProfile(values: Float32Array, tile: number, apix: number, o: Optics, t: Trial, kmin: number, threshold: number): { profile: CtfFitProfile; fitResolution: number } {
  const { width, count } = radialBins(tile, apix);
  const sum = new Float64Array(count);
  const n = new Float64Array(count);
  const off = o.ampPhase + t.phase;
  for (let kx = 1; kx <= tile / 2; kx++) {
    const fx = kx / (tile * apix);
    for (let ky = 1; ky < tile; ky++) {
      const fy = signedIndex(ky, tile) / (tile * apix);
      const q = fx * fx + fy * fy;
      const th = Math.atan2(fy, fx);
      const df = t.mean + t.a * Math.cos(2 * th) + t.b * Math.sin(2 * th);
      const phase = o.w1 * q * df - o.w2 * q * q;
      const u = equivalentK2(o, t.mean, phase);
      if (!(u >= 0)) continue;
      const b = Math.round(Math.sqrt(u) / width);
      if (b >= count) continue;
      sum[b]! += values[kx * tile + ky]!;
      n[b]!++;
    }
  }
  const nyquist = 0.5 / apix;
  const frequency: number[] = [];
  const measured: number[] = [];
  const model: number[] = [];
  for (let b = 1; b < count && b * width <= nyquist; b++) {
    if (n[b] === 0) continue;
    const k = b * width;
    const q = k * k;
    frequency.push(k);
    measured.push(sum[b]! / n[b]!);
    model.push(Math.sin(o.w1 * q * t.mean - o.w2 * q * q + off) ** 2);
  }
  const fitCc = windowedCorrelation(frequency, measured, model, o, t.mean);
  // Fitted CTF² scaled onto the measured curve (least squares), for plotting both together.
  const mm = mean(model);
  const me = mean(measured);
  let sxy = 0;
  let sxx = 0;
  model.forEach((v, i) => {
    sxy += (v - mm) * (measured[i]! - me);
    sxx += (v - mm) ** 2;
  });
  const gain = sxx > 0 ? sxy / sxx : 0;
  const fitted = model.map((v) => me + gain * (v - mm));
  // The highest frequency whose CC, averaged over one CTF period, still reaches the threshold,
  // provided most (70 %) of the band below it does too: a dip near the first rings (where the
  // background is least certain) does not end the fit early, and noise alone cannot run far.
  const smooth = smoothed(fitCc, frequency, o, t.mean);
  let fitResolution = 1 / kmin;
  let above = 0;
  let total = 0;
  for (let i = 0; i < frequency.length; i++) {
    if (frequency[i]! < kmin) continue;
    total++;
    if (fitCc[i]! >= threshold) above++;
    if (smooth[i]! >= threshold && above >= 0.7 * total) fitResolution = 1 / frequency[i]!;
  }
  return { profile: { frequency, measured, fitted, fit_cc: fitCc }, fitResolution };
}

/** k² at which the mean-defocus CTF has aberration phase `phase` (smaller root of the quartic). */
function equivalentK2(o: Optics, mean: number, phase: number): number {
  const a = o.w1 * mean;
  if (o.w2 === 0) return phase / a;
  const disc = a * a - 4 * o.w2 * phase;
  if (disc < 0) return Number.NaN;
  return (a - Math.sqrt(disc)) / (2 * o.w2);
}

/** Moving average over one CTF period around each point. */
function smoothed(values: number[], k: number[], o: Optics, mean: number): number[] {
  const width = k.length > 1 ? k[1]! - k[0]! : 1;
  return values.map((_, i) => {
    const q = k[i]!;
    const slope = Math.abs(2 * o.w1 * mean * q - 4 * o.w2 * q * q * q);
    const half = Math.max(1, Math.round((slope > 0 ? Math.PI / slope : 1) / width / 2));
    const lo = Math.max(0, i - half);
    const hi = Math.min(values.length - 1, i + half);
    let s = 0;
    for (let j = lo; j <= hi; j++) s += values[j]!;
    return s / (hi - lo + 1);
  });
}

/** Correlation of measured and model over a window two CTF periods wide around each point. */
function windowedCorrelation(k: number[], measured: number[], model: number[], o: Optics, mean: number): number[] {
  const out: number[] = [];
  const width = k.length > 1 ? k[1]! - k[0]! : 1;
  for (let i = 0; i < k.length; i++) {
    const q = k[i]!;
    const slope = Math.abs(2 * o.w1 * mean * q - 4 * o.w2 * q * q * q);
    // CTF² repeats every Δχ = π, i.e. Δk = π / |dχ/dk|.
    const period = slope > 0 ? Math.PI / slope : 1;
    const half = Math.max(3, Math.round(period / width));
    const lo = Math.max(0, i - half);
    const hi = Math.min(k.length - 1, i + half);
    out.push(pearson(measured.slice(lo, hi + 1), model.slice(lo, hi + 1)));
  }
  return out;
}

function mean(v: readonly number[]): number {
  return v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}
