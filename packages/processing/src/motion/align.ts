import type { Fft } from "../fft/fft.js";
import { findPeak } from "../fft/peak.js";
import { goodSizeAtMost, nextGoodSize } from "../fft/sizes.js";
import { signedIndex, type Spectrum2D } from "../fft/spectrum2d.js";
import { kernelArena } from "../image/kernels.js";

/** Options of `alignToSum` (all in pixels of the spectra's grid). */
export interface AlignOptions {
  /** B-factor on the cross-correlation, px² (exp(−B f²/4), f in cycles/px). */
  bfactorPx: number;
  /** Search radius around zero in the first iteration, px. */
  maxShift: number;
  iterations: number;
  /** Stop when no shift changed by more than this, px. */
  tolerance: number;
  /** Starting shifts (x, y interleaved); default zeros. With them, every search is local. */
  initial?: Float64Array;
  /** Search radius around the current estimate after the first pass, px (default 4 crop px). */
  localRadius?: number;
  /** Highest frequency kept, cycles/px (for pre-filtered spectra); default: from the B-factor. */
  maxFrequency?: number;
}

/** Shifts found, x and y interleaved per frame, and the correlation peak heights. */
export interface AlignResult {
  shifts: Float64Array;
  peaks: Float64Array;
  iterations: number;
}

/**
 * MotionCor2-style iterative alignment: each spectrum is correlated with the sum of all the
 * others as currently aligned, and its shift is the displacement of its content relative to that
 * sum (frame(r) ≈ reference(r − shift)). Only the band the B-factor leaves is used: the
 * correlation map is computed on a Fourier-cropped grid where exp(−B f²/4) ≥ 1e−4, so its peak is
 * about 1.4 grid px wide (Gaussian sub-pixel fit) whatever the B-factor.
 */
export function alignToSum(fft: Fft, spectra: readonly Spectrum2D[], opts: AlignOptions): AlignResult {
  const n = spectra.length;
  const first = spectra[0]!;
  const { width: w, height: h } = first;
  const shifts = opts.initial !== undefined ? Float64Array.from(opts.initial) : new Float64Array(2 * n);
  const peaks = new Float64Array(n);
  if (n < 2) return { shifts, peaks, iterations: 0 };

  const fc = opts.maxFrequency !== undefined ? opts.maxFrequency : opts.bfactorPx > 0 ? Math.sqrt((4 * Math.log(1e4)) / opts.bfactorPx) : 1;
  const cw = Math.min(w, Math.max(32, goodOrFull(nextGoodSize(Math.ceil(2 * fc * w), "real"), w, "real")));
  const ch = Math.min(h, Math.max(16, goodOrFull(nextGoodSize(Math.ceil(2 * fc * h), "complex"), h, "complex")));
  const nkx = cw / 2 + 1;
  const band = 2 * nkx * ch;
  const len = first.data.length;
  const arena = kernelArena();
  try {
    // All buffers first: views stay valid because nothing below awaits or allocates.
    const specPtr = arena.buffer("align-spectra", 4 * len * n);
    const sumPtr = arena.buffer("align-sum", 4 * band);
    const prodPtr = arena.buffer("align-product", 4 * band);
    const exPtr = arena.buffer("align-ex", 8 * nkx);
    const eyPtr = arena.buffer("align-ey", 8 * ch);
    const gxPtr = arena.buffer("align-gx", 4 * nkx);
    const gyPtr = arena.buffer("align-gy", 4 * ch);
    for (let i = 0; i < n; i++) arena.f32(specPtr + 4 * len * i, len).set(spectra[i]!.data);
    const sum = arena.f32(sumPtr, band);
    const product = arena.f32(prodPtr, band);
    const ex = arena.f32(exPtr, 2 * nkx);
    const ey = arena.f32(eyPtr, 2 * ch);
    const gx = arena.f32(gxPtr, nkx);
    const gy = arena.f32(gyPtr, ch);
    const fyc = new Float64Array(ch);
    for (let j = 0; j < ch; j++) {
      fyc[j] = signedIndex(j, ch);
      const f = fyc[j]! / h;
      gy[j] = Math.exp((-opts.bfactorPx * f * f) / 4);
    }
    for (let kx = 0; kx < nkx; kx++) gx[kx] = Math.exp((-opts.bfactorPx * (kx / w) ** 2) / 4);
    const ramp = (i: number): void => {
      // e^{+2πi(kx sx/w + ky sy/h)}: moves content back by the shift (aligns it to the reference).
      const sx = shifts[2 * i]!;
      const sy = shifts[2 * i + 1]!;
      for (let kx = 0; kx < nkx; kx++) {
        const a = (2 * Math.PI * kx * sx) / w;
        ex[2 * kx] = Math.cos(a);
        ex[2 * kx + 1] = Math.sin(a);
      }
      for (let j = 0; j < ch; j++) {
        const a = (2 * Math.PI * fyc[j]! * sy) / h;
        ey[2 * j] = Math.cos(a);
        ey[2 * j + 1] = Math.sin(a);
      }
    };
    const k = arena.fn;
    const map = new Float32Array(cw * ch);
    const sx = w / cw;
    const sy = h / ch;

    let iteration = 0;
    for (; iteration < opts.iterations; iteration++) {
      sum.fill(0);
      for (let i = 0; i < n; i++) {
        ramp(i);
        k.ramp_accumulate(specPtr + 4 * len * i, h, nkx, ch, exPtr, eyPtr, sumPtr);
      }
      const previous = Float64Array.from(shifts);
      for (let i = 0; i < n; i++) {
        ramp(i);
        k.cc_product(specPtr + 4 * len * i, h, nkx, ch, exPtr, eyPtr, gxPtr, gyPtr, sumPtr, prodPtr);
        fft.inverse2d({ width: cw, height: ch, data: product }, map);
        // Search the whole range once, then only near the current estimate (no jumps to noise peaks).
        const wide = iteration === 0 && opts.initial === undefined;
        const radius = wide ? opts.maxShift : Math.max(2 * sx, Math.min(opts.maxShift, opts.localRadius ?? 4 * sx));
        const near: [number, number] = wide ? [0, 0] : [shifts[2 * i]!, shifts[2 * i + 1]!];
        const peak = findPeak(map, cw, ch, radius / sx, near[0] / sx, near[1] / sy);
        shifts[2 * i] = peak.x * sx;
        shifts[2 * i + 1] = peak.y * sy;
        peaks[i] = peak.value;
      }
      // Only relative shifts are defined: keep their mean fixed so the reference does not wander
      // (which would otherwise read as change and keep the iteration going).
      let mx = 0;
      let my = 0;
      let px = 0;
      let py = 0;
      for (let i = 0; i < n; i++) {
        mx += shifts[2 * i]! / n;
        my += shifts[2 * i + 1]! / n;
        px += previous[2 * i]! / n;
        py += previous[2 * i + 1]! / n;
      }
      let change = 0;
      for (let i = 0; i < n; i++) {
        shifts[2 * i]! += px - mx;
        shifts[2 * i + 1]! += py - my;
        change = Math.max(change, Math.abs(shifts[2 * i]! - previous[2 * i]!), Math.abs(shifts[2 * i + 1]! - previous[2 * i + 1]!));
      }
      if (change < opts.tolerance) {
        iteration++;
        break;
      }
    }
    return { shifts, peaks, iterations: iteration };
  } finally {
    arena.release();
  }
}

/** `candidate` if it fits within `full`, else `full` itself (always a good size). */
export function goodOrFull(candidate: number, full: number, kind: "real" | "complex"): number {
  if (candidate <= full) return candidate;
  return goodSizeAtMost(full, kind) === full ? full : goodSizeAtMost(full, kind);
}
