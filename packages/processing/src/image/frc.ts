import { ProcessingError } from "@emflow/core";
import type { Fft } from "../fft/fft.js";
import { signedIndex } from "../fft/spectrum2d.js";

/**
 * Fourier ring correlation of two same-size images in `rings` equal-width shells from 0 to
 * Nyquist (0.5 cycles/px). Ring r covers |k| ∈ [r, r+1) · 0.5/rings; values are the normalised
 * cross-correlation of the complex coefficients in that ring.
 */
export function fourierRingCorrelation(fft: Fft, a: Float32Array, b: Float32Array, width: number, height: number, rings = 32): Float64Array {
  if (a.length !== b.length || a.length !== width * height) throw new ProcessingError("FRC needs two images of the same size");
  const fa = fft.forward2d(a, width, height).data;
  const fb = fft.forward2d(b, width, height).data;
  const num = new Float64Array(rings);
  const da = new Float64Array(rings);
  const db = new Float64Array(rings);
  for (let kx = 0; kx <= width / 2; kx++) {
    const fx = kx / width;
    const weight = kx === 0 || kx === width / 2 ? 1 : 2;
    for (let ky = 0; ky < height; ky++) {
      const fy = signedIndex(ky, height) / height;
      const r = Math.floor((Math.sqrt(fx * fx + fy * fy) / 0.5) * rings);
      if (r >= rings || (kx === 0 && ky === 0)) continue;
      const i = 2 * (kx * height + ky);
      const ar = fa[i]!;
      const ai = fa[i + 1]!;
      const br = fb[i]!;
      const bi = fb[i + 1]!;
      num[r]! += weight * (ar * br + ai * bi);
      da[r]! += weight * (ar * ar + ai * ai);
      db[r]! += weight * (br * br + bi * bi);
    }
  }
  const out = new Float64Array(rings);
  for (let r = 0; r < rings; r++) out[r] = da[r]! > 0 && db[r]! > 0 ? num[r]! / Math.sqrt(da[r]! * db[r]!) : 0;
  return out;
}
