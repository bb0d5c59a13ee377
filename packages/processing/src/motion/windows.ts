import type { Fft } from "../fft/fft.js";
import { findPeak } from "../fft/peak.js";
import { nextGoodSize } from "../fft/sizes.js";
import { signedIndex, type Spectrum2D } from "../fft/spectrum2d.js";
import { goodOrFull } from "./align.js";

/** Options of `refineByWindows` (px of the spectra's grid). */
export interface WindowOptions {
  /** Frames each side of the centre frame in a window. */
  halfWidth: number;
  /** Highest frequency in the (pre-filtered) spectra, cycles/px. */
  maxFrequency: number;
  /** Search radius around the current estimate, px. */
  radius: number;
  iterations: number;
  tolerance: number;
}

/**
 * Per-frame shifts from sliding windows: frame i's shift is corrected by the displacement of the
 * sum of frames i − h … i + h (aligned by the current shifts) against the sum of all the other
 * frames. One low-dose frame has too little signal to place it to a pixel; a window has
 * 2h + 1 times more, and the frames it averages over move little. The reference never holds a
 * frame of the window, so noise cannot pull the peak to the current estimate.
 */
export function refineByWindows(fft: Fft, spectra: readonly Spectrum2D[], initial: Float64Array, opts: WindowOptions): Float64Array {
  const n = spectra.length;
  const shifts = Float64Array.from(initial);
  if (n < 3) return shifts;
  const { width: w, height: h } = spectra[0]!;
  const fc = opts.maxFrequency;
  const cw = Math.min(w, Math.max(32, goodOrFull(nextGoodSize(Math.ceil(2 * fc * w), "real"), w, "real")));
  const ch = Math.min(h, Math.max(16, goodOrFull(nextGoodSize(Math.ceil(2 * fc * h), "complex"), h, "complex")));
  const nkx = cw / 2 + 1;
  const len = 2 * nkx * ch;
  const half = ch / 2;
  // The band of every spectrum, once.
  const bands = spectra.map((sp) => {
    const b = new Float32Array(len);
    for (let kx = 0; kx < nkx; kx++) {
      for (let j = 0; j < ch; j++) {
        const src = 2 * (kx * h + (j < half ? j : h - ch + j));
        b[2 * (kx * ch + j)] = sp.data[src]!;
        b[2 * (kx * ch + j) + 1] = sp.data[src + 1]!;
      }
    }
    return b;
  });
  const fy = Float64Array.from({ length: ch }, (_, j) => signedIndex(j, ch) / h);
  const aligned = bands.map(() => new Float32Array(len));
  const total = new Float64Array(len);
  const win = new Float64Array(len);
  const product = new Float32Array(len);
  const map = new Float32Array(cw * ch);
  const sx = w / cw;
  const sy = h / ch;
  const delta = new Float64Array(2 * n);
  const from = new Int32Array(n);
  const m = Math.max(0, Math.min(opts.halfWidth, Math.floor((n - 2) / 2)));
  for (let it = 0; it < opts.iterations; it++) {
    total.fill(0);
    for (let i = 0; i < n; i++) {
      // e^{+2πi(kx sx/w + ky sy/h)}: moves frame i's content back by its shift.
      const b = bands[i]!;
      const a = aligned[i]!;
      const ax = (2 * Math.PI * shifts[2 * i]!) / w;
      const ay = 2 * Math.PI * shifts[2 * i + 1]!;
      for (let kx = 0; kx < nkx; kx++) {
        for (let j = 0; j < ch; j++) {
          const p = ax * kx + ay * fy[j]!;
          const c = Math.cos(p);
          const s = Math.sin(p);
          const k = 2 * (kx * ch + j);
          const re = b[k]!;
          const im = b[k + 1]!;
          a[k] = re * c - im * s;
          a[k + 1] = re * s + im * c;
          total[k]! += a[k]!;
          total[k + 1]! += a[k + 1]!;
        }
      }
    }
    const next = Float64Array.from(shifts);
    win.fill(0);
    let lo = 0;
    let hi = -1;
    for (let i = 0; i < n; i++) {
      // Windows keep their width at the ends of the movie (shifted inwards).
      const s0 = Math.max(0, Math.min(i - m, n - 1 - 2 * m));
      const s1 = Math.min(n - 1, s0 + 2 * m);
      while (hi < s1) addTo(win, aligned[++hi]!, 1);
      while (lo < s0) addTo(win, aligned[lo++]!, -1);
      for (let k = 0; k < len; k += 2) {
        const re = win[k]!;
        const im = win[k + 1]!;
        const rr = total[k]! - re;
        const ri = total[k + 1]! - im;
        product[k] = re * rr + im * ri;
        product[k + 1] = im * rr - re * ri;
      }
      fft.inverse2d({ width: cw, height: ch, data: product }, map);
      const peak = findPeak(map, cw, ch, opts.radius / sx, 0, 0);
      // The window's residual belongs to its centre; frames off-centre at the ends get their own
      // window's residual too, which is what a smooth trajectory expects.
      delta[2 * i] = peak.x * sx;
      delta[2 * i + 1] = peak.y * sy;
      from[i] = s0;
    }
    // Each frame takes the mean residual of the windows that hold it: the update is then a
    // triangular smoothing (non-negative response), so Jacobi steps cannot amplify any mode.
    for (let i = 0; i < n; i++) {
      let dx = 0;
      let dy = 0;
      let c = 0;
      for (let j = Math.max(0, i - 2 * m); j <= Math.min(n - 1, i + 2 * m); j++) {
        if (from[j]! > i || from[j]! + 2 * m < i) continue;
        dx += delta[2 * j]!;
        dy += delta[2 * j + 1]!;
        c++;
      }
      next[2 * i] = shifts[2 * i]! + dx / c;
      next[2 * i + 1] = shifts[2 * i + 1]! + dy / c;
    }
    let change = 0;
    let mx = 0;
    let my = 0;
    for (let i = 0; i < n; i++) {
      mx += (next[2 * i]! - shifts[2 * i]!) / n;
      my += (next[2 * i + 1]! - shifts[2 * i + 1]!) / n;
    }
    for (let i = 0; i < n; i++) {
      next[2 * i]! -= mx;
      next[2 * i + 1]! -= my;
      change = Math.max(change, Math.abs(next[2 * i]! - shifts[2 * i]!), Math.abs(next[2 * i + 1]! - shifts[2 * i + 1]!));
    }
    shifts.set(next);
    if (change < opts.tolerance) break;
  }
  return shifts;
}

function addTo(acc: Float64Array, v: Float32Array, sign: number): void {
  for (let k = 0; k < v.length; k++) acc[k]! += sign * v[k]!;
}
