import { ProcessingError } from "@emflow/core";
import type { Fft } from "./fft.js";
import { findPeak, type Peak } from "./peak.js";
import { signedIndex, spectrumLength, type Spectrum2D } from "./spectrum2d.js";

/** Options for `crossCorrelate`. */
export interface CorrelateOptions {
  /** Gaussian low-pass exp(−B k²/4) on the cross-power spectrum, B in px² (k in cycles/px). 0 = none. */
  bfactorPx?: number;
  /** Search radius for the peak in pixels of the input grid (default: a quarter of the smaller side). */
  maxShift?: number;
  /**
   * Compute the correlation map on a smaller grid holding only the lowest frequencies (Fourier
   * crop of the cross-power spectrum): faster, and lossless when the B-factor has already removed
   * what lies outside. Must be good 2D FFT sizes. Default: the full size.
   */
  cropWidth?: number;
  cropHeight?: number;
  /** Centre of the search, pixels (default 0, 0). */
  near?: readonly [number, number];
}

/**
 * Cross-correlate two spectra of the same size and return the shift (x, y) in pixels such that
 * a(r) ≈ b(r − shift): the displacement of `a`'s content relative to `b`, with a sub-pixel peak.
 */
export function crossCorrelate(fft: Fft, a: Spectrum2D, b: Spectrum2D, opts: CorrelateOptions = {}): Peak {
  const { width: w, height: h } = a;
  if (b.width !== w || b.height !== h) throw new ProcessingError(`cannot correlate ${w} × ${h} with ${b.width} × ${b.height}`);
  const cw = opts.cropWidth ?? w;
  const ch = opts.cropHeight ?? h;
  if (cw > w || ch > h) throw new ProcessingError(`correlation crop ${cw} × ${ch} exceeds ${w} × ${h}`);
  const bf = opts.bfactorPx ?? 0;
  const product = new Float32Array(spectrumLength(cw, ch));
  const ad = a.data;
  const bd = b.data;
  const gy = new Float64Array(ch);
  for (let j = 0; j < ch; j++) {
    const fy = signedIndex(j, ch) / h;
    gy[j] = Math.exp((-bf * fy * fy) / 4);
  }
  for (let kx = 0; kx <= cw / 2; kx++) {
    const fx = kx / w;
    const gx = Math.exp((-bf * fx * fx) / 4);
    const src = 2 * kx * h;
    const dst = 2 * kx * ch;
    for (let j = 0; j < ch; j++) {
      const ky = j < ch / 2 ? j : h - ch + j;
      const i = src + 2 * ky;
      const ar = ad[i]!;
      const ai = ad[i + 1]!;
      const br = bd[i]!;
      const bi = bd[i + 1]!;
      const g = gx * gy[j]!;
      product[dst + 2 * j] = (ar * br + ai * bi) * g;
      product[dst + 2 * j + 1] = (ai * br - ar * bi) * g;
    }
  }
  const map = fft.inverse2d({ width: cw, height: ch, data: product });
  const sx = w / cw;
  const sy = h / ch;
  const radius = (opts.maxShift ?? Math.min(w, h) / 4) / Math.max(sx, sy);
  const near = opts.near ?? [0, 0];
  const peak = findPeak(map, cw, ch, radius, near[0] / sx, near[1] / sy);
  return { x: peak.x * sx, y: peak.y * sy, value: peak.value };
}
