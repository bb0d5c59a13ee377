import { signedIndex, type Spectrum2D } from "../fft/spectrum2d.js";

/** Spectra pre-filtered for alignment, and the highest frequency (cycles/px) the filter keeps. */
export interface FilteredSpectra {
  spectra: Spectrum2D[];
  maxFrequency: number;
  /** Radial filter applied to the correlation (the square of the one on the spectra), max 1. */
  weights: Float64Array;
  /**
   * Expected signal-to-noise ratio of the correlation peak of a sum of `m` frames against the sum
   * of the others (from the shell estimates; about 1 is a coin toss, ≥ 10 a reliable peak).
   */
  peakSnr(m: number): number;
}

/**
 * Matched filter for aligning low-dose frames. Per radial shell, the signal power S of one frame
 * is the mean cross-power between different frames and the noise power N is what is left of the
 * frames' own power; correlating a frame with the sum of the n − 1 others is most significant
 * with the weight g = S / (N (n S + N)) (signal-to-noise of the correlation peak, maximised over
 * g). A fixed B-factor only approximates this: at low dose most of the band is noise, and a band
 * kept for a high-dose movie buries a low-dose peak among noise peaks. Every spectrum is
 * multiplied by √g, so the correlation product carries g. `shifts` (x, y interleaved, px) align
 * the frames for the estimate; without them, drift makes S conservative at high frequency.
 */
export function matchedFilter(spectra: readonly Spectrum2D[], shifts?: Float64Array): FilteredSpectra {
  const n = spectra.length;
  const { width: w, height: h } = spectra[0]!;
  const nkx = w / 2 + 1;
  const bins = Math.ceil(Math.SQRT1_2 * Math.max(w, h)) + 2;
  const scale = Math.max(w, h);
  const binOf = new Uint16Array(nkx * h);
  for (let kx = 0; kx < nkx; kx++) {
    for (let ky = 0; ky < h; ky++) {
      const fy = signedIndex(ky, h) / h;
      binOf[kx * h + ky] = Math.min(bins - 1, Math.round(Math.hypot(kx / w, fy) * scale));
    }
  }
  const total = new Float64Array(bins);
  const own = new Float64Array(bins);
  const count = new Float64Array(bins);
  const sum = new Float64Array(2 * nkx * h);
  for (let i = 0; i < n; i++) {
    const d = spectra[i]!.data;
    const sx = shifts === undefined ? 0 : shifts[2 * i]!;
    const sy = shifts === undefined ? 0 : shifts[2 * i + 1]!;
    for (let kx = 0; kx < nkx; kx++) {
      const ax = (2 * Math.PI * kx * sx) / w;
      for (let ky = 0; ky < h; ky++) {
        const k = kx * h + ky;
        const re = d[2 * k]!;
        const im = d[2 * k + 1]!;
        own[binOf[k]!]! += re * re + im * im;
        if (sx === 0 && sy === 0) {
          sum[2 * k]! += re;
          sum[2 * k + 1]! += im;
        } else {
          const a = ax + (2 * Math.PI * signedIndex(ky, h) * sy) / h;
          const c = Math.cos(a);
          const s = Math.sin(a);
          sum[2 * k]! += re * c - im * s;
          sum[2 * k + 1]! += re * s + im * c;
        }
      }
    }
  }
  for (let k = 0; k < nkx * h; k++) {
    const b = binOf[k]!;
    total[b]! += sum[2 * k]! ** 2 + sum[2 * k + 1]! ** 2;
    count[b]! += 1;
  }
  // Shell estimates, then a running mean over neighbouring shells (the cross-power is noisy).
  const signal = new Float64Array(bins);
  const noise = new Float64Array(bins);
  for (let b = 0; b < bins; b++) {
    if (count[b]! === 0 || n < 2) continue;
    signal[b] = (total[b]! - own[b]!) / (n * (n - 1) * count[b]!);
    noise[b] = own[b]! / (n * count[b]!) - signal[b]!;
  }
  const smooth = (v: Float64Array, r: number): Float64Array =>
    Float64Array.from(v, (_, b) => {
      let s = 0;
      let c = 0;
      for (let j = Math.max(1, b - r); j <= Math.min(bins - 1, b + r); j++) {
        if (count[j]! === 0) continue;
        s += v[j]! * count[j]!;
        c += count[j]!;
      }
      return c > 0 ? s / c : 0;
    });
  const s = smooth(signal, 2);
  const nz = smooth(noise, 2);
  // Keep only shells whose cross-power is significant: the estimate's standard error is about
  // N / √(n (n − 1) c) over c coefficients, and noise shells let noise peaks in.
  for (let b = 1; b < bins; b++) {
    let c = 0;
    for (let j = Math.max(1, b - 2); j <= Math.min(bins - 1, b + 2); j++) c += count[j]!;
    if (!(s[b]! > (3 * nz[b]!) / Math.sqrt(Math.max(1, n * (n - 1) * c)))) s[b] = 0;
  }
  const weights = new Float64Array(bins);
  let best = 0;
  for (let b = 1; b < bins; b++) {
    const sb = Math.max(0, s[b]!);
    const nb = Math.max(1e-30, nz[b]!);
    weights[b] = sb / (nb * (n * sb + nb));
    best = Math.max(best, weights[b]!);
  }
  let maxBin = 1;
  for (let b = 1; b < bins; b++) {
    weights[b] = best > 0 ? weights[b]! / best : 0;
    if (weights[b]! >= 1e-3) maxBin = b;
  }
  const root = Float32Array.from(weights, (g) => Math.sqrt(g));
  const out = spectra.map((sp) => {
    const data = new Float32Array(sp.data.length);
    for (let k = 0; k < nkx * h; k++) {
      const f = root[binOf[k]!]!;
      data[2 * k] = sp.data[2 * k]! * f;
      data[2 * k + 1] = sp.data[2 * k + 1]! * f;
    }
    return { width: w, height: h, data };
  });
  const peakSnr = (m: number): number => {
    const r = n - m;
    if (m < 1 || r < 1) return 0;
    let num = 0;
    let den = 0;
    for (let b = 1; b < bins; b++) {
      const g = weights[b]!;
      const sb = Math.max(0, s[b]!);
      const nb = Math.max(1e-30, nz[b]!);
      num += count[b]! * g * m * r * sb;
      den += count[b]! * g * g * (m * nb * (r * r * sb + r * nb) + r * nb * m * m * sb);
    }
    return den > 0 ? num / Math.sqrt(den) : 0;
  };
  return { spectra: out, maxFrequency: Math.min(0.5, (maxBin + 1.5) / scale), weights, peakSnr };
}
